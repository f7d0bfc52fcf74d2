"""The single source of truth: the schema of production.yaml and script.yaml, and how they are loaded.

production.yaml is the user's intent (dialogue, cast, style, backends). script.yaml is the ScripterAgent's
shot-level cinematic script, which the user then owns and edits. Both are validated here; the same models give
the JSON Schema (`scriptagent schema`) that editors use for completion.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InputError, Problem
from .yamlio import load_yaml_file, validate_yaml

PRODUCTION_FILE = "production.yaml"
SCRIPT_FILE = "script.yaml"
BUILD_DIR = "build"
MAX_SHOT_SECONDS = 10.0  # the paper's limit: one shot is at most 10 s

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=40,
                                  description="lower-case letters, digits, '-' and '_'; stable across edits")]


class Strict(BaseModel):
    """Unknown keys are errors (with a 'did you mean' hint): a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- production.yaml ----------------------------------------------------------------------------------------

class Style(Strict):
    look: str = Field("", description="the visual look, passed to every renderer (e.g. '35mm film, tungsten light')")
    resolution: tuple[int, int] = Field((854, 480), description="[width, height] in pixels, both even")
    fps: int = Field(24, ge=1, le=120, description="frames per second of the film")
    slate: bool = Field(True, description="draw a small slate (shot id, size, angle, movement) on animatic frames")
    subtitles: bool = Field(True, description="burn dialogue subtitles into animatic frames (film.srt is always written)")

    @field_validator("resolution")
    @classmethod
    def _even_and_sane(cls, value: tuple[int, int]) -> tuple[int, int]:
        width, height = value
        if not (16 <= width <= 7680 and 16 <= height <= 4320):
            raise ValueError(f"{width}x{height} is outside 16x16 .. 7680x4320")
        if width % 2 or height % 2:
            raise ValueError(f"{width}x{height} has an odd side (hint: H.264 yuv420p needs even width and height)")
        return value


