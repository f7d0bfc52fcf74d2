"""What the score tasks run: read a build's files, score, write the score files (atomically; see paths.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from ..files import atomic_path, read_json, write_if_changed, write_json_if_changed
from ..production import CriticConfig, Production, Segment, film_segments
from .paths import STRIP, features_file, film_score_file, score_file, script_score_file, takes_file, thumb_file
from .scoring import Encoders, film_alignment, film_summary, join_scores, score_segment

THUMB_WIDTH = 320


def write_segment_score(build: Path, segment: Segment, critic: CriticConfig, encoders: Encoders | None = None) -> dict:
    """Score build/renders/<segment>.mp4 and write its score, features and thumbnails."""
    measure = score_segment(segment, Path(build) / "renders" / f"{segment.id}.mp4", critic, encoders)
    takes = takes_file(build, segment.id)
    if critic.retake and takes.exists():
        measure.score["takes"] = read_json(takes)
    with atomic_path(features_file(build, segment.id)) as temporary:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **measure.features)
    width, height = segment.resolution
    size = (THUMB_WIDTH, max(2, round(THUMB_WIDTH * height / width)))
    for k, pictures in enumerate(measure.strip):
        for which in STRIP:
            frame = pictures.get(which)
            image = Image.fromarray(frame) if frame is not None else Image.new("RGB", (width, height), (90, 90, 90))
            write_if_changed(thumb_file(build, segment.id, k, which), jpeg(image.resize(size, Image.BILINEAR)))
    write_json_if_changed(score_file(build, segment.id), measure.score)
    return measure.score


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def load_features(build: Path, segment_id: str) -> dict[str, np.ndarray] | None:
    path = features_file(build, segment_id)
    if not path.exists():
        return None
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def write_film_score(build: Path, segment_ids: list[str], production: Production) -> dict:
    """Score the film from its segments' scores, features and boundary frames; run the film rubric."""
    from . import boundary_continuity

    critic = production.critic
    segments = film_segments(build, segment_ids)
    scores = [read_json(score_file(build, i)) for i in segment_ids]
    features = {i: load_features(build, i) for i in segment_ids}

    # 1. Joins: consecutive segments of one scene (a new scene is meant to look different).
    joins = []
    if "continuity" in critic.metrics:
        for previous, current in zip(segments, segments[1:]):
            if previous.scene_id != current.scene_id:
                continue
            joins.append({"from": previous.id, "to": current.id, "time": round(current.first_frame / current.fps, 4),
                          "within_shot": current.shots[0].part > 1,
                          "pixel": boundary_continuity(build / "frames" / f"{previous.id}.last.png",
                                                       build / "frames" / f"{current.id}.first.png"),
                          **join_scores(features[previous.id], features[current.id])})

    # 2. Alignment over the whole film, then the film's means.
    usable = {i: f for i, f in features.items() if f is not None and "image" in f}
    alignment = film_alignment(usable) if "vsa" in critic.metrics and len(usable) == len(segment_ids) else None
    result = film_summary(scores, joins, alignment, critic)
    result.update(segments=len(segments), shots=len({p.shot.id for s in segments for p in s.shots}),
                  joins=joins, alignment_shots=alignment["shots"] if alignment else {})

    # 3. The film rubric.
    if critic.judge is not None:
        from .judge import judge_film
        result["rubric"] = judge_film(build, segments, production)
    write_json_if_changed(film_score_file(build), _rounded(result))
    return result


def write_script_score(build: Path, folder: Path, production: Production) -> dict:
    """The script rubric: rule-based scores from the validators' findings, and the judge's when configured."""
    from ..production import SCRIPT_FILE, load_script
    from .rubrics import rule_based_script_scores

    result: dict = {}
    if "structure" in production.critic.metrics:
        script, _ = load_script(folder)
        findings = read_json(build / "findings.json")
        result["rule_based"] = rule_based_script_scores(findings, len(script.shots()), len(production.lines))
    if production.critic.judge is not None:
        from .judge import judge_script
        result["rubric"] = judge_script((Path(folder) / SCRIPT_FILE).read_text(encoding="utf-8"), production)
    write_json_if_changed(script_score_file(build), result)
    return result


def _rounded(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
