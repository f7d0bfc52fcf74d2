"""production.yaml: the user's intent (title, style, cast, scenes of dialogue and action, backends), and how it is
loaded (with its Fountain screenplay, when it names one) and checked."""

from __future__ import annotations

import re
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Union

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from ..layout import PRODUCTION_FILE
from .base import Identifier, Strict, digest
from .configs import (AnimaticDirectorConfig, CriticConfig, DirectorConfig, ExecutorConfig, NoVoiceConfig,
                      RuleBasedScripterConfig, ScripterConfig, VoiceConfig)


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


# validation context of a production whose paths were checked when it was loaded (Production.variant)
RESOLVED_PATHS = "resolved_paths"


def series_path_problem(value: str) -> str | None:
    """What is wrong with production.yaml's `series:` (a relative path to a YAML file), or None."""
    if Path(value).is_absolute():
        return f"'{value}' is an absolute path (hint: give it relative to the production folder, e.g. ../series.yaml)"
    if Path(value).suffix not in (".yaml", ".yml"):
        return f"'{value}' is not a .yaml file (hint: e.g. ../series.yaml)"
    return None


class CastMember(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    appearance: str = Field("", description="how the character looks; repeated in every shot they appear in")
    reference: str | None = Field(None, description="reference image, relative to the production folder (in a "
                                                    "series file: relative to the series file)")
    voice: str | None = Field(None, description="voice name for speech backends")

    @field_validator("reference")
    @classmethod
    def _inside_production(cls, value: str | None, info: ValidationInfo) -> str | None:
        # a series' reference, checked in its own folder, is held relative to the episode ('../cast/mara.png')
        if (info.context or {}).get(RESOLVED_PATHS):
            return value
        if value is not None and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise ValueError(f"'{value}' is outside the production folder (hint: use a path like cast/name.png)")
        return value


# The most lines, action beats and transitions a production may have, all scenes together: each becomes at least
# one shot. A feature-length screenplay has 1,000 to 2,000 lines of dialogue and about as many beats (Big Fish:
# ~1,000 lines); 10,000 is several feature films, and the script.yaml it makes (5 MB, 10,000 shots) is still one
# the tool reads back (schema/script.py: MAX_SCRIPT_BYTES). A larger production is refused up front.
MAX_BODY_ITEMS = 10_000

PARENTHETICAL = re.compile(r"^\s*\(([^)]*)\)\s*")


class DialogueLine(Strict):
    """One spoken line of production.yaml, written there as `- speaker: "(quietly) the line"`."""

    speaker: Identifier
    line: str
    parenthetical: str = ""
    off_screen: bool = Field(False, description="heard, not seen: (V.O.), (O.S.), a voice on the phone or the TV")

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


class Transition(str, Enum):
    cut = "cut"
    dissolve = "dissolve"  # blends from the previous frame: uses the anchor frame in chain mode
    fade_in = "fade-in"


# the one scene's id: the slug script.yaml has always used for a production given by `setting`
PREPOSITIONS = {"in", "at", "on", "of", "by", "near", "under", "over", "inside", "outside", "with", "during",
                "beside", "behind", "before", "after", "above", "below", "across", "along", "around", "between",
                "from", "into", "through", "to", "toward", "towards", "where", "while"}


def scene_id(setting: str) -> str:
    """A short slug for the scene: the head noun of the setting ('a night train platform in ...' -> 'platform')."""
    text = re.sub(r"^\s*(int|ext|int/ext|i/e)\.?\s+", "", setting.lower())  # screenplay sluglines
    clause = re.split(r"[,;:.()\-–—]", text, maxsplit=1)[0]
    head = []
    for word in re.findall(r"[a-z0-9]+", clause):
        if word in PREPOSITIONS:
            break
        head.append(word)
    slug = head[-1][:40] if head else ""
    return slug if slug and slug not in ("a", "an", "the") else "scene-1"


class ActionBeat(Strict):
    """What happens, in a scene's body: `- action: "Scott hangs up."` (a shot without dialogue)."""

    action: str = Field(min_length=1)


class TransitionBeat(Strict):
    """How the next shot begins, in a scene's body: `- transition: dissolve`."""

    transition: Transition


def _body_item_kind(value) -> str:
    if isinstance(value, dict):
        if "action" in value:
            return "action"
        if "transition" in value:
            return "transition"
    elif isinstance(value, (ActionBeat, TransitionBeat)):
        return "action" if isinstance(value, ActionBeat) else "transition"
    return "line"


BodyItem = Annotated[Union[Annotated[DialogueLine, Tag("line")], Annotated[ActionBeat, Tag("action")],
                           Annotated[TransitionBeat, Tag("transition")]], Discriminator(_body_item_kind)]
HEADING = re.compile(r"^\s*(?P<kind>INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|INT|EXT|EST)[.\s]+(?P<rest>.*)$", re.I)


class SceneHeading(BaseModel):
    """A scene heading read: 'EXT. GOLDEN GATE BRIDGE - DAWN' -> exterior, 'golden gate bridge', 'dawn'."""

    interior: bool | None  # None: not said (a free-text setting), or both (INT./EXT., I/E)
    place: str
    time: str = ""


def read_heading(heading: str) -> SceneHeading:
    match = HEADING.match(heading.strip().lstrip("."))
    if not match:
        return SceneHeading(interior=None, place=heading.strip().lstrip(".").strip())
    kind = re.sub(r"[\s.]", "", match["kind"].upper())
    interior = {"INT": True, "EXT": False, "EST": False}.get(kind)
    place, _, time = match["rest"].rpartition(" - ") if " - " in match["rest"] else (match["rest"], "", "")
    return SceneHeading(interior=interior, place=place.strip().lower(), time=time.strip().lower())


class ProductionScene(Strict):
    """One scene of production.yaml: where it plays, who is there, and its body of lines, actions, transitions."""

    id: Identifier
    heading: str = Field(min_length=1, description="where and when: 'INT. CAFE - DAY', or a free description")
    description: str = Field("", description="what the place looks like; drawn by the renderer with the heading")
    present: list[Identifier] = Field([], description="who is there when the scene opens; anyone else enters with "
                                                      "their first line or the first action that names them")
    body: list[BodyItem] = Field(min_length=1, description="in order: lines (`- mara: \"...\"`), "
                                                            "`- action: ...` beats and `- transition: dissolve`")

    @property
    def setting(self) -> str:
        """The scene's place as the renderers read it: the heading, then the description."""
        heading = self.heading.strip()
        if not self.description.strip():
            return heading
        return f"{heading}{'' if heading.endswith(('.', '!', '?')) else '.'} {self.description.strip()}"

    @property
    def lines(self) -> list[DialogueLine]:
        return [item for item in self.body if isinstance(item, DialogueLine)]


class Production(Strict):
    title: str = Field(min_length=1)
    seed: int = Field(0, ge=0, description="fixes every random choice; per segment it is combined with the segment id")
    style: Style = Style()
    series: str | None = Field(None, description="a series file (e.g. ../series.yaml) whose cast, style, seed and "
                               "backend settings this episode inherits; its own keys override them (a cast member "
                               "by id, settings key by key)")
    cast: list[CastMember] = Field([], min_length=1, description="who appears; an episode inherits its series' cast")
    # One scene: `setting` and `dialogue`. Many: `scenes`, each with its heading and body (lines, actions,
    # transitions). Code reads `scene_list` and `lines`, which mean the same in both forms.
    setting: str | None = Field(None, min_length=1, description="where the scene takes place (one scene)")
    dialogue: list[DialogueLine] | None = Field(None, min_length=1, description="the lines (one scene)")
    scenes: list[ProductionScene] | None = Field(None, min_length=1, description="the scenes, in order, instead of "
                                                 "`setting` and `dialogue`")
    dialogue_file: str | None = Field(None, description="a Fountain screenplay (e.g. screenplay.fountain) the scenes "
                                      "are read from, instead of `dialogue:` or `scenes:`")
    scripter: ScripterConfig = RuleBasedScripterConfig()
    director: DirectorConfig = AnimaticDirectorConfig()
    critic: CriticConfig = CriticConfig()
    voice: VoiceConfig = Field(NoVoiceConfig(), description="speech of the dialogue: {backend: none | espeak | "
                                                            "transformers, ...}; each cast member's `voice` picks theirs")
    executor: ExecutorConfig = Field(ExecutorConfig(), description="where renders, keyframes and segment scores "
                                     "run: {kind: local} (default), {kind: warm} or {kind: ray, address: auto, "
                                     "num_gpus: 1}")
    variants: dict[Identifier, dict] = Field(
        {}, description="named variants built side by side into build/variants/<name>/ and compared in "
                        "build/compare.md (ablations): each overrides settings of this production, e.g. "
                        "{no-anchoring: {director: {anchoring: none}}}")

    @model_validator(mode="after")
    def _variants_valid(self):
        from pydantic import ValidationError

        for name, override in self.variants.items():
            if "variants" in override:
                raise ValueError(f"variants.{name}: a variant cannot have variants")
            try:
                self.variant(name)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise ValueError(f"variants.{name}: {where}: {first['msg']}") from None
        return self

    def variant(self, name: str) -> Production:
        """This production with the overrides of `variants[name]` merged in (mappings merge, other values replace)."""
        def merge(base: dict, override: dict) -> dict:
            merged = dict(base)
            for key, value in override.items():
                merged[key] = merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
                    else value
            return merged

        data = self.model_dump(mode="json", exclude={"variants"})
        return Production.model_validate(merge(data, self.variants[name]), context={RESOLVED_PATHS: True})

    def standalone(self) -> tuple[dict, dict[str, str]]:
        """This production as a production.yaml of its own (the series' cast and settings written in), and the
        reference images it needs copied beside it: {its path there: the path here}. A series' picture
        ('../cast/mara.png') goes to a folder named `_series` there ('_series/cast/mara.png')."""
        data = self.model_dump(mode="json", exclude={"series"})
        pictures = {}
        for member in data["cast"]:
            if member.get("reference"):
                copy = "/".join("_series" if part == ".." else part for part in Path(member["reference"]).parts)
                pictures[copy], member["reference"] = member["reference"], copy
        return data, pictures

    @model_validator(mode="after")
    def _not_too_long(self):
        items = len(self.dialogue or []) + sum(len(scene.body) for scene in self.scenes or [])
        if items > MAX_BODY_ITEMS:
            field = "dialogue" if self.dialogue is not None else "scenes"
            raise ValueError(f"{field}: {items} lines and beats, more than the {MAX_BODY_ITEMS} a production may have "
                             "(hint: split it into several productions, e.g. one per act)")
        return self

    @model_validator(mode="after")
    def _consistent(self):
        # Messages start with the field path: the loader turns it into file:line:col.
        if self.scenes is not None and (self.setting is not None or self.dialogue is not None):
            extra = "setting" if self.setting is not None else "dialogue"
            raise ValueError(f"{extra}: give `scenes:` or `setting:` with `dialogue:`, not both (hint: a scene "
                             "holds its own heading and lines)")
        if self.scenes is None:
            for missing in ("setting", "dialogue"):
                if getattr(self, missing) is None:
                    raise ValueError(f"{missing}: missing (hint: give `setting:` and `dialogue:` for one scene, "
                                     "or `scenes:`)")
        if not self.cast:
            raise ValueError("cast: missing (hint: give `cast:`, or `series:` a series file that has one)")
        if self.series is not None and (problem := series_path_problem(self.series)):
            raise ValueError(f"series: {problem}")
        ids = [member.id for member in self.cast]
        for index, cast_id in enumerate(ids):
            if cast_id in ids[:index]:
                raise ValueError(f"cast[{index}].id: '{cast_id}' is already used by cast[{ids.index(cast_id)}] "
                                 "(hint: cast ids must be unique)")
        for index, item in enumerate(self.dialogue or []):
            if item.speaker not in ids:
                raise ValueError(f"dialogue[{index}]: speaker '{item.speaker}' is not in the cast "
                                 f"(hint: known: {', '.join(ids)})")
        seen: dict[str, int] = {}
        for number, scene in enumerate(self.scenes or []):
            if scene.id in seen:
                raise ValueError(f"scenes[{number}].id: '{scene.id}' is already used by scenes[{seen[scene.id]}] "
                                 "(hint: scene ids must be unique)")
            seen[scene.id] = number
            for index, cast_id in enumerate(scene.present):
                if cast_id not in ids:
                    raise ValueError(f"scenes[{number}].present[{index}]: '{cast_id}' is not in the cast "
                                     f"(hint: known: {', '.join(ids)})")
            for index, item in enumerate(scene.body):
                if isinstance(item, DialogueLine) and item.speaker not in ids:
                    raise ValueError(f"scenes[{number}].body[{index}]: speaker '{item.speaker}' is not in the cast "
                                     f"(hint: known: {', '.join(ids)})")
        return self

    @cached_property
    def scene_list(self) -> list[ProductionScene]:
        """The scenes, in both forms: the one-scene form is one scene whose heading is `setting`."""
        if self.scenes is not None:
            return self.scenes
        return [ProductionScene(id=scene_id(self.setting), heading=self.setting, body=list(self.dialogue))]

    @cached_property
    def lines(self) -> list[DialogueLine]:
        """Every line of every scene, in order."""
        return [line for scene in self.scene_list for line in scene.lines]

    @property
    def setting_summary(self) -> str:
        """Where the production plays, in a few words: the setting, or the scenes' headings in order."""
        return self.setting or "; ".join(dict.fromkeys(scene.heading for scene in self.scene_list))

    def scene_production(self, scene: ProductionScene) -> Production:
        """This production reduced to one of its scenes (the cast, style and settings kept): what a language model
        is asked to script at a time, and what that scene's script is checked against."""
        return self.model_copy(update={"scenes": [scene], "setting": None, "dialogue": None})

    def model_copy(self, *, update=None, deep: bool = False):
        copied = super().model_copy(update=update, deep=deep)
        for derived in ("scene_list", "lines"):  # cached from the fields, which `update` may have changed
            copied.__dict__.pop(derived, None)
        return copied

    @property
    def sources(self) -> list[str]:
        """The files it is read from, relative to its folder: production.yaml, and its series file."""
        return [PRODUCTION_FILE] + ([self.series] if self.series else [])

    def member(self, cast_id: str) -> CastMember:
        return next(m for m in self.cast if m.id == cast_id)

    def scripter_inputs_digest(self) -> str:
        """What the script depends on: dialogue, cast, setting or scenes, scripter settings (not style or
        director)."""
        relevant = self.model_dump(mode="json", include={"title", "seed", "cast", "setting", "dialogue", "scenes",
                                                         "scripter"}, exclude_none=True)
        return digest(relevant)
