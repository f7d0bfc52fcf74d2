"""The critic's metrics: their arithmetic on frames of known colours, and end to end on real animatic builds."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import SMALL_PRODUCTION, doit, edit_shot, executed, make_production
from critic_helpers import save_tiny_clip

from scriptagent.critic.metrics.base import JoinEnd
from scriptagent.critic.metrics.clip_based import BackgroundConsistency, film_alignment
from scriptagent.critic.metrics.dynamic import flow_frame, flow_magnitude, motion
from scriptagent.critic.scoring import Encoders, measure_frames, sample_indices
from scriptagent.director import plan_segments
from scriptagent.schema import CriticConfig, Production, Script

COLOURS = {"red": (230, 20, 20), "green": (20, 200, 40), "blue": (30, 40, 220), "yellow": (230, 220, 30)}
SIZE = (48, 32)  # width, height
FPS = 8
ALL_METRICS = ["structure", "continuity", "dynamic", "vsa", "clip_score", "subject_consistency",
               "background_consistency"]


class ColourEncoder:
    """A deterministic stand-in for CLIP: a frame embeds as its mean colour, a text as the colour it names."""

    def images(self, frames):
        return self._rows([np.asarray(frame, np.float32).reshape(-1, 3).mean(axis=0) for frame in frames])

    def texts(self, texts):
        return self._rows([np.array(next(rgb for name, rgb in COLOURS.items() if name in text.lower()), np.float32)
                           for text in texts])

    @staticmethod
    def _rows(vectors):
        rows = np.stack(vectors)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def colour_film(colours: list[str], max_segment_seconds: float = 2.0):
    """Segments of a one-scene film whose shot k is described as showing colours[k] (1.5 s each)."""
    production = Production.model_validate({
        "title": "Colours", "cast": [{"id": "ana", "name": "Ana"}], "setting": "a studio",
        "dialogue": [{"ana": "Look."}], "style": {"resolution": list(SIZE), "fps": FPS},
        "director": {"backend": "animatic", "max_segment_seconds": max_segment_seconds, "anchoring": "none"}})
    script = Script.model_validate({"characters": {"ana": {"name": "Ana"}}, "scenes": [{
        "id": "studio", "setting": "a studio",
        "shots": [{"id": f"sh{k + 1:02d}", "duration": 1.5, "shot_size": "wide", "description": f"A {colour} wall"}
                  for k, colour in enumerate(colours)]}]})
    return plan_segments(production, script)


def plain(colour: str) -> np.ndarray:
    return np.full((SIZE[1], SIZE[0], 3), COLOURS[colour], np.uint8)


def score_film(segments, frames_for_part, metric_names=("vsa", "background_consistency")):
    critic = CriticConfig(metrics=list(metric_names), sample_fps=4)
    encoders = Encoders({"clip_model": ColourEncoder(), "subject_model": ColourEncoder()})
    measures = {}
    for segment in segments:
        frames = [frame for shot_part in segment.shots for frame in frames_for_part(shot_part)]
        measures[segment.id] = measure_frames(segment, frames, critic, encoders)
    return measures, film_alignment({i: m.features for i, m in measures.items()})


def test_shots_shown_in_the_wrong_windows_score_lower_temporal_accuracy():
    colours = ["red", "green", "blue", "yellow"]
    segments = colour_film(colours)
    colour_of = {f"sh{k + 1:02d}": colour for k, colour in enumerate(colours)}
    shifted = {f"sh{k + 1:02d}": colours[(k + 1) % len(colours)] for k in range(len(colours))}

    right, right_film = score_film(segments, lambda shot_part: [plain(colour_of[shot_part.shot.id])] * shot_part.frames)
    wrong, wrong_film = score_film(segments, lambda shot_part: [plain(shifted[shot_part.shot.id])] * shot_part.frames)

    assert right_film["temporal_accuracy"] == 1.0
    assert wrong_film["temporal_accuracy"] == 0.0
    assert right_film["vsa"] == pytest.approx(1.0, abs=1e-5)
    assert wrong_film["vsa"] < right_film["vsa"] - 0.2
    for shot in right_film["shots"]:
        assert right_film["shots"][shot]["vsa"] > wrong_film["shots"][shot]["vsa"]
    # the per-segment files carry the per-shot VSA that the film averages
    assert all(entry["vsa"] == pytest.approx(1.0, abs=1e-5)
               for m in right.values() for entry in m.score["shots"])


def test_a_cut_inside_a_segment_scores_lower_continuity():
    segments = colour_film(["red"], max_segment_seconds=2.0)
    (segment,) = segments

    def steady(shot_part):
        return [plain("red")] * shot_part.frames

    def cut(shot_part):
        half = shot_part.frames // 2
        return [plain("red")] * half + [plain("blue")] * (shot_part.frames - half)

    critic = CriticConfig(metrics=["continuity", "subject_consistency", "background_consistency"], sample_fps=4)
    encoders = Encoders({"clip_model": ColourEncoder(), "subject_model": ColourEncoder()})
    smooth = measure_frames(segment, steady(segment.shots[0]), critic, encoders).score["shots"][0]
    broken = measure_frames(segment, cut(segment.shots[0]), critic, encoders).score["shots"][0]
    for name in ("consistency", "subject_consistency", "background_consistency"):
        assert smooth[name] == pytest.approx(1.0, abs=1e-5)
        assert broken[name] < 0.9, name


def test_boundary_features_compare_last_and_first_sampled_frames():
    def end(*colours):
        return JoinEnd(None, {"image": ColourEncoder().images([plain(colour) for colour in colours])})

    join = BackgroundConsistency().join
    assert join(end("red", "green"), end("green", "blue"))["background"] == pytest.approx(1.0, abs=1e-5)
    assert join(end("red", "green"), end("red", "blue"))["background"] < 0.5
    assert join(end("red"), JoinEnd(None, None)) == {}  # nothing embedded on one side: no number


def test_dynamic_degree_sees_motion_and_stillness():
    rng = np.random.default_rng(0)
    texture = (rng.random((120, 240)) * 255).astype(np.uint8)
    texture = np.repeat(np.repeat(texture, 2, axis=0), 2, axis=1)  # blobs of 2x2: something flow can follow

    def frame(offset: int) -> np.ndarray:
        gray = texture[40:130, offset:offset + 160]
        return np.stack([gray] * 3, axis=-1)

    moving = [flow_frame(frame(4 * t)) for t in range(6)]
    still = [flow_frame(frame(0)) for _ in range(6)]
    moving_pairs = [flow_magnitude(a, b) for a, b in zip(moving, moving[1:])]
    still_pairs = [flow_magnitude(a, b) for a, b in zip(still, still[1:])]
    # 4 px per frame at a 90 px short side is about 11 px at VBench's 256 px scale
    assert all(8 < value < 14 for value in moving_pairs), moving_pairs
    assert max(still_pairs) < 0.5
    assert motion(moving_pairs)["dynamic"] and not motion(still_pairs)["dynamic"]


def test_sampled_frames_include_both_ends():
    picked = sample_indices(36, 12, 4)  # 3 s at 4 per second
    gaps = np.diff(picked)
    assert len(picked) == 12 and picked[0] == 0 and picked[-1] == 35 and gaps.max() - gaps.min() <= 1
    assert sample_indices(1, 24, 4) == [0]
    assert sample_indices(3, 24, 4) == [0, 2]


# --- end to end -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    return save_tiny_clip(tmp_path_factory.mktemp("models") / "tiny-clip")


def critic_production(folder, critic: str, anchoring: str = "none"):
    return make_production(folder, text=SMALL_PRODUCTION.replace("ANCHORING", anchoring) + f"critic: {critic}\n")


def scores_run(output: str) -> list[str]:
    return [task for task in executed(output) if task.startswith("score:")]


def test_model_metrics_run_end_to_end_and_rescore_only_what_changed(tmp_path, tiny_clip, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = critic_production(tmp_path / "p", f"{{metrics: [{', '.join(ALL_METRICS)}], clip_model: '{tiny_clip}', "
                                               f"subject_model: '{tiny_clip}'}}")
    first = doit(folder)
    plan = json.loads((folder / "build" / "plan.json").read_text())
    ids = [s["id"] for s in plan["segments"]]
    assert sorted(scores_run(first.stdout)) == sorted([f"score:{i}" for i in ids] + ["score:film", "score:script"])

    for segment_id in ids:
        score = json.loads((folder / "build" / "scores" / f"{segment_id}.json").read_text())
        assert score["skipped"] == {} and score["complete"]
        planned = json.loads((folder / "build" / "segments" / f"{segment_id}.json").read_text())["shots"]
        assert [shot["shot"] for shot in score["shots"]] == [shot_part["shot"]["id"] for shot_part in planned] != []
        for shot in score["shots"]:
            for name in ("vsa", "clip_score", "subject_consistency", "background_consistency", "consistency",
                         "flow_magnitude"):
                assert np.isfinite(shot[name]), (segment_id, name)
            assert -1 <= shot["vsa"] <= 1 and 0 <= shot["clip_score"] <= 100
        assert (folder / "build" / "scores" / f"{segment_id}.features.npz").exists()
    film = json.loads((folder / "build" / "scores" / "_film.json").read_text())
    assert film["skipped"] == {}
    assert 0 <= film["metrics"]["temporal_accuracy"] <= 1 and -1 <= film["metrics"]["vsa"] <= 1
    assert set(film["alignment_shots"]) == {shot["id"] for shot in plan["shots"]}
    assert all("background" in join and "subject" in join for join in film["joins"])
    report = (folder / "build" / "report.html").read_text()
    for shot in plan["shots"]:  # the plot draws each shot's VSA
        assert f"{shot['id']}: VSA " in report

    assert scores_run(doit(folder).stdout) == []  # nothing changed: nothing is scored again

    edit_shot(folder, "sh03", "camera_movement", "pan-left")
    edited = doit(folder)
    target = next(s["id"] for s in plan["segments"] if any(shot.startswith("sh03") for shot in s["shots"]))
    segment_scores = [t for t in scores_run(edited.stdout) if t not in ("score:film", "score:script")]
    assert segment_scores == [f"score:{target}"]
    assert "score:film" in scores_run(edited.stdout)


def test_a_model_that_cannot_be_loaded_is_skipped_with_reason_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = critic_production(tmp_path / "p", "{metrics: [continuity, vsa, subject_consistency], "
                                               "clip_model: no-such-org/no-such-clip, subject_model: ./missing}")
    doit(folder)
    segment_id = json.loads((folder / "build" / "plan.json").read_text())["segments"][0]["id"]
    score = json.loads((folder / "build" / "scores" / f"{segment_id}.json").read_text())
    assert set(score["skipped"]) == {"vsa", "subject_consistency"}
    assert "critic.clip_model: cannot load 'no-such-org/no-such-clip'" in score["skipped"]["vsa"]["reason"]
    assert "remove vsa from critic.metrics" in score["skipped"]["vsa"]["fix"]
    assert score["shots"] and all("vsa" not in shot and "consistency" in shot for shot in score["shots"])  # no guess
    film = json.loads((folder / "build" / "scores" / "_film.json").read_text())
    assert film["metrics"]["vsa"] is None and film["metrics"]["temporal_accuracy"] is None
    assert set(film["skipped"]) == {"vsa", "subject_consistency"}
    report = (folder / "build" / "report.html").read_text()
    assert "no-such-org/no-such-clip" in report
    # in the film's table the numbers read "skipped" (before: "—"), and so does each shot's vsa
    for name in ("vsa", "temporal_accuracy", "subject_consistency"):
        assert re.search(rf"<tr><td>{name}</td>\s*<td class=\"num warn\" title=\"critic\.[a-z_]+: cannot load "
                         rf"[^\"]*\">skipped</td>", report), name
    shots = sum(len(json.loads(p.read_text())["shots"]) for p in (folder / "build" / "scores").glob("[!_]*.json"))
    assert report.count('<tr><td>vsa</td><td class="num warn"') == shots
