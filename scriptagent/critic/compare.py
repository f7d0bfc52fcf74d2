"""Ablations and comparisons, as the paper's tables: several builds' metrics and rubrics side by side.

`variants:` in production.yaml names variants of the production (each overrides some settings); each is built as
a production folder of its own in build/variants/<name>/ (its script.yaml is this production's when the variant
does not change what the script is made from), and build/compare.md and build/compare.json put this build and
every variant side by side. `scriptagent compare DIR...` does the same for any builds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import ScriptAgentError
from ..files import read_json, templates_dir, write_atomic, write_if_changed
from ..production import PRODUCTION_FILE, SCRIPT_FILE, Production
from .paths import film_score_file, script_score_file
from .rubrics import FILM_RUBRIC, SCRIPT_RUBRIC

METRIC_ORDER = ("vsa", "temporal_accuracy", "clip_score", "subject_consistency", "background_consistency",
                "consistency", "boundary_continuity", "boundary_continuity_within_shots", "dynamic_degree",
                "flow_magnitude")
STDERR_LINES = 15


def variant_folder(build: Path, name: str) -> Path:
    return Path(build) / "variants" / name


def prepare_variant(folder: Path, production: Production, name: str) -> Path:
    """Lay out build/variants/<name>/ as a production folder: production.yaml, dodo.py, cast images, script."""
    from ..yamlio import dump_yaml

    folder = Path(folder)
    variant = production.variant(name)
    target = variant_folder(folder / "build", name)
    header = (f"# Generated from ../../../{PRODUCTION_FILE} (variants.{name}) on every build: edit that file, "
              "not this one.\n")
    write_if_changed(target / PRODUCTION_FILE, (header + dump_yaml(variant.model_dump(mode="json"))).encode())
    write_if_changed(target / "dodo.py", (templates_dir() / "production" / "dodo.py").read_bytes())
    for member in variant.cast:
        if member.reference:
            write_if_changed(target / member.reference, (folder / member.reference).read_bytes())
    # The same script, when the variant changes nothing it is made from: a comparison of renders or critics
    # must not also compare two scripts (and the user's edits to script.yaml count in every variant).
    ours, theirs = folder / SCRIPT_FILE, target / SCRIPT_FILE
    if variant.scripter_inputs_digest() == production.scripter_inputs_digest() and ours.exists():
        write_if_changed(theirs, ours.read_bytes())
    elif theirs.exists() and ours.exists() and theirs.read_bytes() == ours.read_bytes():
        theirs.unlink()  # once copied, now the variant writes its own
    return target


def build_variant(folder: Path, production: Production, name: str) -> None:
    """Prepare and build one variant (its own doit graph, incremental like any production)."""
    target = prepare_variant(folder, production, name)
    result = subprocess.run([sys.executable, "-m", "doit"], cwd=target, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()[-STDERR_LINES:]
        raise ScriptAgentError(f"variant '{name}' did not build (in {target}):\n" + "\n".join(lines))


# --- the table ------------------------------------------------------------------------------------------------

def build_folder(path: Path) -> Path:
    """A production folder's build/, or a build folder itself."""
    path = Path(path)
    return path / "build" if (path / "build" / "scores").is_dir() else path


def column(build: Path) -> dict[str, object]:
    """Every number of one build, keyed 'group: name'; a skipped metric or rubric is the string 'skipped'."""
    film, script = read_json(film_score_file(build), {}), read_json(script_score_file(build), {})
    values: dict[str, object] = {}
    metrics = film.get("metrics", {})
    for name in [n for n in METRIC_ORDER if n in metrics] + sorted(set(metrics) - set(METRIC_ORDER)):
        values[f"metric: {name}"] = "skipped" if metrics[name] is None and name in _skipped(film) else metrics[name]
    for label, result, rubric in (("film rubric", film.get("rubric"), FILM_RUBRIC),
                                  ("script rubric", script.get("rubric"), SCRIPT_RUBRIC)):
        if not result:
            continue
        for name in rubric:
            values[f"{label}: {name}"] = result["scores"][name]["score"] if "scores" in result else "skipped"
        values[f"{label}: mean"] = result.get("mean", "skipped")
    for name, entry in script.get("rule_based", {}).items():
        values[f"script rule-based: {name}"] = entry["score"]
    return values


def _skipped(film: dict) -> set[str]:
    skipped = set(film.get("skipped", {}))
    if "vsa" in skipped:
        skipped.add("temporal_accuracy")
    return skipped


def comparison(builds: dict[str, Path]) -> dict:
    """{"columns": [...], "rows": [{"name": ..., "values": {column: value}}]} for builds named by column."""
    columns = {name: column(build) for name, build in builds.items()}
    names: list[str] = []
    for values in columns.values():
        names += [n for n in values if n not in names]
    return {"columns": list(builds), "rows": [{"name": n, "values": {c: columns[c].get(n) for c in columns}}
                                              for n in names]}


def markdown(table: dict) -> str:
    def cell(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    lines = ["| | " + " | ".join(table["columns"]) + " |", "|---|" + "---:|" * len(table["columns"])]
    lines += [f"| {row['name']} | " + " | ".join(cell(row["values"][c]) for c in table["columns"]) + " |"
              for row in table["rows"]]
    return "\n".join(lines) + "\n"


def write_comparison(builds: dict[str, Path], markdown_file: Path, json_file: Path) -> dict:
    table = comparison(builds)
    write_atomic(json_file, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    write_atomic(markdown_file, markdown(table))
    return table


def remove_stale_variants(build: Path, names: list[str]) -> None:
    """Variants no longer in production.yaml leave with their folders."""
    root = Path(build) / "variants"
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and child.name not in names:
                shutil.rmtree(child)
