"""The training data formats: ScriptBench-style instances and human-rated scripts, one JSON object per line.

An instance is a dialogue with its context (setting, characters) and the target script, in the same schema as
production.yaml and script.yaml, so anything that builds a film can be training data and back:

    {"id": "platform-01", "split": "train", "title": "The Last Train", "setting": "a night platform",
     "characters": [{"id": "mara", "name": "Mara", "appearance": "red wool coat"}],
     "dialogue": [{"mara": "You came."}, {"theo": "(quietly) I said I would."}],
     "script": {"characters": {...}, "scenes": [...]}}

A rating is a script with a human score from 1 (unusable) to 5 (ready to shoot), optionally per rubric dimension,
and the dialogue it was written from (the reward model reads both, so it can see a dropped line):

    {"id": "platform-01-a", "split": "test", "score": 4, "rubric": {"content_completeness": 5},
     "dialogue": [{"mara": "You came."}], "script": {...}}

`load_instances` / `load_ratings` report every bad line at once as `file:LINE: field: message`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from ..errors import InputError, Problem
from ..schema import CastMember, DialogueLine, Production, Script, Strict
from ..scripter.dialogue import DEFAULT_SETTING  # what a dialogue without context plays in, everywhere
from ..yamlio import validation_problems

Split = Literal["train", "test"]

# The paper's six script rubric dimensions (scores 1-5); a rating may give any of them beside the overall score.
RUBRIC_DIMENSIONS = ("format_compliance", "content_completeness", "narrative_coherence", "character_consistency",
                     "dramatic_tension", "visual_imagery")


def cast_for(dialogue: list[DialogueLine], characters: list[CastMember]) -> list[CastMember]:
    """The instance's characters, plus any speaker it does not describe (named after their id)."""
    cast = list(characters)
    known = {member.id for member in cast}
    for line in dialogue:
        if line.speaker not in known:
            cast.append(CastMember(id=line.speaker, name=line.speaker.replace("_", " ").title()))
            known.add(line.speaker)
    return cast


class Instance(Strict):
    """One ScriptBench-style example: a dialogue with its context, and the script a good scripter writes."""

    id: str = Field(min_length=1)
    split: Split = "train"
    title: str = ""
    setting: str = Field("", description="where the scene takes place (context reconstruction fills it)")
    characters: list[CastMember] = Field([], description="who appears; speakers not listed get a bare entry")
    dialogue: list[DialogueLine] = Field(min_length=1)
    script: Script

    @model_validator(mode="after")
    def _speakers_in_script(self):
        for index, line in enumerate(self.dialogue):
            if line.speaker not in self.script.characters:
                raise ValueError(f"dialogue[{index}]: speaker '{line.speaker}' is not among the script's characters "
                                 f"(known: {', '.join(self.script.characters)})")
        return self

    def production(self) -> Production:
        """The instance as a production, so the scripters and the four validators take it as they take a film."""
        return Production(title=self.title or self.id, cast=cast_for(self.dialogue, self.characters),
                          setting=self.setting or DEFAULT_SETTING, dialogue=self.dialogue)


class Rating(Strict):
    """A script rated by a person: overall score 1-5, optionally per rubric dimension."""

    id: str = Field(min_length=1)
    split: Split = "train"
    score: float = Field(ge=1, le=5, description="overall quality, 1 (unusable) .. 5 (ready to shoot)")
    rubric: dict[Literal[RUBRIC_DIMENSIONS], float] = Field({}, description="per-dimension scores, 1..5")
    setting: str = ""
    dialogue: list[DialogueLine] = Field([], description="the dialogue the script was written from, if known")
    script: Script

    @model_validator(mode="after")
    def _rubric_range(self):
        for name, value in self.rubric.items():
            if not 1 <= value <= 5:
                raise ValueError(f"rubric.{name}: {value} is outside 1..5")
        return self

    def target(self, dimension: str) -> float:
        """The score the reward model learns: 'score' (overall) or one rubric dimension."""
        if dimension == "score":
            return self.score
        if dimension not in self.rubric:
            raise KeyError(dimension)
        return self.rubric[dimension]


Record = TypeVar("Record", bound=BaseModel)


def load_jsonl(path: str | Path, model: type[Record]) -> list[Record]:
    """Every line of `path` validated as `model`; all problems reported together, each with its line number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(Problem(str(path), "file not found")) from None
    except UnicodeDecodeError:
        raise InputError(Problem(str(path), "not UTF-8 text", hint="save the file as UTF-8")) from None
    records, problems, first_line_of = [], [], {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            problems.append(Problem(str(path), f"invalid JSON: {error.msg}", number, error.colno,
                                    hint="one JSON object per line"))
            continue
        try:
            record = model.model_validate(raw)
        except ValidationError as error:
            # the YAML loader's wording (unknown keys with 'did you mean', field paths), placed on this line
            problems += [dataclasses.replace(problem, line=number, column=None)
                         for problem in validation_problems(error, raw, str(path), model)]
            continue
        if record.id in first_line_of:
            problems.append(Problem(str(path), f"id '{record.id}' is already used on line {first_line_of[record.id]}",
                                    number, field="id", hint="ids must be unique"))
            continue
        first_line_of[record.id] = number
        records.append(record)
    if problems:
        raise InputError(problems)
    if not records:
        raise InputError(Problem(str(path), "no records", hint="one JSON object per line"))
    return records


def load_instances(path: str | Path, split: Split | None = None) -> list[Instance]:
    instances = load_jsonl(path, Instance)
    return [i for i in instances if split is None or i.split == split]


def load_ratings(path: str | Path, split: Split | None = None) -> list[Rating]:
    ratings = load_jsonl(path, Rating)
    return [r for r in ratings if split is None or r.split == split]


def to_json_line(record: BaseModel) -> str:
    """One record as the compact JSON line these files hold (defaults left out, so lines stay readable)."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    if "dialogue" in data:  # dialogue as production.yaml writes it: `{speaker: "(parenthetical) line"}`
        data["dialogue"] = [dialogue_item(line) for line in record.dialogue]
    data["split"] = record.split  # always explicit: a reader should not have to know the default
    return json.dumps(data, ensure_ascii=False)


def spoken(line: DialogueLine) -> str:
    """The line as production.yaml writes it: '(parenthetical) line'."""
    return f"({line.parenthetical}) {line.line}" if line.parenthetical else line.line


def dialogue_item(line: DialogueLine) -> dict[str, str]:
    return {line.speaker: spoken(line)}


def dialogue_text(lines: list[DialogueLine], names: dict[str, str] | None = None) -> str:
    """A dialogue as a transcript, one `Name: (parenthetical) line` per row (what the reward model reads)."""
    names = names or {}
    return "\n".join(f"{names.get(line.speaker, line.speaker)}: {spoken(line)}" for line in lines)
