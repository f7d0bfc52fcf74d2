"""The `openai` backend: any OpenAI-compatible /v1/chat/completions server (vLLM, Ollama, llama.cpp's server,
OpenAI itself).

The API key comes from the environment variable that `api_key_env` names, never from a file, and it is kept out of
every message this module writes. Replies are asked for as JSON (a json_schema response format, falling back to
json_object, then plain text, for servers that refuse one with a 400). 429s, 5xx and timeouts are retried with
exponential backoff by the openai client (`retries` times).
"""

from __future__ import annotations

import functools
import os

from ..errors import BackendError

NO_KEY = "no-key"  # local servers usually need none, but the client insists on something
FORMATS = ("json_schema", "json_object", "text")
_accepted_format: dict[tuple[str, str], str] = {}  # (base_url, model) -> the first format the server accepted


def chat(messages: list[dict], config, *, seed: int | None = None, json_schema: dict | None = None,
         setting: str = "scripter") -> str:
    """The server's reply to `messages`. `config` needs model, base_url, api_key_env, timeout, retries, temperature,
    max_new_tokens and response_format (OpenAIScripterConfig and OpenAIJudgeConfig have them).
    """
    import openai

    key = os.environ.get(config.api_key_env) or None
    client = _client(config.base_url, key or NO_KEY, config.timeout, config.retries)
    request = {"model": config.model, "messages": messages, "temperature": config.temperature,
               "max_tokens": config.max_new_tokens}
    if seed is not None:
        request["seed"] = seed
    refused = None
    for kind in _formats(config, json_schema):
        try:
            response = client.chat.completions.create(**request, **_response_format(kind, json_schema))
        except openai.BadRequestError as error:  # most likely the response format: try the next one
            refused = error
            continue
        except openai.APIError as error:
            raise _explain(error, config, key, setting) from None
        _accepted_format[(config.base_url, config.model)] = kind
        choices = response.choices or []
        content = (choices[0].message.content or "") if choices else ""
        # a server that echoes the key it was sent must not put it into a file meant for git (script.yaml)
        return content.replace(key, f"${config.api_key_env}") if key else content
    raise BackendError(f"{setting}: {config.base_url} refused the request (400): "
                       f"{_redact(_server_message(refused), key)}")


@functools.lru_cache(maxsize=8)
def _client(base_url: str, key: str, timeout: float, retries: int):
    import openai

    return openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=retries)


def _formats(config, json_schema: dict | None) -> list[str]:
    if config.response_format != "auto":
        return [config.response_format]
    kinds = list(FORMATS) if json_schema is not None else ["json_object", "text"]
    accepted = _accepted_format.get((config.base_url, config.model))
    return kinds[kinds.index(accepted):] if accepted in kinds else kinds


def _response_format(kind: str, json_schema: dict | None) -> dict:
    if kind == "json_schema" and json_schema is not None:
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "reply", "schema": json_schema, "strict": False}}}
    if kind in ("json_schema", "json_object"):
        return {"response_format": {"type": "json_object"}}
    return {}


def _explain(error, config, key: str | None, setting: str) -> BackendError:
    """One line a user can act on; the key never appears in it, whatever the server echoed."""
    import openai

    server, retries = config.base_url, config.retries
    after = f"after {retries} retr{'y' if retries == 1 else 'ies'}"
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        if key is None:
            return BackendError(f"{setting}: {server} needs an API key ({error.status_code}) (hint: export "
                                f"{config.api_key_env}=<your key>; production.yaml names only the variable)")
        return BackendError(f"{setting}: {server} refused the API key in ${config.api_key_env} "
                            f"({error.status_code}) (hint: check the key and that it is meant for this server)")
    if isinstance(error, openai.NotFoundError):
        return BackendError(f"{setting}: {server} answered 404 for model '{config.model}' (hint: check "
                            f"{setting}.model and that base_url ends in /v1)")
    if isinstance(error, openai.RateLimitError):
        return BackendError(f"{setting}: {server} is still rate-limiting (429) {after} (hint: wait, or raise "
                            f"{setting}.retries)")
    if isinstance(error, openai.APITimeoutError):
        return BackendError(f"{setting}: no reply from {server} within {config.timeout:g} s, {after} (hint: raise "
                            f"{setting}.timeout, or lower max_new_tokens)")
    if isinstance(error, openai.APIConnectionError):
        return BackendError(f"{setting}: cannot reach {server} {after} (hint: is the server running? check "
                            f"{setting}.base_url)")
    if isinstance(error, openai.APIStatusError):
        return BackendError(f"{setting}: {server} failed with {error.status_code}"
                            f"{' ' + after if error.status_code >= 500 else ''}: "
                            f"{_redact(_server_message(error), key)}")
    return BackendError(f"{setting}: {server}: {_redact(str(error), key)}")


def _server_message(error) -> str:
    body = getattr(error, "body", None)  # the client hands over the JSON "error" object, when there is one
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(getattr(error, "message", None) or error)


def _redact(text: str, key: str | None, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    if key:
        text = text.replace(key, "***")
    return text if len(text) <= limit else text[:limit - 3] + "..."
