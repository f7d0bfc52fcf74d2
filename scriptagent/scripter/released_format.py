"""The script format of the paper's released ScriptAgent (XD-MU/ScriptAgent) and DirectorAgent, read and written.

Their scripts are sectioned text; a section opens with its name in 【】 (their DirectorAgent reads the English
names on the right; the README's example and Chinese names are read too):

    【Character Profiles】   (or Character Description)  one `Name: appearance` line per character
    【Scene Description】                                the place, light, atmosphere
    【Blocking】             (or Character Positions)     one numbered entry per shot: who stands where
    【Dialogue】                                         the numbered shots ("nodes"), in order

A node is one shot: `N. [0seconds-4seconds] Medium Shot, Eye-Level Angle, Dolly In. <description>`, then its
lines, one a line, as `Name: "line" (emotion)`; `Name (off screen): ...` is heard, not seen.

The mapping (Script <-> their text):
- scene.setting <-> 【Scene Description】; characters <-> 【Character Profiles】 (a cast member's appearance in
  production.yaml wins over the profile, which the validators demand; the profile fills an empty one).
- Each shot <-> one node, in order (ids sh01, sh02, ... when read). duration <-> the time span on a running clock,
  in whole seconds (their DirectorAgent reads only `[Nseconds-Mseconds]` with integers): a duration of whole
  seconds comes back exactly, any other rounded up (less 0.1 s), so no shot gets too short for its lines. Read
  leniently (`[0s-4.5s]`, `[0-4 seconds]`); a node without one is timed from its words.
- shot_size, angle, camera_movement, transition <-> the words after the span, e.g. `Close-Up`, `Low Angle`,
  `Pan Left`, `Dissolve` (released_vocabulary.py; every value of ours has one). Reading takes the earliest phrase
  of each kind anywhere in the node's text: their words map to ours (`long shot` -> wide, `medium long shot` ->
  full, `push in` -> dolly-in, `pull back` -> dolly-out, `crane up` -> tilt-up, `arc shot`/`tracking shot` ->
  tracking-right, a `pan` without a side -> pan-right). Missing: eye-level, static, cut, and a size from the
  head count (0: wide, 1: medium, 2: two-shot, more: wide).
- shot.characters <-> the node's 【Blocking】 entry, `Name: position (action: ...; expression: ...)` joined by
  `; `; free text like `Alice stands on the left, Bob on the right` is read clause by clause. As their
  DirectorAgent does, a missing entry repeats the last one. An on-screen speaker the entry does not place keeps
  their last position in the scene (or gets a free one).
- dialogue <-> the node's `Name: "line"` lines (also inline, after the description): emotion is the trailing
  parenthetical; (off screen), (O.S.), (V.O.) mark off_screen.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..schema import MAX_SHOT_SECONDS, Script
from ..timing import shot_seconds
from .released_vocabulary import (ALL_TERMS, ANGLE_TERMS, ANGLE_WORDS, FILLER, MOVEMENT_TERMS, MOVEMENT_WORDS,
                                 SECTIONS, SIZE_TERMS, SIZE_WORDS, TRANSITION_TERMS, TRANSITION_WORDS)

SECTION = re.compile(r"【\s*([^】\n]{1,40}?)\s*】\s*[:：]?")
NUMBERED = re.compile(r"^[ \t]*(?:\*\*)?(?:shot[ \t]*)?(\d{1,3})(?:\*\*)?[ \t]*[.、:：)\-][ \t]*", re.M | re.I)
UNIT = r"\s*(?:(?:s|secs?|seconds?|秒)\s*)?"  # one \s* either side of the unit: a run of spaces is read once
SPAN = re.compile(rf"\[\s*(\d{{1,6}}(?:\.\d{{1,3}})?){UNIT}(?:-|–|—|~|to)\s*(\d{{1,6}}(?:\.\d{{1,3}})?){UNIT}\]", re.I)
OFF_SCREEN = re.compile(r"(?<!\w)(?:o\.\s?s\.?|v\.\s?o\.?|os|vo|off[\s-]*screen|voice[\s-]*over)(?!\w)|画外", re.I)
LABEL = re.compile(r"^\s*(?:shot(?: ?(?:type|size))?|camera(?: ?(?:movement|angle))?|angle|movement|time(?: ?code)?|"
                   r"duration|transition|description|action|镜头|景别|运镜)\s*[:：]\s*", re.I)
QUOTED = re.compile(r'^["“「](?P<line>.*)["”」]\s*(?P<after>.*)$')
PARENTHETICAL = re.compile(r"[(（]([^()（）]*)[)）]")
DEFAULT_PLACES = ("left third", "right third", "center", "left foreground", "right background")
UNPLACED = "__unplaced__"
HEAD_COUNT_SIZES = {0: "wide", 1: "medium", 2: "two-shot"}  # a node that names no shot size
MAX_CHARS = 400_000  # a scene's script is tens of KB; a reply far longer is refused, not read
MAX_PROBLEMS = 20  # a garbled reply can have hundreds; the first ones are enough to act on
MAX_ENTRY_CHARS, MAX_ENTRY_NAMES = 2000, 24  # what one blocking entry (one shot's staging) is read for


@dataclass
class Reading:
    """A text in the released format as Script data, or what keeps it from being one (one line each)."""

    data: dict | None = None
    problems: list[str] = field(default_factory=list)


# --- writing ----------------------------------------------------------------------------------------------------

def write_released(script: Script, scene_index: int = 0) -> str:
    """One scene of `script` as their text: what their DirectorAgent takes as one story."""
    scene = script.scenes[scene_index]
    name = {cid: character.name for cid, character in script.characters.items()}
    present = list(dict.fromkeys([c.id for shot in scene.shots for c in shot.characters]
                                 + [line.speaker for shot in scene.shots for line in shot.dialogue]))
    profiles = [name.get(cid, cid) + (f": {_one_line(script.characters[cid].appearance)}"
                                      if cid in script.characters and script.characters[cid].appearance else "")
                for cid in present]
    blocking, nodes, start = [], [], 0
    for number, shot in enumerate(scene.shots, 1):
        end = start + max(1, math.ceil(round(shot.duration - 0.1, 6)))
        spec = [SIZE_WORDS[shot.shot_size.value], ANGLE_WORDS[shot.angle.value],
                MOVEMENT_WORDS[shot.camera_movement.value]]
        spec += [TRANSITION_WORDS[shot.transition.value]] if shot.transition.value in TRANSITION_WORDS else []
        lines = [f"{number}. [{start}seconds-{end}seconds] {', '.join(spec)}. {_one_line(shot.description)}"]
        for line in shot.dialogue:
            tag = " (off screen)" if line.off_screen else ""
            emotion = f" ({_one_line(line.emotion)})" if line.emotion else ""
            lines.append(f'{name.get(line.speaker, line.speaker)}{tag}: "{_one_line(line.line)}"{emotion}')
        nodes.append("\n".join(lines))
        places = []
        for character in shot.characters:
            extra = "; ".join(f"{key}: {_one_line(value)}" for key, value in
                              (("action", character.action), ("expression", character.expression)) if value)
            places.append(f"{name.get(character.id, character.id)}: {_one_line(character.position)}"
                          + (f" ({extra})" if extra else ""))
        blocking.append(f"{number}. " + ("; ".join(places) if places else "Nobody in frame"))
        start = end
    sections = {"Character Profiles": "\n".join(profiles), "Scene Description": _one_line(scene.setting),
                "Blocking": "\n".join(blocking), "Dialogue": "\n".join(nodes)}
    return "\n\n".join(f"【{name}】\n{body}" for name, body in sections.items()) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- reading ----------------------------------------------------------------------------------------------------

def sections_of(text: str) -> dict[str, str]:
    """{'profiles'|'scene'|'blocking'|'dialogue': text} of the sections found (others are ignored)."""
    matches = list(SECTION.finditer(text))
    found = {}
    for index, match in enumerate(matches):
        kind = SECTIONS.get(" ".join(match.group(1).lower().replace("_", " ").split()))
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        if kind and kind not in found:
            found[kind] = text[match.end():end].strip()
    return found


def numbered(text: str) -> list[tuple[int, str]]:
    """(number, body) of each numbered entry; the text before the first number is dropped."""
    matches = list(NUMBERED.finditer(text))
    return [(int(m.group(1)), text[m.end():(matches[i + 1].start() if i + 1 < len(matches) else len(text))].strip())
            for i, m in enumerate(matches)]


class Cast:
    """Names -> character ids: the production's cast (by name, id or a unique first name), else names as read."""

    def __init__(self, members=()):
        self.members = {m.id: (m.name, m.appearance) for m in members}
        self.known = bool(self.members)
        self.index: dict[str, str] = {}
        firsts: dict[str, list[str]] = {}
        for cid, (name, _) in self.members.items():
            self.index[name.lower()] = self.index[cid] = cid
            firsts.setdefault(name.split()[0].lower(), []).append(cid)
        for first, ids in firsts.items():
            if len(ids) == 1:
                self.index.setdefault(first, ids[0])
        self._pattern: re.Pattern | None = None

    def resolve(self, name: str, learn: bool = False) -> str | None:
        name = " ".join(name.strip(" *_-•·").split())
        cid = self.index.get(name.lower())
        if cid is None and learn and name and len(name.split()) <= 4 and name[0].isupper():
            cid = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "character"
            self.index[name.lower()] = cid
            self.members.setdefault(cid, (name, ""))
            self._pattern = None
        return cid

    def pattern(self) -> re.Pattern | None:
        """Any known name, as a whole word (the longest first)."""
        names = sorted((n for n in self.index if n), key=len, reverse=True)
        if self._pattern is None and names:
            self._pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)", re.I)
        return self._pattern


