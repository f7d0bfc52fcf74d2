"""The metrics' arithmetic: plain functions of frames and embeddings, no model loading, no files.

Pixel metrics (no weights):
- `similarity` / `pixel_consistency`: cosine of mean-centred, downsampled RGB frames.
- `flow_magnitude` / `motion`: optical flow (OpenCV Farneback) as VBench measures dynamic degree.

Embedding metrics (rows of `features` are L2-normalised embeddings from an encoder, see clip.py):
- `feature_consistency`: VBench subject/background consistency.
- `alignment`: Visual-Script Alignment per shot and temporal accuracy.
- `clip_score`: 100 x cosine of frame and prompt, clipped at 0.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

THUMB = (64, 36)  # frames are compared small: fast, and insensitive to codec noise
VBENCH_SHORT_SIDE = 256  # VBench's dynamic threshold is in pixels at this short side
FLOW_SHORT_SIDE = 128  # we compute flow at half that (5x faster) and express magnitudes at VBench's scale
FLOW_FPS = 8  # VBench samples about 8 frames per second for dynamic degree
DYNAMIC_THRESHOLD = 6.0  # VBench: a frame pair moves when the mean of its top 5% flow magnitudes exceeds this
DYNAMIC_SHARE = 0.25  # VBench: a clip is dynamic when at least a quarter of its frame pairs move
TOP_SHARE = 0.05


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


def _first_and_previous(pairwise, items) -> float:
    """VBench's consistency: mean over frames 2..n of (sim to the first frame + sim to the previous frame) / 2."""
    if len(items) < 2:
        return 1.0
    scores = [(pairwise(items[0], item) + pairwise(previous, item)) / 2
              for previous, item in zip(items, items[1:])]
    return float(np.mean(scores))


def pixel_consistency(thumbs: list[np.ndarray]) -> float:
    """Temporal consistency of a shot from its frames' thumbnails (no model)."""
    return _first_and_previous(similarity, thumbs)


def feature_consistency(features: np.ndarray) -> float:
    """Subject or background consistency from normalised per-frame embeddings (VBench): 1.0 is unchanging."""
    rows = list(np.asarray(features, dtype=np.float32))
    return _first_and_previous(lambda a, b: float(np.dot(a, b)), rows)


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


def motion(magnitudes: list[float]) -> dict:
    """A shot's motion from its frame pairs' flow magnitudes: their mean, and whether VBench calls it dynamic."""
    if not magnitudes:
        return {"flow_magnitude": 0.0, "dynamic": False}
    moving = sum(m > DYNAMIC_THRESHOLD for m in magnitudes)
    return {"flow_magnitude": float(np.mean(magnitudes)), "dynamic": bool(moving >= DYNAMIC_SHARE * len(magnitudes))}


def alignment(frame_features: np.ndarray, frame_shots: list[str], text_features: np.ndarray,
              shot_ids: list[str]) -> dict:
    """Visual-Script Alignment.

    frame_features: (n, d) normalised embeddings of frames sampled inside the shots' time windows;
    frame_shots: the shot each frame was sampled from; text_features: (s, d) normalised embeddings of the shots'
    texts, in the order of `shot_ids` (every shot a frame names must be there).

    Per shot: `vsa` = mean cosine of its frames to its own text, `temporal_accuracy` = share of its frames whose
    best-matching text among all `shot_ids` is their own. Film: the means over frames.
    """
    frame_features = np.asarray(frame_features, dtype=np.float32)
    text_features = np.asarray(text_features, dtype=np.float32)
    similarities = frame_features @ text_features.T  # (n, s)
    own = np.array([shot_ids.index(shot) for shot in frame_shots])
    own_similarity = similarities[np.arange(len(own)), own]
    correct = similarities.argmax(axis=1) == own
    shots = {}
    for index, shot in enumerate(shot_ids):
        mask = own == index
        if mask.any():
            shots[shot] = {"vsa": float(own_similarity[mask].mean()),
                           "temporal_accuracy": float(correct[mask].mean())}
    return {"vsa": float(own_similarity.mean()) if len(own) else None,
            "temporal_accuracy": float(correct.mean()) if len(own) else None,
            "shots": shots}


def clip_score(frame_features: np.ndarray, prompt_feature: np.ndarray) -> float:
    """CLIPScore as usually reported: 100 x max(cosine(frame, prompt), 0), averaged over frames."""
    cosines = np.asarray(frame_features, dtype=np.float32) @ np.asarray(prompt_feature, dtype=np.float32)
    return float(np.mean(100.0 * np.maximum(cosines, 0.0)))


def sample_indices(frames: int, fps: float, per_second: float) -> list[int]:
    """Frames to sample from a window of `frames` frames: evenly spread, always the first and the last."""
    if frames <= 0:
        return []
    count = min(frames, max(2, round(frames / fps * per_second)))
    return sorted({round(k * (frames - 1) / max(1, count - 1)) for k in range(count)})
