"""The paper's four validators: dialogue completeness, character-appearance consistency, scene coherence and
positional (physical) rationality.

They run on every script, generated or edited by hand, and return findings rather than raising: an `error` is
something a renderer cannot be trusted with (a lost line, a speaker who is not in the shot), a `warning` is a
craft problem a person may choose to keep (a jump across the 180° line). Each finding carries the pydantic-style
path of what it is about, so `findings_to_problems` can point at file:line:col in script.yaml.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..errors import Problem
from ..production import MAX_SHOT_SECONDS, CameraMovement, Production, Script, Shot, ShotSize
from ..timing import TAIL_SECONDS, dialogue_seconds, shot_seconds
from ..yamlio import locate

ERROR = "error"
WARNING = "warning"

TIMING_TOLERANCE = 1.15  # lines may need up to 15% more than the shot has before we warn
TIMING_LIMIT = 1.5  # past this the lines cannot be played in the shot at a natural pace
ALTERED_TEXT_SIMILARITY = 0.6  # a script line this similar to a missing production line is that line, edited
MAX_EDITED_PARTS = 8  # parts of one edited line joined when looking for it (bounds the search)
OPEN_SHOT_SIZES = {ShotSize.extreme_wide, ShotSize.wide, ShotSize.full}  # may show only the setting
CLOSE_SHOT_SIZES = {ShotSize.close_up, ShotSize.extreme_close_up}
MOVING_CAMERA = {CameraMovement.tracking_left, CameraMovement.tracking_right, CameraMovement.handheld}


@dataclass(frozen=True)
class Finding:
    validator: str  # "dialogue", "appearance", "scene", "position"
    severity: str  # "error" | "warning"
    message: str
    shot_id: str | None = None
    path: tuple = ()  # pydantic-style location in the script, e.g. ("scenes", 0, "shots", 3, "dialogue", 1)
    hint: str = ""


def _shots(script: Script):
    """(path of the shot, shot) for every shot, in film order."""
    for scene_index, scene in enumerate(script.scenes):
        for shot_index, shot in enumerate(scene.shots):
            yield ("scenes", scene_index, "shots", shot_index), shot


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str, limit: int = 40) -> str:
    text = _normalise(text)
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit - 3]}..."'


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"


# --- 1. dialogue completeness -------------------------------------------------------------------------------

@dataclass
class _Spoken:
    """A line as the script says it: one ScriptLine, or consecutive ScriptLines of one speaker (a split line)."""

    speaker: str
    text: str
    path: tuple  # of its first ScriptLine
    shot_id: str
    matched: int | None = None  # index in production.lines
    exact: bool = False


def _spoken_lines(script: Script, production: Production) -> list[_Spoken]:
    """The script's lines in order, re-joining the parts of a split line wherever that gives a production line."""
    flat = [(line, (*path, "dialogue", index), shot.id)
            for path, shot in _shots(script) for index, line in enumerate(shot.dialogue)]
    production_texts = {_normalise(line.line) for line in production.lines}
    spoken, start = [], 0
    while start < len(flat):
        speaker = flat[start][0].speaker
        end = start + 1
        for stop in range(start + 1, len(flat) + 1):
            if flat[stop - 1][0].speaker != speaker:
                break
            if _normalise(" ".join(line.line for line, _, _ in flat[start:stop])) in production_texts:
                end = stop  # the longest run that is a whole production line
        text = _normalise(" ".join(line.line for line, _, _ in flat[start:end]))
        spoken.append(_Spoken(speaker, text, flat[start][1], flat[start][2]))
        start = end
    return spoken


def _match_to_production(spoken: list[_Spoken], production: Production) -> list[_Spoken]:
    """Pair each spoken line with the production line it says: identical text first; then reworded lines, found
    in the place where a line is missing, or anywhere when the words are still close (a line moved and edited).
    """
    expected = [_normalise(line.line) for line in production.lines]
    used = _match_identical(spoken, expected)
    spoken = _match_in_place(spoken, production, used)
    return _match_similar(spoken, expected, used)


def _match_identical(spoken: list[_Spoken], expected: list[str]) -> set[int]:
    used: set[int] = set()
    last = -1
    for item in spoken:
        candidates = [index for index, text in enumerate(expected) if text == item.text and index not in used]
        if candidates:  # prefer the next occurrence after the previous match: repeated lines stay in order
            item.matched = next((index for index in candidates if index > last), candidates[0])
            item.exact = True
            used.add(item.matched)
            last = item.matched
    return used


def _merge(parts: list[_Spoken], matched: int) -> _Spoken:
    """Consecutive parts of one reworded line, as one line."""
    text = _normalise(" ".join(part.text for part in parts))
    return _Spoken(parts[0].speaker, text, parts[0].path, parts[0].shot_id, matched=matched)


