"""The default ScripterAgent: a deterministic, rule-based director's coverage of each scene of a production.

It writes the script a director would recognise, scene by scene: a wide establishing shot of the place,
over-the-shoulders for the first exchange, then singles that follow the speaker, a two-shot every few shots to
re-establish geography, close-ups on charged lines, reaction shots of the listener while long lines continue
off-screen, shots of the action beats (a full shot of who acts, a wide of several or of the place), the listener's
face while a voice is heard off screen (phone, TV, V.O.), and a closing wide when the film is one scene. A character
is in frame only from their entrance (present when the scene opens, or their first line or the first action naming
them) and until an action says they leave. Every character keeps one side of the frame for the whole scene (the
180° rule), and every duration comes from `scriptagent.timing`, so no shot exceeds MAX_SHOT_SECONDS. The same
production always gives the same script. How a line is read is in line_reading.py, who stands where in blocking.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..schema import (ActionBeat, Angle, CameraMovement, Character, DialogueLine, Production, ProductionScene,
                      RuleBasedScripterConfig, Scene, Script, ScriptLine, Shot, ShotCharacter, ShotSize, Transition,
                      TransitionBeat)
from ..timing import shot_seconds
from .blocking import EXIT_WORDS, frame_place, frame_side, home_positions, named_in, scene_order
from .line_reading import (EXPRESSIONS, HIGH_ANGLE_EMOTIONS, LOW_ANGLE_EMOTIONS, REACTIONS, is_charged, line_emotion,
                           line_emotion_is_stated, speaker_action, speaking_clause, split_line)

ESTABLISHING_SECONDS = 3.0
CLOSING_SECONDS = 3.0
SINGLES_BEFORE_TWO_SHOT = 4  # re-establish geography after this many singles in a row
ANGLE_COOLDOWN_SHOTS = 4  # low and high angles are spice: at most one in this many shots
ACTION_WORDS_PER_SECOND = 3.0  # an action beat is read a little faster than it is spoken, then held a beat
ACTION_MIN_SECONDS = 1.5
ACTION_MAX_SECONDS = 6.0


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
        self.order = scene_order(production, scene)
        self.home = home_positions(self.order) if self.order else {}
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
        position = self.home[character] if frame_side(self.home[character]) != "center" else "center, facing camera"
        return ShotCharacter(id=character, position=position, action=action, expression=expression)

    def _placement(self) -> str:
        """'Mara stands frame left, Theo frame right and Ivo in the background.' (of those in the scene now)"""
        there = [character for character in self.order if character in self.in_scene]
        if not there:
            return "Nobody is there yet."
        places = [f"{self.names[character]} {frame_place(self.home[character])}" for character in there]
        places[0] = f"{self.names[there[0]]} stands {frame_place(self.home[there[0]])}"
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
        speaks = f"{name}, {expression}, {speaking_clause(action)}."
        dialogue = [ScriptLine(speaker=speaker, line=text, emotion=emotion)]
        movement = CameraMovement.static
        if size in (ShotSize.over_the_shoulder, ShotSize.two_shot):
            self.singles_since_geography = 0
            reaction = REACTIONS.get(emotion, "attentive")
            listener_name = self.names[listener]
            if size == ShotSize.over_the_shoulder:
                shoulder_side = "right" if frame_side(self.home[speaker]) == "left" else "left"
                listener_in_frame = ShotCharacter(
                    id=listener, position=f"foreground {shoulder_side}, back to camera (over the shoulder)",
                    action="listens", expression=reaction)
                description = f"Over {listener_name}'s shoulder onto {name}. {speaks} {listener_name} listens."
            else:
                listener_in_frame = self._in_place(listener, "listens", reaction)
                left_to_right = sorted([speaker, listener], key=lambda c: self.order.index(c))
                framing = ", ".join(f"{self.names[c]} {frame_place(self.home[c])}" for c in left_to_right)
                description = f"Two-shot: {framing}. {speaks} {listener_name} listens, {reaction}."
            characters = [self._in_place(speaker, action, expression), listener_in_frame]
        else:
            self.singles_since_geography += 1
            characters = [self._single(speaker, action, expression)]
            if size == ShotSize.close_up:
                movement = CameraMovement.dolly_in  # a slow push in underlines the charged line
                description = f"Close on {name} as the camera creeps in. {speaks}"
            else:
                description = f"{SIZE_LABELS[size]} on {name}, {frame_place(characters[0].position)}. {speaks}"
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
        description = (f"{SIZE_LABELS[size]} on {name}, {frame_place(character.position)}. "
                       f"{name}, {expression}, keeps talking.")
        self._add_shot(size, description, [character], [ScriptLine(speaker=line.speaker, line=text, emotion=emotion)])
