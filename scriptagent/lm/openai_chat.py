"""The `openai` backend: any OpenAI-compatible /v1/chat/completions server (vLLM, Ollama, llama.cpp's server,
OpenAI itself).

The API key comes from the environment variable that `api_key_env` names, never from a file, and it is kept out of
every message this module writes. Replies are asked for as JSON (a json_schema response format, falling back to
json_object, then plain text, for servers that refuse one with a 400).

Whatever the server does, a call ends, with the text or one line saying what went wrong:

- `timeout` bounds each whole request: connecting, the headers and the body. The request runs on a worker thread
  that the caller waits for until the deadline; a reply still arriving then (a server that sends a byte every
  half second, or never ends) is abandoned and its connection closed. The body is read through a wrapper that
  checks the deadline at every chunk and counts the bytes, so an abandoned request stops soon too.
- a reply is at most MAX_REPLY_BYTES, and is asked for uncompressed (a compressed one could inflate past that).
- 429s, 408/409, 5xx, timeouts and broken connections are retried (`retries` times) with exponential backoff, or
  after what the server's Retry-After asks, within one total for the call, fixed when it starts:
  (retries + 1) x timeout + retries x MAX_BACKOFF_SECONDS. Every wait counts against it, a retry whose wait would
  end past it is not made (a long Retry-After included), and each try gets the lesser of `timeout` and what is
  left. With `timeout: 3, retries: 0` a call ends within 3 s, whatever the server does.
- a 200 whose body is not a chat completion (not UTF-8, not JSON, nested too deeply, no choices) is one line
  naming the setting; content given as a list of parts is joined.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import random
import threading
import time

from ..bounded_reply import ReplyTooLarge, ReplyTooSlow, bound_reply
from ..errors import BackendError, one_line
from .reply import Reply

NO_KEY = "no-key"  # local servers usually need none, but the client insists on something
FORMATS = ("json_schema", "json_object", "text")
# The largest reply read, headers aside (and error bodies too). A script of one scene is tens of KiB and a rubric
# a few; a reply near this is a runaway or hostile server, and the whole of it would be held in memory.
MAX_REPLY_BYTES = 4 * 1024 * 1024
MAX_BACKOFF_SECONDS = 8.0  # the longest wait between tries we choose (a server's Retry-After may ask for more)
MAX_RETRY_AFTER_SECONDS = 60.0  # a server asking for a longer wait is not retried
_accepted_format: dict[tuple[str, str], str] = {}  # (base_url, model) -> the first format the server accepted


class _NotACompletion(Exception):
    """A reply that cannot be read as a chat completion; the message says what it is instead."""


# what a 400 about the response format says; any other 400 (a prompt over the context, ...) is not retried
FORMAT_WORDS = ("response_format", "json_schema", "json_object", "response format", "structured output",
                "guided", "grammar")


def chat(messages: list[dict], config, *, seed: int | None = None, json_schema: dict | None = None,
         setting: str = "scripter") -> str:
    """The server's reply to `messages`. `config` needs model, base_url, api_key_env, timeout, retries, temperature,
    max_new_tokens and response_format (OpenAIScripterConfig and OpenAIJudgeConfig have them).
    """
    import openai

    key = os.environ.get(config.api_key_env) or None
    request = {"model": config.model, "messages": messages, "temperature": config.temperature,
               "max_tokens": config.max_new_tokens}
    if seed is not None:
        request["seed"] = seed
    total = time.monotonic() + (config.retries + 1) * config.timeout + config.retries * MAX_BACKOFF_SECONDS
    refused = None
    formats = _formats(config, json_schema)
    while formats:
        kind = formats[0]
        try:
            response = _with_retries({**request, **_response_format(kind, json_schema)}, config, key, total)
        except openai.BadRequestError as error:
            refused, said = error, _server_message(error).lower()
            if "max_completion_tokens" in said and "max_tokens" in request:  # newer OpenAI models
                request["max_completion_tokens"] = request.pop("max_tokens")
                continue
            if not any(word in said for word in FORMAT_WORDS):  # e.g. a prompt longer than the context
                break  # another response format would be refused the same way
            formats.pop(0)
            continue
        except _Failed as failed:
            raise _explain(failed.error, config, key, setting, failed.retries) from None
        _accepted_format[(config.base_url, config.model)] = kind
        try:
            content = _content(response)
        except _NotACompletion as error:
            raise _explain(error, config, key, setting, 0) from None

        # a server that echoes the key it was sent must not put it into a file meant for git (script.yaml)
        return Reply.of(content.replace(key, f"${config.api_key_env}"), content.cut_short) if key else content
    raise BackendError(f"{setting}: {config.base_url} refused the request (400): "
                       f"{_redact(_server_message(refused), key)}")


class _Failed(Exception):
    """The last try's error, and the retries made before it."""

    def __init__(self, error: BaseException, retries: int):
        super().__init__(str(error))
        self.error, self.retries = error, retries


