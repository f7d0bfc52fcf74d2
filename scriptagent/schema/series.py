"""series.yaml: what the episodes of a series share, and an episode's production.yaml merged over it.

An episode says `series: ../series.yaml` and inherits the series' `seed`, `style`, `cast` and backend settings
(`scripter`, `director`, `critic`, `voice`, `executor`). Its own keys override them: a cast member by its id, key
by key (a new id adds a member); a setting mapping key by key, recursively, unless it names another backend
(`backend:`, or the executor's `kind:`), which replaces the series' mapping whole; any other value replaces.

The merged tree remembers where every value came from (Origins), so a problem found in it is reported at its
line in the file that says it: `../series.yaml:12:5: cast[0].appearance: ...`, or `production.yaml:...`. The
series' reference images are relative to the series file, checked in its folder by the same rules as a
production's own (files.py), and held relative to the episode (`../cast/mara.png`): every episode beside it
reads the same picture under the same name, so a shot the same in two episodes has the same render.
"""

from __future__ import annotations

import dataclasses
import posixpath
from pathlib import Path

from pydantic import Field, model_validator

from ..errors import InputError, Problem
from ..layout import PRODUCTION_FILE
from ..yamlio import load_yaml_file, locate, parse_field_path, validate_yaml
from .base import Strict
from .configs import (AnimaticDirectorConfig, CriticConfig, DirectorConfig, ExecutorConfig, NoVoiceConfig,
                      RuleBasedScripterConfig, ScripterConfig, VoiceConfig)
from .production import CastMember, Style, series_path_problem

SERIES_FILE = "series.yaml"
INHERITED = ("seed", "style", "cast", "scripter", "director", "critic", "voice", "executor")
TAGS = ("backend", "kind")  # a mapping that names another one of these replaces the series' instead of merging


class Series(Strict):
    """series.yaml: the cast, look and settings every episode starts from."""

    title: str = Field("", description="the series' name, for the season page (each episode has its own title)")
    seed: int = Field(0, ge=0, description="shared by every episode: the same shot draws the same picture in each")
    style: Style = Style()
    cast: list[CastMember] = Field([], description="the recurring cast; reference images relative to this file")
    scripter: ScripterConfig = RuleBasedScripterConfig()
    director: DirectorConfig = AnimaticDirectorConfig()
    critic: CriticConfig = CriticConfig()
    voice: VoiceConfig = NoVoiceConfig()
    executor: ExecutorConfig = ExecutorConfig()

    @model_validator(mode="after")
    def _unique_ids(self):
        ids = [member.id for member in self.cast]
        for index, cast_id in enumerate(ids):
            if cast_id in ids[:index]:
                raise ValueError(f"cast[{index}].id: '{cast_id}' is already used by cast[{ids.index(cast_id)}] "
                                 "(hint: cast ids must be unique)")
        return self


@dataclasses.dataclass
class SeriesFile:
    name: str  # as production.yaml names it, normalised: '../series.yaml' (relative to the production folder)
    tree: object  # its YAML tree
    series: Series

    def relative(self, reference: str) -> str:
        """A path relative to the series file, as a path relative to the production folder."""
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.name), reference))

    def folder(self, production_folder: Path) -> Path:
        return Path(production_folder) / posixpath.dirname(self.name)


