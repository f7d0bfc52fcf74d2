"""Scoring one segment's render, and the film from its segments' scores.

A segment is decoded once. Every frame feeds the pixel metrics (consistency, optical flow); frames sampled
inside each shot's time window (`critic.sample_fps`, always the first and last) feed the model metrics; the
first, middle and last frame of each shot become the report's strip. The sampled frames' embeddings are kept
(`<segment>.features.npz`) so that the film's score, which compares every frame with every shot's text, needs
no model and no decoding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..director.prompts import segment_prompt
from ..production import CriticConfig, Segment
from . import metrics as m
from .clip import Skipped, load_encoder

CLIP_METRICS = ("vsa", "clip_score", "background_consistency")  # need critic.clip_model
SUBJECT_METRICS = ("subject_consistency",)  # need critic.subject_model


@dataclass
class Encoders:
    """The models the configured metrics need: an encoder, a Skipped (why not), or None (not needed)."""

    clip: object = None
    subject: object = None

    @classmethod
    def for_config(cls, critic: CriticConfig) -> Encoders:
        clip = subject = None
        if any(name in critic.metrics for name in CLIP_METRICS):
            clip = _explained(load_encoder(critic.clip_model, True), "critic.clip_model", CLIP_METRICS, critic)
        if any(name in critic.metrics for name in SUBJECT_METRICS):
            subject = _explained(load_encoder(critic.subject_model), "critic.subject_model", SUBJECT_METRICS, critic)
        return cls(clip, subject)


def _explained(encoder, setting: str, names: tuple[str, ...], critic: CriticConfig):
    if not isinstance(encoder, Skipped):
        return encoder
    listed = ", ".join(n for n in names if n in critic.metrics)
    return Skipped(f"{setting}: {encoder.reason}", f"{encoder.fix}; or remove {listed} from critic.metrics")


def shot_text(shot, cast: dict) -> str:
    """What a shot should show, as VSA compares it with the frames: description, actions, camera."""
    people = []
    for character in shot.characters:
        name = cast[character.id].name if character.id in cast else character.id
        doing = ", ".join(part for part in (character.action, character.expression) if part)
        people.append(f"{name} {doing}".strip())
    camera = f"{shot.shot_size.value.replace('-', ' ')} shot, {shot.angle.value} angle, " \
             f"camera {shot.camera_movement.value.replace('-', ' ')}"
    # description first: a text encoder truncates long texts at the end
    return ". ".join(part for part in (shot.description.rstrip("."), "; ".join(people), camera) if part) + "."


@dataclass
class SegmentMeasure:
    score: dict  # build/scores/<segment>.json
    features: dict[str, np.ndarray] = field(default_factory=dict)  # build/scores/<segment>.features.npz
    strip: list[dict[str, np.ndarray]] = field(default_factory=list)  # per piece: first/middle/last frame


def measure_segment(segment: Segment, frames: Iterable[np.ndarray], critic: CriticConfig,
                    encoders: Encoders | None = None) -> SegmentMeasure:
    """Score one segment from its decoded frames (in order)."""
    encoders = encoders if encoders is not None else Encoders.for_config(critic)
    wanted = set(critic.metrics)
    fps = segment.fps
    skipped = {}
    if "dynamic" in wanted and not m.optical_flow_available():
        wanted.discard("dynamic")
        skipped["dynamic"] = Skipped("opencv-python-headless is not installed (optical flow)",
                                     "pip install opencv-python-headless").as_json()

    # 1. Where each shot (part) sits in the segment, and which of its frames are sampled and shown.
    starts, position = segment.piece_starts(), sum(piece.frames for piece in segment.shots)
    sampled = {starts[k] + i: k for k, piece in enumerate(segment.shots)
               for i in m.sample_indices(piece.frames, fps, critic.sample_fps)}
    strip_at: dict[int, list[tuple[int, str]]] = {}
    for k, piece in enumerate(segment.shots):
        for which, offset in (("first", 0), ("middle", (piece.frames - 1) // 2), ("last", piece.frames - 1)):
            strip_at.setdefault(starts[k] + offset, []).append((k, which))

    # 2. One pass over the frames.
    thumbs = [[] for _ in segment.shots]  # small pictures for pixel consistency (continuity)
    counts = [0 for _ in segment.shots]
    magnitudes = [[] for _ in segment.shots]
    sampled_frames, sampled_shots = [], []
    strip = [dict() for _ in segment.shots]
    previous_flow, count = None, 0
    flow_step = max(1, round(fps / m.FLOW_FPS))
    piece_of = np.searchsorted(np.array(starts), np.arange(position), side="right") - 1 if position else []
    for index, frame in enumerate(frames):
        count += 1
        if index >= position:
            continue  # more frames than planned: reported as incomplete below
        k = int(piece_of[index])
        counts[k] += 1
        if "continuity" in wanted:
            thumbs[k].append(m.thumbnail(frame))
        if "dynamic" in wanted and (index - starts[k]) % flow_step == 0:
            current = m.flow_frame(frame)
            if previous_flow is not None and index != starts[k]:
                magnitudes[k].append(m.flow_magnitude(previous_flow, current))
            previous_flow = current
        if index in sampled:
            sampled_frames.append(frame)
            sampled_shots.append(k)
        for piece_index, which in strip_at.get(index, []):
            strip[piece_index][which] = frame
    score: dict = {"segment": segment.id, "frames_expected": segment.frames, "frames": count,
                   "complete": count == segment.frames, "metrics": sorted(critic.metrics), "shots": [],
                   "skipped": skipped}
    shots = []
    for k, piece in enumerate(segment.shots):
        entry = {"shot": piece.shot.id, "part": piece.part, "parts": piece.parts, "frames": counts[k],
                 "start": round(starts[k] / fps, 4)}  # in the segment: its place in the film is the plan's
        if "continuity" in wanted:
            entry["consistency"] = m.pixel_consistency(thumbs[k])
        if "dynamic" in wanted:
            entry.update(m.motion(magnitudes[k]))
        shots.append(entry)

    # 3. Model metrics on the sampled frames.
    features: dict[str, np.ndarray] = {}
    labels = np.array(sampled_shots, dtype=np.int64)
    if sampled_frames:
        features["frame_piece"] = labels
        features["frame_shot"] = np.array([segment.shots[k].shot.id for k in sampled_shots])
    clip_wanted = [name for name in CLIP_METRICS if name in wanted]
    if clip_wanted and isinstance(encoders.clip, Skipped):
        score["skipped"].update({name: encoders.clip.as_json() for name in clip_wanted})
    elif clip_wanted and sampled_frames:
        images = encoders.clip.images(sampled_frames)
        # CLIP score compares the frames with the very prompt a video model renders the segment from
        texts = encoders.clip.texts([shot_text(p.shot, segment.cast) for p in segment.shots]
                                    + [segment_prompt(segment)])
        text_features, prompt_feature = texts[:-1], texts[-1]
        features.update(image=images, text=text_features, text_shot=np.array([p.shot.id for p in segment.shots]))
        for k, entry in enumerate(shots):
            mine = images[labels == k]
            if not len(mine):  # an incomplete render: that shot has no frames to measure
                continue
            if "vsa" in wanted:
                entry["vsa"] = float(np.mean(mine @ text_features[k]))
            if "clip_score" in wanted:
                entry["clip_score"] = m.clip_score(mine, prompt_feature)
            if "background_consistency" in wanted:
                entry["background_consistency"] = m.feature_consistency(mine)
    if "subject_consistency" in wanted and isinstance(encoders.subject, Skipped):
        score["skipped"]["subject_consistency"] = encoders.subject.as_json()
    elif "subject_consistency" in wanted and sampled_frames:
        subject = encoders.subject.images(sampled_frames)
        features["subject"] = subject
        for k, entry in enumerate(shots):
            if (labels == k).any():
                entry["subject_consistency"] = m.feature_consistency(subject[labels == k])

    score["shots"] = [{key: (round(value, 5) if isinstance(value, float) else value) for key, value in e.items()}
                      for e in shots]
    if features:
        # the film score reads the embeddings; their digest here makes it re-run exactly when they change
        score["features_digest"] = features_digest(features)
    return SegmentMeasure(score, features, strip)


def features_digest(features: dict[str, np.ndarray]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for key in sorted(features):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(np.round(features[key], 5) if features[key].dtype.kind == "f"
                                           else features[key]).tobytes())
    return digest.hexdigest()[:16]


def score_segment(segment: Segment, video: Path, critic: CriticConfig,
                  encoders: Encoders | None = None) -> SegmentMeasure:
    """Decode `video` and measure it (see `measure_segment`)."""
    from ..director.video import read_frames

    return measure_segment(segment, read_frames(video), critic, encoders)


# --- the film -------------------------------------------------------------------------------------------------

def film_alignment(features: dict[str, dict[str, np.ndarray]]) -> dict | None:
    """VSA and temporal accuracy over the whole film: each sampled frame against every shot's text."""
    if not features or any("image" not in f for f in features.values()):
        return None
    texts: dict[str, np.ndarray] = {}
    for f in features.values():
        for shot, row in zip(f["text_shot"], f["text"]):
            texts.setdefault(str(shot), row)  # a split shot has the same text in each part
    images = np.concatenate([f["image"] for f in features.values()])
    frame_shots = [str(s) for f in features.values() for s in f["frame_shot"]]
    return m.alignment(images, frame_shots, np.stack(list(texts.values())), list(texts))


