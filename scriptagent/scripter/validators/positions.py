"""4. Positional (physical) rationality: real screen places, no overlaps, enough people for the framing, and
the 180° rule."""

from __future__ import annotations

import re

from ...schema import CameraMovement, Production, Script, Shot, ShotSize
from .findings import ERROR, WARNING, Finding, normalise, quote

CLOSE_SHOT_SIZES = {ShotSize.close_up, ShotSize.extreme_close_up}
MOVING_CAMERA = {CameraMovement.tracking_left, CameraMovement.tracking_right, CameraMovement.handheld}
SCREEN_PLACE = re.compile(r"\b(left|right|cent(er|re)|middle|foreground|background)\b", re.I)
# "facing right" says where someone looks, not where they stand: drop it before reading the side.
FACING = re.compile(r"\b(facing|looking|turned|turning|glancing|gazing|staring)\b[^,;]*", re.I)
OVER_THE_SHOULDER = re.compile(r"back to (the )?camera|over[ -]the[ -]shoulder", re.I)


def screen_side(position: str) -> str | None:
    """'left'/'right' for the side of the frame a position puts someone on; None when it says neither.

    Foreground shoulders in over-the-shoulder shots are exempt: the shoulder sits wherever the framing needs it.
    """
    if OVER_THE_SHOULDER.search(position):
        return None
    place = FACING.sub("", position.lower())
    left, right = re.search(r"\bleft\b", place), re.search(r"\bright\b", place)
    if left and not right:
        return "left"
    if right and not left:
        return "right"
    return None


def check_positional_rationality(script: Script, production: Production) -> list[Finding]:
    """Positions are real screen places, nobody overlaps, framings have enough people, sides never flip."""
    findings = []
    for scene_index, scene in enumerate(script.scenes):
        sides: dict[str, tuple[str, str]] = {}  # character -> (side, shot where it was set), per scene
        for shot_index, shot in enumerate(scene.shots):
            path = ("scenes", scene_index, "shots", shot_index)
            findings += _framing_findings(path, shot)
            findings += _position_findings(path, shot, sides)
    return findings


def _framing_findings(path: tuple, shot: Shot) -> list[Finding]:
    count = len(shot.characters)
    size = shot.shot_size
    where = (*path, "characters")
    if size in CLOSE_SHOT_SIZES and count > 2:
        return [Finding("position", WARNING, f"a {size.value} holds {count} characters; faces that close fit one "
                        "or two", shot.id, where, "use a medium, two-shot or wide framing, or drop characters")]
    if size in (ShotSize.over_the_shoulder, ShotSize.two_shot) and count < 2:
        return [Finding("position", ERROR, f"a {size.value} needs two characters but has {count}", shot.id, where,
                        "add the other character, or use a single (medium-close-up, close-up)")]
    return []


def _position_findings(path: tuple, shot: Shot, sides: dict[str, tuple[str, str]]) -> list[Finding]:
    findings = []
    taken: dict[str, str] = {}
    for index, character in enumerate(shot.characters):
        where = (*path, "characters", index, "position")
        if not SCREEN_PLACE.search(character.position):
            findings.append(Finding("position", WARNING, f"position {quote(character.position)} of "
                                    f"{character.id} names no place on screen", shot.id, where,
                                    "say left, right, center, foreground or background, e.g. "
                                    "'left third, facing right'"))
        key = normalise(character.position).lower()
        if key in taken:
            findings.append(Finding("position", ERROR, f"{character.id} and {taken[key]} stand in the same place "
                                    f"({quote(character.position)})", shot.id, where,
                                    "give each character in a shot its own position"))
        taken.setdefault(key, character.id)
        findings += _side_findings(where, shot, character.id, screen_side(character.position), sides)
    return findings


def _side_findings(where: tuple, shot: Shot, character: str, side: str | None,
                   sides: dict[str, tuple[str, str]]) -> list[Finding]:
    """The 180° rule: a character keeps their side of the frame unless the camera visibly moves across."""
    if side is None:
        return []
    first = sides.get(character)
    if first is None or shot.camera_movement in MOVING_CAMERA:
        sides[character] = (side, shot.id)  # a tracking or handheld shot may carry them to the other side
        return []
    if first[0] == side:
        return []
    return [Finding("position", WARNING, f"{character} is screen {side} here but screen {first[0]} in {first[1]}; "
                    "the cut crosses the 180° line", shot.id, where,
                    f"keep {character} on the {first[0]}, or motivate the move with a tracking or handheld shot")]
