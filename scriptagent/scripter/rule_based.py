"""The default ScripterAgent: a deterministic, rule-based director's coverage of each scene of a production.

It writes the script a director would recognise, scene by scene: a wide establishing shot of the place,
over-the-shoulders for the first exchange, then singles that follow the speaker, a two-shot every few shots to
re-establish geography, close-ups on charged lines, reaction shots of the listener while long lines continue
off-screen, shots of the action beats (a full shot of who acts, a wide of several or of the place), the listener's
face while a voice is heard off screen (phone, TV, V.O.), and a closing wide when the film is one scene. A character
is in frame only from their entrance (present when the scene opens, or their first line or the first action naming
them) and until an action says they leave. Every character keeps one side of the frame for the whole scene (the
180° rule), and every duration comes from `scriptagent.timing`, so no shot exceeds MAX_SHOT_SECONDS. The same
production always gives the same script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..production import (ActionBeat, Angle, CameraMovement, Character, DialogueLine, Production, ProductionScene,
                          RuleBasedScripterConfig, Scene, Script, ScriptLine, Shot, ShotCharacter, ShotSize,
                          Transition, TransitionBeat)
from ..timing import CLOSING_MARKS, shot_seconds, speech_seconds

SPLIT_LINE_SECONDS = 5.5  # past this (about 6 s with the lead-in and tail) a line cuts away to the listener
MAX_PART_SECONDS = 8.0  # a part of a split line is cut again past this; with lead-in and tail it stays under 10 s
ESTABLISHING_SECONDS = 3.0
CLOSING_SECONDS = 3.0
SINGLES_BEFORE_TWO_SHOT = 4  # re-establish geography after this many singles in a row
ANGLE_COOLDOWN_SHOTS = 4  # low and high angles are spice: at most one in this many shots
SHORT_EMPHATIC_WORDS = 3  # "You came." lands harder in a close-up
ACTION_WORDS_PER_SECOND = 3.0  # an action beat is read a little faster than it is spoken, then held a beat
ACTION_MIN_SECONDS = 1.5
ACTION_MAX_SECONDS = 6.0

# --- reading a line: emotion, action, expression ------------------------------------------------------------

# A word of the parenthetical -> the emotion it asks for. Anything else in a parenthetical is an action.
EMOTION_WORDS = {
    "quietly": "quiet", "softly": "quiet", "gently": "tender", "tenderly": "tender",
    "whispering": "whispering", "whispers": "whispering", "whispered": "whispering",
    "shouting": "shouting", "shouts": "shouting", "yelling": "shouting", "screaming": "shouting",
    "angrily": "angry", "angry": "angry", "furious": "angry", "furiously": "angry",
    "sadly": "sad", "sad": "sad", "crying": "tearful", "tearful": "tearful", "tearfully": "tearful",
    "sobbing": "tearful", "laughing": "amused", "amused": "amused", "smiling": "warm", "warmly": "warm",
    "nervously": "nervous", "nervous": "nervous", "coldly": "cold", "firmly": "firm", "bitterly": "bitter",
    "pleading": "pleading", "sarcastic": "sarcastic", "sarcastically": "sarcastic", "hesitantly": "hesitant",
    "hesitant": "hesitant", "excited": "excited", "excitedly": "excited", "defiantly": "defiant",
    "defiant": "defiant", "surprised": "surprised", "urgently": "urgent", "urgent": "urgent",
}
CHARGED_EMOTIONS = {"whispering", "shouting", "angry", "tearful", "pleading", "defiant", "urgent", "intense"}
LOW_ANGLE_EMOTIONS = {"shouting", "angry", "defiant", "intense", "urgent", "cold"}  # the speaker dominates
HIGH_ANGLE_EMOTIONS = {"tearful", "sad", "pleading", "hesitant", "nervous", "whispering"}  # the speaker is exposed

# The speaker's face for an emotion, and the listener's reaction to it.
EXPRESSIONS = {
    "quiet": "subdued", "questioning": "searching", "intense": "intense", "hesitant": "uncertain",
    "calm": "composed", "whispering": "hushed", "shouting": "furious", "angry": "angry", "sad": "downcast",
    "tearful": "tearful", "amused": "amused", "warm": "warm", "nervous": "nervous", "cold": "cold",
    "firm": "resolute", "bitter": "bitter", "pleading": "pleading", "tender": "tender", "sarcastic": "wry",
    "excited": "bright-eyed", "defiant": "defiant", "surprised": "startled", "urgent": "urgent",
}
REACTIONS = {
    **dict.fromkeys(("intense", "shouting", "angry", "defiant", "cold", "urgent"), "taken aback"),
    **dict.fromkeys(("questioning",), "weighing an answer"),
    **dict.fromkeys(("sad", "tearful", "pleading", "tender"), "moved"),
    **dict.fromkeys(("amused", "warm", "sarcastic", "excited"), "half-smiling"),
    **dict.fromkeys(("hesitant", "quiet", "whispering", "nervous"), "leaning in"),
}


def line_emotion(line: DialogueLine) -> str:
    """The emotion a line is played with: the parenthetical's word for it, else what the punctuation says."""
    for word in re.findall(r"[a-z]+", line.parenthetical.lower()):
        if word in EMOTION_WORDS:
            return EMOTION_WORDS[word]
    text = line.line.rstrip(CLOSING_MARKS)
    if "!" in text:
        return "intense"
    if "..." in text or "…" in text:
        return "hesitant"
    if text.endswith("?"):
        return "questioning"
    return "calm"


