"""YAML in and out with line numbers, and pydantic validation errors mapped back to them.

ruamel.yaml's round-trip loader keeps each mapping key's and sequence item's line and column, so a pydantic
error at `cast.1.reference` can be reported as `production.yaml:14:5: cast[1].reference: ...`.
"""

from __future__ import annotations

import difflib
import re
import io
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import InputError, Problem

MAX_YAML_BYTES = 2_000_000  # a production or script is text a person edits; anything larger is a mistake


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.width = 4096  # keep long descriptions on one line: diffs stay readable
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_yaml_text(text: str, file: str):
    """Parse YAML text; syntax errors become an InputError naming file:line:col."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = (error.problem or error.context or "invalid YAML").strip()
        if "\\t" in message or "tab" in message.lower():
            hint = "indent with spaces, not tabs"
        else:
            hint = ""
        raise InputError(
            Problem(file, f"YAML syntax: {message}", mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None, hint=hint)
        ) from None
    except YAMLError as error:
        raise InputError(Problem(file, f"YAML: {str(error).splitlines()[0]}")) from None


def load_yaml_file(path: str | Path, display: str | None = None):
    path = Path(path)
    file = display or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem(file, "file not found")) from None
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(Problem(file, f"file is {len(raw)} bytes, more than the {MAX_YAML_BYTES} allowed"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(Problem(file, f"not UTF-8 text (byte 0x{raw[error.start]:02x})", line, column,
                                 hint="save the file as UTF-8")) from None
    return load_yaml_text(text, file)


def dump_yaml(data) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


# --- locating a pydantic error in the YAML tree -------------------------------------------------------------

def _position(node, key, at_value: bool = False) -> tuple[int, int] | None:
    """1-based (line, column) of a mapping key (or its scalar value) or of a sequence item."""
    try:
        if isinstance(node, CommentedMap):
            scalar = not isinstance(node[key], (dict, list))
            line, col = node.lc.value(key) if at_value and scalar else node.lc.key(key)
        elif isinstance(node, CommentedSeq):
            line, col = node.lc.item(key)
        else:
            return None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return line + 1, col + 1


def locate(data, loc: tuple, at_value: bool = True) -> tuple[tuple[int, int] | None, str]:
    """Follow a pydantic `loc` through the YAML tree: the deepest known position and a readable field path.

    Elements of `loc` that are not in the YAML (a union member's tag, a type name) are skipped, except a
    missing field, which is still named in the path. Value errors point at the value, unknown keys at the key.
    """
    node = data
    position = (data.lc.line + 1, data.lc.col + 1) if isinstance(data, (CommentedMap, CommentedSeq)) else None
    path = ""
    for element in loc:
        if isinstance(node, dict) and element in node:
            position = _position(node, element, at_value) or position
            path += f".{element}" if path else str(element)
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            position = _position(node, element) or position
            path += f"[{element}]"
            node = node[element]
        elif isinstance(node, dict) and isinstance(element, str) and element.isidentifier() and element not in (
                "int", "str", "float", "bool"):
            path += f".{element}" if path else element
            break
    return position, path


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names the model allows at `loc` (the parent of an unknown key), for 'did you mean'."""
    annotation: typing.Any = model
    for element in loc:
        annotation = _unwrap(annotation, element)
        if annotation is None:
            return []
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(element) if isinstance(element, str) else None
            if info is not None:
                annotation = info.annotation
            continue
        origin = typing.get_origin(annotation)
        if origin in (list, tuple) or origin is dict:
            annotation = typing.get_args(annotation)[-1]
    annotation = _unwrap(annotation, None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [info.alias or name for name, info in annotation.model_fields.items()]
    return []


def _unwrap(annotation, element):
    """Strip Optional/Annotated; for a union of models pick the member whose tag is `element`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            for member in models:
                tag = member.model_fields.get("backend")
                if tag is not None and element is not None and tag.default == element:
                    return member
            annotation = models[0] if len(models) == 1 else (members[0] if len(members) == 1 else None)
            if annotation is None:
                return None
        else:
            return annotation


def validation_problems(error: ValidationError, data, file: str, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        kind = item["type"]
        position, path = locate(data, loc, at_value=kind != "extra_forbidden")
        message, hint = item["msg"], ""
        if kind == "extra_forbidden":
            unknown = str(loc[-1])
            known = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(unknown, known, n=1)
            message = f"unknown key '{unknown}'"
            hint = f"did you mean '{close[0]}'?" if close else (f"known: {', '.join(known)}" if known else "")
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "union_tag_invalid":
            ctx = item.get("ctx", {})
            position, path = locate(data, loc + (ctx.get("discriminator", "").strip("'"),))
            message = f"unknown {ctx.get('discriminator', 'tag').strip(chr(39))} {ctx.get('tag')!r}"
            hint = f"known: {ctx.get('expected_tags', '')}".replace("'", "")
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        path_match = FIELD_PREFIX.match(message)
        if path_match and not path:  # a model-level check names the field itself: "cast[2].id: ..."
            found = locate(data, parse_field_path(path_match.group(1)))
            if found[1]:
                position, path, message = found[0], found[1], path_match.group(2)
        if " (hint: " in message:  # validators put their advice after this marker
            message, hint = message.split(" (hint: ", 1)
            hint = hint.rstrip(")")
        line, column = position if position else (None, None)
        problems.append(Problem(file, message, line, column, field=path, hint=hint))
    return problems


FIELD_PREFIX = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): (.*)$", re.S)


def parse_field_path(text: str) -> tuple:
    """'cast[2].id' -> ('cast', 2, 'id')"""
    return tuple(int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", text))


def validate_yaml(model: type[BaseModel], data, file: str, context: dict | None = None):
    """Validate parsed YAML against a model; every problem is reported at once with its position."""
    if data is None:
        raise InputError(Problem(file, "the file is empty", 1, 1))
    if not isinstance(data, dict):
        raise InputError(Problem(file, f"expected a mapping at the top level, found {type(data).__name__}", 1, 1))
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        raise InputError(validation_problems(error, data, file, model)) from None
