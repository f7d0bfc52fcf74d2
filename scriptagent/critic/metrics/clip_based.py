"""The metrics on a CLIP/SigLIP model (`critic.clip_model`), sharing one embedding of the sampled frames and of
the shots' texts per segment (kept in <segment>.features.npz, so the film's score needs no model or decoding):

- vsa: Visual-Script Alignment per shot part (mean cosine of its frames to its own shot's text) and, over the
  whole film, VSA and temporal accuracy (each frame against every shot's text);
- clip_score: 100 x cosine of frame and the prompt its segment is rendered from, clipped at 0;
- background_consistency: VBench's background consistency on the frames' CLIP embeddings.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...director.prompts import segment_prompt
from ..clip import Skipped
from .base import (NO_FRAMES, Film, JoinEnd, Measured, Metric, SegmentFrames, feature_join,
                   shot_feature_consistency)


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


def film_alignment(features: dict[str, dict[str, np.ndarray]]) -> dict | None:
    """VSA and temporal accuracy over the whole film: each sampled frame against every shot's text; None unless
    every segment's frames were embedded."""
    if not features or any(f is None or "image" not in f for f in features.values()):
        return None
    texts: dict[str, np.ndarray] = {}
    for f in features.values():
        for shot, row in zip(f["text_shot"], f["text"]):
            texts.setdefault(str(shot), row)  # a split shot has the same text in each part
    images = np.concatenate([f["image"] for f in features.values()])
    frame_shots = [str(s) for f in features.values() for s in f["frame_shot"]]
    return alignment(images, frame_shots, np.stack(list(texts.values())), list(texts))


class ClipMetric(Metric):
    """What the CLIP-based metrics share: the model, the embeddings, the joins' background similarity."""

    model = "clip_model"
    needs_text = True

    def embed(self, encoder, seen: SegmentFrames) -> None:
        segment = seen.segment
        images = encoder.images(seen.sampled)
        # CLIP score compares the frames with the very prompt a video model renders the segment from
        texts = encoder.texts([shot_text(shot_part.shot, segment.cast) for shot_part in segment.shots]
                              + [segment_prompt(segment)])
        seen.features.update(image=images, text=texts[:-1],
                             text_shot=np.array([shot_part.shot.id for shot_part in segment.shots]))
        seen.extra["prompt"] = texts[-1]

    def join(self, before: JoinEnd, after: JoinEnd) -> dict:
        value = feature_join(before, after, "image")
        return {} if value is None else {"background": value}


class VisualScriptAlignment(ClipMetric):
    name = "vsa"
    place = 10
    shot_keys = ("vsa",)
    film_notes: ClassVar[dict[str, str]] = {
        "vsa": "Visual-Script Alignment: cosine of each sampled frame's CLIP embedding with its own shot's text",
        "temporal_accuracy": "share of sampled frames whose best-matching shot text is their own shot's",
    }

    def measure_shot(self, k: int, seen: SegmentFrames, watcher) -> Measured:
        mine = seen.rows("image", k)
        if not len(mine):
            return NO_FRAMES
        return {"vsa": float(np.mean(mine @ seen.features["text"][k]))}

    @staticmethod
    def alignment(film: Film) -> dict | None:
        if "alignment" not in film.memo:
            film.memo["alignment"] = film_alignment(film.features)
        return film.memo["alignment"]

    def summarise(self, film: Film) -> dict:
        aligned = self.alignment(film)
        if aligned is None or aligned["vsa"] is None:
            missing = [i for i, f in film.features.items() if f is None or "image" not in f] or list(film.features)
            why = Skipped(f"no embedded frames of segment(s) {', '.join(missing)}",
                          "render them again (an incomplete render), or see their 'skipped'")
            return {"vsa": why, "temporal_accuracy": why}
        return {"vsa": round(aligned["vsa"], 5), "temporal_accuracy": round(aligned["temporal_accuracy"], 5)}

    def film_details(self, film: Film) -> dict:
        aligned = self.alignment(film)
        return {"alignment_shots": aligned["shots"]} if aligned else {}


class ClipScore(ClipMetric):
    name = "clip_score"
    place = 20
    shot_keys = ("clip_score",)
    film_notes: ClassVar[dict[str, str]] = {
        "clip_score": "100 × cosine(frame, the prompt its segment is rendered from), clipped at 0"}

    def measure_shot(self, k: int, seen: SegmentFrames, watcher) -> Measured:
        mine = seen.rows("image", k)
        if not len(mine):
            return NO_FRAMES
        return {"clip_score": clip_score(mine, seen.extra["prompt"])}

    def summarise(self, film: Film) -> dict:
        return {"clip_score": film.shot_mean("clip_score")}


class BackgroundConsistency(ClipMetric):
    name = "background_consistency"
    place = 40
    shot_keys = ("background_consistency",)
    film_notes: ClassVar[dict[str, str]] = {
        "background_consistency": "similarity of each frame's CLIP image features to the shot's first "
                                  "and the previous frame"}

    def measure_shot(self, k: int, seen: SegmentFrames, watcher) -> Measured:
        value = shot_feature_consistency(seen, k, "image", "background consistency")
        return value if isinstance(value, Skipped) else {"background_consistency": value}

    def summarise(self, film: Film) -> dict:
        return {"background_consistency": film.shot_mean("background_consistency")}