def _with_retries(request: dict, config, key: str | None, total: float):
    """The raw HTTP response (2xx, body read) to `request`, retrying what may pass; _Failed when nothing did, and
    openai.BadRequestError as it is (the caller tries the next response format)."""
    import openai

    for retry in range(config.retries + 1):
        deadline = min(time.monotonic() + config.timeout, total)
        try:
            return _try_once(request, config, key, deadline)
        except openai.BadRequestError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever a try raised ends as one line
            if retry == config.retries or not _retryable(error):
                raise _Failed(error, retry) from None
            headers = error.response.headers if isinstance(error, openai.APIStatusError) else {}
            wait = _backoff(retry, headers)
            if wait is None or time.monotonic() + wait >= total:
                raise _Failed(error, retry) from None
            time.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _try_once(request: dict, config, key: str | None, deadline: float):
    """One request on a worker thread, answered by `deadline` (time.monotonic()) or abandoned."""
    client = _client(config.base_url, key or NO_KEY, deadline)
    outcome: dict = {}

    def ask() -> None:
        try:
            outcome["response"] = client.chat.completions.with_raw_response.create(**request).http_response
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=ask, name="scriptagent-chat", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        # abandoned: closing the connection makes the worker's next read fail (its socket reads time out too)
        threading.Thread(target=client.close, name="scriptagent-chat-close", daemon=True).start()
        raise ReplyTooSlow()
    client.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def _client(base_url: str, key: str, deadline: float):
    """An openai client whose every reply is bounded by `deadline` and MAX_REPLY_BYTES (a new one per try: an
    abandoned try's connection is closed under it)."""
    import openai

    httpx = _httpx()
    seconds = max(0.01, deadline - time.monotonic())

    def bound(response) -> None:  # an httpx response hook: runs after the headers, before the body is read
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise _NotACompletion(f"plain (Content-Encoding: {one_line(encoding[:40])}, although none was asked "
                                  "for)")
        bound_reply(response, deadline, MAX_REPLY_BYTES)

    http_client = httpx.Client(timeout=httpx.Timeout(seconds), event_hooks={"response": [bound]})
    return openai.OpenAI(base_url=base_url, api_key=key, timeout=seconds, max_retries=0, http_client=http_client,
                         default_headers={"Accept-Encoding": "identity"})


def _httpx():
    """The HTTP library the installed openai client is built on (httpx2 in newer versions, httpx before)."""
    try:
        return importlib.import_module("httpx2")
    except ImportError:
        return importlib.import_module("httpx")


def _retryable(error: BaseException) -> bool:
    import openai

    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        return status in (408, 409, 429) or status >= 500
    return isinstance(error, ReplyTooSlow | openai.APITimeoutError | openai.APIConnectionError)


def _backoff(retry: int, headers) -> float | None:
    """Seconds to wait before retry `retry + 1`: what the server asks for (Retry-After), else 0.5 s doubling up to
    MAX_BACKOFF_SECONDS, less up to a quarter at random; None when the server asks for too long a wait."""
    for name, unit in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            asked = float(headers.get(name)) / unit
        except (TypeError, ValueError):
            continue
        if not math.isfinite(asked) or asked > MAX_RETRY_AFTER_SECONDS:
            return None
        if asked > 0:
            return asked
    return min(0.5 * 2.0 ** retry, MAX_BACKOFF_SECONDS) * (1 - 0.25 * random.random())