def line_emotion_is_stated(line: DialogueLine) -> bool:
    """True when the parenthetical names an emotion ('quietly') rather than an action ('opening it')."""
    return any(word in EMOTION_WORDS for word in re.findall(r"[a-z]+", line.parenthetical.lower()))


def is_charged(line: DialogueLine) -> bool:
    """Lines that deserve a close-up: exclamations, emotional questions, strong parentheticals, short punches."""
    emotion = line_emotion(line)
    text = line.line.rstrip(CLOSING_MARKS)
    emotional_question = text.endswith("?") and (line.parenthetical or "..." in text or "…" in text or "?!" in text)
    short_punch = len(text.split()) <= SHORT_EMPHATIC_WORDS and text.endswith((".", "!"))
    return emotion in CHARGED_EMOTIONS or bool(emotional_question) or short_punch


def _is_adverb(parenthetical: str) -> bool:
    return " " not in parenthetical and parenthetical.lower().endswith("ly")


def speaker_action(line: DialogueLine) -> str:
    """What the speaker physically does: the parenthetical when it is an action, else they speak."""
    parenthetical = line.parenthetical
    if not parenthetical:
        return "speaks"
    if _is_adverb(parenthetical):
        return f"speaks {parenthetical}"
    return parenthetical


def _speaking_clause(action: str) -> str:
    """'holding out the suitcase' -> 'speaks while holding out the suitcase', for descriptions."""
    if action.startswith("speaks"):
        return action
    if action.split()[0].lower().endswith("ing"):
        return f"speaks while {action}"
    return f"speaks ({action})"


# --- splitting long lines -----------------------------------------------------------------------------------

def _split_points(text: str) -> list[int]:
    """Single spaces between two words: cutting there and re-joining with one space gives the text back exactly."""
    return [index for index in range(1, len(text) - 1)
            if text[index] == " " and not text[index - 1].isspace() and not text[index + 1].isspace()]


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSING_MARKS).endswith((".", "!", "?", "…"))


def split_line(text: str, words_per_second: float, limit: float = SPLIT_LINE_SECONDS,
               part_limit: float = MAX_PART_SECONDS) -> list[str]:
    """Cut a line longer than `limit` seconds into parts of at most `part_limit` seconds, preferring sentence ends.

    Each cut is the one that balances the two halves best; halves still longer than `part_limit` are cut again
    (a part may run a little longer than the first limit: better than cutting mid-sentence). A text with no
    single space to cut at stays whole (its shot is then clamped to the maximum).
    """
    if speech_seconds(text, words_per_second) <= limit:
        return [text]
    points = _split_points(text)
    if not points:
        return [text]
    candidates = [point for point in points if _ends_sentence(text[:point])] or points

    def longer_half(point: int) -> float:
        return max(speech_seconds(text[:point], words_per_second), speech_seconds(text[point + 1:], words_per_second))

    best = min(candidates, key=longer_half)  # min() keeps the earliest of equals: deterministic
    return (split_line(text[:best], words_per_second, part_limit, part_limit)
            + split_line(text[best + 1:], words_per_second, part_limit, part_limit))


# --- screen geography ---------------------------------------------------------------------------------------