def read_released(text: str, cast=(), *, title: str = "", scene_id: str = "scene", setting: str = "",
                  words_per_second: float = 2.6) -> Reading:
    """Their text as Script data (one scene), or the problems that keep it from being one.

    `cast`: the production's cast members (id, name, appearance); without it, names are taken as written.
    """
    if not text or not text.strip():
        return Reading(problems=["the reply is empty; answer with the script in the released format"])
    if len(text) > MAX_CHARS:
        return Reading(problems=[f"the reply is {len(text)} characters long, too long for one scene's script"])
    text = re.sub(r"<think>.*?(?:</think>|\Z)", "", text, flags=re.S).replace("\r\n", "\n")
    people = Cast(cast)
    found = sections_of(text)
    profiles = {}
    for raw in found.get("profiles", "").splitlines():
        raw = NUMBERED.sub("", raw).strip(" -*•")
        name, _, profile = raw.partition(":") if ":" in raw else raw.partition("：")
        cid = people.resolve(re.sub(r"[(（][^()（）]*[)）]\s*$", "", name), learn=not people.known) if name else None
        if cid:
            profiles[cid] = profile.strip()
    nodes = numbered(found.get("dialogue", "" if found else text))
    nodes = [(number, body) for number, body in nodes if body]
    if not nodes:
        return Reading(problems=[("the reply is not in the released format: it has no numbered shots under 【Dialogue】 "
                                  "(e.g. '1. [0seconds-4seconds] Medium Shot, Eye-Level Angle, Static Camera. "
                                  "<what we see>' and then the lines as 'Name: \"line\"')")])
    entries = [body for _, body in numbered(found.get("blocking", ""))] or \
        [line.strip() for line in found.get("blocking", "").splitlines() if line.strip()]
    problems, shots, last_place = [], [], {}
    for index, (_, body) in enumerate(nodes):
        shot, problem = _read_node(index + 1, body, people, words_per_second)
        if problem:
            problems.append(problem)
            continue
        entry = entries[min(index, len(entries) - 1)] if entries else None
        shot["characters"] = _frame(entry, shot, people, last_place)
        shot["shot_size"] = shot["shot_size"] or HEAD_COUNT_SIZES.get(len(shot["characters"]), "wide")
        names = [people.members.get(c["id"], (c["id"],))[0] for c in shot["characters"]]
        shot["description"] = shot["description"] or (" and ".join(names) + "." if names else _one_line(
            found.get("scene") or setting or "The place."))
        shots.append({"id": f"sh{index + 1:02d}", **shot})
    if problems:
        return Reading(problems=problems[:MAX_PROBLEMS] + [f"... and {len(problems) - MAX_PROBLEMS} more"]
                       if len(problems) > MAX_PROBLEMS else problems)
    characters = {cid: {"name": name, "appearance": appearance or profiles.get(cid, "")}
                  for cid, (name, appearance) in people.members.items()}
    scene = {"id": scene_id, "setting": _one_line(found.get("scene", "")) or setting or "an unspecified place",
             "shots": shots}
    return Reading(data={"title": title, "characters": characters, "scenes": [scene]})


