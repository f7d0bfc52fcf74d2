"""The `transformers` scripter: a local causal language model, asked through scriptagent.lm."""

from __future__ import annotations

from pathlib import Path

from .llm import LanguageModelScripter


class TransformersScripter(LanguageModelScripter):
    def __init__(self, config, folder: str | Path | None = None):
        super().__init__(config, folder)
        # A checkpoint folder is named relative to the production; anything else is a Hugging Face id.
        local = self.folder / config.model
        if local.is_dir():
            self.chat_config = config.model_copy(update={"model": str(local.resolve())})
