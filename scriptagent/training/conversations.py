"""Instances as the conversations the models are trained on, built from the scripter's own prompt templates.

The system and user messages come from scriptagent.scripter.prompts (templates/scripter/system.j2, user.j2), the
same code the transformers and openai scripters call at inference, so a fine-tuned model is trained on exactly
the prompt it will be asked with. The assistant message is the target script as the one JSON object those
prompts ask for.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..schema import Script
from ..scripter.prompts import Prompts
from .data import Instance, dialogue_text


def script_reply(script: Script) -> str:
    """The script as the model should answer: one JSON object in the shape the system prompt shows."""
    return json.dumps(script.model_dump(mode="json"), ensure_ascii=False)


def prompt_messages(instance: Instance, prompts: Prompts) -> list[dict]:
    return prompts.opening(instance.production())


def sft_example(instance: Instance, prompts: Prompts) -> dict:
    """{"prompt": [system, user], "completion": [assistant]}: trl's conversational prompt-completion format, so
    the loss covers the script only (the prompt is the same for every example: learning it teaches nothing)."""
    return {"prompt": prompt_messages(instance, prompts),
            "completion": [{"role": "assistant", "content": script_reply(instance.script)}]}


def grpo_example(instance: Instance, prompts: Prompts) -> dict:
    """{"prompt": [system, user], ...}: the extra columns reach the reward functions as keyword arguments.

    `production` is the instance's production as JSON text (what structure_reward reads its dialogue from; text,
    because a dataset column cannot hold mappings whose keys differ from row to row), `transcript` the dialogue
    as the reward model reads it.
    """
    production = instance.production()
    names = {member.id: member.name for member in production.cast}
    data = production.model_dump(mode="json", include={"title", "setting", "cast", "dialogue"})
    return {"prompt": prompt_messages(instance, prompts),
            "production": json.dumps(data, ensure_ascii=False),
            "transcript": dialogue_text(instance.dialogue, names)}


def recipe_prompts(production_folder: str | None) -> Prompts:
    """The scripter's prompts; a production folder's templates/scripter/ overrides them as in its builds."""
    return Prompts(Path(production_folder) if production_folder else None)


def training_dataset(data: str, production_folder, example):
    """The train split of a ScriptBench file as a `datasets.Dataset` of `example(instance, prompts)` rows, rendered
    with the scripter's own prompts (SFT and GRPO share this, so both see the inference prompt)."""
    from datasets import Dataset

    from ..errors import InputError, Problem
    from .data import load_instances

    instances = load_instances(data, "train")
    if not instances:
        raise InputError(Problem(data, "no instances with split: train"))
    prompts = recipe_prompts(production_folder)
    return Dataset.from_list([example(instance, prompts) for instance in instances])
