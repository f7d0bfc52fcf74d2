"""Retakes: the critic in the loop, as on a film set.

With `critic.retake: {metric, below, max_takes}` the render task renders take 1 (the segment's own seed) and
scores it; while the take scores under `below` and fewer than `max_takes` were shot, it renders the next take
with the next seed. Every take stays in build/takes/<segment>/ (takeN.mp4, takeN.first.png, takeN.last.png and
takeN.json with its seed and score), the best one becomes build/renders/<segment>.mp4, and takes.json records
all scores and the choice (the segment's score file repeats it).

Takes are cached: a take whose inputs (the segment file, its anchor frame, its cast images) are unchanged is
never rendered again, only re-scored when the retake metric changed.

Take metrics (higher is better), in TAKE_METRICS:
- continuity: the weakest of the take's per-shot pixel consistencies and, in chain mode, its join with the anchor;
- vsa: the mean Visual-Script Alignment of the take's shots (needs critic.clip_model);
- judge: the mean of the film rubric applied to the take (needs critic.judge).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..files import atomic_path, read_json, sha256_file, write_json_if_changed
from ..layout import BuildLayout
from ..plan import Segment
from ..schema import CriticConfig, digest
from .clip import Skipped


@dataclass(frozen=True)
class Take:
    number: int
    seed: int
    video: Path
    first_frame: Path
    last_frame: Path


def _unmeasured(shots: list[dict], metric: str) -> Skipped:
    """Why no shot part of a take has `metric` (the first shot's reason)."""
    why = next((shot["skipped"][metric] for shot in shots if metric in shot.get("skipped", {})), None)
    return Skipped(**why) if why else Skipped(f"no shot of the take has {metric}", "render the segment again")


def take_continuity(segment: Segment, take: Take, anchor: Path | None, critic: CriticConfig) -> float | Skipped:
    from .metrics.continuity import boundary_continuity
    from .scoring import measure_render

    score = measure_render(segment, take.video, CriticConfig(metrics=["continuity"])).score
    values = [shot["consistency"] for shot in score["shots"] if "consistency" in shot]
    if anchor is not None:
        values.append(boundary_continuity(anchor, take.first_frame))
    return min(values) if values else _unmeasured(score["shots"], "continuity")


def take_vsa(segment: Segment, take: Take, anchor: Path | None, critic: CriticConfig) -> float | Skipped:
    from .scoring import measure_render

    measure = measure_render(segment, take.video, CriticConfig(metrics=["vsa"], clip_model=critic.clip_model,
                                                               sample_fps=critic.sample_fps))
    if "vsa" in measure.score["skipped"]:
        return Skipped(**measure.score["skipped"]["vsa"])
    values = [shot["vsa"] for shot in measure.score["shots"] if "vsa" in shot]
    return sum(values) / len(values) if values else _unmeasured(measure.score["shots"], "vsa")


def take_judge(segment: Segment, take: Take, anchor: Path | None, critic: CriticConfig) -> float | Skipped:
    from .judge import judge_take

    return judge_take(segment, take.video, critic)


TAKE_METRICS = {"continuity": take_continuity, "vsa": take_vsa, "judge": take_judge}


def measured_by(critic: CriticConfig) -> dict:
    """What a take's score depends on besides the take itself: a change re-scores takes, never re-renders them."""
    metric = critic.retake.metric
    extra = {"vsa": {"clip_model": critic.clip_model, "sample_fps": critic.sample_fps},
             "judge": {"judge": critic.model_dump(mode="json")["judge"]}}.get(metric, {})
    return {"metric": metric, **extra}


def inputs_digest(segment: Segment, root: Path, anchor: Path | None, end_anchor: Path | None = None) -> str:
    """Everything a take is rendered from (take N adds N - 1 to the segment's seed)."""
    references = sorted(c.reference for c in segment.cast.values() if c.reference)
    return digest({"segment": segment.model_dump(mode="json"),
                   "anchor": sha256_file(anchor) if anchor else None,
                   "end_anchor": sha256_file(end_anchor) if end_anchor else None,
                   "cast": {r: sha256_file(Path(root) / r) for r in references}})


def render_with_retakes(segment: Segment, root: Path, anchor: Path | None, video: Path, first_frame: Path,
                        last_frame: Path, critic: CriticConfig, build: BuildLayout = BuildLayout(),
                        end_anchor: Path | None = None) -> dict:
    """Render takes until one scores at least `below` (or `max_takes` are shot); the best one is the render."""
    from ..director import load_renderer

    retake = critic.retake
    folder = build.takes_folder(segment.id)
    inputs = inputs_digest(segment, root, anchor, end_anchor)
    scorer = measured_by(critic)
    takes = []
    for number in range(1, retake.max_takes + 1):
        take = Take(number, segment.seed + number - 1, folder / f"take{number}.mp4",
                    folder / f"take{number}.first.png", folder / f"take{number}.last.png")
        record_file = folder / f"take{number}.json"
        record = read_json(record_file, {})
        files_there = all(p.exists() for p in (take.video, take.first_frame, take.last_frame))
        seeded = segment.model_copy(update={"seed": take.seed})
        if record.get("inputs") != inputs or not files_there:
            load_renderer(segment.director).render(seeded, Path(root), anchor, take.video, take.first_frame,
                                                   take.last_frame, end_anchor=end_anchor)
            record = {"inputs": inputs, "seed": take.seed}
        if record.get("measured_by") != scorer:
            value = TAKE_METRICS[retake.metric](seeded, take, anchor, critic)
            record.update(measured_by=scorer, score=None if isinstance(value, Skipped) else round(float(value), 5),
                          skipped=value.as_json() if isinstance(value, Skipped) else None)
            write_json_if_changed(record_file, record)
        takes.append({"take": number, "seed": take.seed, "score": record["score"], "skipped": record["skipped"]})
        if record["skipped"]:
            print(f"{segment.id}: retakes by {retake.metric} skipped: {record['skipped']['reason']} "
                  f"({record['skipped']['fix']})", file=sys.stderr)
            break
        if record["score"] >= retake.below:
            break

    # the best take (the first of equals), or take 1 when none could be scored
    scored = [t for t in takes if t["score"] is not None]
    chosen = max(scored, key=lambda t: t["score"])["take"] if scored else 1
    sound = ((f"take{chosen}.wav", Path(video).with_suffix(".wav")),) if (folder / f"take{chosen}.wav").exists() else ()
    for source, target in ((f"take{chosen}.mp4", video), (f"take{chosen}.first.png", first_frame),
                           (f"take{chosen}.last.png", last_frame)) + sound:  # the model's sound beside the video
        with atomic_path(target) as temporary:
            shutil.copyfile(folder / source, temporary)
    summary = {"metric": retake.metric, "below": retake.below, "max_takes": retake.max_takes, "chosen": chosen,
               "takes": takes}
    write_json_if_changed(build.takes_file(segment.id), summary)
    return summary