EXIT_WORDS = re.compile(r"\b(leaves|exits|walks out|goes out|storms out|hurries out|steps out|is gone)\b", re.I)


ENTRANCE_WORDS = ("enters", "enter", "walks in", "comes in", "come in", "arrives", "arrive", "appears", "steps in",
                  "shuffles in", "bursts in", "runs in", "hurries in", "returns", "is there", "sits", "stands")


def named_in(text: str, names: dict[str, str], acting: bool = False) -> list[str]:
    """The cast ids whose name (or id) an action names, in the order the text names them. With `acting`, only
    those it names as doing something there: at the head of a sentence or of a clause after 'and', or before an
    entrance word ("Ben walks in"); "Scott dials NAK" brings Scott into the shot, not Nak."""
    found = []
    for cast_id, name in names.items():
        for match in re.finditer(rf"\b({re.escape(name)}|{re.escape(cast_id)})\b", text, re.I):
            before = text[:match.start()].rstrip()
            after = text[match.end():].lstrip(" ,").lower()
            heads = not before or before.endswith((".", "!", "?", ";", ":")) or re.search(r"\band$", before)
            if not acting or heads or after.startswith(ENTRANCE_WORDS):
                found.append((match.start(), cast_id))
                break
    return [cast_id for _, cast_id in sorted(found)]


def _scene_order(production: Production, scene: ProductionScene) -> list[str]:
    """Who is in the scene, in the order that decides the sides of the frame: speakers seen on screen in the order
    they first speak, then those present or named in an action. In the one-scene form the whole cast is there."""
    names = {member.id: member.name for member in production.cast}
    order = []
    for item in scene.body:
        if isinstance(item, DialogueLine) and not item.off_screen and item.speaker not in order:
            order.append(item.speaker)
    order += [cast_id for cast_id in scene.present if cast_id not in order]
    for item in scene.body:
        if isinstance(item, ActionBeat):
            order += [cast_id for cast_id in named_in(item.action, names, acting=True) if cast_id not in order]
    if production.scenes is None:  # one scene: the silent cast stands there too
        order += [member.id for member in production.cast if member.id not in order]
    return order


def _home_positions(order: list[str]) -> dict[str, str]:
    """One place per character for the whole scene: first speaker left, second right, the rest at the back."""
    if len(order) == 1:
        return {order[0]: "center, facing camera"}
    places = ["left third, facing right", "right third, facing left", "center background, facing camera"]
    return {character: places[index] if index < len(places) else f"center background, behind the others "
            f"(place {index - 1})" for index, character in enumerate(order)}


def _side(position: str) -> str:
    return "left" if position.startswith("left") else "right" if position.startswith("right") else "center"