def named_series_file(folder: Path) -> Path | None:
    """The series file a production's production.yaml names (`series: ../series.yaml`), resolved, read without
    validating the production: for what only looks (the watch, the season page). None when it names none or cannot
    be read (then its build says what is wrong)."""
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load((Path(folder) / PRODUCTION_FILE).read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a half-saved file: the build reports it, with its line
        return None
    name = data.get("series") if isinstance(data, dict) else None
    return (Path(folder) / name).resolve() if isinstance(name, str) and name else None


def read_series(folder: Path, data) -> SeriesFile | None:
    """The series file production.yaml names (None: it names none), read and checked on its own: its problems are
    reported in it. A path that is wrong or a file that cannot be read is reported at production.yaml's `series:`."""
    if not isinstance(data, dict) or not isinstance(data.get("series"), str):
        return None  # none, or not text: Production's validation says so
    value = data["series"]
    line, column = (n + 1 for n in data.lc.value("series")) if hasattr(data, "lc") else (None, None)

    def at_series(problems: list[tuple[str, str]]) -> InputError:
        return InputError([Problem(PRODUCTION_FILE, message, line, column, field="series", hint=hint)
                           for message, hint in problems])

    if problem := series_path_problem(value):
        message, _, hint = problem.partition(" (hint: ")
        raise at_series([(message, hint.rstrip(")"))])
    name = posixpath.normpath(value)
    try:
        tree = load_yaml_file(posixpath.basename(name), name, inside=Path(folder) / posixpath.dirname(name))
    except InputError as error:
        if any(p.line is not None for p in error.problems):
            raise  # inside the series file: a YAML syntax error at its line
        raise at_series([(f"'{value}': {p.message}", p.hint) for p in error.problems]) from None
    return SeriesFile(name, tree, validate_yaml(Series, tree, name))


class Origins:
    """Where each value of a merged tree comes from: per merged container, per key, (file, path in that file).
    Values taken whole from one file are not listed: below them, the path goes on in the same file."""

    def __init__(self):
        self.parts: dict[int, dict] = {}
        self.kept: list = []  # the merged containers, alive so that their ids stay theirs

    def note(self, container, key, file: str, path: tuple) -> None:
        if id(container) not in self.parts:
            self.kept.append(container)
        self.parts.setdefault(id(container), {})[key] = (file, path)

    def source(self, merged, loc: tuple) -> tuple[str, tuple]:
        """The file and the path in it of the value at `loc` of the merged tree."""
        file, path, node = PRODUCTION_FILE, (), merged
        for element in loc:
            entry = self.parts.get(id(node), {}).get(element) if node is not None else None
            file, path = entry if entry else (file, path + (element,))
            try:
                node = node[element] if isinstance(node, (dict, list)) else None
            except (KeyError, IndexError, TypeError):
                node = None
        return file, path


def merge_series(episode, series: SeriesFile, origins: Origins) -> dict:
    """production.yaml's tree over the series' (module docstring), as a new tree; `origins` learns its sources."""
    merged: dict = {}
    for key in episode:
        merged[key] = episode[key]
        origins.note(merged, key, PRODUCTION_FILE, (key,))
    for key in INHERITED:
        if key not in series.tree:
            continue
        if key not in episode:
            merged[key] = series.tree[key]
            origins.note(merged, key, series.name, (key,))
        elif key == "cast" and isinstance(episode[key], list):
            merged[key] = _merge_cast(episode[key], series.tree[key], series.name, origins)
        elif isinstance(episode[key], dict) and isinstance(series.tree[key], dict):
            merged[key] = _merge_mapping(episode[key], series.tree[key], (key,), series.name, origins)
    return merged


def _merge_mapping(ours: dict, theirs: dict, path: tuple, series: str, origins: Origins) -> dict:
    if any(tag in ours and ours[tag] != theirs.get(tag) for tag in TAGS):
        return ours  # another backend: its own settings, none of the series'
    merged: dict = {}
    for key in theirs:
        merged[key] = theirs[key]
        origins.note(merged, key, series, path + (key,))
    for key in ours:
        if isinstance(ours[key], dict) and isinstance(theirs.get(key), dict):
            merged[key] = _merge_mapping(ours[key], theirs[key], path + (key,), series, origins)
        else:
            merged[key] = ours[key]
        origins.note(merged, key, PRODUCTION_FILE, path + (key,))
    return merged


def _merge_cast(ours: list, theirs: list, series: str, origins: Origins) -> list:
    """The series' cast, each member with the episode's keys for the same id over its own; then the episode's new
    members."""
    known = {member.get("id"): index for index, member in enumerate(theirs) if isinstance(member, dict)}
    overrides, added = {}, []
    for index, member in enumerate(ours):
        if isinstance(member, dict) and member.get("id") in known and member["id"] not in overrides:
            overrides[member["id"]] = index
        else:
            added.append(index)
    merged: list = []
    for index, member in enumerate(theirs):
        mine = overrides.get(member.get("id")) if isinstance(member, dict) else None
        if mine is None:
            origins.note(merged, len(merged), series, ("cast", index))
            merged.append(member)
            continue
        combined: dict = {}
        for key in member:
            combined[key] = member[key]
            origins.note(combined, key, series, ("cast", index, key))
        for key in ours[mine]:
            combined[key] = ours[mine][key]
            origins.note(combined, key, PRODUCTION_FILE, ("cast", mine, key))
        origins.note(merged, len(merged), PRODUCTION_FILE, ("cast", mine))
        merged.append(combined)
    for index in added:
        origins.note(merged, len(merged), PRODUCTION_FILE, ("cast", index))
        merged.append(ours[index])
    return merged


def relocate(problems: list[Problem], merged, origins: Origins, trees: dict) -> list[Problem]:
    """Problems found in the merged tree, each at its place in the file its field comes from."""
    moved = []
    for problem in problems:
        if not problem.field:
            moved.append(problem)
            continue
        file, path = origins.source(merged, parse_field_path(problem.field))
        position, shown = locate(trees[file], path, at_value=not problem.message.startswith("unknown key"))
        line, column = position or (None, None)
        moved.append(dataclasses.replace(problem, file=file, line=line, column=column, field=shown or problem.field))
    return moved
