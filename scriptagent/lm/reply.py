"""Reading the mapping out of a language model's reply: JSON or YAML, inside or outside code fences, after any
thinking aloud. What the mapping must hold is the caller's business (a script, a rubric, a context)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

THINKING = re.compile(r"<think>.*?(?:</think>|\Z)", re.S)  # reasoning models think aloud before answering
FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.S)  # a reply cut off mid-fence is still read


class ReplyParseError(ValueError):
    """The reply holds no JSON object or YAML mapping."""


def parse_reply(text: str, expected: Collection[str] = ()) -> dict:
    """The mapping a reply holds: the first fenced block that parses, else the whole text, else its outermost {...}.

    A mapping of one key around a mapping that holds any of the `expected` keys is unwrapped.
    """
    text = THINKING.sub("", text).strip()
    candidates = FENCE.findall(text) + [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    first_error = None
    for candidate in candidates:
        data, error = _load_mapping(candidate)
        if data is not None:
            return _unwrap(data, expected)
        first_error = first_error or error
    raise ReplyParseError(first_error or "it holds no JSON object")


def _load_mapping(text: str) -> tuple[dict | None, str | None]:
    """(mapping, None) or (None, why not). JSON first; YAML reads what JSON cannot (and JSON-ish YAML)."""
    json_error = None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        json_error = f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    else:
        return (data, None) if isinstance(data, dict) else (None, f"a JSON {type(data).__name__}, not an object")
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
        yaml_error = f"invalid YAML: {problem}{where}"
        return None, json_error if text.lstrip().startswith(("{", "[")) else yaml_error
    if isinstance(data, dict):
        return data, None
    return None, json_error if text.lstrip().startswith(("{", "[")) else "it holds no JSON object"


def _unwrap(data: dict, expected: Collection[str]) -> dict:
    """{"script": {"scenes": ...}} -> {"scenes": ...}: models like to name what they return."""
    if len(data) == 1:
        (value,) = data.values()
        if isinstance(value, dict) and not value.keys().isdisjoint(expected):
            return value
    return data
