"""The metric registry, and what is not measured: reported as skipped with the reason, never as a number (1.0,
0.0, a share counting it as still) put in its place, in the score files, the comparison and the report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_critic import ColourEncoder, colour_film, plain

from scriptagent.critic.clip import Skipped
from scriptagent.critic.compare import comparison, markdown
from scriptagent.critic.metrics import METRICS, by_place, film_notes, metric_class
from scriptagent.critic.metrics.base import Film
from scriptagent.critic.scoring import Encoders, film_summary, measure_frames
from scriptagent.layout import BuildLayout
from scriptagent.report import film_metric_rows, shot_measures
from scriptagent.schema import KNOWN_METRICS, OFFLINE_METRICS, CriticConfig

FRAME_METRICS = ["continuity", "dynamic", "vsa", "clip_score", "subject_consistency", "background_consistency"]


def test_the_registry_is_the_schemas_list_of_metrics():
    assert tuple(METRICS) == KNOWN_METRICS
    assert tuple(name for name in METRICS if metric_class(name).model is None) == OFFLINE_METRICS
    for name in METRICS:
        metric = metric_class(name)
        assert metric.name == name and (metric.model is None or metric.model in CriticConfig.model_fields)
    keys = [key for metric in by_place() for key in metric.film_notes]
    assert keys == list(film_notes()) and len(keys) == len(set(keys))
    assert keys[:2] == ["vsa", "temporal_accuracy"] and keys[-2:] == ["dynamic_degree", "flow_magnitude"]


def test_shot_parts_without_enough_frames_are_skipped_not_scored():
    """A render that stops one frame into its second shot, and one that has no frame at all. Before, such shots
    scored consistency 1.0, background and subject consistency 1.0, flow 0.0 and 'not dynamic'."""
    _, segment, empty = colour_film(["red", "green", "blue", "yellow"], max_segment_seconds=5.0)
    assert [shot_part.frames for shot_part in segment.shots] == [12, 12]
    critic = CriticConfig(metrics=FRAME_METRICS, sample_fps=4)
    encoders = Encoders({"clip_model": ColourEncoder(), "subject_model": ColourEncoder()})
    score = measure_frames(segment, [plain("green")] * 12 + [plain("blue")], critic, encoders).score
    measured, one_frame = score["shots"]
    (none,) = measure_frames(empty, [], critic, encoders).score["shots"]

    assert not score["complete"] and "skipped" not in measured
    assert measured["consistency"] == pytest.approx(1.0) and measured["dynamic"] is False
    for name in ("consistency", "background_consistency", "subject_consistency", "flow_magnitude", "dynamic"):
        assert name not in one_frame and name not in none, name
    assert one_frame["vsa"] == pytest.approx(1.0, abs=1e-5)  # one sampled frame is enough for alignment
    assert set(one_frame["skipped"]) == {"continuity", "dynamic", "background_consistency", "subject_consistency"}
    assert "1 was there: 1 of its 12 frames were rendered" in one_frame["skipped"]["continuity"]["reason"]
    assert set(none["skipped"]) == set(FRAME_METRICS)
    assert none["skipped"]["vsa"] == {"reason": "no frame of this shot was rendered",
                                      "fix": "render the segment again (its render is incomplete)"}

    # the film's numbers are over what was measured: the one measured shot is still (0 of 1, not 0 of 3)
    summary = film_summary(Film([score], {segment.id: None}), CriticConfig(metrics=["continuity", "dynamic"]))
    assert summary["metrics"]["dynamic_degree"] == 0.0 and summary["metrics"]["consistency"] == pytest.approx(1.0)


def test_film_numbers_with_nothing_to_measure_are_skipped_with_the_reason():
    shots = [{"dynamic": True, "flow_magnitude": 9.0, "consistency": 0.5},
             {"skipped": {"dynamic": Skipped("too short", "none").as_json()}, "consistency": 0.7}]
    summary = film_summary(Film([{"shots": shots, "skipped": {}}], {"s": None}),
                           CriticConfig(metrics=["continuity", "dynamic", "vsa"]))
    numbers, skipped = summary["metrics"], summary["skipped"]
    assert numbers["dynamic_degree"] == 1.0  # of the measured shots; before, the unmeasured one counted as still
    assert numbers["consistency"] == 0.6
    for name in ("boundary_continuity", "boundary_continuity_within_shots", "vsa", "temporal_accuracy"):
        assert numbers[name] is None, name
    assert "no join to measure" in skipped["boundary_continuity"]["reason"]
    assert "no shot is split" in skipped["boundary_continuity_within_shots"]["reason"]
    assert "no embedded frames of segment(s) s" in skipped["vsa"]["reason"]
    assert "temporal_accuracy" not in skipped  # skipped with its metric, vsa


def write_film(folder, film: dict) -> BuildLayout:
    build = BuildLayout(folder)
    build.film_score.parent.mkdir(parents=True)
    build.film_score.write_text(json.dumps(film))
    return build


def test_a_comparison_shows_every_missing_number_as_skipped_with_the_reason(tmp_path):
    """Before, a number that was None without a skip entry, or absent from one build, showed as '—'."""
    main = write_film(tmp_path / "main", {
        "metrics": {"vsa": None, "temporal_accuracy": None, "consistency": 0.9, "boundary_continuity": None},
        "skipped": {"vsa": {"reason": "critic.clip_model: cannot load 'x'", "fix": "download it"}}})
    other = write_film(tmp_path / "other", {"metrics": {"consistency": 0.8, "dynamic_degree": 0.5}, "skipped": {}})
    table = comparison({"main": main, "other": other})
    rows = {row["name"]: row["values"] for row in table["rows"]}
    assert list(rows) == ["metric: vsa", "metric: temporal_accuracy", "metric: consistency",
                          "metric: boundary_continuity", "metric: dynamic_degree"]
    assert rows["metric: temporal_accuracy"] == {"main": "skipped", "other": "skipped"}
    assert rows["metric: dynamic_degree"] == {"main": "skipped", "other": 0.5}
    assert table["skipped"]["main"]["metric: temporal_accuracy"] == "critic.clip_model: cannot load 'x'"
    assert table["skipped"]["main"]["metric: boundary_continuity"] == "not measured (no reason recorded)"
    assert "not in its critic settings" in table["skipped"]["other"]["metric: vsa"]
    text = markdown(table)
    assert "—" not in text and "None" not in text
    assert "| metric: boundary_continuity | skipped | skipped |" in text
    assert "- main, metric: vsa: critic.clip_model: cannot load 'x'" in text


def test_the_report_shows_missing_numbers_as_skipped_with_the_reason():
    film = {"metrics": {"vsa": None, "temporal_accuracy": None, "consistency": 0.9},
            "skipped": {"vsa": {"reason": "no model", "fix": "get one"}}}
    rows = {row["name"]: row for row in film_metric_rows(film)}
    assert list(rows) == ["vsa", "temporal_accuracy", "consistency"]
    assert rows["temporal_accuracy"]["skipped"] == {"reason": "no model", "fix": "get one"}
    assert rows["consistency"]["skipped"] is None and rows["consistency"]["value"] == 0.9
    shot = {"consistency": 0.5, "skipped": {"dynamic": {"reason": "too short", "fix": "none"}}}
    measures = {m["label"]: m for m in shot_measures(shot, {"vsa": {"reason": "no model", "fix": "get one"}})}
    assert measures["consistency"]["text"] == "0.500"
    assert measures["dynamic"]["text"] == "skipped" and measures["dynamic"]["shot_only"]
    assert measures["vsa"]["why"]["reason"] == "no model" and not measures["vsa"]["shot_only"]
    assert np.isfinite(rows["consistency"]["value"])
