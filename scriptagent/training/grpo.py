"""Stage 2 of the paper's training: GRPO from the SFT checkpoint with the hybrid reward

    R_total = w * R_structure + (1 - w) * R_human

- R_structure: scriptagent.scripter.reward.structure_reward (parse, schema, the four validators, durations), in
  [0, 1], reading the reply exactly as the build does.
- R_human: the trained reward model's preference for the script, (predicted score - 1) / 4, in [0, 1]. It reads
  the dialogue and the script in the compact form it was trained on; a reply that does not parse as a script is
  read as it is (the structure part already gives it nothing).
- w is `structure_weight` in the recipe; `beta` is the KL penalty that keeps the policy near the SFT model.
"""

from __future__ import annotations

import time

from pydantic import ValidationError

from ..lm.reply import ReplyParseError, parse_reply
from ..schema import Script
from ..scripter.reply import SCRIPT_KEYS
from ..scripter.reward import completion_text, structure_reward
from .conversations import grpo_example, training_dataset
from .recipes import GRPORecipe, resolve_model
from .reward_model import RewardModel, script_text


def reward_model_text(reply: str) -> str:
    """What the reward model reads of a reply: the compact script when it parses, else the reply itself."""
    try:
        return script_text(Script.model_validate(parse_reply(reply, SCRIPT_KEYS)))
    except (ReplyParseError, ValidationError):
        return reply


class HybridReward:
    """R_total in trl's reward-function shape: `reward(completions, production=[...], transcript=[...])`.

    Keeps the mean of each part over training (`means()`), since trl logs only the total under this name.
    """

    __name__ = "hybrid_reward"  # trl names a reward function by its __name__ in the logs

    def __init__(self, structure_weight: float, reward_model: RewardModel):
        self.weight = structure_weight
        self.reward_model = reward_model
        self.seen = {"structure": [], "human": []}

    def parts(self, completions: list, production: list[str], transcript: list[str]) -> tuple[list, list]:
        replies = [completion_text(completion) for completion in completions]
        structure = [structure_reward(dialogue, reply) for dialogue, reply in zip(production, replies)]
        human = self.reward_model.preference([reward_model_text(reply) for reply in replies], list(transcript))
        return structure, human

    def __call__(self, completions: list, production: list[str], transcript: list[str], **_) -> list[float]:
        structure, human = self.parts(completions, production, transcript)
        self.seen["structure"] += structure
        self.seen["human"] += human
        return [self.weight * s + (1 - self.weight) * h for s, h in zip(structure, human)]

    def means(self) -> dict:
        return {name: round(sum(values) / len(values), 5) if values else None for name, values in self.seen.items()}


def train_grpo(recipe: GRPORecipe) -> dict:
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from .common import load_trainable_model, lora_config, save_model, trainer_arguments, use_cpu, write_metrics

    dataset = training_dataset(recipe.data, recipe.production_folder, grpo_example)

    policy = resolve_model(recipe.model)
    tokenizer = AutoTokenizer.from_pretrained(policy, padding_side="left")  # generation pads on the left
    model = load_trainable_model(policy)  # float32 master weights (see common.py)
    reward = HybridReward(recipe.structure_weight,
                          RewardModel(resolve_model(recipe.reward_model),
                                      device="cpu" if use_cpu(recipe.training) else None))
    args = trainer_arguments(recipe.training, recipe.output_dir, GRPOConfig, beta=recipe.beta,
                             num_generations=recipe.num_generations,
                             max_completion_length=recipe.max_completion_length, temperature=recipe.temperature)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=dataset,
                          processing_class=tokenizer, peft_config=lora_config(recipe.lora, "CAUSAL_LM"))
    started = time.monotonic()
    result = trainer.train()
    save_model(trainer.model, tokenizer, recipe.output_dir)
    metrics = {
        "model": recipe.model,
        "reward_model": recipe.reward_model,
        "structure_weight": recipe.structure_weight,
        "beta": recipe.beta,
        "prompts": len(dataset),
        "steps": result.global_step,
        "train_loss": round(result.training_loss, 5),
        "mean_reward_parts": reward.means(),
        "seconds": round(time.monotonic() - started, 1),
        "lora": recipe.lora.model_dump() if recipe.lora else None,
    }
    write_metrics(recipe.output_dir, metrics)
    return metrics