def _content(response) -> Reply:
    """The assistant's text in a chat completion (`response`: the HTTP response, its body read); cut short when
    the server stopped it at the token limit (finish_reason: length)."""
    body = response.content
    kind = response.headers.get("content-type") or "no Content-Type"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _NotACompletion(f"UTF-8 text ({kind}; byte 0x{body[error.start]:02x} at {error.start})") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise _NotACompletion(f"JSON that can be read (nested too deeply; {kind})") from None
    except ValueError as error:  # json.JSONDecodeError, or a number too long to read
        why = f"{error.msg.removesuffix(' at')} at line {error.lineno}, column {error.colno}" if isinstance(
            error, json.JSONDecodeError) else str(error)
        raise _NotACompletion(f"JSON ({why}; {kind}; it begins {one_line(text[:60])!r})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        if isinstance(data, dict) and data.get("error"):  # some servers answer an error with a 200
            raise _NotACompletion(f"a chat completion but an error: {_server_message(data['error'])}")
        found = "no choices" if isinstance(data, dict) else f"a JSON {type(data).__name__}"
        raise _NotACompletion(f"a chat completion ({found})")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        raise _NotACompletion("a chat completion (its first choice has no message)")
    content = message.get("content")
    if content is None:  # a refusal, or a reply that ran out of tokens while reasoning: nothing to read
        content = message.get("refusal") if isinstance(message.get("refusal"), str) else ""
    if isinstance(content, list):  # content parts: their text, joined
        content = "".join(part if isinstance(part, str) else part.get("text") for part in content
                          if isinstance(part, str) or isinstance(part, dict) and isinstance(part.get("text"), str))
    if not isinstance(content, str):
        raise _NotACompletion(f"a chat completion (its message's content is a JSON {type(content).__name__})")
    # a lone surrogate ("\ud800" in the JSON) cannot be written to a file as UTF-8
    return Reply.of(content.encode("utf-8", "replace").decode("utf-8"),
                    cut_short=choices[0].get("finish_reason") == "length")


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


def _explain(error, config, key: str | None, setting: str, retries: int) -> BackendError:
    """One line a user can act on; the key never appears in it, whatever the server echoed."""
    import openai

    server = config.base_url
    after = f"after {retries} retr{'y' if retries == 1 else 'ies'}"
    if isinstance(error, ReplyTooLarge):
        return BackendError(f"{setting}: {server} sent a reply larger than {MAX_REPLY_BYTES // 2**20} MiB (hint: "
                            f"lower {setting}.max_new_tokens, or check {setting}.base_url)")
    if isinstance(error, _NotACompletion):
        return BackendError(f"{setting}: {server} sent a reply that is not {_redact(error, key)} (hint: check that "
                            f"{setting}.base_url is the server's OpenAI-compatible API root, and the server's log)")
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
    if isinstance(error, ReplyTooSlow | openai.APITimeoutError):
        return BackendError(f"{setting}: no reply from {server} within {config.timeout:g} s, {after} (hint: raise "
                            f"{setting}.timeout, or lower {setting}.max_new_tokens)")
    if isinstance(error, openai.APIConnectionError):
        if isinstance(error.__cause__, _httpx().RemoteProtocolError):
            return BackendError(f"{setting}: {server} broke off its reply ({_redact(error.__cause__, key)}) "
                                f"{after} (hint: check the server's log)")
        return BackendError(f"{setting}: cannot reach {server} {after} (hint: is the server running? check "
                            f"{setting}.base_url)")
    if isinstance(error, openai.APIStatusError):
        return BackendError(f"{setting}: {server} failed with {error.status_code}"
                            f"{' ' + after if error.status_code >= 500 else ''}: "
                            f"{_redact(_server_message(error), key)}")
    return BackendError(f"{setting}: {server}: {type(error).__name__}: {_redact(error, key)}")


def _server_message(error) -> str:
    body = error if isinstance(error, dict) else getattr(error, "body", None)  # the "error" object, when any
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(getattr(error, "message", None) or error)


def _redact(text, key: str | None, limit: int = 300) -> str:
    text = str(text)
    if key:
        text = text.replace(key, "***")
    text = one_line(" ".join(text[:4 * limit].split()))
    return text if len(text) <= limit else text[:limit - 3] + "..."
