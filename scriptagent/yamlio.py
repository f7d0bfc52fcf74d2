"""YAML in and out with line numbers, and pydantic validation errors mapped back to them.

ruamel.yaml's round-trip loader keeps each mapping key's and sequence item's line and column, so a pydantic
error at `cast.1.reference` can be reported as `production.yaml:14:5: cast[1].reference: ...`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import io
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.reader import ReaderError

from .errors import InputError, Problem
from .files import read_inside

# production.yaml is text a person edits: anything larger is a mistake (script.yaml, which the tool writes from it,
# has its own limit, derived from this one: schema/script.py, MAX_SCRIPT_BYTES)
MAX_YAML_BYTES = 2_000_000
MAX_YAML_DEPTH = 32  # a script nests about 8 deep; a deeper file is a mistake (or a parser bomb)
CORE = "tag:yaml.org,2002:"
PLAIN_TAGS = {CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq")}


class NotPlainYAML(ConstructorError):
    """YAML that is valid but not plain data: an alias, a tag, a value the library cannot convert."""


class PlainComposer(Composer):
    """Refuses aliases (`*name`): a few lines of them expand into billions of values (the "billion laughs")
    when the tree is walked, and nothing in production.yaml or script.yaml needs them."""

    def compose_node(self, parent, index):
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise NotPlainYAML(None, None, f"YAML alias '*{event.anchor}' is not allowed in this file "
                                           "(write the value out in full)", event.start_mark)
        return super().compose_node(parent, index)


class PlainConstructor(RoundTripConstructor):
    """Builds only plain data: mappings, lists, text, numbers, booleans, null.

    Other tags (`!!python/object`, `!!binary`, `!!set`, `!custom`) are errors at their position; a value the
    YAML library cannot convert (`!!int abc`) is an error at its position rather than a stray exception; a
    date-like scalar stays the text the user wrote.
    """

    def construct_non_recursive_object(self, node, tag=None):
        tag = tag or node.tag
        if tag not in PLAIN_TAGS and tag != CORE + "timestamp":
            shown = "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag
            raise NotPlainYAML(None, None, f"YAML tag '{shown}' is not allowed (plain values only)",
                               node.start_mark)
        try:
            data = super().construct_non_recursive_object(node, tag)
        except YAMLError:
            raise
        except Exception:  # ruamel's converters raise ValueError, IndexError, ... on odd scalars
            # (their messages quote the value: it is not repeated, since it may be a secret)
            raise NotPlainYAML(None, None, f"YAML: cannot read this value as {_shown_tag(tag)}",
                               node.start_mark) from None
        return data.value if isinstance(data, TaggedScalar) else data  # an explicit `!!str 3` is the text

    def check_mapping_key(self, node, key_node, mapping, key, value):
        """A key given twice is an error naming the key and both lines, never the values: the file may be (or
        link to) someone's secrets, and ruamel's own message quotes both."""
        if key in mapping and not self.allow_duplicate_keys:
            first = getattr(getattr(mapping, "lc", None), "data", {}).get(key)
            shown = str(key) if len(str(key)) <= 60 else str(key)[:57] + "..."
            where = f" (first at line {first[0] + 1}; keep one of them)" if first else " (keep one of them)"
            raise NotPlainYAML(None, None, f"duplicate key '{shown}'{where}", key_node.start_mark)
        return super().check_mapping_key(node, key_node, mapping, key, value)


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(CORE):] if tag.startswith(CORE) else tag


PlainConstructor.add_constructor(CORE + "timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = PlainComposer
    yaml.Constructor = PlainConstructor
    yaml.max_depth = MAX_YAML_DEPTH
    yaml.allow_duplicate_keys = False
    yaml.width = 4096  # keep long descriptions on one line: diffs stay readable
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.ignore_aliases = lambda data: True  # what we write, we can read back: never an alias
    return yaml


def load_yaml_text(text: str, file: str):
    """Parse YAML text into plain data; any problem becomes an InputError naming file:line:col."""
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = (error.problem or error.context or "invalid YAML").strip()
        hint = "indent with spaces, not tabs" if "\\t" in message or "tab" in message.lower() else ""
        if error.problem and error.context and error.context_mark and error.context_mark != mark:
            # where the unfinished thing began: an unclosed bracket or quote is found many lines later
            hint = f"{error.context.strip()} started at line {error.context_mark.line + 1}"
        if "maximum depth" in message:
            message = f"nested more than {MAX_YAML_DEPTH} levels deep"
        if not isinstance(error, NotPlainYAML):
            message = f"YAML syntax: {message}"
        raise InputError(
            Problem(file, message, mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None, hint=hint)
        ) from None
    except ReaderError as error:  # a character YAML does not allow (NUL, most control characters)
        before = text[:error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        shown = error.character if isinstance(error.character, int) else ord(error.character or "\0")
        raise InputError(Problem(file, f"YAML does not allow the character U+{shown:04X} here", line, column,
                                 hint="remove it")) from None
    except YAMLError as error:
        raise InputError(Problem(file, f"YAML: {(str(error).strip().splitlines() or ['invalid'])[0]}")) from None
    except RecursionError:
        raise InputError(Problem(file, "YAML: nested too deeply")) from None
    _check_text(data, file)
    return data


def _check_text(data, file: str) -> None:
    """Text must be encodable: a lone surrogate (\\ud800 in a quoted string) would fail every later write."""
    stack = [(data, None, None)]
    while stack:
        node, parent, key = stack.pop()
        if isinstance(node, dict):
            stack.extend((k, node, k) for k in node if isinstance(k, str))
            stack.extend((v, node, k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, node, i) for i, v in enumerate(node))
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as error:
                position = _position(parent, key, at_value=True) if parent is not None else None
                line, column = position or (None, None)
                raise InputError(Problem(file, f"text with an invalid character {node[error.start]!r} "
                                               "(a lone surrogate)", line, column)) from None


def load_yaml_file(path: str | Path, display: str | None = None, limit: int | None = None,
                   inside: str | Path | None = None):
    """The plain data of a YAML file: `path` relative to the folder `inside` (it must stay there), or a file named
    on the command line. It must be a regular file of at most `limit` bytes (MAX_YAML_BYTES), checked before it is
    read: a FIFO, a folder or a link to /dev/zero is refused, never read."""
    path = Path(path)
    file = display or path.name
    raw = read_inside(inside, path, MAX_YAML_BYTES if limit is None else limit, file)
    return load_yaml_bytes(raw, file)


def load_yaml_bytes(raw: bytes, file: str):
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
        elif isinstance(node, dict) and node.get("backend") == element:
            continue  # the member of a tagged union: `backend: openai` puts 'openai' in the loc
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
        elif kind == "missing" and loc and isinstance(loc[-1], int):
            message = f"too few items (nothing at position {loc[-1]})"
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
        if path_match:  # a model-level check names the field itself: "cast[2].id: ..."
            found = locate(data, loc + parse_field_path(path_match.group(1)))
            if len(found[1]) > len(path):
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


def located(error: InputError, data) -> InputError:
    """The same problems, with a line and column found through the YAML tree for those that name a field
    but no position (checks made after validation, such as the plan's)."""
    problems = []
    for problem in error.problems:
        if problem.line is None and problem.field:
            position, _ = locate(data, parse_field_path(problem.field))
            if position:
                problem = dataclasses.replace(problem, line=position[0], column=position[1])
        problems.append(problem)
    return InputError(problems)
