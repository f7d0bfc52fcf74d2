"""CriticAgent: scores every render, the film and the script; optionally re-takes weak segments.

`critic.metrics` picks what runs; each metric is one module of critic/metrics/ and one line of its registry
(critic/metrics/__init__.py). Without model weights:
- `structure`: the four validators' findings, as rule-based format-compliance and content-completeness scores.
- `continuity`: temporal consistency inside each shot (VBench's formula on downsampled pixels), and the
  boundary continuity of each join: the similarity of segment k's last frame and segment k+1's first, the number
  that shows whether first-last frame anchoring works.
- `dynamic`: optical flow (OpenCV Farneback) per shot; the film's dynamic degree is the share of dynamic shots.
With a CLIP/SigLIP model (`critic.clip_model`) or a DINO-like one (`critic.subject_model`):
- `vsa`: Visual-Script Alignment and temporal accuracy; `clip_score`; `background_consistency`;
  `subject_consistency`. A model that cannot be loaded makes these "skipped" with the reason and the fix.
Whatever a metric could not measure is "skipped" with the reason and the fix, never a number put in its place.
`critic.judge` adds the paper's rubrics (judge.py); `critic.retake` re-renders weak segments (retake.py).

Files: metrics/ (the metrics and their registry), clip.py (encoders), scoring.py (a segment, the film), build.py
(the score tasks' files), stills.py (thumbnails), rubrics.py and judge.py (rubric judging), retake.py (takes),
compare.py (variants and comparisons).
"""

from __future__ import annotations

import importlib

# Public names, imported on first use: the task graph imports this package on every run and must stay light.
_LAZY = {
    "Encoders": "scoring", "measure_frames": "scoring", "measure_render": "scoring",
    "similarity": "metrics.continuity", "boundary_continuity": "metrics.continuity",
    "write_segment_score": "build", "write_film_score": "build", "write_script_score": "build",
    "render_with_retakes": "retake",
}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
