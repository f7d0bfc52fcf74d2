"""2. Character-appearance consistency: characters exist, look as production.yaml says, and are named only
where they are."""

from __future__ import annotations

import difflib
import re

from ...schema import Production, Script, Shot
from .findings import ERROR, WARNING, Finding, normalise, shots


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"


def _names_in(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def check_appearance_consistency(script: Script, production: Production) -> list[Finding]:
    """Characters exist, look as production.yaml says, and descriptions only name who is in the shot."""
    findings = []
    known = script.characters
    for path, shot in shots(script):
        used = [(("characters", index, "id"), character.id) for index, character in enumerate(shot.characters)]
        used += [(("dialogue", index, "speaker"), line.speaker) for index, line in enumerate(shot.dialogue)]
        for where, character in used:
            if character not in known:
                findings.append(Finding("appearance", ERROR, f"character '{character}' is not in the script's "
                                        "characters", shot.id, (*path, *where), _did_you_mean(character, known)))
        findings += _absent_names(path, shot, script)

    speakers = {line.speaker for line in production.lines}
    for member in production.cast:
        character = known.get(member.id)
        if character is None:
            if member.id in speakers:
                findings.append(Finding("appearance", ERROR, f"{member.id} speaks in production.yaml but is missing "
                                        "from the script's characters", None, ("characters",),
                                        f"add '{member.id}: {{name: {member.name}, appearance: ...}}'"))
        elif member.appearance and normalise(character.appearance) != normalise(member.appearance):
            findings.append(Finding("appearance", ERROR, f"appearance of {member.id} differs from production.yaml",
                                    None, ("characters", member.id, "appearance"),
                                    f"copy it from production.yaml: '{member.appearance}' (or change it there)"))
    return findings


def _absent_names(path: tuple, shot: Shot, script: Script) -> list[Finding]:
    """A description that names someone who is neither in frame nor heard off-screen."""
    present = {character.id for character in shot.characters} | {
        line.speaker for line in shot.dialogue if line.off_screen}
    present_names = {script.characters[c].name for c in present if c in script.characters}
    findings = []
    for character_id, character in script.characters.items():
        if character_id in present or character.name in present_names:
            continue
        if _names_in(shot.description, character.name):
            findings.append(Finding("appearance", WARNING, f"the description names {character.name}, who is not in "
                                    "the shot", shot.id, (*path, "description"),
                                    f"add {character_id} to the shot's characters or take the name out"))
    return findings
