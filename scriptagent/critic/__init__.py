"""CriticAgent: scores every render, the film and the script; optionally re-takes weak segments.

`critic.metrics` picks what runs. Without model weights:
- `structure`: the four validators' findings, as rule-based format-compliance and content-completeness scores.
- `continuity`: temporal consistency inside each shot (VBench's formula on downsampled pixels), and the
  boundary continuity of each join: the similarity of segment k's last frame and segment k+1's first, the number
  that shows whether first-last frame anchoring works.
- `dynamic`: optical flow (OpenCV Farneback) per shot; the film's dynamic degree is the share of dynamic shots.
With a CLIP/SigLIP model (`critic.clip_model`) or a DINO-like one (`critic.subject_model`):
- `vsa`: Visual-Script Alignment and temporal accuracy; `clip_score`; `background_consistency`;
  `subject_consistency`. A model that cannot be loaded makes these "skipped" with the reason and the fix.
`critic.judge` adds the paper's rubrics (judge.py); `critic.retake` re-renders weak segments (retake.py).

Files: metrics.py (arithmetic), clip.py (encoders), scoring.py (a segment, the film), build.py (the score
tasks' files), paths.py (where they are), rubrics.py and judge.py (rubric judging), retake.py (takes).
"""

from __future__ import annotations

import importlib
from pathlib import Path

# Public names, imported on first use: the task graph imports this package on every run and must stay light.
_LAZY = {
    "Encoders": "scoring", "measure_segment": "scoring", "score_segment": "scoring", "similarity": "metrics",
    "write_segment_score": "build", "write_film_score": "build", "write_script_score": "build",
    "render_with_retakes": "retake",
}
__all__ = ["boundary_continuity", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def boundary_continuity(last_frame: Path, first_frame: Path) -> float:
    """Similarity of segment k's last picture to segment k+1's first: 1.0 means a seamless join."""
    import numpy as np
    from PIL import Image

    from .metrics import similarity, thumbnail

    def load(path: Path):
        with Image.open(path) as image:
            return thumbnail(np.asarray(image.convert("RGB")))

    return round(similarity(load(last_frame), load(first_frame)), 5)
