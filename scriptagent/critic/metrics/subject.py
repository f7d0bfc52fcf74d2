"""subject_consistency: VBench's subject consistency on the embeddings of a DINO-like model
(`critic.subject_model`) of the frames sampled in each shot part."""

from __future__ import annotations

from typing import ClassVar

from ..clip import Skipped
from .base import Film, JoinEnd, Measured, Metric, SegmentFrames, feature_join, shot_feature_consistency


class SubjectConsistency(Metric):
    name = "subject_consistency"
    place = 30
    model = "subject_model"
    shot_keys = ("subject_consistency",)
    film_notes: ClassVar[dict[str, str]] = {
        "subject_consistency": "similarity of each frame's subject-model features to the shot's first "
                                  "and the previous frame"}

    def embed(self, encoder, seen: SegmentFrames) -> None:
        seen.features["subject"] = encoder.images(seen.sampled)

    def measure_shot(self, k: int, seen: SegmentFrames, watcher) -> Measured:
        value = shot_feature_consistency(seen, k, "subject", "subject consistency")
        return value if isinstance(value, Skipped) else {"subject_consistency": value}

    def join(self, before: JoinEnd, after: JoinEnd) -> dict:
        value = feature_join(before, after, "subject")
        return {} if value is None else {"subject": value}

    def summarise(self, film: Film) -> dict:
        return {"subject_consistency": film.shot_mean("subject_consistency")}
