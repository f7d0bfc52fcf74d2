"""A Fountain screenplay as production.yaml's scenes (`read_fountain`), and a production's `dialogue_file` read
with every speaker checked against its cast."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputError, Problem
from .builder import Builder
from .names import Names, appearance_of, character_name, cue_name, extension_kind, plain, slug, smart_title, speaker_id
from .paragraphs import parse_paragraphs, read_text, unclosed_boneyard
from .scenes import BODY_KEYS


@dataclass
class Screenplay:
    """A Fountain screenplay read as production.yaml's multi-scene form."""

    title: str
    characters: dict[str, dict] = field(default_factory=dict)  # id -> {"name": ..., "appearance": ...}
    scenes: list[dict] = field(default_factory=list)  # production.yaml's `scenes:` items
    body_lines: list[list[int]] = field(default_factory=list)  # per scene, the screenplay line of each body item
    scene_lines: list[int] = field(default_factory=list)  # the line of each scene's heading (or its first item)
    warnings: list[Problem] = field(default_factory=list)  # worth telling, not fatal
    display: str = ""

    def dialogue_items(self) -> list[tuple[dict, int]]:
        """Every line of dialogue in order, on and off screen, as today's `dialogue:` items with their lines."""
        items = []
        for scene, lines in zip(self.scenes, self.body_lines):
            for item, line in zip(scene["body"], lines):
                spoken = dialogue_of(item)
                if spoken:
                    speaker, text, parenthetical, _ = spoken
                    if speaker in BODY_KEYS:
                        items.append(({"speaker": speaker, "line": text, "parenthetical": parenthetical}, line))
                    else:
                        items.append(({speaker: f"({parenthetical}) {text}" if parenthetical else text}, line))
        return items

    @property
    def dialogue(self) -> list[dict]:
        return [item for item, _ in self.dialogue_items()]

    @property
    def lines(self) -> list[int]:
        return [line for _, line in self.dialogue_items()]


def dialogue_of(item: dict) -> tuple[str, str, str, bool] | None:
    """(speaker, line, parenthetical, off_screen) of a body item that is spoken, else None."""
    if "speaker" in item:
        return item["speaker"], item["line"], item.get("parenthetical", ""), bool(item.get("off_screen"))
    if len(item) == 1:
        (key, text), = item.items()
        if key not in BODY_KEYS:
            match = re.match(r"^\(([^)]*)\)\s*", text)
            return (key, text[match.end():], match.group(1).strip(), False) if match else (key, text, "", False)
    return None


def read_fountain(path: Path, display: str | None = None, inside: Path | None = None) -> Screenplay:
    """Read a Fountain screenplay into scenes; InputError lists every problem with its line. With `inside`, `path`
    is relative to that production folder and must stay in it."""
    path = Path(path)
    display = display or str(path)
    text = read_text(path, display, inside)
    title_page, paragraphs, body_start = parse_paragraphs(text)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    unclosed = unclosed_boneyard("\n".join(re.split(r"\r\n|\n|\r", text)[body_start - 1:]), body_start)
    if unclosed:
        warnings.append(Problem(display, "a boneyard `/*` with no `*/`: what follows it is read", unclosed, 1,
                                hint="close it with */, or remove the /*"))

    # the characters, in the order of their first cue
    characters: dict[str, dict] = {}
    cue_names: dict[str, set[str]] = {}
    for paragraph in paragraphs:
        if paragraph.kind == "dialog":
            cast_id = speaker_id(paragraph.cue)
            if cast_id not in characters and cast_id.startswith("character-") and not slug(cue_name(paragraph.cue)):
                warnings.append(Problem(display, f"{cue_name(paragraph.cue)}: no latin letters or digits for a cast "
                                        f"id: it is {cast_id}", paragraph.line, 1,
                                        hint="write the cue in latin letters, e.g. @Alex"))
            characters.setdefault(cast_id, {"name": character_name(paragraph.cue), "appearance": ""})
            cue_names.setdefault(cast_id, set()).add(cue_name(paragraph.cue))
    names = Names(characters, cue_names)

    # a name alone on its line, the line one blank line below: a cue with no line
    for paragraph in paragraphs:
        if paragraph.kind == "action" and len(paragraph.lines) == 1 and paragraph.text.isupper():
            name = cue_name(paragraph.text)
            extensions = re.findall(r"\(([^)]*)\)", paragraph.text)
            if name and re.fullmatch(r"@?[^a-z(]+(?:\([^)]*\)\s*)*\^?", paragraph.text.strip()) and (
                    (slug(name) in characters and (not extensions or all(extension_kind(e) for e in extensions)))
                    or (extensions and all(extension_kind(e) for e in extensions))):
                # screenplays set a name alone in action for emphasis ("He turns to see / KARL / to his right"):
                # read as action, and said, in case it was meant as a cue
                warnings.append(Problem(display, f"{name}: a name alone on its line, read as action (a character "
                                        "cue needs its line right under it)", paragraph.line, 1,
                                        hint="if it is a cue, write the line right under the name"))

    # appearances: the first description after a name in capitals
    for paragraph in paragraphs:
        if paragraph.kind != "action" or not names.pattern:
            continue
        for match in names.pattern.finditer(paragraph.text):
            form = match.group(1)
            cast_id = names.forms[form]
            if form.isupper() and not characters[cast_id]["appearance"]:
                characters[cast_id]["appearance"] = appearance_of(paragraph.text, form, names.pattern)

    builder = Builder(display, names)
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            builder.heading(paragraph)
        elif paragraph.kind == "return":
            builder.returning(paragraph)
        elif paragraph.kind == "intercut":
            builder.start_intercut(paragraph)
        elif paragraph.kind == "end-intercut":
            builder.end_intercut(paragraph)
        elif paragraph.kind == "transition":
            builder.transition(paragraph)
        elif paragraph.kind == "dialog":
            builder.dialog(paragraph, problems)
        elif paragraph.kind == "action":
            builder.action(paragraph)
    builder.close()  # a transition with nothing after it is dropped

    if not builder.spoken and not builder.acted and not problems:
        problems.append(Problem(display, "no dialogue or action found", hint="a scene heading (INT. KITCHEN - DAY), "
                                "action, and a character cue in CAPITALS after a blank line with the dialogue "
                                "on the lines below it"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))

    title = " ".join(plain(value.strip().strip("><").strip()) for value in title_page.get("Title", []))
    title = smart_title(" ".join(title.split())) or path.stem.replace("-", " ").replace("_", " ").title()
    result = Screenplay(title=title, characters=characters, display=display,
                        warnings=sorted(warnings + builder.warnings, key=lambda p: p.line or 0))
    for scene in builder.scenes:
        result.scenes.append(scene.data())
        result.body_lines.append(scene.lines)
        result.scene_lines.append(scene.line)
    return result


