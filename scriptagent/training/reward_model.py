"""The human-preference reward model (the paper's R_human): a BERT-style encoder with a single regression output.

It reads the dialogue and the script as a text pair, `[CLS] dialogue [SEP] script [SEP]`, so it can see a line
the script dropped, and predicts the human score rescaled to [0, 1]: output = (score - 1) / 4. The script is read
in the compact form `script_text` writes (one line per shot), so a typical scene fits the encoder's 512 tokens.
Trained with MSE on the train split of a ratings file; Pearson and Spearman correlation on its test split tell
how well it ranks scripts it has not seen.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..errors import InputError, Problem
from ..schema import Angle, CameraMovement, Script, Transition
from .data import Rating, dialogue_text, load_ratings
from .recipes import RewardRecipe, resolve_model

SCORE_RANGE = (1.0, 5.0)


def to_unit(score: float) -> float:
    low, high = SCORE_RANGE
    return (score - low) / (high - low)


def from_unit(value: float) -> float:
    low, high = SCORE_RANGE
    return low + value * (high - low)


def script_text(script: Script) -> str:
    """The script as the reward model reads it: a scene line, then one line per shot with what matters on set.

    Settings at their default (eye-level, static, cut) are left out, so more of a long scene fits the encoder.
    """
    rows = []
    for scene in script.scenes:
        rows.append(f"scene {scene.id}: {scene.setting}")
        for shot in scene.shots:
            people = "; ".join(", ".join(part for part in (c.id, c.position, c.action, c.expression) if part)
                               for c in shot.characters)
            lines = " ".join(f'{line.speaker}{" (o.s.)" if line.off_screen else ""}'
                             f'{f" ({line.emotion})" if line.emotion else ""}: "{line.line}"' for line in shot.dialogue)
            camera = [shot.shot_size.value] + [value.value for value, default in (
                (shot.angle, Angle.eye_level), (shot.camera_movement, CameraMovement.static),
                (shot.transition, Transition.cut)) if value != default]  # defaults left out: tokens are scarce
            rows.append(f"{shot.id} {shot.duration:g}s {' '.join(camera)} | {shot.description} | {people} | {lines}")
    return "\n".join(rows)


def rating_texts(rating: Rating) -> tuple[str, str]:
    names = {cid: c.name for cid, c in rating.script.characters.items()}
    return dialogue_text(rating.dialogue, names), script_text(rating.script)


# --- correlation ------------------------------------------------------------------------------------------

def pearson(x, y) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")  # undefined for a constant: never reported as a number
    return float(np.corrcoef(x, y)[0, 1])


def average_ranks(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    ranks = np.empty(len(values))
    ranks[values.argsort(kind="stable")] = np.arange(len(values), dtype=float)
    for value in np.unique(values):  # ties share the mean of their ranks
        ranks[values == value] = ranks[values == value].mean()
    return ranks


def spearman(x, y) -> float:
    return pearson(average_ranks(x), average_ranks(y))


# --- scoring ----------------------------------------------------------------------------------------------

class RewardModel:
    """A trained reward model, loaded once: `preference` in [0, 1] for GRPO, `score` on the 1-5 scale."""

    def __init__(self, path: str | Path, device: str | None = None, batch_size: int = 16):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForSequenceClassification.from_pretrained(str(path)).to(self.device).eval()
        self.batch_size = batch_size

    def preference(self, scripts: list[str], dialogues: list[str] | None = None) -> list[float]:
        import torch

        outputs = []
        for start in range(0, len(scripts), self.batch_size):
            batch = scripts[start:start + self.batch_size]
            pairs = dialogues[start:start + self.batch_size] if dialogues else None
            args = (pairs, batch) if pairs else (batch,)
            encoded = self.tokenizer(*args, truncation=True, padding=True, return_tensors="pt").to(self.device)
            with torch.no_grad():
                logits = self.model(**encoded).logits[:, 0].float().cpu().tolist()
            outputs.extend(min(1.0, max(0.0, value)) for value in logits)
        return outputs

    def score(self, scripts: list[str], dialogues: list[str] | None = None) -> list[float]:
        return [from_unit(value) for value in self.preference(scripts, dialogues)]


# --- training ---------------------------------------------------------------------------------------------

def _encode(tokenizer, ratings: list[Rating], target: str, max_length: int) -> list[dict]:
    rows = []
    for rating in ratings:
        dialogue, script = rating_texts(rating)
        args = (dialogue, script) if dialogue else (script,)
        encoded = tokenizer(*args, truncation=True, max_length=max_length)
        rows.append({**encoded, "labels": to_unit(rating.target(target))})
    return rows


def _check_target(ratings: list[Rating], target: str, file: str) -> None:
    missing = [r.id for r in ratings if target != "score" and target not in r.rubric]
    if missing:
        raise InputError(Problem(file, f"target '{target}': {len(missing)} ratings have no such rubric score "
                                       f"(first: {missing[0]})", hint="use target: score"))


def train_reward_model(recipe: RewardRecipe) -> dict:
    """Train, evaluate on the held-out split, save model + tokenizer + metrics.json; returns the metrics."""
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainingArguments)

    from .common import save_model, trainer_arguments, write_metrics

    train, test = load_ratings(recipe.data, "train"), load_ratings(recipe.data, "test")
    if not train or not test:
        raise InputError(Problem(recipe.data, f"{len(train)} train and {len(test)} test ratings",
                                 hint="the reward model needs both splits: mark held-out ratings with split: test"))
    _check_target(train + test, recipe.target, recipe.data)
    base = resolve_model(recipe.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.model_max_length = recipe.max_length  # saved with the checkpoint: scoring truncates the same way
    # num_labels=1 with problem_type regression: one output, MSE loss (a new head on the pretrained encoder)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, problem_type="regression")

    started = time.monotonic()
    args = trainer_arguments(recipe.training, recipe.output_dir, TrainingArguments)
    trainer = Trainer(model=model, args=args, train_dataset=_encode(tokenizer, train, recipe.target, recipe.max_length),
                      data_collator=DataCollatorWithPadding(tokenizer))
    result = trainer.train()
    save_model(trainer.model, tokenizer, recipe.output_dir)

    scorer = RewardModel(recipe.output_dir)
    texts = [rating_texts(r) for r in test]
    predicted = scorer.score([s for _, s in texts], [d for d, _ in texts])
    actual = [r.target(recipe.target) for r in test]
    train_mean = float(np.mean([r.target(recipe.target) for r in train]))
    metrics = {
        "base_model": recipe.base_model,
        "target": recipe.target,
        "output": "(score - 1) / 4",
        "train_ratings": len(train),
        "test_ratings": len(test),
        "steps": result.global_step,
        "train_loss": round(result.training_loss, 5),
        "seconds": round(time.monotonic() - started, 1),
        "test": {
            "pearson": _rounded(pearson(predicted, actual)),
            "spearman": _rounded(spearman(predicted, actual)),
            "mae": _rounded(float(np.mean(np.abs(np.subtract(predicted, actual))))),
            "mae_predicting_train_mean": _rounded(float(np.mean(np.abs(np.subtract(train_mean, actual))))),
        },
    }
    write_metrics(recipe.output_dir, metrics)
    return metrics


def _rounded(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)
