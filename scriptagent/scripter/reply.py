"""Reading a language model's reply as a script: parse it (JSON or YAML, inside or outside code fences), validate
it against the Script schema, then run the four validators.

The repair loop sends `Review.to_fix` back to the model; `structure_reward` scores the same stages. Both read a
reply the same way, so what training rewards is exactly what the build accepts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..production import Production, Script
from ..yamlio import validation_problems
from .validators import ERROR, Finding, validate_script

THINKING = re.compile(r"<think>.*?(?:</think>|\Z)", re.S)  # reasoning models think aloud before answering
FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.S)  # a reply cut off mid-fence is still read
MAX_SCHEMA_PROBLEMS = 20  # a garbled reply can break hundreds of fields; the first ones are enough to act on


class ReplyParseError(ValueError):
    """The reply holds no JSON object or YAML mapping."""


def parse_reply(text: str) -> dict:
    """The mapping a reply holds: the first fenced block that parses, else the whole text, else its outermost {...}."""
    text = THINKING.sub("", text).strip()
    candidates = FENCE.findall(text) + [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    first_error = None
    for candidate in candidates:
        data, error = _load_mapping(candidate)
        if data is not None:
            return _unwrap(data)
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


def _unwrap(data: dict) -> dict:
    """{"script": {...}} -> {...}: models like to name what they return."""
    if len(data) == 1:
        (value,) = data.values()
        if isinstance(value, dict) and "scenes" in value:
            return value
    return data


@dataclass
class Review:
    """What a reply is worth: the script if it parsed and validated, and what the model must fix."""

    data: dict | None = None  # the parsed reply
    script: Script | None = None  # the reply as a Script, when it fits the schema
    findings: list[Finding] = field(default_factory=list)  # the validators' findings on `script`
    to_fix: list[str] = field(default_factory=list)  # one line each, sent back through the repair template

    @property
    def ok(self) -> bool:
        return self.script is not None and not self.to_fix

    @property
    def stage(self) -> str:
        """How far the reply got: 'parse', 'schema', 'validators' or 'ok'."""
        if self.data is None:
            return "parse"
        if self.script is None:
            return "schema"
        return "validators" if self.to_fix else "ok"


def must_fix(finding: Finding) -> bool:
    """Errors, and reworded dialogue: a person may keep a reworded line, a generated script must say it as written."""
    return finding.severity == ERROR or finding.validator == "dialogue"


def review_reply(text: str, production: Production) -> Review:
    try:
        data = parse_reply(text)
    except ReplyParseError as error:
        return Review(to_fix=[f"the reply is not a script ({error}); answer with exactly one JSON object"])
    try:
        script = Script.model_validate(data)
    except ValidationError as error:
        return Review(data=data, to_fix=schema_problems(error, data))
    findings = validate_script(script, production)
    return Review(data=data, script=script, findings=findings,
                  to_fix=[describe_finding(finding) for finding in findings if must_fix(finding)])


def schema_problems(error: ValidationError, data: dict) -> list[str]:
    problems = []
    for problem in validation_problems(error, data, "reply", Script):
        text = f"{problem.field}: {problem.message}" if problem.field else problem.message
        problems.append(text + (f" ({problem.hint})" if problem.hint else ""))
    if len(problems) > MAX_SCHEMA_PROBLEMS:
        problems = problems[:MAX_SCHEMA_PROBLEMS] + [f"... and {len(problems) - MAX_SCHEMA_PROBLEMS} more"]
    return problems


def describe_finding(finding: Finding) -> str:
    where = f"shot {finding.shot_id}: " if finding.shot_id else ""
    hint = f" ({finding.hint})" if finding.hint else ""
    return f"[{finding.validator}] {where}{finding.message}{hint}"