def _replace(spoken: list[_Spoken], pairs: list[tuple[list[_Spoken], int]]) -> list[_Spoken]:
    """`spoken` with each paired group of parts replaced by one matched line."""
    merged = {id(parts[0]): _merge(parts, line) for parts, line in pairs}
    absorbed = {id(part) for parts, _ in pairs for part in parts[1:]}
    return [merged.get(id(item), item) for item in spoken if id(item) not in absorbed]


def _same_speaker_runs(items: list[_Spoken]) -> list[list[_Spoken]]:
    runs: list[list[_Spoken]] = []
    for item in items:
        if runs and runs[-1][0].speaker == item.speaker:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _match_in_place(spoken: list[_Spoken], production: Production, used: set[int]) -> list[_Spoken]:
    """Reworded lines still in their place: the unmatched script lines between two in-order matches take the
    unmatched production lines between them, when the speakers line up (one line each, or one run of parts each).
    """
    matched_positions = [position for position, item in enumerate(spoken) if item.matched is not None]
    in_order = _in_order([spoken[position].matched for position in matched_positions])
    anchors = [matched_positions[k] for k in sorted(in_order)]
    pairs = []
    for low, high in zip([-1, *anchors], [*anchors, len(spoken)]):
        low_line = spoken[low].matched if low >= 0 else -1
        high_line = spoken[high].matched if high < len(spoken) else len(production.lines)
        unmatched = [item for item in spoken[low + 1:high] if item.matched is None]
        lines = [index for index in range(low_line + 1, high_line) if index not in used]
        for groups in ([[item] for item in unmatched], _same_speaker_runs(unmatched)):
            if len(groups) == len(lines) and all(parts[0].speaker == production.lines[line].speaker
                                                 for parts, line in zip(groups, lines)):
                pairs += zip(groups, lines)
                used.update(lines)
                break
    return _replace(spoken, pairs)


def _match_similar(spoken: list[_Spoken], expected: list[str], used: set[int]) -> list[_Spoken]:
    """Unmatched runs of one speaker's lines whose joined words are close to an unused production line."""
    pairs = []
    start = 0
    while start < len(spoken):
        best = None  # (similarity, end of the run, production index)
        for stop in range(start, min(len(spoken), start + MAX_EDITED_PARTS)):
            if spoken[stop].matched is not None or spoken[stop].speaker != spoken[start].speaker:
                break
            text = _normalise(" ".join(part.text for part in spoken[start:stop + 1]))
            for index, original in enumerate(expected):
                ratio = difflib.SequenceMatcher(None, text, original).ratio() if index not in used else 0.0
                if ratio >= ALTERED_TEXT_SIMILARITY and (best is None or ratio > best[0]):
                    best = (ratio, stop, index)
        if best is None:
            start += 1
            continue
        _, stop, index = best
        pairs.append((spoken[start:stop + 1], index))
        used.add(index)
        start = stop + 1
    return _replace(spoken, pairs)


def _in_order(values: list[int]) -> set[int]:
    """Positions of one longest increasing run of `values`: the lines that are in order; the others moved."""
    length = [1] * len(values)
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        for j in range(i):
            if values[j] < value and length[j] + 1 > length[i]:
                length[i], previous[i] = length[j] + 1, j
    keep, position = set(), max(range(len(values)), key=length.__getitem__, default=-1)
    while position != -1:
        keep.add(position)
        position = previous[position]
    return keep


def check_dialogue_completeness(script: Script, production: Production) -> list[Finding]:
    """Every production line exactly once, in order, by the same speaker (errors); with the same words (warning).

    The script belongs to the user, so reworded lines are only warned about; lost, added, reordered or
    reassigned lines are errors, since the film would no longer be the production's scene.
    """
    spoken = _match_to_production(_spoken_lines(script, production), production)
    findings = []

    def report(severity: str, item: _Spoken, message: str, hint: str, path: tuple | None = None) -> None:
        findings.append(Finding("dialogue", severity, message, item.shot_id, path or item.path, hint))

    for item in spoken:
        if item.matched is None:
            report(ERROR, item, f"line {_quote(item.text)} ({item.speaker}) is not in production.yaml's dialogue",
                   "remove it, or add it to production.yaml and regenerate")
            continue
        original, number = production.lines[item.matched], item.matched + 1
        if not item.exact:
            report(WARNING, item, f"dialogue line {number} differs from production.yaml: {_quote(item.text)} "
                   f"instead of {_quote(original.line)}", "fine if you meant it; otherwise restore the text")
        if item.speaker != original.speaker:
            report(ERROR, item, f"dialogue line {number} is spoken by '{item.speaker}' but production.yaml gives "
                   f"it to '{original.speaker}'", f"set speaker: {original.speaker}", (*item.path, "speaker"))

    matched = [item for item in spoken if item.matched is not None]
    in_order = _in_order([item.matched for item in matched])
    for position, item in enumerate(matched):
        if position not in in_order:
            report(ERROR, item, f"dialogue line {item.matched + 1} is out of order",
                   "move it back to where production.yaml has it (lines keep the production's order)")

    found = {item.matched for item in matched}
    for index, line in enumerate(production.lines):
        if index not in found:
            after = [item for item in matched if item.matched > index]
            anchor = min(after, key=lambda item: item.matched) if after else (spoken[-1] if spoken else None)
            path, shot_id = _missing_line_place(script, anchor)
            findings.append(Finding("dialogue", ERROR, f"dialogue line {index + 1} ({line.speaker}: "
                                    f"{_quote(line.line)}) is missing", shot_id, path,
                                    f"add it to a shot's dialogue (around shot {shot_id}) or regenerate the script"))
    return findings


