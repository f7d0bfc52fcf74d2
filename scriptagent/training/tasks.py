"""The training recipes as doit tasks, for the repository's root dodo.py:

    doit train:sft       recipes/sft.yaml         -> its output_dir (a causal LM checkpoint)
    doit train:reward    recipes/reward.yaml      -> its output_dir (the reward model)
    doit train:grpo      recipes/grpo.yaml        -> its output_dir (needs the two above: doit runs them first)
    doit eval:scripter   recipes/eval.yaml        -> its output_dir/results.md and results.json
    doit scriptbench     recipes/scriptbench.yaml -> a dataset built from raw transcripts, and its audit list

A task depends on its recipe file and its data file; a task that starts from another recipe's output depends on
that output's metrics.json (written last, when the checkpoint is complete), so doit orders them and re-runs
downstream tasks after a retraining. With nothing changed, nothing runs. Creating the tasks reads the recipes
(no torch import), so `doit list` stays fast; a recipe with errors becomes a task that fails with them.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from doit.tools import config_changed

from ..errors import ScriptAgentError
from .common import METRICS_FILE
from .recipes import load_recipe

RECIPES_DIR = Path("recipes")  # the recipe of kind K is recipes/K.yaml
TRAIN_TASKS = {"sft": "sft", "reward": "reward", "grpo": "grpo"}  # subtask name -> recipe kind
EVAL_TASKS = {"scripter": "eval"}

DOCS = {"sft": "supervised fine-tuning of the scripter (ScriptBench conversations)",
        "reward": "the human-preference reward model (regression on rated scripts)",
        "grpo": "GRPO from the SFT checkpoint, reward = w * structure + (1 - w) * reward model",
        "eval": "scripters on the test split, scored by the critic's script metrics",
        "scriptbench": "build a ScriptBench-style dataset from raw transcripts"}


def run_recipe(kind: str, path: str):
    """The doit action: train, evaluate or build; a user error fails the task with its one-line message."""
    from doit.exceptions import TaskFailed

    try:
        recipe = load_recipe(path, kind)
        if kind == "sft":
            from .sft import train_sft as run
        elif kind == "reward":
            from .reward_model import train_reward_model as run
        elif kind == "grpo":
            from .grpo import train_grpo as run
        elif kind == "scriptbench":
            from .scriptbench import build_scriptbench as run
        else:
            from .evaluate import evaluate as run
        result = run(recipe)
    except ScriptAgentError as error:
        return TaskFailed(str(error) if str(error).startswith(path) else f"{path}: {error}")
    if kind == "eval":
        from .evaluate import markdown
        print(markdown(result))
    else:
        print(f"{path}: " + ", ".join(f"{k}={v}" for k, v in result.items() if not isinstance(v, dict)))
    return True


def _fail(message: str):
    from doit.exceptions import TaskFailed

    return TaskFailed(message)


def _load(kind: str):
    """(path, recipe or the error loading it) for recipes/<kind>.yaml, or None when there is no such file."""
    path = RECIPES_DIR / f"{kind}.yaml"
    if not path.is_file():
        return None
    return str(path), _load_recipe(str(path), kind, str(path.resolve()), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _load_recipe(path: str, kind: str, where: str, mtime_ns: int):
    """Each task creator asks for every training recipe (what a recipe starts from): read each file once
    (`where` and `mtime_ns` only key the cache: the same file, unchanged)."""
    try:
        return load_recipe(path, kind)
    except ScriptAgentError as error:
        return error


def _metrics_target(output_dir: str) -> str:
    return str(Path(output_dir) / METRICS_FILE)


def _trained_outputs() -> dict[str, str]:
    """Output folder -> its metrics.json, for each training recipe: what other recipes may start from."""
    outputs = {}
    for kind in TRAIN_TASKS.values():
        loaded = _load(kind)
        if loaded and not isinstance(loaded[1], Exception):
            outputs[os.path.normpath(loaded[1].output_dir)] = _metrics_target(loaded[1].output_dir)
    return outputs


def _task(kind: str, path: str, recipe, **task) -> dict:
    task = {"doc": DOCS[kind], "actions": [(run_recipe, [kind, path])], "verbosity": 2, **task}
    if isinstance(recipe, Exception):  # shown when the task runs; `doit list` still works
        return {**task, "actions": [(_fail, [str(recipe)])], "uptodate": [False]}
    if kind == "scriptbench":
        from .scriptbench import transcript_files

        folder = Path(recipe.transcripts)
        inputs = [str(p) for p in transcript_files(folder)] if folder.is_dir() else []
        prompt = [recipe.context_prompt] if recipe.context_model is not None else []
        # the list of transcripts is an input too: removing one must rebuild the dataset
        return {**task, "file_dep": [path, *inputs, *prompt], "targets": [recipe.output, recipe.audit],
                "uptodate": [config_changed(",".join(inputs))], "clean": True}
    outputs = _trained_outputs()
    models = [getattr(recipe, field) for field in ("model", "reward_model") if getattr(recipe, field, None)]
    models += [config.model for config in getattr(recipe, "scripters", {}).values() if hasattr(config, "model")]
    upstream = sorted({outputs[os.path.normpath(m)] for m in models if os.path.normpath(m) in outputs})
    if kind == "eval":
        from .evaluate import RESULTS_JSON, RESULTS_MARKDOWN
        targets = [str(Path(recipe.output_dir) / RESULTS_MARKDOWN), str(Path(recipe.output_dir) / RESULTS_JSON)]
    else:
        targets = [_metrics_target(recipe.output_dir)]
    return {**task, "file_dep": [path, recipe.data, *upstream], "targets": targets, "clean": True}


def task_train():
    """train the models of recipes/sft.yaml, reward.yaml, grpo.yaml"""
    for name, kind in TRAIN_TASKS.items():
        if loaded := _load(kind):
            yield _task(kind, *loaded, name=name)


def task_eval():
    """evaluate scripters with recipes/eval.yaml"""
    for name, kind in EVAL_TASKS.items():
        if loaded := _load(kind):
            yield _task(kind, *loaded, name=name)


def task_scriptbench():
    """build a ScriptBench-style dataset from raw transcripts with recipes/scriptbench.yaml"""
    loaded = _load("scriptbench")
    return _task("scriptbench", *loaded) if loaded else None
