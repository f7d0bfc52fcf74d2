"""The `transformers` scripter: a local causal language model, asked through scriptagent.lm."""

from __future__ import annotations

from pathlib import Path

from .llm import LanguageModelScripter


class TransformersScripter(LanguageModelScripter):
    def __init__(self, config, folder: str | Path | None = None):
        super().__init__(config, folder)
        # A checkpoint folder is named relative to the production; anything else is a Hugging Face id.
        update = {key: str((self.folder / value).resolve()) for key in ("model", "base_model")
                  if (value := getattr(config, key, None)) and (self.folder / value).is_dir()}
        if update:
            self.chat_config = config.model_copy(update=update)

    def detect_format(self) -> str:
        """released for a PEFT adapter on a Qwen2.5-Omni model: how the authors released their ScriptAgent
        (XD-MU/ScriptAgent); json for anything else (our prompts, and the project's own checkpoints)."""
        from ..lm.transformers_chat import OMNI_MODEL_TYPES, adapter_base_type

        base_type = adapter_base_type(self.chat_config.model, getattr(self.chat_config, "base_model", None))
        return "released" if base_type in OMNI_MODEL_TYPES else "json"