def _missing_line_place(script: Script, anchor: _Spoken | None) -> tuple[tuple, str]:
    """Where a missing line belongs: the shot of the next line that is there, else the last shot."""
    if anchor is not None:
        return anchor.path[:4] + ("dialogue",), anchor.shot_id
    path, shot = list(_shots(script))[-1]
    return (*path, "dialogue"), shot.id


# --- 2. character-appearance consistency --------------------------------------------------------------------

def _names_in(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def check_appearance_consistency(script: Script, production: Production) -> list[Finding]:
    """Characters exist, look as production.yaml says, and descriptions only name who is in the shot."""
    findings = []
    known = script.characters
    for path, shot in _shots(script):
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
        elif member.appearance and _normalise(character.appearance) != _normalise(member.appearance):
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


# --- 3. scene coherence -------------------------------------------------------------------------------------

def check_scene_coherence(script: Script, production: Production) -> list[Finding]:
    """Who speaks is in the shot, the lines fit the shot's time, and an empty shot shows the setting."""
    words_per_second = production.scripter.words_per_second
    findings = []
    for path, shot in _shots(script):
        in_frame = {character.id for character in shot.characters}
        for index, line in enumerate(shot.dialogue):
            if not line.off_screen and line.speaker not in in_frame:
                findings.append(Finding("scene", ERROR, f"{line.speaker} speaks on screen but is not in the shot",
                                        shot.id, (*path, "dialogue", index, "speaker"),
                                        f"add {line.speaker} to the shot's characters or mark the line "
                                        "off_screen: true"))
        findings += _timing_findings(path, shot, words_per_second)
        if not shot.characters and not shot.dialogue and shot.shot_size not in OPEN_SHOT_SIZES:
            findings.append(Finding("scene", WARNING, f"a {shot.shot_size.value} shot with no characters and no "
                                    "dialogue shows nothing in particular", shot.id, (*path, "shot_size"),
                                    "make it wide, extreme-wide or full to show the setting, or put someone in it"))
    return findings


def _timing_findings(path: tuple, shot: Shot, words_per_second: float) -> list[Finding]:
    texts = [line.line for line in shot.dialogue]
    needed = dialogue_seconds(texts, words_per_second)
    if needed <= shot.duration * TIMING_TOLERANCE:
        return []
    severity = ERROR if needed > shot.duration * TIMING_LIMIT else WARNING
    wanted = shot_seconds(texts, words_per_second)
    hint = (f"make the duration {wanted:g} s" if needed + TAIL_SECONDS <= MAX_SHOT_SECONDS else
            f"move some lines to another shot (a shot is at most {MAX_SHOT_SECONDS:g} s)")
    return [Finding("scene", severity, f"the lines need about {needed:.1f} s but the shot lasts {shot.duration:g} s",
                    shot.id, (*path, "duration"), hint)]


# --- 4. positional (physical) rationality -------------------------------------------------------------------

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
            findings.append(Finding("position", WARNING, f"position {_quote(character.position)} of "
                                    f"{character.id} names no place on screen", shot.id, where,
                                    "say left, right, center, foreground or background, e.g. "
                                    "'left third, facing right'"))
        key = _normalise(character.position).lower()
        if key in taken:
            findings.append(Finding("position", ERROR, f"{character.id} and {taken[key]} stand in the same place "
                                    f"({_quote(character.position)})", shot.id, where,
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


# --- running them -------------------------------------------------------------------------------------------

VALIDATORS = {
    "dialogue": check_dialogue_completeness,
    "appearance": check_appearance_consistency,
    "scene": check_scene_coherence,
    "position": check_positional_rationality,
}


def validate_script(script: Script, production: Production) -> list[Finding]:
    """All four validators, in order."""
    return [finding for check in VALIDATORS.values() for finding in check(script, production)]


def findings_to_problems(findings: list[Finding], data, file: str = "script.yaml") -> list[Problem]:
    """Findings as Problems located in the YAML tree `data` (from load_script / load_yaml_text)."""
    problems = []
    for finding in findings:
        position, field_path = locate(data, finding.path) if data is not None else (None, "")
        line, column = position if position else (None, None)
        where = f"shot {finding.shot_id}: " if finding.shot_id else ""
        message = f"[{finding.validator}/{finding.severity}] {where}{finding.message}"
        problems.append(Problem(file, message, line, column, field=field_path, hint=finding.hint))
    return problems
