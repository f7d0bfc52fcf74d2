"""Stage 1 of the paper's training: supervised fine-tuning on ScriptBench (dialogue -> script conversations).

trl's SFTTrainer on conversational prompt-completion examples (system + user prompt from the scripter's
templates, the target script as the assistant's answer), the loss on the script only. Examples longer than
`max_length` are left out rather than truncated: a cut-off script would teach the model to stop mid-script. The
model trains in float32 (mixed precision with `bf16: true`). The checkpoint is a plain causal LM folder (LoRA
adapters merged in), so it plugs into production.yaml as `scripter: {backend: transformers, model: <output_dir>}`
and is GRPO's start.
"""

from __future__ import annotations

import sys
import time

from .conversations import sft_example, training_dataset
from .recipes import SFTRecipe, resolve_model


def within_length(dataset, tokenizer, max_length: int):
    """(the examples whose whole conversation fits `max_length` tokens, how many were left out)."""
    def fits(example) -> bool:
        ids = tokenizer.apply_chat_template(example["prompt"] + example["completion"], tokenize=True)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        return len(ids) <= max_length

    kept = dataset.filter(fits)
    return kept, len(dataset) - len(kept)


def sft_trainer(recipe: SFTRecipe):
    """(trl's SFTTrainer for the recipe, examples left out as too long), ready to train."""
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from ..errors import InputError, Problem
    from .common import load_trainable_model, lora_config, trainer_arguments

    base = resolve_model(recipe.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    dataset, too_long = within_length(training_dataset(recipe.data, recipe.production_folder, sft_example),
                                      tokenizer, recipe.max_length)
    if too_long:
        print(f"train:sft: {too_long} example(s) longer than max_length ({recipe.max_length} tokens) left out "
              "(hint: raise max_length)", file=sys.stderr)
    if not len(dataset):
        raise InputError(Problem(recipe.data, f"every example is longer than max_length ({recipe.max_length} "
                                 "tokens)", hint="raise max_length in the recipe"))
    args = trainer_arguments(recipe.training, recipe.output_dir, SFTConfig, max_length=recipe.max_length,
                             completion_only_loss=recipe.completion_only_loss)
    trainer = SFTTrainer(model=load_trainable_model(base), args=args, train_dataset=dataset,
                         processing_class=tokenizer, peft_config=lora_config(recipe.lora, "CAUSAL_LM"))
    return trainer, too_long


def train_sft(recipe: SFTRecipe) -> dict:
    from .common import save_model, write_metrics

    trainer, too_long = sft_trainer(recipe)
    started = time.monotonic()
    result = trainer.train()
    save_model(trainer.model, trainer.processing_class, recipe.output_dir)
    metrics = {
        "base_model": recipe.base_model,
        "examples": len(trainer.train_dataset),
        "left_out_too_long": too_long,
        "steps": result.global_step,
        "train_loss": round(result.training_loss, 5),
        "seconds": round(time.monotonic() - started, 1),
        "lora": recipe.lora.model_dump() if recipe.lora else None,
    }
    write_metrics(recipe.output_dir, metrics)
    return metrics
