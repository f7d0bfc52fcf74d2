"""Stage 1 of the paper's training: supervised fine-tuning on ScriptBench (dialogue -> script conversations).

trl's SFTTrainer on conversational examples (system + user prompt from the scripter's templates, the target
script as the assistant's answer). The checkpoint is a plain causal LM folder (LoRA adapters merged in), so it
plugs into production.yaml as `scripter: {backend: transformers, model: <output_dir>}` and is GRPO's start.
"""

from __future__ import annotations

import time

from .conversations import sft_example, training_dataset
from .recipes import SFTRecipe, resolve_model


def train_sft(recipe: SFTRecipe) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from .common import lora_config, save_model, trainer_arguments, write_metrics

    dataset = training_dataset(recipe.data, recipe.production_folder, sft_example)

    base = resolve_model(recipe.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    args = trainer_arguments(recipe.training, recipe.output_dir, SFTConfig, max_length=recipe.max_length,
                             assistant_only_loss=recipe.assistant_only_loss)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         peft_config=lora_config(recipe.lora, "CAUSAL_LM"))
    started = time.monotonic()
    result = trainer.train()
    save_model(trainer.model, tokenizer, recipe.output_dir)
    metrics = {
        "base_model": recipe.base_model,
        "examples": len(dataset),
        "steps": result.global_step,
        "train_loss": round(result.training_loss, 5),
        "seconds": round(time.monotonic() - started, 1),
        "lora": recipe.lora.model_dump() if recipe.lora else None,
    }
    write_metrics(recipe.output_dir, metrics)
    return metrics
