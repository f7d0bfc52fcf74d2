"""Language-model clients, shared by the agents: `chat` asks the model a config names, reply.py reads its answer.

A backend is one function, `chat(messages, config, *, seed, json_schema, setting) -> str`, where `messages` are
OpenAI-style dicts ({"role": "system" | "user" | "assistant", "content": ...}). `config` is any object with the
backend's fields (the scripter's and the judge's settings have them). `setting` is where that config sits in
production.yaml (`scripter`, `critic.judge`): every message names it, so it says what to change.
"""

from __future__ import annotations

import importlib

from ..errors import BackendError

CHAT_BACKENDS = {
    "transformers": "scriptagent.lm.transformers_chat:chat",
    "openai": "scriptagent.lm.openai_chat:chat",
}


def chat(messages: list[dict], config, *, seed: int | None = None, json_schema: dict | None = None,
         setting: str = "scripter") -> str:
    """The model's answer to `messages`, from the backend `config.backend` (transformers or openai).

    `json_schema` asks servers that support it for a reply that fits the schema; local models ignore it.
    """
    if config.backend not in CHAT_BACKENDS:
        raise BackendError(f"{setting}.backend: no chat backend '{config.backend}' "
                           f"(known: {', '.join(CHAT_BACKENDS)})")
    module_name, function_name = CHAT_BACKENDS[config.backend].split(":")
    backend_chat = getattr(importlib.import_module(module_name), function_name)
    return backend_chat(messages, config, seed=seed, json_schema=json_schema, setting=setting)
