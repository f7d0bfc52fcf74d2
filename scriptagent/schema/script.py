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
    """The script and its raw YAML tree (the tree gives validators line numbers)."""
    path = Path(path) if path else Path(folder) / SCRIPT_FILE
    display = path.name if path.parent == Path(folder) else str(path)
    data = load_yaml_file(path, display)
    return validate_yaml(Script, data, display), data