class CastMember(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    appearance: str = Field("", description="how the character looks; repeated in every shot they appear in")
    reference: str | None = Field(None, description="reference image, relative to the production folder")
    voice: str | None = Field(None, description="voice name for speech backends")

    @field_validator("reference")
    @classmethod
    def _inside_production(cls, value: str | None) -> str | None:
        if value is not None and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise ValueError(f"'{value}' is outside the production folder (hint: use a path like cast/name.png)")
        return value


PARENTHETICAL = re.compile(r"^\s*\(([^)]*)\)\s*")


class DialogueLine(Strict):
    """One spoken line of production.yaml, written there as `- speaker: "(quietly) the line"`."""

    speaker: Identifier
    line: str
    parenthetical: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_speaker_mapping(cls, value):
        if isinstance(value, dict) and len(value) == 1 and "speaker" not in value:
            (speaker, text), = value.items()
            if not isinstance(text, str):
                raise ValueError(f"the line of '{speaker}' must be text, found {type(text).__name__}")
            match = PARENTHETICAL.match(text)
            parenthetical = match.group(1).strip() if match else ""
            return {"speaker": speaker, "line": text[match.end():] if match else text.strip(),
                    "parenthetical": parenthetical}
        if isinstance(value, dict) and "speaker" not in value:
            raise ValueError("a dialogue item is one `speaker: line` pair (hint: - mara: \"You came.\")")
        return value

    @field_validator("line")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the line is empty")
        return value.strip()


class RuleBasedScripterConfig(Strict):
    backend: Literal["rule-based"] = "rule-based"
    words_per_second: float = Field(2.6, gt=0.5, le=8, description="speech rate used to time shots")
    establishing_shot: bool = Field(True, description="open each scene on a wide shot of the setting")
    closing_shot: bool = Field(True, description="end on a wide shot after the last line")


ScripterConfig = Annotated[Union[RuleBasedScripterConfig], Field(discriminator="backend")]


class Anchoring(str, Enum):
    chain = "chain"  # the paper's first-last frame anchoring: segment k+1 starts from segment k's last frame
    none = "none"    # segments rendered independently


class AnimaticDirectorConfig(Strict):
    backend: Literal["animatic"] = "animatic"
    max_segment_seconds: float = Field(5.0, gt=0, le=60, description="longest segment the video model renders")
    anchoring: Anchoring = Field(Anchoring.chain, description="chain (first-last frame anchoring) or none")
    pack_shots: bool = Field(True, description="put several consecutive shots in one segment when they fit")
    crf: int = Field(20, ge=0, le=51, description="H.264 quality (lower is better)")


DirectorConfig = Annotated[Union[AnimaticDirectorConfig], Field(discriminator="backend")]

KNOWN_METRICS = ("structure", "continuity", "dynamic")


class CriticConfig(Strict):
    metrics: list[str] = Field(list(KNOWN_METRICS), description=f"metrics to compute: {', '.join(KNOWN_METRICS)}")
    judge: Literal["none"] = Field("none", description="rubric judge backend; 'none' runs the offline metrics only")

    @field_validator("metrics")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in KNOWN_METRICS:
                raise ValueError(f"unknown metric '{name}' (hint: known: {', '.join(KNOWN_METRICS)})")
        return value


class Production(Strict):
    title: str = Field(min_length=1)
    seed: int = Field(0, ge=0, description="fixes every random choice; per segment it is combined with the segment id")
    style: Style = Style()
    cast: list[CastMember] = Field(min_length=1)
    setting: str = Field(min_length=1, description="where the scene takes place")
    dialogue: list[DialogueLine] = Field(min_length=1)
    scripter: ScripterConfig = RuleBasedScripterConfig()
    director: DirectorConfig = AnimaticDirectorConfig()
    critic: CriticConfig = CriticConfig()

    @model_validator(mode="after")
    def _consistent(self):
        # Messages start with the field path: the loader turns it into file:line:col.
        ids = [member.id for member in self.cast]
        for index, cast_id in enumerate(ids):
            if cast_id in ids[:index]:
                raise ValueError(f"cast[{index}].id: '{cast_id}' is already used by cast[{ids.index(cast_id)}] "
                                 "(hint: cast ids must be unique)")
        for index, item in enumerate(self.dialogue):
            if item.speaker not in ids:
                raise ValueError(f"dialogue[{index}]: speaker '{item.speaker}' is not in the cast "
                                 f"(hint: known: {', '.join(ids)})")
        return self

    def member(self, cast_id: str) -> CastMember:
        return next(m for m in self.cast if m.id == cast_id)

    def scripter_inputs_digest(self) -> str:
        """What the script depends on: dialogue, cast, setting, scripter settings (not style or director)."""
        relevant = self.model_dump(mode="json", include={"title", "seed", "cast", "setting", "dialogue", "scripter"})
        return digest(relevant)


# --- script.yaml --------------------------------------------------------------------------------------------

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


class Transition(str, Enum):
    cut = "cut"
    dissolve = "dissolve"  # blends from the previous frame: uses the anchor frame in chain mode
    fade_in = "fade-in"


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


# --- segments (what one render reads) ------------------------------------------------------------------------

class TimedLine(BaseModel):
    speaker: str
    name: str
    line: str
    start: float  # seconds from the start of the shot
    end: float


class SegmentShot(BaseModel):
    """A shot, or the part of it, that a segment shows."""

    shot: Shot
    scene_id: str
    frames: int  # frames of this part in the segment
    shot_frames: int  # frames of the whole shot
    offset_frames: int  # frames of the shot before this part (0 unless a continuation)
    part: int = 1
    parts: int = 1
    subtitles: list[TimedLine] = []


class SegmentCastMember(BaseModel):
    name: str
    appearance: str
    reference: str | None = None


class Segment(BaseModel):
    """Everything a renderer needs for one segment, and nothing more: its JSON file is the render's dependency."""

    id: str
    index: int
    scene_id: str
    setting: str
    first_frame: int  # index of this segment's first frame in the film
    frames: int
    fps: int
    resolution: tuple[int, int]
    look: str
    slate: bool
    subtitles: bool
    seed: int
    anchoring: Anchoring
    anchor_segment: str | None = None  # the segment whose last frame conditions this one (chain mode)
    shots: list[SegmentShot]
    cast: dict[str, SegmentCastMember]
    director: dict  # the backend's settings, so a change re-renders
    renderer_version: str = ""


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# --- loading ------------------------------------------------------------------------------------------------

def load_production(folder: str | Path = ".") -> Production:
    folder = Path(folder)
    data = load_yaml_file(folder / PRODUCTION_FILE, PRODUCTION_FILE)
    production = validate_yaml(Production, data, PRODUCTION_FILE)
    problems = []
    for index, member in enumerate(production.cast):
        if member.reference and not (folder / member.reference).is_file():
            line, column = data["cast"][index].lc.value("reference")
            problems.append(Problem(PRODUCTION_FILE, f"reference image '{member.reference}' not found", line + 1,
                                    column + 1, field=f"cast[{index}].reference",
                                    hint="put the image there or remove the key"))
    if problems:
        raise InputError(problems)
    return production


def load_script(folder: str | Path = ".", path: str | Path | None = None) -> tuple[Script, object]:
    """The script and its raw YAML tree (the tree gives validators line numbers)."""
    path = Path(path) if path else Path(folder) / SCRIPT_FILE
    display = path.name if path.parent == Path(folder) else str(path)
    data = load_yaml_file(path, display)
    return validate_yaml(Script, data, display), data


def json_schemas() -> dict:
    return {"production.yaml": Production.model_json_schema(), "script.yaml": Script.model_json_schema()}
