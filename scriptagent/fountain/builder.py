"""Paragraphs to scenes: headings, returns to a place, intercuts, transitions, action and dialogue, in order."""

from __future__ import annotations

import re

from ..errors import Problem
from .names import (DEVICE, OFF_SCREEN, Names, cue_kind, cue_name, place_of_heading, place_words, plain, sentences,
                    slug, speaker_id)
from .paragraphs import BACK, INTERCUT, Paragraph
from .scenes import BODY_KEYS, Intercut, Place, Scene

DESCRIPTION_CHARS = 300  # the opening action kept as a scene's description, about
IMPLICIT_ID, IMPLICIT_HEADING = "opening", "UNSPECIFIED PLACE"
_ENTRANCE = re.compile(r"\b(?:enters|entering|comes\s+(?:in|back|through)|walks\s+in|steps\s+in|arrives|appears|"
                       r"bursts\s+in|barges\s+in|rushes\s+in|runs\s+in|hurries\s+in|strides\s+in|wanders\s+in|"
                       r"slips\s+in|returns|emerges|joins)\b", re.I)
_REMOTE_CONTEXT = re.compile(r"\b(?:other\s+end|(?:on|over|through)\s+the\s+(?:phone|line|tv|television|radio|"
                             r"speaker|speakerphone|intercom|monitor|screen|radio)|on\s+(?:tv|television|screen|"
                             r"speakerphone|the\s+news))\b", re.I)


def _parenthetical(parts: list[str]) -> str:
    """`(holding out` + `the suitcase)` -> `holding out the suitcase`; `(beat)` + `(softly)` -> `beat, softly`."""
    text = ""
    for part in parts:
        if text:
            text += ", " if text.endswith(")") else " "
        text += part
    return " ".join(re.sub(r"\)\s*,\s*\(", ", ", text).strip().lstrip("(").rstrip(")").split())


