"""script.yaml: the ScripterAgent's shot-level cinematic script (characters, scenes, shots with their framing,
blocking and dialogue), which the user then owns and edits, and how it is loaded."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import Field, model_validator

from ..layout import SCRIPT_FILE
from ..yamlio import load_yaml_file, validate_yaml
from .base import MAX_SHOT_SECONDS, Identifier, Strict
from .production import Transition

# script.yaml is what the scripter makes of production.yaml (and its screenplay), so its limit follows from theirs.
# Measured with the rule-based scripter: each line or beat takes ~500 bytes of shot besides the text it quotes, ~850
# when every scene is one line (a scene adds its establishing shot); a production's text comes back up to ~8.5 times
# (a long speech is cut into shots of at most 10 s, each naming speaker and framing again). So: MAX_BODY_ITEMS
# one-line items make 5.1 MB (8.2 MB as one-line scenes); a feature-length screenplay (200 KB of Fountain, 150
# scenes, 1,900 lines and beats) 1.2 MB; a 2 MB production.yaml of 200-word speeches 17 MB (a 44-hour film).
# 16 MiB > 10,000 items x 850 bytes + 8.5 x 900 KB of text: every production up to MAX_BODY_ITEMS items with four
# feature films' worth of text. A larger script is refused before it is written (script_file.py), never after.
MAX_SCRIPT_BYTES = 16 * 2 ** 20


class ShotSize(str, Enum):
    extreme_wide = "extreme-wide"
    wide = "wide"
    full = "full"
    medium = "medium"
    medium_close_up = "medium-close-up"
    close_up = "close-up"
    extreme_close_up = "extreme-close-up"
    over_the_shoulder = "over-the-shoulder"
    two_shot = "two-shot"


class Angle(str, Enum):
    eye_level = "eye-level"
    high = "high"
    low = "low"
    overhead = "overhead"
    dutch = "dutch"


class CameraMovement(str, Enum):
    static = "static"
    pan_left = "pan-left"
    pan_right = "pan-right"
    tilt_up = "tilt-up"
    tilt_down = "tilt-down"
    dolly_in = "dolly-in"
    dolly_out = "dolly-out"
    zoom_in = "zoom-in"
    zoom_out = "zoom-out"
    tracking_left = "tracking-left"
    tracking_right = "tracking-right"
    handheld = "handheld"


class Character(Strict):
    name: str = Field(min_length=1)
    appearance: str = ""


class ShotCharacter(Strict):
    id: Identifier
    position: str = Field(description="screen position and facing, e.g. 'left third, facing right'")
    action: str = ""
    expression: str = ""


class ScriptLine(Strict):
    speaker: Identifier
    line: str = Field(min_length=1)
    emotion: str = ""
    off_screen: bool = Field(False, description="the speaker is heard but not seen (O.S.)")


class Shot(Strict):
    id: Identifier
    duration: float = Field(gt=0, le=MAX_SHOT_SECONDS, description="seconds, at most 10")
    shot_size: ShotSize
    angle: Angle = Angle.eye_level
    camera_movement: CameraMovement = CameraMovement.static
    description: str = Field(min_length=1)
    characters: list[ShotCharacter] = []
    dialogue: list[ScriptLine] = []
    transition: Transition = Field(Transition.cut, description="how this shot begins")


class Scene(Strict):
    id: Identifier
    setting: str = Field(min_length=1)
    shots: list[Shot] = Field(min_length=1)


class Script(Strict):
    title: str = ""
    characters: dict[Identifier, Character]
    scenes: list[Scene] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: dict[str, str] = {}
        for scene_index, scene in enumerate(self.scenes):
            for shot_index, shot in enumerate(scene.shots):
                path = f"scenes[{scene_index}].shots[{shot_index}].id"
                if shot.id in seen:
                    raise ValueError(f"{path}: '{shot.id}' is already used at {seen[shot.id]} "
                                     "(hint: shot ids must be unique)")
                seen[shot.id] = path
        return self

    def shots(self) -> list[tuple[Scene, Shot]]:
        return [(scene, shot) for scene in self.scenes for shot in scene.shots]

    @property
    def duration(self) -> float:
        return sum(shot.duration for _, shot in self.shots())



def load_script(folder: str | Path = ".", path: str | Path | None = None) -> tuple[Script, object]:
    """The script and its raw YAML tree (the tree gives validators line numbers): the production's script.yaml
    (inside its folder, a regular file of at most MAX_SCRIPT_BYTES), or the file at `path`."""
    if path is None or Path(path) == Path(folder) / SCRIPT_FILE:
        display = SCRIPT_FILE
        data = load_yaml_file(SCRIPT_FILE, display, limit=MAX_SCRIPT_BYTES, inside=folder)
    else:
        display = str(path)
        data = load_yaml_file(path, display, limit=MAX_SCRIPT_BYTES)
    return validate_yaml(Script, data, display), data
