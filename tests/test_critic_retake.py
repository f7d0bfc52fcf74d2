"""Retakes: a segment whose take scores under the threshold is rendered again with the next seed."""

from __future__ import annotations

import json

from conftest import SMALL_PRODUCTION, executed, make_production

from scriptagent import cli
from scriptagent.critic import retake


def build(folder) -> list[str]:
    """Build in this process (so the injected metric is used); the tasks doit ran."""
    report = folder.parent / "doit-output.txt"
    assert cli.main(["build", str(folder), "--output-file", str(report)]) == 0
    return executed(report.read_text())


def test_a_failing_take_is_retaken_and_the_better_take_is_used(tmp_path, monkeypatch):
    calls = []

    def first_take_fails(segment, take, anchor, critic):  # an injected metric: take 1 fails, later takes pass
        calls.append((segment.id, take.number))
        return 0.1 if take.number == 1 else 0.9

    monkeypatch.setitem(retake.TAKE_METRICS, "continuity", first_take_fails)
    text = SMALL_PRODUCTION.replace("ANCHORING", "chain") + \
        "critic: {metrics: [continuity], retake: {metric: continuity, below: 0.5, max_takes: 3}}\n"
    folder = make_production(tmp_path / "p", text=text)
    ran = build(folder)
    build_dir = folder / "build"
    ids = [s["id"] for s in json.loads((build_dir / "plan.json").read_text())["segments"]]
    assert sorted(t for t in ran if t.startswith("render:")) == sorted(f"render:{i}" for i in ids)
    assert sorted(calls) == sorted((i, n) for i in ids for n in (1, 2))  # never a third take

    for segment_id in ids:
        takes = build_dir / "takes" / segment_id
        summary = json.loads((takes / "takes.json").read_text())
        assert summary["chosen"] == 2
        assert [(t["take"], t["score"]) for t in summary["takes"]] == [(1, 0.1), (2, 0.9)]
        seeds = [json.loads((takes / f"take{n}.json").read_text())["seed"] for n in (1, 2)]
        assert seeds[1] == seeds[0] + 1
        assert (build_dir / "renders" / f"{segment_id}.mp4").read_bytes() == (takes / "take2.mp4").read_bytes()
        assert (build_dir / "frames" / f"{segment_id}.last.png").read_bytes() == \
            (takes / "take2.last.png").read_bytes()
        score = json.loads((build_dir / "scores" / f"{segment_id}.json").read_text())
        assert score["takes"]["chosen"] == 2 and len(score["takes"]["takes"]) == 2

    calls.clear()
    assert [t for t in build(folder) if t.startswith("render:")] == []
    assert calls == []

    # a lost render is restored from its takes: nothing is rendered or measured again
    (build_dir / "renders" / f"{ids[0]}.mp4").unlink()
    stamp = (build_dir / "takes" / ids[0] / "take2.mp4").stat().st_mtime_ns
    assert f"render:{ids[0]}" in build(folder)
    assert calls == [] and (build_dir / "takes" / ids[0] / "take2.mp4").stat().st_mtime_ns == stamp


def test_takes_that_all_fail_keep_the_best(tmp_path, monkeypatch):
    scores = {1: 0.3, 2: 0.4, 3: 0.2}
    monkeypatch.setitem(retake.TAKE_METRICS, "continuity", lambda segment, take, anchor, critic: scores[take.number])
    text = SMALL_PRODUCTION.replace("ANCHORING", "none").replace("max_segment_seconds: 3", "max_segment_seconds: 10") \
        + "critic: {metrics: [continuity], retake: {metric: continuity, below: 0.5, max_takes: 3}}\n"
    folder = make_production(tmp_path / "p", text=text)
    build(folder)
    for summary_file in (folder / "build" / "takes").glob("*/takes.json"):
        summary = json.loads(summary_file.read_text())
        assert [t["score"] for t in summary["takes"]] == [0.3, 0.4, 0.2] and summary["chosen"] == 2


def test_retakes_by_the_real_continuity_metric(tmp_path):
    text = SMALL_PRODUCTION.replace("ANCHORING", "chain") + \
        "critic: {metrics: [continuity], retake: {metric: continuity, below: 1.5, max_takes: 2}}\n"
    folder = make_production(tmp_path / "p", text=text)
    build(folder)
    summaries = [json.loads(p.read_text()) for p in (folder / "build" / "takes").glob("*/takes.json")]
    assert summaries
    for summary in summaries:  # nothing reaches 1.5: both takes are shot, the better one is used
        scores = [t["score"] for t in summary["takes"]]
        assert len(scores) == 2 and all(-1 <= s <= 1 for s in scores)
        assert scores[summary["chosen"] - 1] == max(scores)
    assert not cli.main(["build", str(folder), "clean"])  # 0 (doit returns None for clean)
    assert not list((folder / "build" / "takes").glob("*/take*.mp4"))


def test_a_take_with_no_measured_shot_is_skipped_not_scored(monkeypatch):
    """A take whose shots could not be measured (an incomplete render) has no score: it is skipped with the reason
    (before, its one-frame shots scored a consistency of 1.0, and an unmeasured VSA raised a KeyError)."""
    from pathlib import Path

    from scriptagent.critic import scoring
    from scriptagent.critic.clip import Skipped
    from scriptagent.schema import CriticConfig

    why = {"reason": "no frame of this shot was rendered", "fix": "render the segment again"}
    shots = [{"shot": "sh01", "skipped": {"continuity": why, "vsa": why}}]
    monkeypatch.setattr(scoring, "measure_render",
                        lambda *args, **kwargs: scoring.SegmentMeasure({"shots": shots, "skipped": {}}))
    take = retake.Take(1, 0, Path("take1.mp4"), Path("take1.first.png"), Path("take1.last.png"))
    assert retake.take_continuity(None, take, None, CriticConfig()) == Skipped(**why)
    assert retake.take_vsa(None, take, None, CriticConfig()) == Skipped(**why)
