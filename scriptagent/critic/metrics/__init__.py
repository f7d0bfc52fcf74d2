"""The critic's metrics by name, in one place: name -> "module:Class" (a `metrics.base.Metric`).

A metric is one module here (or one per family sharing a computation: the CLIP-based ones share their
embeddings) plus one line below; its name also goes in schema/configs.py's KNOWN_METRICS (and OFFLINE_METRICS
when it needs no model weights), which check production.yaml without importing any metric. Modules are imported
on first use, so the task graph never loads numpy or an encoder to read a name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...schema import CriticConfig
    from .base import Metric

METRICS = {
    "structure": "scriptagent.critic.metrics.structure:Structure",
    "continuity": "scriptagent.critic.metrics.continuity:Continuity",
    "dynamic": "scriptagent.critic.metrics.dynamic:Dynamic",
    "vsa": "scriptagent.critic.metrics.clip_based:VisualScriptAlignment",
    "clip_score": "scriptagent.critic.metrics.clip_based:ClipScore",
    "subject_consistency": "scriptagent.critic.metrics.subject:SubjectConsistency",
    "background_consistency": "scriptagent.critic.metrics.clip_based:BackgroundConsistency",
}


def metric_class(name: str) -> type[Metric]:
    module_name, class_name = METRICS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def active_metrics(critic: CriticConfig) -> dict[str, Metric]:
    """The metrics `critic.metrics` asks for, in the registry's order."""
    return {name: metric_class(name)() for name in METRICS if name in critic.metrics}


def by_place() -> list[type[Metric]]:
    """Every metric class in the order of comparisons and the report."""
    return sorted((metric_class(name) for name in METRICS), key=lambda cls: cls.place)


def film_notes() -> dict[str, str]:
    """Every film-level number, in comparison order, with what it measures."""
    return {key: note for cls in by_place() for key, note in cls.film_notes.items()}


def owner(key: str) -> str | None:
    """The metric whose film-level number `key` is (vsa for temporal_accuracy)."""
    return next((cls.name for cls in by_place() if key in cls.film_notes), None)
