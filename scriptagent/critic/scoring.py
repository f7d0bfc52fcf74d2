"""Measuring one segment's render, and summarising the film from its segments' scores, metric by metric
(each metric is a module of critic/metrics/, registered in critic/metrics/__init__.py).

A segment is decoded once. Every frame goes to the pixel metrics' watchers (consistency, optical flow); frames
sampled inside each shot part's time window (`critic.sample_fps`, always the first and last) are embedded once per
model for the model metrics; the first, middle and last frame of each shot part become the report's strip. The
sampled frames' embeddings are kept (`<segment>.features.npz`) so that the film's score, which compares every
frame with every shot's text, needs no model and no decoding.

What a metric could not measure is in "skipped" with the reason and the fix: for the whole segment
(score["skipped"][metric]), for a shot part (shot["skipped"][metric]) or for the film (_film.json's "skipped",
by metric, or by number when only that number is missing); its number is then absent, or None in the film's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..plan import Segment
from ..schema import CriticConfig
from .clip import Skipped, load_encoder
from .metrics import active_metrics, owner
from .metrics.base import Film, Metric, SegmentFrames


@dataclass
class Encoders:
    """The models the configured metrics need, by the critic setting that names each ('clip_model'): an
    encoder, or a Skipped (why not)."""

    models: dict[str, object] = field(default_factory=dict)

    @classmethod
    def for_config(cls, critic: CriticConfig) -> Encoders:
        metrics = active_metrics(critic)
        models = {}
        for setting in model_settings(metrics):
            users = [name for name, metric in metrics.items() if metric.model == setting]
            encoder = load_encoder(getattr(critic, setting), any(metrics[name].needs_text for name in users))
            if isinstance(encoder, Skipped):
                encoder = Skipped(f"critic.{setting}: {encoder.reason}",
                                  f"{encoder.fix}; or remove {', '.join(users)} from critic.metrics")
            models[setting] = encoder
        return cls(models)


def model_settings(metrics: dict[str, Metric]) -> dict[str, Metric]:
    """The critic settings naming the models `metrics` need, in the settings' order, each with the first metric
    that needs it (which embeds the frames for all of them)."""
    order = list(CriticConfig.model_fields)
    users = {metric.model: metric for metric in reversed(metrics.values()) if metric.model}
    return {setting: users[setting] for setting in sorted(users, key=order.index)}


@dataclass
class SegmentMeasure:
    score: dict  # build/scores/<segment>.json
    features: dict[str, np.ndarray] = field(default_factory=dict)  # build/scores/<segment>.features.npz
    strip: list[dict[str, np.ndarray]] = field(default_factory=list)  # per shot part: first/middle/last frame


def sample_indices(frames: int, fps: float, per_second: float) -> list[int]:
    """Frames to sample from a window of `frames` frames: evenly spread, always the first and the last."""
    if frames <= 0:
        return []
    count = min(frames, max(2, round(frames / fps * per_second)))
    return sorted({round(k * (frames - 1) / max(1, count - 1)) for k in range(count)})


def measure_frames(segment: Segment, frames: Iterable[np.ndarray], critic: CriticConfig,
                   encoders: Encoders | None = None) -> SegmentMeasure:
    """Score one segment from its decoded frames (in order)."""
    metrics = active_metrics(critic)
    if any(metric.model for metric in metrics.values()):
        encoders = encoders if encoders is not None else Encoders.for_config(critic)
    skipped = {}
    for name, metric in list(metrics.items()):
        why = metric.unavailable()
        if why is None and metric.model and isinstance(encoders.models[metric.model], Skipped):
            why = encoders.models[metric.model]
        if why is not None:
            skipped[name] = why.as_json()
            del metrics[name]

    # 1. Where each SegmentShot sits in the segment, and which of its frames are sampled and shown.
    shots = segment.shots
    starts, planned = segment.part_starts(), sum(shot_part.frames for shot_part in shots)
    sampled = {starts[k] + i for k, shot_part in enumerate(shots)
               for i in sample_indices(shot_part.frames, segment.fps, critic.sample_fps)}
    strip_at: dict[int, list[tuple[int, str]]] = {}
    for k, shot_part in enumerate(shots):
        for which, offset in (("first", 0), ("middle", (shot_part.frames - 1) // 2), ("last", shot_part.frames - 1)):
            strip_at.setdefault(starts[k] + offset, []).append((k, which))

    # 2. One pass over the frames.
    watchers = {name: watcher for name, metric in metrics.items() if (watcher := metric.watch(segment)) is not None}
    rendered = [0 for _ in shots]
    sampled_frames, sampled_shots = [], []
    strip: list[dict[str, np.ndarray]] = [{} for _ in shots]
    count = 0
    k_of = np.searchsorted(np.array(starts), np.arange(planned), side="right") - 1 if planned else []
    for index, frame in enumerate(frames):
        count += 1
        if index >= planned:
            continue  # more frames than planned: reported as incomplete below
        k = int(k_of[index])
        rendered[k] += 1
        for watcher in watchers.values():
            watcher.see(k, index - starts[k], frame)
        if index in sampled:
            sampled_frames.append(frame)
            sampled_shots.append(k)
        for strip_k, which in strip_at.get(index, []):
            strip[strip_k][which] = frame

    # 3. The model metrics' embeddings of the sampled frames, once per model; then every metric, shot by shot.
    seen = SegmentFrames(segment, rendered, sampled_frames, np.array(sampled_shots, dtype=np.int64))
    if sampled_frames:
        seen.features["frame_piece"] = seen.sampled_shots  # k of each frame's SegmentShot (the key keeps its name)
        seen.features["frame_shot"] = np.array([shots[k].shot.id for k in sampled_shots])
        for setting, metric in model_settings(metrics).items():
            metric.embed(encoders.models[setting], seen)
    entries = []
    for k, shot_part in enumerate(shots):
        entry = {"shot": shot_part.shot.id, "part": shot_part.part, "parts": shot_part.parts, "frames": rendered[k],
                 "start": round(starts[k] / segment.fps, 4)}  # in the segment: its place in the film is the plan's
        for name, metric in metrics.items():
            measured = metric.measure_shot(k, seen, watchers.get(name))
            if isinstance(measured, Skipped):
                entry.setdefault("skipped", {})[name] = measured.as_json()
            else:
                entry.update({key: round(value, 5) if isinstance(value, float) else value
                              for key, value in measured.items()})
        entries.append(entry)

    score: dict = {"segment": segment.id, "frames_expected": segment.frames, "frames": count,
                   "complete": count == segment.frames, "metrics": sorted(critic.metrics), "shots": entries,
                   "skipped": skipped}
    if seen.features:
        # the film score reads the embeddings; their digest here makes it re-run exactly when they change
        score["features_digest"] = features_digest(seen.features)
    return SegmentMeasure(score, seen.features, strip)


def features_digest(features: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(features):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(np.round(features[key], 5) if features[key].dtype.kind == "f"
                                           else features[key]).tobytes())
    return digest.hexdigest()[:16]


def measure_render(segment: Segment, video: Path, critic: CriticConfig,
                   encoders: Encoders | None = None) -> SegmentMeasure:
    """Decode the render `video` and measure it (see `measure_frames`)."""
    from ..media import read_frames

    return measure_frames(segment, read_frames(video), critic, encoders)


# --- the film -------------------------------------------------------------------------------------------------

def film_summary(film: Film, critic: CriticConfig) -> dict:
    """{"metrics": the film's numbers (None: skipped), "skipped": why, by metric or by number}."""
    skipped: dict = {}
    for score in film.scores:
        skipped.update(score.get("skipped", {}))
    summary: dict = {}
    for metric in active_metrics(critic).values():
        for key, value in metric.summarise(film).items():
            if isinstance(value, Skipped):
                summary[key] = None
                if key not in skipped and owner(key) not in skipped:
                    skipped[key] = value.as_json()
            else:
                summary[key] = value
    return {"metrics": summary, "skipped": skipped}