class Builder:
    def __init__(self, display: str, names: Names):
        self.display = display
        self.names = names
        self.scenes: list[Scene] = []
        self.places: dict[str, Place] = {}
        self.history: list[Place] = []  # the place of each regular scene, in order
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}
        self.scene: Scene | None = None
        self.intercut: Intercut | None = None
        self.pending: tuple[str, int] | None = None  # a transition waiting for the next shot
        self.resume: Place | None = None  # after END INTERCUT: where the next action or line is
        self.after_cut: Intercut | None = None
        self.last_place: dict[str, Place] = {}  # where each character was last seen
        self.heard_at: dict[str, Place] = {}  # where each character was last heard through a phone
        self.warnings: list[Problem] = []
        self.spoken = 0
        self.acted = 0

    # ids and places
    def unique(self, base: str) -> str:
        base = base[:40].rstrip("-") or "scene"
        if base not in self.used:
            self.used.add(base)
            return base
        number = 2
        while True:
            suffix = f"-{number}"
            candidate = base[:40 - len(suffix)].rstrip("-") + suffix
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
            number += 1

    def numbered(self, base: str) -> str:
        while True:
            self.counters[base] = self.counters.get(base, 0) + 1
            suffix = f"-{self.counters[base]}"
            candidate = base[:40 - len(suffix)].rstrip("-") + suffix
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def place(self, heading: str) -> Place:
        where = place_of_heading(heading)
        key = " ".join(sorted(place_words(where))) or where.upper()
        known = self.places.get(key)
        if known:
            known.heading = heading
            return known
        self.places[key] = Place(key, heading, slug(where, "scene"))
        return self.places[key]

    def find_place(self, text: str) -> Place | None:
        """The latest place whose words hold the words of `text` (or the other way round)."""
        wanted = place_words(place_of_heading(text))
        if not wanted:
            return None
        for place in reversed(self.history):
            words = set(place.key.split())
            if wanted <= words or (words and words <= wanted):
                return place
        return None

    # scenes
    def close(self):
        self.end_intercut()
        if self.scene is not None:
            self.settle(self.scene)
        self.scene = None
        self.resume = self.after_cut = None

    def settle(self, scene: Scene):
        """A scene whose body holds no line and no action: its description becomes its action; with none either
        (a heading alone), the scene is left out, its transition passed on to the next one."""
        if any("transition" not in item for item in scene.body):
            return
        if scene.description:
            scene.body += [{"action": text} for text in scene.description]
            scene.lines += scene.description_lines
            scene.description, scene.description_lines = [], []
            return
        self.scenes.remove(scene)
        self.used.discard(scene.id)
        if scene.body and self.pending is None:
            self.pending = (scene.body[-1]["transition"], scene.lines[-1])

    def open(self, heading: str, place: Place, line: int, scene_id: str | None = None) -> Scene:
        self.close()
        scene = Scene(scene_id or self.unique(place.base), heading, place, line)
        self.scenes.append(scene)
        self.history.append(place)
        self.scene = scene
        self.flush_transition(scene)
        return scene

    def resume_at(self, cast_ids: list[str]):
        """After END INTERCUT, the next scene is where the first character named or speaking was in the intercut
        (`Scott hangs up.`: Scott's place), else where the last turn was."""
        cut, self.after_cut = self.after_cut, None
        if cut and self.scene is None and self.resume is not None:
            self.resume = next((cut.assigned[c] for c in cast_ids if c in cut.assigned), self.resume)

    def current(self, line: int) -> Scene:
        if self.scene is None and self.resume is not None:
            self.open(self.resume.heading, self.resume, line)
        if self.scene is None:
            place = self.places.setdefault(IMPLICIT_HEADING, Place(IMPLICIT_HEADING, IMPLICIT_HEADING, IMPLICIT_ID))
            self.warnings.append(Problem(self.display, "dialogue or action before the first scene heading: it goes "
                                         f"into a first scene '{IMPLICIT_ID}' with no place", line, 1,
                                         hint="start the screenplay with a scene heading such as INT. KITCHEN - DAY"))
            self.open(IMPLICIT_HEADING, place, line, self.unique(IMPLICIT_ID))
        return self.scene

    def flush_transition(self, scene: Scene):
        if self.pending:
            kind, line = self.pending
            scene.body.append({"transition": kind})
            scene.lines.append(line)
            self.pending = None

    def add(self, scene: Scene, item: dict, line: int):
        self.flush_transition(scene)
        scene.body.append(item)
        scene.lines.append(line)

    # paragraphs
    def heading(self, paragraph: Paragraph):
        self.open(paragraph.text, self.place(paragraph.text), paragraph.line)

    def returning(self, paragraph: Paragraph):
        text = paragraph.text
        back = BACK.match(text)
        target = None
        if back and re.fullmatch(r"(?:THE\s+)?SCENE", back.group(1).strip(), re.I):
            current = self.history[-1] if self.history else None
            target = next((place for place in reversed(self.history) if place is not current), current)
        elif back:
            target = self.find_place(back.group(1))
        elif self.intercut and self.intercut.piece:
            target = self.intercut.piece.place
        elif self.resume is not None:
            target = self.resume
        elif self.history:
            target = self.history[-1]
        if target is None:
            self.heading(paragraph)
        else:
            self.open(target.heading, target, paragraph.line)

    def transition(self, paragraph: Paragraph):
        self.pending = (paragraph.text, paragraph.line)
        if self.scene:
            self.scene.describing = False

    def start_intercut(self, paragraph: Paragraph):
        spec = INTERCUT.match(paragraph.text).group(1)
        spec = re.sub(r"^[\s\-\u2013\u2014:]*(?:(?:WITH|BETWEEN)\b)?[\s\-\u2013\u2014:]*", "", spec, flags=re.I)
        spec = spec.strip().rstrip(":.").strip()
        names = [name.strip() for name in re.split(r"\s*/\s*|\s+AND\s+|\s*&\s*", spec, flags=re.I) if name.strip()]
        found = [self.find_place(name) for name in names]
        places: list[Place] = []
        if len(names) >= 2:
            for name, place in zip(names, found):
                place = place or self.place(name)
                if place not in places:
                    places.append(place)
        elif names and found[0]:
            current = self.history[-1] if self.history else None
            places = [p for p in (current, found[0]) if p is not None]
            if len(places) == 2 and places[0] is places[1]:
                places = places[:1]
        if len(places) < 2:
            places = []
            for place in reversed(self.history):
                if place not in places and place.key != IMPLICIT_HEADING:
                    places.insert(0, place)
                if len(places) == 2:
                    break
        if len(places) < 2:
            self.warnings.append(Problem(self.display, "INTERCUT needs two places: this one is ignored",
                                         paragraph.line, 1, hint="write the scene headings of both places before it, "
                                         "or name them: INTERCUT - SCOTT'S APARTMENT / NAK'S FLAT"))
            return
        self.close()
        self.intercut = Intercut(places[:2], paragraph.line)

    def end_intercut(self, paragraph: Paragraph | None = None):
        cut = self.intercut
        if not cut:
            return
        self.intercut = None
        if cut.held:  # action after INTERCUT and nothing else: in the first place
            self.piece(cut, cut.places[0], [], cut.held[0][1])
        if paragraph is not None:  # END INTERCUT: what follows goes on in a new scene (see resume_at)
            self.resume = cut.piece.place if cut.piece else cut.places[0]
            self.after_cut = cut

    def piece(self, cut: Intercut, place: Place, present: list[str], line: int) -> Scene:
        scene = Scene(self.numbered(f"{place.base[:40 - 11]}-intercut"), place.heading, place, line, piece=True)
        scene.present = list(present)
        scene.onscreen = set(present)
        self.scenes.append(scene)
        cut.piece = scene
        self.flush_transition(scene)
        for text, held_line in cut.held:
            self.add(scene, {"action": text}, held_line)
        cut.held = []
        return scene

    def side_of(self, cut: Intercut, speaker: str, claim: bool) -> Place | None:
        if speaker in cut.assigned:
            return cut.assigned[speaker]
        place = None
        if self.last_place.get(speaker) in cut.places:
            place = self.last_place[speaker]
        elif self.heard_at.get(speaker) in cut.places:
            place = next(p for p in cut.places if p is not self.heard_at[speaker])
        elif claim:  # the place nobody in this intercut took, else the one nobody was last seen in
            taken = set(map(id, cut.assigned.values()))
            seen = {id(p) for cast_id, p in self.last_place.items() if cast_id != speaker}
            free = [p for p in cut.places if id(p) not in taken]
            place = next((p for p in free if id(p) not in seen), free[0] if free else None)
        if place is not None:
            cut.assigned[speaker] = place
        return place

    def action(self, paragraph: Paragraph):
        text = paragraph.text
        self.acted += 1
        cut = self.intercut
        if cut:
            named: list[str] = []
            for sentence in sentences(text):
                named += [cast_id for cast_id, _ in self.names.in_sentence(sentence) if cast_id not in named]
            sides: dict[int, tuple[Place, list[str]]] = {}
            for cast_id in named:
                side = self.side_of(cut, cast_id, claim=False)
                if side is not None:
                    sides.setdefault(id(side), (side, []))[1].append(cast_id)
            if len(sides) == 1:  # only the people of one side: there
                place, who = next(iter(sides.values()))
                if cut.piece is None or cut.piece.place is not place:
                    self.piece(cut, place, who, paragraph.line)
            if cut.piece is None:
                cut.held.append((text, paragraph.line))
            else:
                self.add(cut.piece, {"action": text}, paragraph.line)
            return
        if self.after_cut:
            self.resume_at([c for sentence in sentences(text) for c, _ in self.names.in_sentence(sentence)])
        scene = self.current(paragraph.line)
        opening = scene.before_dialogue
        for sentence in sentences(text):
            remote_here = bool(_REMOTE_CONTEXT.search(sentence))
            called = self.names.called_in(sentence)
            entering = bool(_ENTRANCE.search(sentence))
            for cast_id, caps in self.names.in_sentence(sentence):
                if cast_id in called or (remote_here and cast_id not in scene.onscreen):
                    scene.remote.add(cast_id)
                    self.heard_at[cast_id] = scene.place
                elif cast_id not in scene.remote or entering or caps:  # seen: there from now on
                    scene.remote.discard(cast_id)
                    scene.onscreen.add(cast_id)
                    self.last_place[cast_id] = scene.place
                    if opening and cast_id not in scene.present:
                        scene.present.append(cast_id)
        if scene.describing and (not scene.description or
                                 len(" ".join(scene.description)) + len(text) < DESCRIPTION_CHARS):
            scene.description.append(text)
            scene.description_lines.append(paragraph.line)
        else:
            scene.describing = False
            self.add(scene, {"action": text}, paragraph.line)

    def dialog(self, paragraph: Paragraph, problems: list[Problem]):
        cue = paragraph.cue
        speaker = speaker_id(cue)
        kind = cue_kind(cue)
        items = []  # (parenthetical, text, line)
        parts, spoken, first_line = [], [], paragraph.line
        block_lines = paragraph.lines[1:] + [paragraph.line] * len(paragraph.blocks)
        for index, (is_parenthetical, block) in enumerate(paragraph.blocks):
            block = plain(block.lstrip("~"))
            if not block:
                continue
            if is_parenthetical:
                if spoken:  # a parenthetical after words: it directs the next item
                    items.append((_parenthetical(parts), " ".join(spoken), first_line))
                    parts, spoken, first_line = [], [], block_lines[index]
                parts.append(block)
            else:
                spoken.append(block)
        if spoken:
            items.append((_parenthetical(parts), " ".join(spoken), first_line))
        if not items:
            problems.append(Problem(self.display, f"{cue_name(cue) or cue}: a character cue with no line under it",
                                    paragraph.line, 1, hint="write the line right under the name, or remove the name"))
            return
        items[0] = (items[0][0], items[0][1], paragraph.line)  # the first item points at the cue
        self.spoken += len(items)

        cut = self.intercut
        scene, off = None, False
        if cut and kind not in ("vo", "os", "broadcast"):
            side = self.side_of(cut, speaker, claim=True)
            if side is not None:
                if cut.piece is None or cut.piece.place is not side:
                    self.piece(cut, side, [speaker], paragraph.line)
                scene = cut.piece
                self.last_place[speaker] = side
        if scene is None:
            if cut:
                scene = cut.piece or self.piece(cut, cut.places[0], [], paragraph.line)
                off = kind in OFF_SCREEN
            else:
                if self.after_cut:
                    self.resume_at([speaker])
                scene = self.current(paragraph.line)
                if kind in OFF_SCREEN:
                    off = True
                    if kind in DEVICE and speaker not in scene.onscreen:
                        scene.remote.add(speaker)
                        if kind == "phone":
                            self.heard_at[speaker] = scene.place
                elif speaker in scene.remote:
                    off = True
                else:
                    scene.onscreen.add(speaker)
                    self.last_place[speaker] = scene.place
                scene.first_kind.setdefault(speaker, ("phone" if speaker in scene.remote else kind) if off else None)
                scene.before_dialogue = False
                scene.describing = False
        for parenthetical, text, line in items:
            if off:
                item = {"speaker": speaker, "line": text}
                if parenthetical:
                    item["parenthetical"] = parenthetical
                item["off_screen"] = True
            elif speaker in BODY_KEYS:
                item = {"speaker": speaker, "line": text}
                if parenthetical:
                    item["parenthetical"] = parenthetical
            else:
                item = {speaker: f"({parenthetical}) {text}" if parenthetical else text}
            self.add(scene, item, line)
