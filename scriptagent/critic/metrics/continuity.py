"""continuity (no weights): temporal consistency inside each shot part, from downsampled pixels (VBench's formula),
and boundary continuity at each join of consecutive segments of a scene: the similarity of segment k's last frame
and segment k+1's first, the number that shows whether first-last frame anchoring works."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from ..clip import Skipped
from .base import Film, JoinEnd, Measured, Metric, SegmentFrames, Watcher, first_and_previous, mean

THUMB = (64, 36)  # frames are compared small: fast, and insensitive to codec noise


def thumbnail(frame: np.ndarray) -> np.ndarray:
    image = Image.fromarray(frame).resize(THUMB, Image.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of mean-centred frames (or thumbnails); 1.0 for identical pictures."""
    a = a.astype(np.float32).ravel() - a.mean()
    b = b.astype(np.float32).ravel() - b.mean()
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    if norm < 1e-8:  # flat frames: similar exactly when they are equal
        return 1.0 if np.allclose(a, b, atol=1e-3) else 0.0
    return float(np.dot(a, b) / norm)


def pixel_consistency(thumbs: list[np.ndarray]) -> float | None:
    """Temporal consistency of a shot from its frames' thumbnails (no model); None under two frames."""
    return first_and_previous(similarity, thumbs)


def boundary_continuity(last_frame: Path, first_frame: Path) -> float:
    """Similarity of segment k's last picture to segment k+1's first: 1.0 means a seamless join."""
    def load(path: Path):
        with Image.open(path) as image:
            return thumbnail(np.asarray(image.convert("RGB")))

    return round(similarity(load(last_frame), load(first_frame)), 5)


class Thumbnails(Watcher):
    def __init__(self, shots: int):
        self.thumbs: list[list[np.ndarray]] = [[] for _ in range(shots)]

    def see(self, k: int, offset: int, frame: np.ndarray) -> None:
        self.thumbs[k].append(thumbnail(frame))


class Continuity(Metric):
    name = "continuity"
    place = 50
    shot_keys = ("consistency",)
    film_notes: ClassVar[dict[str, str]] = {
        "consistency": "similarity of each frame's downsampled pixels to the shot's first and the previous frame",
        "boundary_continuity": "pixel similarity of segment k's last frame and k+1's first, over the joins in a "
                               "scene",
        "boundary_continuity_within_shots": "boundary continuity over the joins inside a shot split across "
                                            "segments",
    }
    makes_joins = True

    def watch(self, segment) -> Watcher:
        return Thumbnails(len(segment.shots))

    def measure_shot(self, k: int, seen: SegmentFrames, watcher: Thumbnails) -> Measured:
        value = pixel_consistency(watcher.thumbs[k])
        if value is None:
            return seen.too_few(k, "consistency", len(watcher.thumbs[k]), 2)
        return {"consistency": value}

    def join(self, before: JoinEnd, after: JoinEnd) -> dict:
        return {"pixel": boundary_continuity(before.frame, after.frame)}

    def summarise(self, film: Film) -> dict:
        within = [j["pixel"] for j in film.joins if j["within_shot"]]
        return {
            "consistency": film.shot_mean("consistency"),
            "boundary_continuity": mean(j["pixel"] for j in film.joins) if film.joins else
            Skipped("no join to measure: no scene has two consecutive segments",
                    "nothing to fix: a scene of one segment has no join (a longer scene, or a lower "
                    "director.max_segment_seconds, makes some)"),
            "boundary_continuity_within_shots": mean(within) if within else
            Skipped("no join inside a shot: no shot is split across segments",
                    "nothing to fix: only a shot longer than director.max_segment_seconds is split"),
        }
