"""Reading the mapping out of a language model's reply: JSON or YAML, inside or outside code fences, after any
thinking aloud. What the mapping must hold is the caller's business (a script, a rubric, a context).

Any text, however hostile (100,000 backticks, an unclosed <think>, `[` nested 100,000 deep, megabytes), is read in
time linear in its length, or refused with ReplyParseError; nothing else is raised. The reply is cut into its parts
by plain scans (str.find), never by a regular expression that could backtrack; JSON is read first (in C), YAML
(pure Python, about 10 s a MiB) only within MAX_YAML_CHARS a reply, and only text nested at most MAX_DEPTH deep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from ruamel.yaml import YAML

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"  # reasoning models think aloud before answering
FENCE = "```"
MAX_FENCES = 16  # fenced blocks tried before the whole text; a reply holds one or two
MAX_DEPTH = 64  # deepest nesting read: a script is 6 deep; deeper would exhaust Python's stack in a parser
MAX_YAML_CHARS = 256 * 1024  # YAML read per reply, all its candidates together (a scene's script is tens of KiB)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class Reply(str):
    """A model's reply, as text; `cut_short` when the model stopped at its token limit before the reply ended
    (so a parse error is the limit's fault, and the fix is a larger max_new_tokens, not a repair)."""

    cut_short: bool = False

    @classmethod
    def of(cls, text: str, cut_short: bool) -> Reply:
        reply = cls(text)
        reply.cut_short = cut_short
        return reply


class ReplyParseError(ValueError):
    """The reply holds no JSON object or YAML mapping."""


def parse_reply(text: str, expected: Collection[str] = ()) -> dict:
    """The mapping a reply holds: a fenced block that parses, else the whole text, else its outermost {...}.

    Of several fenced blocks, the last that holds any of the `expected` keys wins (a model shows an example first
    and answers after it), else the first that parses. A mapping of one key around a mapping that holds any of
    the `expected` keys is unwrapped.
    """
    text = without_thinking(text).strip()
    whole = [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        whole.append(text[start:end + 1])
    first_error, yaml_left, tried = None, MAX_YAML_CHARS, set()
    for candidates in (fenced_blocks(text)[:MAX_FENCES], whole):
        found = []
        for candidate in candidates:
            if candidate in tried:
                continue
            tried.add(candidate)
            data, error, yaml_read = _load_mapping(candidate, yaml_left)
            yaml_left -= yaml_read
            if data is not None:
                found.append(_unwrap(data, expected))
                if candidates is whole:
                    break
            first_error = first_error or error
        answers = [data for data in found if not data.keys().isdisjoint(expected)]
        if answers or found:
            return answers[-1] if answers else found[0]
    raise ReplyParseError(first_error or "it holds no JSON object")


def without_thinking(text: str) -> str:
    """The text less every <think>...</think> block; an unclosed one runs to the end. A reply whose first tag is
    a closing one thought in a block its chat template opened in the prompt (DeepSeek-R1 distills, QwQ): all
    before it is reasoning."""
    opening, closing = text.find(THINK_OPEN), text.find(THINK_CLOSE)
    if closing >= 0 and (opening < 0 or closing < opening):
        text = text[closing + len(THINK_CLOSE):]
    kept, position = [], 0
    while (start := text.find(THINK_OPEN, position)) >= 0:
        kept.append(text[position:start])
        end = text.find(THINK_CLOSE, start + len(THINK_OPEN))
        if end < 0:
            return "".join(kept)
        position = end + len(THINK_CLOSE)
    kept.append(text[position:])
    return "".join(kept)


def fenced_blocks(text: str) -> list[str]:
    """The bodies of the ``` fences, in order: from the line after an opening fence to the closing fence, or to the
    end of the text (a reply cut off mid-fence is still read)."""
    blocks, position = [], 0
    while (opening := text.find(FENCE, position)) >= 0:
        body = text.find("\n", opening + len(FENCE))
        if body < 0:  # no line after it: neither this fence nor any later one opens a block
            break
        closing = text.find(FENCE, body + 1)
        if closing < 0:
            blocks.append(text[body + 1:])
            break
        blocks.append(text[body + 1:closing])
        position = closing + len(FENCE)
    return blocks


def _load_mapping(text: str, yaml_left: int) -> tuple[dict | None, str | None, int]:
    """(mapping, None, YAML chars read) or (None, why not, YAML chars read). JSON first; YAML reads what JSON cannot
    (and JSON-ish YAML), while `yaml_left` allows."""
    json_error = None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        json_error = f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        return None, f"nested more than {MAX_DEPTH} levels deep", 0
    except ValueError as error:  # an integer of thousands of digits
        json_error = f"invalid JSON: {str(error).split(':')[0]}"
    else:
        if not isinstance(data, dict):
            return None, f"a JSON {type(data).__name__}, not an object", 0
        problem = _not_a_tree(data)
        return (None, problem, 0) if problem else (data, None, 0)
    looks_like_json = text.lstrip().startswith(("{", "["))
    if len(text) > yaml_left:
        return None, json_error if looks_like_json else f"too long to read as YAML ({len(text)} characters)", 0
    if _too_deep(text):
        return None, f"nested more than {MAX_DEPTH} levels deep", len(text)
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except RecursionError:
        return None, f"nested more than {MAX_DEPTH} levels deep", len(text)
    except Exception as error:  # noqa: BLE001 - YAMLError, and the ValueErrors its constructors raise (dates, ints)
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        lines = str(error).strip().splitlines()
        problem = getattr(error, "problem", None) or (lines[0] if lines else type(error).__name__)
        yaml_error = f"invalid YAML: {problem}{where}"
        return None, json_error if looks_like_json else yaml_error, len(text)
    if isinstance(data, dict):
        problem = _not_a_tree(data)
        return (None, problem, len(text)) if problem else (data, None, len(text))
    return None, json_error if looks_like_json else "it holds no JSON object", len(text)


def _too_deep(text: str) -> bool:
    """Whether the text's brackets nest more than MAX_DEPTH deep (those in strings counted too: a bound, not a
    parse). The YAML parser recurses per level, and is slow to fail at Python's recursion limit."""
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", text):
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False


def _not_a_tree(data) -> str | None:
    """Why the parsed data cannot be read further, or None: nested deeper than MAX_DEPTH (block YAML nests without
    brackets), or a list or mapping reached twice (YAML aliases: a recursive one, or a billion laughs)."""
    seen, pending = set(), [(data, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if id(node) in seen:
            return "a YAML alias (&anchor/*alias) repeats a list or mapping; write it out"
        seen.add(id(node))
        children = node.values() if isinstance(node, dict) else node
        pending += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return None


def _unwrap(data: dict, expected: Collection[str]) -> dict:
    """{"script": {"scenes": ...}} -> {"scenes": ...}: models like to name what they return."""
    if len(data) == 1:
        (value,) = data.values()
        if isinstance(value, dict) and not value.keys().isdisjoint(expected):
            return value
    return data
