"""Evaluation: each scripter of the recipe writes the scripts of the test split; the scripts are scored by the
critic's script metrics, and the results are one row per scripter in results.md and results.json.

Columns:
- written: share of instances for which the scripter delivered a script (a language model that still fails the
  validators after its repair rounds delivers none; such an instance scores 0 / 1 below)
- structure: mean structure_reward (scriptagent.scripter.reward) of the delivered script, in [0, 1]
- completeness, format: the critic's rule-based rubric scores from the four validators, 1-5
- errors, warnings: the validators' findings per script
- shots: mean shots per script (the reference scripts' mean is in the header)
- reward model: the reward model's mean predicted human score, 1-5 (when the recipe names one)
- s/script: seconds per script
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from ..errors import ScriptAgentError
from ..files import write_atomic
from ..scripter import make_scripter
from ..scripter.reward import structure_reward
from ..scripter.validators import ERROR, validate_script
from .conversations import script_reply
from .data import Instance, dialogue_text, load_instances
from .recipes import EvalRecipe, resolve_model

RESULTS_JSON = "results.json"
RESULTS_MARKDOWN = "results.md"
COLUMNS = [("written", "written", "{:.0%}"), ("structure", "structure", "{:.3f}"),
           ("content_completeness", "completeness", "{:.2f}"), ("format_compliance", "format", "{:.2f}"),
           ("errors", "errors", "{:.2f}"), ("warnings", "warnings", "{:.2f}"), ("shots", "shots", "{:.1f}"),
           ("reward_model", "reward model", "{:.2f}"), ("seconds", "s/script", "{:.2f}")]


def score_instance(scripter, instance: Instance) -> dict:
    """One instance: write its script with `scripter` and score it (or record why no script came out)."""
    from ..critic.rubrics import rule_based_script_scores

    production = instance.production().model_copy(update={"scripter": scripter.config})
    started = time.monotonic()
    try:
        script = scripter.write(production)
    except ScriptAgentError as error:
        return {"id": instance.id, "written": 0.0, "structure": 0.0, "content_completeness": 1.0,
                "format_compliance": 1.0, "seconds": time.monotonic() - started,
                "failure": str(error).splitlines()[0]}
    seconds = time.monotonic() - started
    findings = validate_script(script, production)
    rubric = rule_based_script_scores([dataclasses.asdict(f) for f in findings], len(script.shots()),
                                      len(production.lines))
    errors = sum(f.severity == ERROR for f in findings)
    return {"id": instance.id, "written": 1.0, "structure": structure_reward(production, script_reply(script)),
            "content_completeness": rubric["content_completeness"]["score"],
            "format_compliance": rubric["format_compliance"]["score"], "errors": errors,
            "warnings": len(findings) - errors, "shots": len(script.shots()), "seconds": seconds,
            "script": script}


def _mean(rows: list[dict], key: str) -> float | None:
    values = [row[key] for row in rows if row.get(key) is not None]
    return round(sum(values) / len(values), 4) if values else None


def evaluate(recipe: EvalRecipe) -> dict:
    instances = load_instances(recipe.data, recipe.split)
    if not instances:
        raise ScriptAgentError(f"{recipe.data}: no instances with split: {recipe.split} (hint: mark some "
                               "instances with that split, or set split: in the recipe)")
    reward_model = None
    if recipe.reward_model:
        from .reward_model import RewardModel
        reward_model = RewardModel(resolve_model(recipe.reward_model))

    table = {"data": recipe.data, "split": recipe.split, "instances": len(instances),
             "reference_shots": round(sum(len(i.script.shots()) for i in instances) / len(instances), 2),
             "rows": {}}
    for name, config in recipe.scripters.items():
        print(f"eval: {name} on {len(instances)} {recipe.split} instances", flush=True)
        scripter = make_scripter(config, ".")
        rows = [score_instance(scripter, instance) for instance in instances]
        if reward_model:
            _add_reward_model_scores(rows, instances, reward_model)
        summary = {key: _mean(rows, key) for key, _, _ in COLUMNS}
        summary["scripter"] = config.model_dump(mode="json")
        summary["instances"] = [{k: v for k, v in row.items() if k != "script"} for row in rows]
        table["rows"][name] = summary
    write_results(table, Path(recipe.output_dir))
    return table


def _add_reward_model_scores(rows: list[dict], instances: list[Instance], reward_model) -> None:
    from .reward_model import script_text

    written = [(row, instance) for row, instance in zip(rows, instances) if "script" in row]
    if not written:
        return
    scores = reward_model.score(
        [script_text(row["script"]) for row, _ in written],
        [dialogue_text(i.dialogue, {c: ch.name for c, ch in row["script"].characters.items()}) for row, i in written])
    for (row, _), score in zip(written, scores):
        row["reward_model"] = round(score, 4)


def markdown(table: dict) -> str:
    header = [name for _, name, _ in COLUMNS]
    lines = [f"Scripters on {table['instances']} {table['split']} instances of {table['data']} "
             f"(reference scripts: {table['reference_shots']} shots on average).", "",
             "| scripter | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|"]
    for name, row in table["rows"].items():
        cells = ["–" if row[key] is None else fmt.format(row[key]) for key, _, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_results(table: dict, output_dir: Path) -> None:
    write_atomic(output_dir / RESULTS_MARKDOWN, markdown(table))
    write_atomic(output_dir / RESULTS_JSON, json.dumps(table, indent=2, ensure_ascii=False) + "\n")
