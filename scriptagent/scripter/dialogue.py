"""A production from a dialogue alone: for `scriptagent script --dialogue FILE` outside a production, and for the
dialogues of a training set that `structure_reward` scores against.

Accepted: a Production; a production.yaml-like mapping in which only `dialogue` is required (the cast is made from
the speakers when missing); a list of `speaker: line` items; or plain text with one `Speaker: line` per line.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..errors import InputError, Problem
from ..files import read_inside
from ..schema import Production
from ..yamlio import MAX_YAML_BYTES, load_yaml_file, load_yaml_text, validate_yaml

DEFAULT_SETTING = "an unspecified place"
TEXT_LINE = re.compile(r"^\s*([^:#][^:]{0,39}?)\s*:\s*(\S.*?)\s*$")


def production_from(value, title: str = "Untitled", file: str = "dialogue") -> Production:
    if isinstance(value, Production):
        return value
    if isinstance(value, str):
        return _production_from_text(value, title, file)
    return _complete(value, title, file)


@functools.lru_cache(maxsize=256)
def _production_from_text(text: str, title: str, file: str) -> Production:
    """A training set repeats each dialogue once per sampled completion: parse it once."""
    try:
        data = load_yaml_text(text, file)
    except InputError:
        data = None
    if isinstance(data, list) or (isinstance(data, dict) and "dialogue" in data):
        return _complete(data, title, file)
    return _complete({"dialogue": _text_dialogue(text, file)}, title, file)


def load_dialogue_file(path: str | Path) -> Production:
    path = Path(path)
    title = path.stem.replace("-", " ").replace("_", " ").strip().title() or "Untitled"
    if path.suffix.lower() in (".yaml", ".yml"):
        return _complete(load_yaml_file(path, str(path)), title, str(path))
    data = read_inside(None, path, MAX_YAML_BYTES, prefix="cannot read the dialogue: ")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(Problem(str(path), f"cannot read the dialogue: not UTF-8 text ({error.reason} at byte "
                                            f"{error.start})")) from None
    return production_from(text, title, str(path))


def _text_dialogue(text: str, file: str) -> list[dict]:
    """'MARA: You came.' lines -> [{'mara': 'You came.'}]; blank lines and # comments are skipped."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = TEXT_LINE.match(raw)
        if not match:
            raise InputError(Problem(file, "expected `Speaker: line`", number, 1,
                                     hint="one line of dialogue per line, e.g. Mara: You came."))
        lines.append({match.group(1): match.group(2)})
    if not lines:
        raise InputError(Problem(file, "no dialogue found", hint="one `Speaker: line` per line"))
    return lines


def speaker_id(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-_")[:40] or "speaker"


def _complete(data, title: str, file: str) -> Production:
    """Fill what a dialogue alone lacks (title, setting, cast) and validate it as a production."""
    if isinstance(data, list):
        data = {"dialogue": data}
    elif type(data) is dict:
        data = dict(data)  # filled in below: leave the caller's (a dataset row's) mapping as it was
    if not isinstance(data, dict) or not isinstance(data.get("dialogue"), list):
        raise InputError(Problem(file, "no dialogue found", hint="a `dialogue:` list of `speaker: line` items"))
    data.setdefault("title", title)
    data.setdefault("setting", DEFAULT_SETTING)
    if "cast" not in data:
        names: dict[str, str] = {}
        for item in data["dialogue"]:
            if isinstance(item, dict) and len(item) == 1:
                (speaker, text), = item.items()
                names.setdefault(speaker_id(str(speaker)), str(speaker).title() if str(speaker).isupper()
                                 else str(speaker))
        # Speakers become ids; written as names ("Mara", "MARA") they are renamed in place.
        data["dialogue"] = [{speaker_id(str(k)): v for k, v in item.items()} if isinstance(item, dict) and len(item)
                            == 1 else item for item in data["dialogue"]]
        data["cast"] = [{"id": cast_id, "name": name} for cast_id, name in names.items()]
    return validate_yaml(Production, data, file)
