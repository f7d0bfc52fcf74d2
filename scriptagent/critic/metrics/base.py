"""What a metric is (`Metric`), and what the scoring hands it: one pass over a segment's frames
(`SegmentFrames`), the two sides of a join between segments (`JoinEnd`), the film's segment scores (`Film`).

A metric that could not measure something says why with a `Skipped` (reason, fix): the score files, the
comparison and the report show it as skipped, never as a number put in its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from ...plan import Segment
from ..clip import Skipped

Measured = dict | Skipped  # a shot's numbers, or why there are none
NO_FRAMES = Skipped("no frame of this shot was rendered", "render the segment again (its render is incomplete)")


class Watcher:
    """Sees every frame of one segment in order (pixel metrics keep what they need of each)."""

    def see(self, k: int, offset: int, frame: np.ndarray) -> None:
        """`frame` is the `offset`-th frame of segment.shots[k]."""
        raise NotImplementedError


@dataclass
class SegmentFrames:
    """What one pass over a segment's render gathered for the metrics to measure each shot part from."""

    segment: Segment
    rendered: list[int]  # frames the render has of each SegmentShot (segment.shots[k])
    sampled: list[np.ndarray]  # frames sampled inside the shot parts' windows (critic.sample_fps), in order
    sampled_shots: np.ndarray  # k of the SegmentShot each sampled frame shows
    features: dict[str, np.ndarray] = field(default_factory=dict)  # kept: build/scores/<segment>.features.npz
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # used by the metrics, not kept

    def rows(self, key: str, k: int) -> np.ndarray:
        """The embeddings `key` of the frames sampled from segment.shots[k] (none when not embedded)."""
        if key not in self.features:
            return np.zeros((0, 0), np.float32)
        return self.features[key][self.sampled_shots == k]

    def too_few(self, k: int, what: str, have: int, need: int) -> Skipped:
        """Why shot part k has no `what`: `have` frames (or pairs) to measure it from where it needs `need`."""
        rendered, planned = self.rendered[k], self.segment.shots[k].frames
        reason = f"{what} needs {need} frames of the shot, and {have} {'was' if have == 1 else 'were'} there"
        if rendered < planned:
            return Skipped(f"{reason}: {rendered} of its {planned} frames were rendered",
                           "render the segment again (its render is incomplete)")
        return Skipped(f"{reason}: the shot is too short", f"nothing to fix: a shot this short has no {what}")


@dataclass(frozen=True)
class JoinEnd:
    """One side of a join of consecutive segments: the frame at the join, and the segment's embeddings."""

    frame: Path  # the earlier segment's last frame, or the later one's first
    features: dict[str, np.ndarray] | None


@dataclass
class Film:
    """The film's segments' score files, their embeddings and the measured joins."""

    scores: list[dict]
    features: dict[str, dict[str, np.ndarray] | None]
    joins: list[dict] = field(default_factory=list)
    memo: dict = field(default_factory=dict)  # what several metrics of a family compute once

    @property
    def shots(self) -> list[dict]:
        return [shot for score in self.scores for shot in score["shots"]]

    def shot_mean(self, key: str) -> float | Skipped:
        """The mean of `key` over the shot parts that have it."""
        value = mean(shot.get(key) for shot in self.shots)
        if value is None:
            return Skipped(f"no shot has a {key}", "see each shot's 'skipped' in build/scores/<segment>.json")
        return value


class Metric:
    """What differs from one metric to the next: a subclass sets the class attributes and overrides the steps
    it takes part in (a pixel metric watches every frame; a model metric embeds and reads the sampled frames)."""

    name: ClassVar[str]  # as critic.metrics lists it
    place: ClassVar[int]  # its numbers' order in comparisons and the report, lower first
    model: ClassVar[str | None] = None  # the critic setting naming the model weights it needs; None: no weights
    needs_text: ClassVar[bool] = False  # the model must embed texts as well as frames
    shot_keys: ClassVar[tuple[str, ...]] = ()  # its numbers for each shot part, in <segment>.json
    film_notes: ClassVar[dict[str, str]] = {}  # its numbers in _film.json, each with what it measures
    makes_joins: ClassVar[bool] = False  # the film's joins (consecutive segments of one scene) are measured for it

    def unavailable(self) -> Skipped | None:
        """Why it cannot run at all here (a library that is not installed), or None."""
        return None

    def watch(self, segment: Segment) -> Watcher | None:
        """What sees every frame of `segment` for this metric (pixel metrics), or None."""
        return None

    def embed(self, encoder, seen: SegmentFrames) -> None:
        """Embed `seen.sampled` with this metric's model into seen.features (once per model and segment)."""

    def measure_shot(self, k: int, seen: SegmentFrames, watcher: Watcher | None) -> Measured:
        """This metric's numbers for segment.shots[k], or why there are none."""
        return {}

    def join(self, before: JoinEnd, after: JoinEnd) -> dict:
        """Its numbers for one join, when the film measures joins."""
        return {}

    def summarise(self, film: Film) -> dict[str, float | Skipped]:
        """Its film-level numbers (the keys of film_notes), each a value or why there is none."""
        return {}

    def film_details(self, film: Film) -> dict:
        """What else it adds to _film.json besides its numbers."""
        return {}

    def script(self, build, folder: Path, production) -> dict:
        """What it adds to _script.json."""
        return {}


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 5) if values else None


def first_and_previous(pairwise, items) -> float | None:
    """VBench's consistency: mean over frames 2..n of (sim to the first frame + sim to the previous frame) / 2;
    None for fewer than two frames (nothing to compare)."""
    if len(items) < 2:
        return None
    scores = [(pairwise(items[0], item) + pairwise(previous, item)) / 2
              for previous, item in zip(items, items[1:])]
    return float(np.mean(scores))


def feature_consistency(features: np.ndarray) -> float | None:
    """Subject or background consistency from normalised per-frame embeddings (VBench): 1.0 is unchanging."""
    rows = list(np.asarray(features, dtype=np.float32))
    return first_and_previous(lambda a, b: float(np.dot(a, b)), rows)


def shot_feature_consistency(seen: SegmentFrames, k: int, key: str, what: str) -> float | Skipped:
    """The consistency of shot part k's frames as embedded in `key`, or why there is none (too few frames)."""
    mine = seen.rows(key, k)
    value = feature_consistency(mine)
    if value is None:
        return seen.too_few(k, what, len(mine), 2) if len(mine) else NO_FRAMES
    return value


def feature_join(before: JoinEnd, after: JoinEnd, key: str) -> float | None:
    """Similarity of the earlier segment's last sampled frame and the later one's first, as embedded in `key`."""
    if before.features is None or after.features is None or key not in before.features or key not in after.features:
        return None
    return round(float(np.dot(before.features[key][-1], after.features[key][0])), 5)
