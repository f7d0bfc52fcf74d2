"""What every recipe does the same way: trainer arguments from the recipe, LoRA, saving, the metrics file."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_atomic
from .recipes import Lora, Training

METRICS_FILE = "metrics.json"  # written last: its presence means the checkpoint is complete (doit's target)


def use_cpu(training: Training) -> bool:
    import torch

    return training.device == "cpu" or not torch.cuda.is_available()


def trainer_arguments(training: Training, output_dir: str | Path, config_class, **extra):
    """The recipe's hyper-parameters as `config_class` (TrainingArguments, SFTConfig, GRPOConfig)."""
    cpu = use_cpu(training)
    return config_class(
        output_dir=str(output_dir),
        num_train_epochs=training.epochs,
        max_steps=training.max_steps,
        learning_rate=training.learning_rate,
        per_device_train_batch_size=training.batch_size,
        gradient_accumulation_steps=training.gradient_accumulation_steps,
        warmup_steps=training.warmup_ratio,  # a float below 1 is a ratio of the total steps
        weight_decay=training.weight_decay,
        seed=training.seed,
        data_seed=training.seed,
        use_cpu=cpu,
        bf16=training.bf16 and not cpu,  # trl defaults bf16 to True; a CPU run must say False
        activation_checkpointing=training.gradient_checkpointing,
        logging_steps=training.logging_steps,
        save_strategy="steps" if training.save_steps else "no",
        save_steps=training.save_steps or 500,
        report_to="none",
        disable_tqdm=False,
        **extra,
    )


def load_trainable_model(path: str):
    """The model to train, in float32 whatever its checkpoint's dtype (transformers 5 loads a bf16 checkpoint as
    bf16): the master weights stay float32, and `bf16: true` in the recipe runs the math in mixed precision.
    Updates to bf16 weights would lose the small steps fine-tuning takes."""
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)


def lora_config(lora: Lora | None, task_type: str):
    if lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, task_type=task_type,
                      target_modules=lora.target_modules)


def save_model(model, tokenizer, output_dir: str | Path) -> None:
    """A plain checkpoint any from_pretrained loads: LoRA adapters are merged into the weights first."""
    if hasattr(model, "merge_and_unload"):  # a peft model
        model = model.merge_and_unload()
    model.save_pretrained(str(output_dir))
    tokenizer.save_pretrained(str(output_dir))


def write_metrics(output_dir: str | Path, metrics: dict) -> None:
    write_atomic(Path(output_dir) / METRICS_FILE, json.dumps(metrics, indent=2, sort_keys=True) + "\n")
