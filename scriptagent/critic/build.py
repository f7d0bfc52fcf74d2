"""What the score tasks run: read a build's files, score, write the score files (atomically; paths: layout.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import BackendError, first_line
from ..files import atomic_path, read_json, write_if_changed, write_json_if_changed
from ..layout import STRIP, BuildLayout
from ..plan import Segment, film_segments
from ..schema import CriticConfig, Production
from .metrics import active_metrics
from .metrics.base import Film, JoinEnd
from .scoring import Encoders, film_summary, measure_render
from .stills import still


def write_segment_score(build: BuildLayout, segment: Segment, critic: CriticConfig,
                        encoders: Encoders | None = None) -> dict:
    """Score build/renders/<segment>.mp4 and write its score, features and thumbnails."""
    measure = measure_render(segment, build.render(segment.id), critic, encoders)
    takes = build.takes_file(segment.id)
    if critic.retake and takes.exists():
        measure.score["takes"] = read_json(takes)
    with atomic_path(build.features(segment.id)) as temporary:
        with open(temporary, "wb") as handle:
            np.savez_compressed(handle, **measure.features)
    for k, pictures in enumerate(measure.strip):
        for which in STRIP:
            write_if_changed(build.thumb(segment.id, k, which), still(pictures.get(which), segment.resolution))
    write_json_if_changed(build.score(segment.id), measure.score)
    return measure.score


def load_features(build: BuildLayout, segment_id: str) -> dict[str, np.ndarray] | None:
    path = build.features(segment_id)
    if not path.exists():
        return None
    try:
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError) as error:  # numpy's and zipfile's kinds of "this is not an npz"
        raise unreadable(path, error) from None


def read_score(path: Path) -> dict:
    """A score file the score task wrote; one line naming it when it cannot be read (its task's `uptodate` finds
    it damaged too, so the next `doit` scores it anew)."""
    try:
        score = read_json(path)
    except (OSError, ValueError) as error:
        raise unreadable(path, error) from None
    if not isinstance(score, dict):
        raise unreadable(path, ValueError("not a JSON object"))
    return score


def unreadable(path: Path, error: BaseException) -> BackendError:
    return BackendError(f"{path}: unreadable ({type(error).__name__}: {first_line(error)}); run doit again to "
                        "score it anew")


def write_film_score(build: BuildLayout, segment_ids: list[str], production: Production) -> dict:
    """Score the film from its segments' scores, features and boundary frames; run the film rubric."""
    critic = production.critic
    metrics = active_metrics(critic)
    segments = film_segments(build, segment_ids)
    film = Film([read_score(build.score(i)) for i in segment_ids], {i: load_features(build, i) for i in segment_ids})

    # 1. Joins: consecutive segments of one scene (a new scene is meant to look different).
    if any(metric.makes_joins for metric in metrics.values()):
        for previous, current in zip(segments, segments[1:]):
            if previous.scene_id != current.scene_id:
                continue
            join = {"from": previous.id, "to": current.id, "time": round(current.first_frame / current.fps, 4),
                    "within_shot": current.shots[0].part > 1}
            before = JoinEnd(build.frame(previous.id, "last"), film.features[previous.id])
            after = JoinEnd(build.frame(current.id, "first"), film.features[current.id])
            for metric in metrics.values():
                join.update(metric.join(before, after))
            film.joins.append(join)

    # 2. The film's numbers, metric by metric.
    result = film_summary(film, critic)
    result.update(segments=len(segments), shots=len({p.shot.id for s in segments for p in s.shots}),
                  joins=film.joins, alignment_shots={})
    for metric in metrics.values():
        result.update(metric.film_details(film))

    # 3. The film rubric.
    if critic.judge is not None:
        from .judge import judge_film
        result["rubric"] = judge_film(build, segments, production)
    write_json_if_changed(build.film_score, _rounded(result))
    return result


def write_script_score(build: BuildLayout, folder: Path, production: Production) -> dict:
    """The script's scores: the metrics' (structure: rule-based, from the validators) and the judge's rubric."""
    from ..layout import SCRIPT_FILE

    result: dict = {}
    for metric in active_metrics(production.critic).values():
        result.update(metric.script(build, folder, production))
    if production.critic.judge is not None:
        from .judge import judge_script
        result["rubric"] = judge_script((Path(folder) / SCRIPT_FILE).read_text(encoding="utf-8"), production)
    write_json_if_changed(build.script_score, result)
    return result


def _rounded(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
