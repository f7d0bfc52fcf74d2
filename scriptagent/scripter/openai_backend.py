"""The `openai` scripter: any OpenAI-compatible /v1/chat/completions server, asked through scriptagent.lm."""

from __future__ import annotations

from urllib.parse import urlsplit

from .llm import LanguageModelScripter


class OpenAIScripter(LanguageModelScripter):
    def label(self) -> str:
        return f"{self.config.model} at {urlsplit(self.config.base_url).netloc}"
