"""Fountain screenplays (https://fountain.io) as dialogue: `dialogue_file: scene.fountain` in production.yaml,
and `scriptagent new NAME --from scene.fountain`. Parsed by screenplain.

Scene headings give the setting, character cues the speakers (extensions such as (V.O.) and (CONT'D) dropped),
parentheticals the delivery of the line they precede, dual dialogue both speakers in order, action the context.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, Problem

EXTENSION = re.compile(r"\s*\((?:V\.?O\.?|O\.?S\.?|O\.?C\.?|CONT'?D|CONTINUED|[^)]*)\)\s*", re.I)


@dataclass
class Screenplay:
    title: str
    setting: str
    characters: dict[str, str]  # id -> name
    dialogue: list[dict] = field(default_factory=list)  # production.yaml items: {id: "(parenthetical) line"}
    lines: list[int] = field(default_factory=list)  # the file line of each dialogue item's character cue
    action: list[str] = field(default_factory=list)  # the first scene's action paragraphs
    headings: list[str] = field(default_factory=list)  # every scene heading, as words ('interior, kitchen, day')


def speaker_id(cue: str) -> str:
    name = EXTENSION.sub(" ", cue).strip().lstrip("@").rstrip("^").strip()
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "someone"


def speaker_name(cue: str) -> str:
    return EXTENSION.sub(" ", cue).strip().lstrip("@").rstrip("^").strip().title()


def read_fountain(path: Path, display: str | None = None) -> Screenplay:
    from screenplain.parsers.fountain import parse
    from screenplain.types import Action, Dialog, DualDialog, Slug

    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(Problem(display, f"cannot read the screenplay: {error}",
                                 hint="a Fountain text file in UTF-8")) from None
    source_lines = text.splitlines()
    cursor = 0  # screenplain keeps no line numbers: each cue is found in the text after the previous one

    def line_of(cue: str) -> int:
        nonlocal cursor
        for number in range(cursor, len(source_lines)):
            if source_lines[number].strip().lstrip("@").rstrip("^").strip() == cue.strip().lstrip("@").rstrip("^").strip():
                cursor = number + 1
                return number + 1
        return cursor

    screenplay = parse(io.StringIO(text))
    title = " ".join(screenplay.title_page.get("Title", [])).strip() or path.stem.replace("-", " ").title()
    result = Screenplay(title=title, setting="", characters={})
    problems = []

    def add(dialog) -> None:
        cue = str(dialog.character)
        number = line_of(cue)
        cast_id = speaker_id(cue)
        result.characters.setdefault(cast_id, speaker_name(cue))
        parenthetical, spoken = "", []

        def flush():
            if spoken:
                text = " ".join(spoken)
                result.dialogue.append({cast_id: f"({parenthetical}) {text}" if parenthetical else text})
                result.lines.append(number)

        for is_parenthetical, block in dialog.blocks:
            block = str(block).strip()
            if is_parenthetical:
                flush()
                parenthetical, spoken = block.strip("()").strip(), []
            elif block:
                spoken.append(block)
        if not spoken and not result.lines[-1:] == [number]:
            problems.append(Problem(display, f"{cue} has a character cue but no line", number, 1,
                                    hint="write the line under the name, or remove the name"))
        flush()

    for paragraph in screenplay:
        if isinstance(paragraph, Slug):
            line_of(str(paragraph.line))
            result.headings.append(_setting(str(paragraph.line)))
        elif isinstance(paragraph, Dialog):
            add(paragraph)
        elif isinstance(paragraph, DualDialog):  # both speakers, the left one first
            add(paragraph.left)
            add(paragraph.right)
        elif isinstance(paragraph, Action):
            action = " ".join(str(line).strip() for line in paragraph.lines if str(line).strip())
            if action and len(result.headings) <= 1:  # the first scene's action describes the place
                result.action.append(action)
    if not result.dialogue and not problems:
        problems.append(Problem(display, "no dialogue found", hint="a character cue is a line in CAPITALS after a "
                                "blank line, with the dialogue on the lines below it"))
    if problems:
        raise InputError(problems)
    # the setting: the first scene heading, with the first scene's opening action as context
    result.setting = "; ".join(result.headings[:1] + result.action[:1]) or "an unspecified place"
    return result


def _setting(heading: str) -> str:
    """'INT. TRAIN PLATFORM - NIGHT' -> 'interior, train platform, night'."""
    words = {"INT": "interior", "EXT": "exterior", "INT/EXT": "interior and exterior", "I/E": "interior and exterior",
             "EST": "establishing"}
    match = re.match(r"^\.?\s*(INT\.?/EXT|I/E|INT|EXT|EST)[.\s]+(.*)$", heading.strip(), re.I)
    if not match:
        return heading.strip().lstrip(".").lower()
    parts = [words[match.group(1).upper().replace(".", "")]] + [p.strip().lower() for p in
                                                                re.split(r"\s+-\s+", match.group(2)) if p.strip()]
    return ", ".join(parts)


def dialogue_from_file(folder: Path, relative: str, cast_ids: list[str]) -> list[dict]:
    """The `dialogue:` items of production.yaml read from its `dialogue_file`, every speaker checked against
    the cast with the line of the cue."""
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        raise InputError(Problem("production.yaml", f"dialogue_file: '{relative}' is outside the production folder",
                                 hint="put the screenplay in the production folder"))
    screenplay = read_fountain(folder / path, relative)
    problems = [Problem(relative, f"{next(iter(item))!r} is not in the cast (known: {', '.join(cast_ids)})", line, 1,
                        hint=f"add a cast member with id: {next(iter(item))}")
                for item, line in zip(screenplay.dialogue, screenplay.lines) if next(iter(item)) not in cast_ids]
    if problems:
        raise InputError(problems)
    return screenplay.dialogue


def production_yaml(screenplay: Screenplay, dialogue_file: str, title: str | None = None) -> str:
    """A production.yaml for `scriptagent new NAME --from scene.fountain`: the cast from the character cues, the
    setting from the first scene heading, the dialogue read from the screenplay file."""
    import json

    quote = json.dumps  # a JSON string is a YAML string
    cast = "".join(f"  - id: {cast_id}\n    name: {quote(name)}\n    appearance: \"\"   # how {name} looks, in every shot\n"
                   f"    reference: cast/{cast_id}.png\n" for cast_id, name in screenplay.characters.items())
    return (f"# production.yaml: made by `scriptagent new --from {dialogue_file}`. `doit` builds build/film.mp4.\n"
            f"title: {quote(title or screenplay.title)}\nseed: 0\n\n"
            "style:\n  look: \"\"                   # passed to every renderer\n  resolution: [640, 360]\n  fps: 24\n\n"
            f"cast:                        # from the screenplay's character cues; describe each one\n{cast}\n"
            f"setting: {quote(screenplay.setting)}\n\n"
            f"dialogue_file: {dialogue_file}   # edit the screenplay: the next `doit` follows it\n\n"
            "scripter: {backend: rule-based}\ndirector: {backend: animatic, max_segment_seconds: 5, anchoring: chain}\n"
            "critic: {metrics: [structure, continuity, dynamic], judge: none}\n"
            "voice: {backend: espeak, if_missing: silent}   # spoken lines where espeak-ng is installed\n")