def _screenplay_path(folder: Path, relative: str) -> Path:
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        raise InputError(Problem("production.yaml", f"dialogue_file: '{relative}' is outside the production folder",
                                 field="dialogue_file", hint="put the screenplay in the production folder"))
    return path


def _cast_problems(screenplay: Screenplay, relative: str, cast_ids: list[str]) -> list[Problem]:
    """One problem per speaker (or present character) not in the cast, at their first cue."""
    known = ", ".join(str(cast_id) for cast_id in cast_ids)
    reported, problems = set(), []
    for scene, lines, scene_line in zip(screenplay.scenes, screenplay.body_lines, screenplay.scene_lines):
        for item, line in zip(scene["body"], lines):
            spoken = dialogue_of(item)
            if spoken and spoken[0] not in cast_ids and spoken[0] not in reported:
                reported.add(spoken[0])
                problems.append(Problem(relative, f"{spoken[0]!r} is not in the cast (known: {known})", line, 1,
                                        hint=f"add a cast member with id: {spoken[0]}"))
        for cast_id in scene.get("present", []):
            if cast_id not in cast_ids and cast_id not in reported:
                reported.add(cast_id)
                problems.append(Problem(relative, f"{cast_id!r} is not in the cast (known: {known})", scene_line, 1,
                                        hint=f"add a cast member with id: {cast_id}"))
    return sorted(problems, key=lambda p: p.line or 0)


def scenes_from_file(folder: Path, relative: str, cast_ids: list[str],
                     warn: Callable[[Problem], None] | None = None) -> list[dict]:
    """production.yaml's `scenes:` read from its `dialogue_file`, every speaker checked against the cast (a problem
    at the line of the cue). `warn` is given the screenplay's warnings (an implicit first scene, ...)."""
    screenplay = read_fountain(_screenplay_path(folder, relative), relative, inside=Path(folder))
    problems = _cast_problems(screenplay, relative, cast_ids)
    if problems:
        raise InputError(problems)
    for warning in screenplay.warnings:
        if warn:
            warn(warning)
    return screenplay.scenes


def dialogue_from_file(folder: Path, relative: str, cast_ids: list[str]) -> list[dict]:
    """The flat `dialogue:` items of every scene, on and off screen, in order (today's one-scene form), every
    speaker checked against the cast with the line of the cue."""
    screenplay = read_fountain(_screenplay_path(folder, relative), relative, inside=Path(folder))
    problems = _cast_problems(screenplay, relative, cast_ids)
    if problems:
        raise InputError(problems)
    dialogue = screenplay.dialogue
    if not dialogue:
        raise InputError(Problem(relative, "no dialogue found", hint="a character cue is a line in CAPITALS after a "
                                 "blank line, with the dialogue on the lines below it"))
    return dialogue
