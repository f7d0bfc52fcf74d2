"""dynamic (no weights): optical flow (OpenCV Farneback) per shot part, as VBench measures dynamic degree; the
film's dynamic degree is the share of shot parts that move."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..clip import Skipped
from .base import Film, Measured, Metric, SegmentFrames, Watcher

VBENCH_SHORT_SIDE = 256  # VBench's dynamic threshold is in pixels at this short side
FLOW_SHORT_SIDE = 128  # we compute flow at half that (5x faster) and express magnitudes at VBench's scale
FLOW_FPS = 8  # VBench samples about 8 frames per second for dynamic degree
DYNAMIC_THRESHOLD = 6.0  # VBench: a frame pair moves when the mean of its top 5% flow magnitudes exceeds this
DYNAMIC_SHARE = 0.25  # VBench: a clip is dynamic when at least a quarter of its frame pairs move
TOP_SHARE = 0.05


def optical_flow_available() -> bool:
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


def flow_frame(frame: np.ndarray) -> np.ndarray:
    """A frame prepared for optical flow: grayscale, short side FLOW_SHORT_SIDE px."""
    import cv2  # the metrics extra; only the dynamic metric needs it

    height, width = frame.shape[:2]
    scale = FLOW_SHORT_SIDE / min(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.cvtColor(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)


def flow_magnitude(previous: np.ndarray, current: np.ndarray) -> float:
    """Mean of the largest 5% optical-flow magnitudes between two `flow_frame`s, in pixels at a 256 px short side."""
    import cv2

    flow = cv2.calcOpticalFlowFarneback(previous, current, None, pyr_scale=0.5, levels=3, winsize=15,
                                        iterations=3, poly_n=5, poly_sigma=1.2, flags=0)
    magnitude = np.sqrt(flow[..., 0] ** 2 + flow[..., 1] ** 2).ravel()
    top = max(1, int(len(magnitude) * TOP_SHARE))
    return float(np.partition(magnitude, -top)[-top:].mean()) * VBENCH_SHORT_SIDE / FLOW_SHORT_SIDE


def motion(magnitudes: list[float]) -> dict | None:
    """A shot's motion from its frame pairs' flow magnitudes: their mean, and whether VBench calls it dynamic;
    None without a pair (nothing was measured)."""
    if not magnitudes:
        return None
    moving = sum(m > DYNAMIC_THRESHOLD for m in magnitudes)
    return {"flow_magnitude": float(np.mean(magnitudes)), "dynamic": bool(moving >= DYNAMIC_SHARE * len(magnitudes))}


class Flow(Watcher):
    """Flow between frames FLOW_FPS apart (about), inside each shot part."""

    def __init__(self, shots: int, fps: float):
        self.step = max(1, round(fps / FLOW_FPS))
        self.magnitudes: list[list[float]] = [[] for _ in range(shots)]
        self.frames = [0] * shots  # frames flow was computed on
        self.previous = None

    def see(self, k: int, offset: int, frame: np.ndarray) -> None:
        if offset % self.step:
            return
        current = flow_frame(frame)
        if self.previous is not None and offset != 0:
            self.magnitudes[k].append(flow_magnitude(self.previous, current))
        self.frames[k] += 1
        self.previous = current


class Dynamic(Metric):
    name = "dynamic"
    place = 60
    shot_keys = ("flow_magnitude", "dynamic")
    film_notes: ClassVar[dict[str, str]] = {
        "dynamic_degree": "share of shots that move (VBench: optical flow, top 5% magnitudes over 6 px)",
        "flow_magnitude": "mean top-5% optical-flow magnitude, pixels per sampled frame at a 256 px short side",
    }

    def unavailable(self) -> Skipped | None:
        if optical_flow_available():
            return None
        return Skipped("opencv-python-headless is not installed (optical flow)", "pip install opencv-python-headless")

    def watch(self, segment) -> Watcher:
        return Flow(len(segment.shots), segment.fps)

    def measure_shot(self, k: int, seen: SegmentFrames, watcher: Flow) -> Measured:
        measured = motion(watcher.magnitudes[k])
        if measured is None:
            return seen.too_few(k, f"optical flow (frames {watcher.step} apart)", watcher.frames[k], 2)
        return measured

    def summarise(self, film: Film) -> dict:
        moving = [shot["dynamic"] for shot in film.shots if "dynamic" in shot]
        # VBench's dynamic degree: the share of clips (here shot parts) that move, of those measured
        return {"dynamic_degree": round(sum(moving) / len(moving), 5) if moving else
                Skipped("no shot has optical flow", "see each shot's 'skipped' in build/scores/<segment>.json"),
                "flow_magnitude": film.shot_mean("flow_magnitude")}