def _read_node(number: int, body: str, people: Cast, words_per_second: float) -> tuple[dict, str | None]:
    span = SPAN.search(body)
    body = SPAN.sub(" ", body)
    described, lines = [], []
    for raw in body.splitlines():
        for piece in _split_inline(raw, people):
            line = _dialogue(piece, people)
            if line is not None:
                lines.append(line)
            elif piece.strip():
                described.append(piece.strip())
    plain = " ".join(described)
    kinds = {key: _earliest(terms, plain) for key, terms in
             (("shot_size", SIZE_TERMS), ("angle", ANGLE_TERMS), ("camera_movement", MOVEMENT_TERMS),
              ("transition", TRANSITION_TERMS))}
    description = [LABEL.sub("", piece) for piece in described if not (LABEL.match(piece) and _is_spec(
        LABEL.sub("", piece)))]
    text = " ".join(d for d in description if d)
    head = re.match(r"(?P<spec>[^.\n]*)\.(?:\s|$)", text)
    if head and _is_spec(head["spec"]):
        text = text[head.end():]
    if span:
        start, end = float(span.group(1)), float(span.group(2))
        duration = round(end - start, 3)
        if duration <= 0:
            return {}, f"node {number}: the time span {span.group()} ends before it starts"
        if duration > MAX_SHOT_SECONDS:
            return {}, (f"node {number}: {span.group()} lasts {duration:g} s, but a shot lasts at most "
                        f"{MAX_SHOT_SECONDS:g} s (split it into two nodes)")
    else:
        duration = shot_seconds([line["line"] for line in lines], words_per_second) if lines else 3.0
    return {"duration": duration, "shot_size": kinds["shot_size"], "angle": kinds["angle"] or "eye-level",
            "camera_movement": kinds["camera_movement"] or "static", "description": _one_line(text),
            "dialogue": lines, "transition": kinds["transition"] or "cut"}, None