def join_scores(first: dict[str, np.ndarray] | None, second: dict[str, np.ndarray] | None) -> dict:
    """Feature similarity of a segment's last sampled frame and the next one's first (when embedded)."""
    result = {}
    for key, name in (("subject", "subject"), ("image", "background")):
        if first is not None and second is not None and key in first and key in second:
            result[name] = round(float(np.dot(first[key][-1], second[key][0])), 5)
    return result


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 5) if values else None


def film_summary(scores: list[dict], joins: list[dict], alignment: dict | None, critic: CriticConfig) -> dict:
    """The film's metrics from its segments' scores, its joins and the film-wide alignment."""
    pieces = [shot for score in scores for shot in score["shots"]]
    wanted = set(critic.metrics)
    summary: dict = {}
    if "continuity" in wanted:
        summary["consistency"] = mean(p.get("consistency") for p in pieces)
        summary["boundary_continuity"] = mean(j["pixel"] for j in joins)
        summary["boundary_continuity_within_shots"] = mean(j["pixel"] for j in joins if j["within_shot"])
    if "dynamic" in wanted and pieces:
        # VBench's dynamic degree: the share of clips (here shots) that move
        summary["dynamic_degree"] = round(sum(bool(p.get("dynamic")) for p in pieces) / len(pieces), 5)
        summary["flow_magnitude"] = mean(p.get("flow_magnitude") for p in pieces)
    for name in ("clip_score", "subject_consistency", "background_consistency"):
        if name in wanted:
            summary[name] = mean(p.get(name) for p in pieces)
    if "vsa" in wanted:
        summary["vsa"] = round(alignment["vsa"], 5) if alignment else None
        summary["temporal_accuracy"] = round(alignment["temporal_accuracy"], 5) if alignment else None
    skipped = {}
    for score in scores:
        skipped.update(score.get("skipped", {}))
    return {"metrics": summary, "skipped": skipped}
