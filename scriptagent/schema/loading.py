"""Loading production.yaml: its YAML tree, merged over its series file when it names one (series.py), with the
scenes of its Fountain screenplay when it names one; validated, with every problem at its line in its own file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import InputError, Problem
from ..files import links_leaving, reference_problem
from ..layout import PRODUCTION_FILE
from ..yamlio import load_yaml_file, locate, validate_yaml
from .production import MAX_BODY_ITEMS, Production
from .series import Origins, SeriesFile, merge_series, read_series, relocate


@dataclasses.dataclass
class ProductionSource:
    """production.yaml as read: the tree the production is validated from, and where each of its values is written."""

    data: object  # the tree (production.yaml's own, or merged over the series')
    series: SeriesFile | None = None
    origins: Origins = dataclasses.field(default_factory=Origins)
    own: object = None  # production.yaml's own tree

    def trees(self) -> dict:
        return {PRODUCTION_FILE: self.own, **({self.series.name: self.series.tree} if self.series else {})}

    def located(self, problems: list[Problem]) -> list[Problem]:
        return relocate(problems, self.data, self.origins, self.trees()) if self.series else problems

    def origin(self, loc: tuple) -> tuple[str, tuple]:
        return self.origins.source(self.data, loc) if self.series else (PRODUCTION_FILE, loc)


def read_production(folder: str | Path) -> ProductionSource:
    folder = Path(folder)
    own = load_yaml_file(PRODUCTION_FILE, PRODUCTION_FILE, inside=folder)
    series = read_series(folder, own)
    source = ProductionSource(own, series, own=own)
    if series is not None:
        source.data = merge_series(own, series, source.origins)
    data = source.data
    if isinstance(data, dict) and isinstance(data.get("dialogue_file"), str):  # a Fountain screenplay
        from ..fountain import dialogue_from_file, scenes_from_file

        for key in ("dialogue", "scenes"):
            if key in own:
                line, column = own.lc.key(key)
                raise InputError(Problem(PRODUCTION_FILE, f"give `{key}:` or `dialogue_file:`, not both", line + 1,
                                         column + 1, field=key))
        cast_ids = [m.get("id") for m in data.get("cast") or [] if isinstance(m, dict)]
        if "setting" in data:
            data["dialogue"] = dialogue_from_file(folder, data["dialogue_file"], cast_ids)
            items = len(data["dialogue"])
        else:
            data["scenes"] = scenes_from_file(folder, data["dialogue_file"], cast_ids)
            items = sum(len(scene.get("body", [])) for scene in data["scenes"])
        if items > MAX_BODY_ITEMS:  # said of the screenplay (Production says it of scenes:, not in production.yaml)
            raise InputError(Problem(data["dialogue_file"], f"{items} lines and beats, more than the {MAX_BODY_ITEMS} "
                                     "a production may have", hint="split it into several productions, e.g. one "
                                                                   "per act"))
    return source


def production_data(folder: str | Path):
    """production.yaml's YAML tree, merged over its series file's when it names one, with the scenes read from its
    `dialogue_file` when it names one (a Fountain screenplay). With a `setting:` beside it (productions made before
    screenplays had scenes) the screenplay's lines are read as one scene's dialogue, as they were then."""
    return read_production(folder).data


def load_production(folder: str | Path = ".") -> Production:
    folder = Path(folder)
    source = read_production(folder)
    try:
        production = validate_yaml(Production, source.data, PRODUCTION_FILE)
    except InputError as error:
        raise InputError(source.located(error.problems)) from None
    problems = []
    for index, member in enumerate(production.cast):
        if not member.reference:
            continue
        file, path = source.origin(("cast", index, "reference"))
        from_series = source.series is not None and file == source.series.name
        wrong = reference_problem(source.series.folder(folder) if from_series else folder, member.reference)
        if wrong:
            position, shown = locate(source.trees()[file], path)
            line, column = position or (None, None)
            message, hint = (text.replace("production folder", "series folder") if from_series else text
                             for text in wrong)
            problems.append(Problem(file, message, line, column, field=shown, hint=hint))
        elif from_series:  # held relative to the production, as every path the build reads
            member.reference = source.series.relative(member.reference)
    for link in links_leaving(folder, "templates"):  # the production's own prompt templates
        problems.append(Problem(str(link), "a symlink to outside the production folder",
                                hint="copy the file into the production folder"))
    if problems:
        raise InputError(problems)
    return production