def _earliest(terms, text: str) -> str | None:
    hits = [(match.start(), -len(match.group()), value) for pattern, value in terms
            for match in [pattern.search(text)] if match]
    return min(hits)[2] if hits else None


def _is_spec(part: str) -> bool:
    """A sentence made only of camera words ('Medium Shot, Eye-Level Angle, slow Dolly In')."""
    covered = [False] * len(part)
    for pattern, _ in ALL_TERMS:
        for match in pattern.finditer(part):
            covered[match.start():match.end()] = [True] * (match.end() - match.start())
    rest = "".join(" " if hit else char for char, hit in zip(part, covered))
    return any(covered) and all(word in FILLER for word in re.findall(r"[\w']+", rest.lower()))


def _split_inline(raw: str, people: Cast) -> list[str]:
    """A line cut before each `Name: "` that follows other text ('... at the door. Ana: "Hi."')."""
    pattern = people.pattern()
    if pattern is None:
        return [raw]
    speech = pattern.pattern + r"\s*(?:[(（][^()（）\n]{0,80}[)）]\s*)?[:：]\s*[\"“「]"
    cuts = [m.start() for m in re.finditer(speech, raw, re.I)
            if m.start() > 0 and not raw[max(0, m.start() - 80):m.start()].rstrip().endswith((":", "："))]
    return [raw[a:b] for a, b in zip([0] + cuts, cuts + [len(raw)])]


def _dialogue(raw: str, people: Cast) -> dict | None:
    match = re.match(r'\s*(?:[-*•]\s*)?(?P<name>[^\s:："“”()（）\[\]【】][^:："“”()（）\[\]【】]{0,59}?)[ \t]{0,4}'
                     r'(?:[(（](?P<tag>[^()（）]{0,80})[)）][ \t]{0,4})?[:：]\s*(?P<rest>.*\S)', raw)
    if not match:
        return None
    rest = match["rest"]
    quoted = QUOTED.match(rest)
    speaker = people.resolve(match["name"])
    if speaker is None and quoted and not LABEL.match(raw):
        speaker = people.resolve(match["name"], learn=True)
    if speaker is None:
        return None
    tag = (match["tag"] or "").strip()
    off_screen = bool(tag and OFF_SCREEN.search(tag))
    emotions = [] if off_screen or not tag else [tag]
    if quoted:
        line, after = quoted["line"], quoted["after"]
    else:
        line, after = rest, ""
        for _ in range(4):  # leading and trailing directions: "(softly) Go. (turning away)"
            lead = re.match(r"\s*[(（]([^()（）]*)[)）]", line)
            trail = re.search(r"[(（]([^()（）]*)[)）]\s*$", line)
            if lead:
                emotions.append(lead.group(1))
                line = line[lead.end():]
            elif trail and line[:trail.start()].strip():
                emotions.append(trail.group(1))
                line = line[:trail.start()]
            else:
                break
    emotions += PARENTHETICAL.findall(after)
    line = line.strip()
    if not line:
        return None
    return {"speaker": speaker, "line": line, "emotion": "; ".join(e.strip() for e in emotions if e.strip()),
            "off_screen": off_screen}


