"""1. Dialogue completeness: every production line exactly once, in order, by its speaker, in its words."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ...schema import Production, Script
from .findings import ERROR, WARNING, Finding, normalise, quote, shots

ALTERED_TEXT_SIMILARITY = 0.6  # a script line this similar to a missing production line is that line, edited
MAX_EDITED_PARTS = 8  # parts of one edited line joined when looking for it (bounds the search)


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
    """The script's lines in order, re-joining the parts of a split line wherever that gives a production line.

    Of the runs of one speaker's parts that join into a production line, the one that says the next line in
    production order is taken (lines said twice, or a line that is two shorter ones said together, stay apart
    as the production has them); else the longest."""
    flat = [(line, (*path, "dialogue", index), shot.id)
            for path, shot in shots(script) for index, line in enumerate(shot.dialogue)]
    expected = [normalise(line.line) for line in production.lines]
    places: dict[str, list[int]] = {}  # production text -> its indexes, in order
    for index, text in enumerate(expected):
        places.setdefault(text, []).append(index)
    spoken, start, following = [], 0, 0  # following: the production line the script should say next
    while start < len(flat):
        speaker = flat[start][0].speaker
        end, joined = start + 1, ""
        for stop in range(start + 1, len(flat) + 1):
            if flat[stop - 1][0].speaker != speaker:
                break
            joined = f"{joined} {flat[stop - 1][0].line}" if joined else flat[stop - 1][0].line
            text = normalise(joined)
            if text in places:
                end = stop  # the longest run that is a whole production line ...
                if following < len(expected) and text == expected[following]:
                    break  # ... unless this shorter one is the line that comes next
        text = normalise(" ".join(line.line for line, _, _ in flat[start:end]))
        spoken.append(_Spoken(speaker, text, flat[start][1], flat[start][2]))
        later = [index for index in places.get(text, ()) if index >= following]
        following = later[0] + 1 if later else following
        start = end
    return spoken


def _match_to_production(spoken: list[_Spoken], production: Production) -> list[_Spoken]:
    """Pair each spoken line with the production line it says: identical text first; then reworded lines, found
    in the place where a line is missing, or anywhere when the words are still close (a line moved and edited).
    """
    expected = [normalise(line.line) for line in production.lines]
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
    text = normalise(" ".join(part.text for part in parts))
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
            text = normalise(" ".join(part.text for part in spoken[start:stop + 1]))
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
            report(ERROR, item, f"line {quote(item.text)} ({item.speaker}) is not in production.yaml's dialogue",
                   "remove it, or add it to production.yaml and regenerate")
            continue
        original, number = production.lines[item.matched], item.matched + 1
        if not item.exact:
            report(WARNING, item, f"dialogue line {number} differs from production.yaml: {quote(item.text)} "
                   f"instead of {quote(original.line)}", "fine if you meant it; otherwise restore the text")
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
                                    f"{quote(line.line)}) is missing", shot_id, path,
                                    f"add it to a shot's dialogue (around shot {shot_id}) or regenerate the script"))
    return findings


def _missing_line_place(script: Script, anchor: _Spoken | None) -> tuple[tuple, str]:
    """Where a missing line belongs: the shot of the next line that is there, else the last shot."""
    if anchor is not None:
        return anchor.path[:4] + ("dialogue",), anchor.shot_id
    path, shot = list(shots(script))[-1]
    return (*path, "dialogue"), shot.id
