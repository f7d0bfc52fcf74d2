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
from ..layout import BUILD_DIR, PRODUCTION_FILE, SCRIPT_FILE, BuildLayout
from ..schema import Production
from .metrics import film_notes, owner
from .rubrics import FILM_RUBRIC, SCRIPT_RUBRIC

STDERR_LINES = 15


def prepare_variant(folder: Path, production: Production, name: str) -> Path:
    """Lay out build/variants/<name>/ as a production folder: production.yaml, dodo.py, cast images, script."""
    from ..yamlio import dump_yaml

    folder = Path(folder)
    variant = production.variant(name)
    target = BuildLayout.of(folder).variant_folder(name)
    header = (f"# Generated from ../../../{PRODUCTION_FILE} (variants.{name}) on every build: edit that file, "
              "not this one.\n")
    data, pictures = variant.standalone()  # a series' cast and settings written in, its pictures copied
    write_if_changed(target / PRODUCTION_FILE, (header + dump_yaml(data)).encode())
    write_if_changed(target / "dodo.py", (templates_dir() / "production" / "dodo.py").read_bytes())
    for copy, reference in pictures.items():
        write_if_changed(target / copy, (folder / reference).read_bytes())
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

def build_folder(path: Path) -> BuildLayout:
    """A production folder's build/, or a build folder itself."""
    path = Path(path)
    return BuildLayout.of(path) if (path / BUILD_DIR / "scores").is_dir() else BuildLayout(path)


SKIPPED = "skipped"  # a cell whose number is missing; the table's "skipped" says why
NOT_MEASURED = "not measured in this build (not in its critic settings)"


def column(build: BuildLayout) -> tuple[dict[str, object], dict[str, str]]:
    """Every number of one build, keyed 'group: name', and why each number that is SKIPPED is."""
    film, script = read_json(build.film_score, {}), read_json(build.script_score, {})
    values: dict[str, object] = {}
    why: dict[str, str] = {}
    metrics, skipped, order = film.get("metrics", {}), film.get("skipped", {}), list(film_notes())
    for name in [n for n in order if n in metrics] + sorted(set(metrics) - set(order)):
        values[f"metric: {name}"] = metrics[name]
        if metrics[name] is None:  # a film number is skipped by itself or with its metric (vsa: temporal_accuracy)
            reason = skipped.get(name) or skipped.get(owner(name) or name)
            values[f"metric: {name}"] = SKIPPED
            why[f"metric: {name}"] = reason["reason"] if reason else "not measured (no reason recorded)"
    for label, result, rubric in (("film rubric", film.get("rubric"), FILM_RUBRIC),
                                  ("script rubric", script.get("rubric"), SCRIPT_RUBRIC)):
        if not result:
            continue
        reason = result.get("skipped", {}).get("reason", "no rubric (no reason recorded)")
        # the dimensions the judge scored (a rubric set of its own, e.g. `rubrics: released`), else the paper's
        for name in result.get("scores") or rubric:
            values[f"{label}: {name}"] = result["scores"][name]["score"] if "scores" in result else SKIPPED
        values[f"{label}: mean"] = result.get("mean", SKIPPED)
        why.update({row: reason for row in values if row.startswith(f"{label}: ") and values[row] == SKIPPED})
    for name, entry in script.get("rule_based", {}).items():
        values[f"script rule-based: {name}"] = entry["score"]
    return values, why


def comparison(builds: dict[str, BuildLayout]) -> dict:
    """{"columns": [...], "rows": [{"name": ..., "values": {column: value}}], "skipped": {column: {row: why}}} for
    builds named by column; a number a build lacks is SKIPPED there, with the reason."""
    columns, skipped = {}, {}
    for name, build in builds.items():
        columns[name], skipped[name] = column(build)
    names: list[str] = []
    for values in columns.values():
        names += [n for n in values if n not in names]
    for name, values in columns.items():
        for row in names:
            if row not in values:
                values[row] = SKIPPED
                skipped[name][row] = NOT_MEASURED
    return {"columns": list(builds), "rows": [{"name": n, "values": {c: columns[c][n] for c in columns}}
                                              for n in names],
            "skipped": {name: {row: why[row] for row in names if row in why} for name, why in skipped.items()}}


def markdown(table: dict) -> str:
    def cell(value) -> str:
        if value is None:  # (a number is never left empty: see column)
            return SKIPPED
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    lines = ["| | " + " | ".join(table["columns"]) + " |", "|---|" + "---:|" * len(table["columns"])]
    lines += [f"| {row['name']} | " + " | ".join(cell(row["values"][c]) for c in table["columns"]) + " |"
              for row in table["rows"]]
    reasons = [f"- {column}, {row}: {why}" for column, rows in table.get("skipped", {}).items()
               for row, why in rows.items()]
    if reasons:
        lines += ["", "Skipped (nothing is estimated in their place):", "", *reasons]
    return "\n".join(lines) + "\n"


def write_comparison(builds: dict[str, BuildLayout], markdown_file: Path, json_file: Path) -> dict:
    table = comparison(builds)
    write_atomic(json_file, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
    write_atomic(markdown_file, markdown(table))
    return table


def remove_stale_variants(build: BuildLayout, names: list[str]) -> None:
    """Variants no longer in production.yaml leave with their folders."""
    root = build.variants
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and child.name not in names:
                shutil.rmtree(child)