def _frame(entry: str | None, shot: dict, people: Cast, last_place: dict) -> list[dict]:
    """Who is in the shot and where: the blocking entry, then on-screen speakers it does not place."""
    placed = _blocking(entry, people) if entry else []
    ids = [c["id"] for c in placed]
    for line in shot["dialogue"]:
        if not line["off_screen"] and line["speaker"] not in ids:
            placed.append({"id": line["speaker"], "position": UNPLACED})
            ids.append(line["speaker"])
    taken = {c["position"].lower() for c in placed}
    for character in placed:
        if character["position"] == UNPLACED:
            carried = last_place.get(character["id"])
            free = [place for place in DEFAULT_PLACES if place not in taken]
            character["position"] = carried if carried and carried.lower() not in taken else (free or ["center"])[0]
            taken.add(character["position"].lower())
        last_place[character["id"]] = character["position"]
    return placed


def _blocking(entry: str, people: Cast) -> list[dict]:
    entry = entry[:MAX_ENTRY_CHARS]
    parts = _split_top(entry, ";；")
    structured = [re.match(r"^\s*([^:：]{1,60}?)\s*[:：]\s*(.+)$", part) for part in parts]
    if structured and all(m and people.resolve(m.group(1)) for m in structured):
        return [_placement(people.resolve(m.group(1)), m.group(2)) for m in structured]
    pattern = people.pattern()
    if pattern is None:
        return []
    found: dict[str, dict] = {}  # in the order they are named; a name inside another's clause only puts them in frame
    matches = [match for match, _ in zip(pattern.finditer(entry), range(MAX_ENTRY_NAMES))]
    for index, match in enumerate(matches):
        cid = people.resolve(match.group(1))
        if not _clause_before(entry[:match.start()]):
            found.setdefault(cid, {"id": cid, "position": UNPLACED})
            continue
        end = next((m.start() for m in matches[index + 1:] if _clause_before(entry[:m.start()])), len(entry))
        position = re.sub(r"^\s*(?:[:：]|is\b|at\b)\s*", "", entry[match.end():end]).strip()
        while position != (shorter := re.sub(r"\s(?:and|while|as|with)$", "", position.rstrip(" ,;；，.\t"))):
            position = shorter
        if found.get(cid, {}).get("position", UNPLACED) == UNPLACED:
            found[cid] = {"id": cid, "position": position or UNPLACED}
    return list(found.values())


def _clause_before(before: str) -> bool:
    """Whether a name after `before` opens a clause of its own (and so says where that character is)."""
    before = before[-12:].rstrip().lower()
    return not before or before.endswith((",", ";", "；", "，", ".")) or bool(
        re.search(r"(?:^|\s)(?:and|while|as|with)$", before))


def _placement(cid: str, body: str) -> dict:
    placement = {"id": cid, "position": body.strip()}
    extra = re.search(r"\(([^()]*\b(?:action|expression)\s*:[^()]*)\)\s*$", body)
    if extra:
        placement["position"] = body[:extra.start()].strip()
        for key, value in re.findall(r"(action|expression)\s*:\s*([^;]*)", extra.group(1)):
            placement[key] = value.strip()
    placement["position"] = placement["position"] or UNPLACED
    return placement


def _split_top(text: str, separators: str) -> list[str]:
    """`text` split at the separators outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += char in "(（" or -(char in ")）")
        if depth <= 0 and char in separators:
            parts.append(text[start:index])
            start = index + 1
    return [part for part in parts + [text[start:]] if part.strip()]
