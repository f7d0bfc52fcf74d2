"""CriticAgent: scores renders and films.

The offline metrics need no model weights, so every build is scored on any machine:
- `dynamic`: dynamic degree, the mean absolute change between consecutive frames (0 = frozen, 1 = every pixel
  flips from black to white each frame), per shot.
- `continuity`: temporal consistency inside each shot (VBench-style: similarity of every frame to the shot's
  first frame and to the previous frame, averaged), and across segment boundaries the similarity of the last
  frame of segment k to the first of segment k+1: the number that shows whether first-last frame anchoring works.
- `structure`: the four validators' findings on the script (film level).
Similarity is the cosine of mean-centred, downsampled RGB frames, in [-1, 1].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ..production import Segment

THUMB = (64, 36)  # frames are compared small: fast, and insensitive to codec noise


def _small(frame: np.ndarray) -> np.ndarray:
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


def shot_metrics(frames: list[np.ndarray]) -> dict:
    """Dynamic degree and temporal consistency of one shot's frames (thumbnails)."""
    if len(frames) < 2:
        return {"dynamic_degree": 0.0, "consistency": 1.0}
    changes = [float(np.abs(b - a).mean()) for a, b in zip(frames, frames[1:])]
    to_first = [similarity(frames[0], f) for f in frames[1:]]
    to_previous = [similarity(a, b) for a, b in zip(frames, frames[1:])]
    return {
        "dynamic_degree": round(float(np.mean(changes)), 5),
        "consistency": round(float((np.mean(to_first) + np.mean(to_previous)) / 2), 5),
    }


def score_segment(segment: Segment, video: Path, metrics: list[str]) -> dict:
    """Decode a render once and score each shot in it; also checks the render has the planned frame count."""
    from ..director.video import read_frames

    thumbs = [_small(frame) for frame in read_frames(video)]
    result: dict = {"segment": segment.id, "frames_expected": segment.frames, "frames": len(thumbs),
                    "complete": len(thumbs) == segment.frames, "shots": []}
    start = 0
    for piece in segment.shots:
        shot_frames = thumbs[start:start + piece.frames]
        start += piece.frames
        entry = {"shot": piece.shot.id, "part": piece.part, "frames": len(shot_frames)}
        values = shot_metrics(shot_frames)
        if "dynamic" in metrics:
            entry["dynamic_degree"] = values["dynamic_degree"]
        if "continuity" in metrics:
            entry["consistency"] = values["consistency"]
        result["shots"].append(entry)
    return result


def boundary_continuity(last_frame: Path, first_frame: Path) -> float:
    """Similarity of segment k's last picture to segment k+1's first: 1.0 means a seamless join."""
    return round(similarity(_small(np.asarray(Image.open(last_frame).convert("RGB"))),
                            _small(np.asarray(Image.open(first_frame).convert("RGB")))), 5)
