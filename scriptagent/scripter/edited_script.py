"""A hand-edited script.yaml: production.yaml's dialogue edits carried into it, or what to do when they cannot be."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, Problem, ScriptAgentError
from ..files import write_atomic
from ..layout import PRODUCTION_FILE, SCRIPT_FILE
from ..schema import Production, Script, production_data
from ..yamlio import load_yaml_text, locate
from .reconcile import dialogue_changes, follow_dialogue_edits
from .script_file import ScriptFile, changed_since


def follow_edited_script(path: Path, current: ScriptFile, production: Production, folder: Path) -> str:
    """Carry production.yaml's dialogue edits into a hand-edited script, or say why they cannot be."""
    outcome = "kept"
    if current.script is not None:
        changes = dialogue_changes(current.script, production, current.sources)
        problems = _structure_problems(changes, current, production, folder)
        if changes.edited and not problems:
            text, unfitting = follow_dialogue_edits(current.text, production, changes.edited)
            problems = [_unfitting_problem(item, index, current) for item, index in unfitting]
        if problems:
            raise InputError(problems)
        if changes.edited:
            write_atomic(path, text)
            lines = ", ".join(f"{index + 1} ({_shot_ids(item, current.script)})" for item, index in changes.edited)
            print(f"{SCRIPT_FILE}: wrote production.yaml's new wording of dialogue "
                  f"line{'s' if len(changes.edited) > 1 else ''} {lines} into your edited script; your other edits "
                  "are kept", file=sys.stderr)
            outcome = "updated"
    changed = changed_since(current.header, production, folder)
    if changed:
        print(f"{SCRIPT_FILE}: kept your edited script although {' and '.join(changed)} changed since it was "
              "generated (run `scriptagent script --force` to regenerate; your version goes to "
              f"{SCRIPT_FILE}.bak)", file=sys.stderr)
    return outcome


# --- what to do when an edited script cannot follow the production ----------------------------------------------

REGENERATE = f"or run `scriptagent script --force` to regenerate it, keeping your version as {SCRIPT_FILE}.bak"


def _structure_problems(changes, current: ScriptFile, production: Production, folder: Path) -> list[Problem]:
    problems = []
    for index in changes.added:
        line = production.lines[index]
        near = _shot_before(changes, index, current.script)
        problems.append(_dialogue_problem(
            folder, index, f"dialogue line {index + 1} ({line.speaker}: {_quote(line.line)}) is new, and "
            f"{SCRIPT_FILE} has hand edits, so no build rewrites it",
            f"add it by hand to a shot's dialogue in {SCRIPT_FILE}{f', after shot {near}' if near else ''}, "
            f"{REGENERATE}"))
    for item, index in changes.reassigned:
        line = production.lines[index]
        shot = _shot_of(item, current.script)
        where = _script_line(current, item)
        problems.append(_dialogue_problem(
            folder, index, f"dialogue line {index + 1} is {line.speaker}'s now, but shot {shot.id} ({SCRIPT_FILE}"
            f"{f':{where}' if where else ''}) gives it to {item.speaker}, and {SCRIPT_FILE} has hand edits, so no "
            "build rewrites it", f"set speaker: {line.speaker} there by hand and put {line.speaker} in the shot, "
            f"{REGENERATE}"))
    for item in changes.removed:
        shot = _shot_of(item, current.script)
        where = _script_line(current, item)
        problems.append(Problem(
            SCRIPT_FILE, f"shot {shot.id} says {_quote(item.text)} ({item.speaker}), a line production.yaml no "
            f"longer has, and {SCRIPT_FILE} has hand edits, so no build rewrites it", where,
            hint=f"remove the line from the shot by hand, {REGENERATE}"))
    return problems


def _unfitting_problem(item, index: int, current: ScriptFile) -> Problem:
    return Problem(SCRIPT_FILE, f"dialogue line {index + 1} changed in production.yaml, and its new words do not "
                   f"fit the parts it is split into across {_shot_ids(item, current.script)}",
                   _script_line(current, item),
                   hint=f"write the new words into those shots by hand, {REGENERATE}")


def _dialogue_problem(folder: Path, index: int, message: str, hint: str) -> Problem:
    """A problem at production.yaml's dialogue line `index` (its file:line where it can be found)."""
    try:
        data = production_data(folder)
    except ScriptAgentError:
        data = None
    if not isinstance(data, dict) or data.get("dialogue_file"):  # a screenplay: no line number in production.yaml
        return Problem(PRODUCTION_FILE, message, field="dialogue", hint=hint)
    position, _ = locate(data, ("dialogue", index))
    return Problem(PRODUCTION_FILE, message, *(position or (None, None)), field=f"dialogue[{index}]", hint=hint)


def _shot_of(item, script: Script, part: int = 0):
    scene, shot, _ = item.entries[part]
    return script.scenes[scene].shots[shot]


def _shot_ids(item, script: Script) -> str:
    """The shots that say `item`: 'shot sh04', or 'shots sh04, sh05' for a line split across shots."""
    ids = list(dict.fromkeys(_shot_of(item, script, part).id for part in range(len(item.entries))))
    return f"shot{'s' if len(ids) > 1 else ''} {', '.join(ids)}"


def _shot_before(changes, index: int, script: Script) -> str | None:
    """The shot that says the last production line before `index` that the script has."""
    earlier = [(j, i) for i, j in changes.pairs if j < index]
    if not earlier:
        return None
    item = changes.spoken[max(earlier)[1]]
    return _shot_of(item, script, len(item.entries) - 1).id


def _script_line(current: ScriptFile, item) -> int | None:
    try:
        tree = load_yaml_text(current.text, SCRIPT_FILE)
    except ScriptAgentError:
        return None
    position, _ = locate(tree, ("scenes", item.entries[0][0], "shots", item.entries[0][1], "dialogue",
                                item.entries[0][2]))
    return position[0] if position else None


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit - 3]}..."'