def _frame_place(position: str) -> str:
    """Where a position puts someone, in description words."""
    side = _side(position)
    if side != "center":
        return f"frame {side}"
    if position.startswith("center,"):
        return "center frame"
    return "further back" if "behind the others" in position else "in the background"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _join_names(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


SIZE_LABELS = {ShotSize.medium: "Medium shot", ShotSize.medium_close_up: "Medium close-up",
               ShotSize.close_up: "Close-up", ShotSize.wide: "Wide", ShotSize.extreme_wide: "Extreme wide"}


# --- the writer ---------------------------------------------------------------------------------------------

class RuleBasedScripter:
    """production.yaml -> Script, by the rules above, one scene at a time. Stateless between calls."""

    def __init__(self, config: RuleBasedScripterConfig, folder=None):
        self.config = config  # `folder` (where other backends find templates and checkpoints): rules need no files

    def write(self, production: Production) -> Script:
        scenes = production.scene_list
        # ids: sh01, sh02 ... for one scene; <scene>-01 ... for many, so that a scene's ids are its own
        prefixes = ["sh"] if len(scenes) == 1 else [f"{scene.id[:36]}-" for scene in scenes]
        # one scene ends on a closing wide; in a film of many, each scene ends on its own last beat (the cut to
        # the next place is the ending), so that a scene's shots never depend on where the scene is
        # a place is established once: a return to it (a cut back in an intercut, `.BACK IN THE APARTMENT`)
        # opens on the action, as a film does
        shown: set[str] = set()
        written = []
        for scene, prefix in zip(scenes, prefixes):
            writer = _SceneWriter(production, scene, self.config, prefix, closing=len(scenes) == 1,
                                  establish=scene.heading.strip().lower() not in shown)
            written.append(writer.write())
            shown.add(scene.heading.strip().lower())
        written[0].shots[0].transition = Transition.fade_in  # the film opens from black whatever the first shot is
        characters = {member.id: Character(name=member.name, appearance=member.appearance)
                      for member in production.cast}
        return Script(title=production.title, characters=characters, scenes=written)


class _SceneWriter:
    """Writes the shots of one scene; holds the running state (who is there, singles since a two-shot, ...)."""

    def __init__(self, production: Production, scene: ProductionScene, config: RuleBasedScripterConfig,
                 prefix: str = "sh", closing: bool = True, establish: bool = True):
        self.production = production
        self.establish = establish
        self.scene = scene
        self.config = config
        self.prefix = prefix
        self.closing = closing
        self.lines = scene.lines
        self.order = _scene_order(production, scene)
        self.home = _home_positions(self.order) if self.order else {}
        self.names = {member.id: member.name for member in production.cast}
        self.speakers = {line.speaker for line in self.lines if not line.off_screen}
        self.expression = dict.fromkeys(self.order, "composed")  # each face as last seen, for the closing shot
        # in frame from their entrance: present at the start (the whole cast of a one-scene production)
        self.in_scene = [c for c in self.order if c in scene.present or production.scenes is None]
        self.shots: list[Shot] = []
        self.singles_since_geography = 0
        self.last_angled_shot = -ANGLE_COOLDOWN_SHOTS
        self.next_transition = Transition.cut

    def write(self) -> Scene:
        if self.config.establishing_shot and self.establish:
            self._establishing_shot()
        turn, previous, index = 0, None, 0
        for item in self.scene.body:
            if isinstance(item, TransitionBeat):
                self.next_transition = item.transition
            elif isinstance(item, ActionBeat):
                self._action_shot(item.action)
            else:
                if previous is not None and item.speaker != previous:
                    turn += 1
                previous = item.speaker
                if item.off_screen:
                    self._voice_shot(index, item)
                else:
                    self._enter(item.speaker)
                    self._cover_line(index, item, turn)
                index += 1
        if self.config.closing_shot and self.closing and self.in_scene:
            self._closing_shot()
        if not self.shots:  # a scene of transitions only still shows its place
            self._establishing_shot()
        return Scene(id=self.scene.id, setting=self.scene.setting, shots=self.shots)

    def _enter(self, character: str) -> None:
        if character not in self.in_scene:
            self.in_scene.append(character)

    # --- helpers ---

    def _add_shot(self, size: ShotSize, description: str, characters: list[ShotCharacter],
                  dialogue: Sequence[ScriptLine] = (), duration: float | None = None, angle: Angle = Angle.eye_level,
                  movement: CameraMovement = CameraMovement.static) -> None:
        if duration is None:
            duration = shot_seconds([line.line for line in dialogue], self.config.words_per_second)
        self.shots.append(Shot(id=f"{self.prefix}{len(self.shots) + 1:02d}", duration=duration, shot_size=size,
                               angle=angle, camera_movement=movement, description=description,
                               characters=list(characters), dialogue=list(dialogue), transition=self.next_transition))
        self.next_transition = Transition.cut

    def _listener(self, index: int) -> str | None:
        """Who the speaker talks to, of those in the scene now: the last other speaker, else the next one, else
        anyone else there. A voice heard off screen is nobody's listener."""
        dialogue = self.lines
        speaker = dialogue[index].speaker
        for line in [*reversed(dialogue[:index]), *dialogue[index + 1:]]:
            if line.speaker != speaker and line.speaker in self.in_scene:
                return line.speaker
        return next((character for character in self.in_scene if character != speaker), None)

    def _in_place(self, character: str, action: str, expression: str) -> ShotCharacter:
        return ShotCharacter(id=character, position=self.home[character], action=action, expression=expression)

    def _single(self, character: str, action: str, expression: str) -> ShotCharacter:
        # Alone in frame, a background character comes forward to the center; left and right keep their side.
        position = self.home[character] if _side(self.home[character]) != "center" else "center, facing camera"
        return ShotCharacter(id=character, position=position, action=action, expression=expression)

    def _placement(self) -> str:
        """'Mara stands frame left, Theo frame right and Ivo in the background.' (of those in the scene now)"""
        there = [character for character in self.order if character in self.in_scene]
        if not there:
            return "Nobody is there yet."
        places = [f"{self.names[character]} {_frame_place(self.home[character])}" for character in there]
        places[0] = f"{self.names[there[0]]} stands {_frame_place(self.home[there[0]])}"
        return _join_names(places) + "."

    def _angle(self, size: ShotSize, emotion: str) -> Angle:
        if size != ShotSize.close_up or len(self.shots) - self.last_angled_shot < ANGLE_COOLDOWN_SHOTS:
            return Angle.eye_level
        angle = (Angle.low if emotion in LOW_ANGLE_EMOTIONS else
                 Angle.high if emotion in HIGH_ANGLE_EMOTIONS else Angle.eye_level)
        if angle != Angle.eye_level:
            self.last_angled_shot = len(self.shots)
        return angle

    # --- the shots ---

    def _establishing_shot(self) -> None:
        characters = [self._in_place(character, "waits", "watchful") for character in self.order
                      if character in self.in_scene]
        description = f"Extreme wide, slow push in. {_sentence(self.scene.setting)} {self._placement()}"
        self._add_shot(ShotSize.extreme_wide, description, characters, duration=ESTABLISHING_SECONDS,
                       movement=CameraMovement.dolly_in)

    def _closing_shot(self) -> None:
        characters = [self._in_place(character, "stands still", self.expression[character])
                      for character in self.order if character in self.in_scene]
        description = f"Wide, the camera pulls back. {self._placement()} Hold on the setting as the scene ends."
        self._add_shot(ShotSize.wide, description, characters, duration=CLOSING_SECONDS,
                       movement=CameraMovement.dolly_out)

    def _action_shot(self, action: str) -> None:
        """What happens, without dialogue: a full shot of who does it, a wide of several, an insert of a thing.
        Someone the action names enters the scene here; someone it says leaves is gone after it."""
        for character in named_in(action, self.names, acting=True):
            if character in self.home:
                self._enter(character)
        # in the shot: whoever the action names and is there ("Will watches Edward sleep" shows both); someone
        # named but elsewhere ("dials NAK") stays out of it
        there = [character for character in named_in(action, self.names)
                 if character in self.in_scene and character in self.home]
        size = ShotSize.full if len(there) == 1 else ShotSize.wide
        label = {ShotSize.full: "Full shot", ShotSize.wide: "Wide"}[size]
        characters = [self._in_place(character, "acts", "absorbed") for character in there]
        seconds = min(ACTION_MAX_SECONDS, max(ACTION_MIN_SECONDS, len(action.split()) / ACTION_WORDS_PER_SECOND + 1))
        movement = CameraMovement.pan_right if size == ShotSize.wide and there else CameraMovement.static
        self._add_shot(size, f"{label}. {_sentence(action)}", characters, duration=round(seconds, 1),
                       movement=movement)
        if EXIT_WORDS.search(action):
            for character in there:
                self.in_scene.remove(character)

    def _voice_shot(self, index: int, line: DialogueLine) -> None:
        """A voice heard off screen (on the phone, the TV, V.O.): we see who hears it, or the place if nobody. A
        long one (narration) is cut over several shots, as a spoken line is."""
        emotion = line_emotion(line)
        listener = next((c for c in reversed(self.in_scene) if c != line.speaker), None)
        name = self.names[line.speaker]
        reaction = REACTIONS.get(emotion, "attentive")
        sizes = [ShotSize.medium_close_up, ShotSize.medium] if listener else [ShotSize.wide, ShotSize.extreme_wide]
        for number, part in enumerate(split_line(line.line, self.config.words_per_second)):
            voice = ScriptLine(speaker=line.speaker, line=part, emotion=emotion, off_screen=True)
            size = sizes[number % 2]
            if listener is None:
                self._add_shot(size, f"{SIZE_LABELS[size]} on the place. {name} is heard, off screen.", [], [voice])
                continue
            self.singles_since_geography += 1
            description = f"{SIZE_LABELS[size]} on {self.names[listener]}, {reaction}, hearing {name} off screen."
            self._add_shot(size, description, [self._single(listener, "listens", reaction)], [voice])

    def _cover_line(self, index: int, line: DialogueLine, turn: int) -> None:
        """The shots for one line: the speaker's shot, then (long lines) the listener's reactions and back."""
        parts = split_line(line.line, self.config.words_per_second)
        emotion = line_emotion(line)
        listener = self._listener(index)
        self.expression[line.speaker] = EXPRESSIONS.get(emotion, emotion)
        size = self._framing(line, turn, listener)
        self._speaker_shot(size, line, parts[0], emotion, listener)
        for number, part in enumerate(parts[1:], start=1):
            if listener and number % 2 == 1:
                self._reaction_shot(line, part, emotion, listener)
            else:
                size = ShotSize.medium if size == ShotSize.medium_close_up else ShotSize.medium_close_up
                self._continuation_shot(line, part, emotion, size)

    def _framing(self, line: DialogueLine, turn: int, listener: str | None) -> ShotSize:
        if listener and turn < 2 and len(self.speakers) > 1:
            return ShotSize.over_the_shoulder  # the first exchange: set up who faces whom
        if is_charged(line):
            return ShotSize.close_up
        if listener and self.singles_since_geography >= SINGLES_BEFORE_TWO_SHOT:
            return ShotSize.two_shot
        if line.parenthetical and not line_emotion_is_stated(line):
            return ShotSize.medium  # an action in the parenthetical needs hands and props in frame
        return ShotSize.medium_close_up

    def _speaker_shot(self, size: ShotSize, line: DialogueLine, text: str, emotion: str,
                      listener: str | None) -> None:
        speaker, name = line.speaker, self.names[line.speaker]
        action, expression = speaker_action(line), EXPRESSIONS.get(emotion, emotion)
        speaks = f"{name}, {expression}, {_speaking_clause(action)}."
        dialogue = [ScriptLine(speaker=speaker, line=text, emotion=emotion)]
        movement = CameraMovement.static
        if size in (ShotSize.over_the_shoulder, ShotSize.two_shot):
            self.singles_since_geography = 0
            reaction = REACTIONS.get(emotion, "attentive")
            listener_name = self.names[listener]
            if size == ShotSize.over_the_shoulder:
                shoulder_side = "right" if _side(self.home[speaker]) == "left" else "left"
                listener_in_frame = ShotCharacter(
                    id=listener, position=f"foreground {shoulder_side}, back to camera (over the shoulder)",
                    action="listens", expression=reaction)
                description = f"Over {listener_name}'s shoulder onto {name}. {speaks} {listener_name} listens."
            else:
                listener_in_frame = self._in_place(listener, "listens", reaction)
                left_to_right = sorted([speaker, listener], key=lambda c: self.order.index(c))
                framing = ", ".join(f"{self.names[c]} {_frame_place(self.home[c])}" for c in left_to_right)
                description = f"Two-shot: {framing}. {speaks} {listener_name} listens, {reaction}."
            characters = [self._in_place(speaker, action, expression), listener_in_frame]
        else:
            self.singles_since_geography += 1
            characters = [self._single(speaker, action, expression)]
            if size == ShotSize.close_up:
                movement = CameraMovement.dolly_in  # a slow push in underlines the charged line
                description = f"Close on {name} as the camera creeps in. {speaks}"
            else:
                description = f"{SIZE_LABELS[size]} on {name}, {_frame_place(characters[0].position)}. {speaks}"
        self._add_shot(size, description, characters, dialogue, angle=self._angle(size, emotion), movement=movement)

    def _reaction_shot(self, line: DialogueLine, text: str, emotion: str, listener: str) -> None:
        """The listener's face while the speaker's line goes on off-screen."""
        self.singles_since_geography += 1
        reaction = REACTIONS.get(emotion, "attentive")
        name, listener_name = self.names[line.speaker], self.names[listener]
        description = f"Reaction: {listener_name}, {reaction}, listens as {name} goes on off-screen."
        self._add_shot(ShotSize.medium_close_up, description, [self._single(listener, "listens", reaction)],
                       [ScriptLine(speaker=line.speaker, line=text, emotion=emotion, off_screen=True)])

    def _continuation_shot(self, line: DialogueLine, text: str, emotion: str, size: ShotSize) -> None:
        """Back on the speaker (or, alone in the scene, a new size on them) as the line goes on."""
        self.singles_since_geography += 1
        name, expression = self.names[line.speaker], EXPRESSIONS.get(emotion, emotion)
        character = self._single(line.speaker, "keeps talking", expression)
        description = (f"{SIZE_LABELS[size]} on {name}, {_frame_place(character.position)}. "
                       f"{name}, {expression}, keeps talking.")
        self._add_shot(size, description, [character], [ScriptLine(speaker=line.speaker, line=text, emotion=emotion)])

