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
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Tag, field_serializer, field_validator,
                      model_validator)

from .errors import InputError, Problem
from .files import links_leaving, reference_problem
from .yamlio import load_yaml_file, validate_yaml

PRODUCTION_FILE = "production.yaml"
SCRIPT_FILE = "script.yaml"
BUILD_DIR = "build"
MAX_SHOT_SECONDS = 10.0  # the paper's limit: one shot is at most 10 s

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=40,
                                  description="lower-case letters, digits, '-' and '_'; stable across edits")]


class Strict(BaseModel):
    """Unknown keys are errors (with a 'did you mean' hint): a typo must never be silently ignored.
    No number is NaN or infinite (`.nan` would pass every bound check, since every comparison with it is false)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


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


class RuleBasedScripterConfig(Strict):
    backend: Literal["rule-based"] = "rule-based"
    words_per_second: float = Field(2.6, gt=0.5, le=8, description="speech rate used to time shots")
    establishing_shot: bool = Field(True, description="open each scene on a wide shot of the setting")
    closing_shot: bool = Field(True, description="end on a wide shot after the last line")


class LanguageModelScripterSettings(Strict):
    """What the scripters that ask a language model share: sampling, and the validate-and-repair loop."""

    words_per_second: float = Field(2.6, gt=0.5, le=8, description="speech rate the shots are timed and checked with")
    temperature: float = Field(0.7, ge=0, le=2, description="sampling temperature; 0 decodes greedily")
    max_new_tokens: int = Field(4096, ge=16, le=131072, description="longest reply, in tokens")
    seed: int | None = Field(None, ge=0, description="sampling seed (default: the production's seed)")
    repair_rounds: int = Field(3, ge=0, le=10, description="times the validators' findings go back to the model for "
                                                         "a corrected script before the build gives up")


class TransformersScripterConfig(LanguageModelScripterSettings):
    backend: Literal["transformers"] = "transformers"
    model: str = Field(min_length=1, description="Hugging Face model id, or a checkpoint folder (relative to the "
                                                 "production folder), e.g. Qwen/Qwen2.5-7B-Instruct")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, cuda, cuda:N or mps")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="weights' precision; auto: bfloat16 (or float16) on a GPU, float32 on the CPU")
    trust_remote_code: bool = Field(False, description="run Python code shipped with the model (only for models you "
                                                       "trust)")


class OpenAIScripterConfig(LanguageModelScripterSettings):
    backend: Literal["openai"] = "openai"
    model: str = Field(min_length=1, description="model name as the server knows it")
    base_url: str = Field("https://api.openai.com/v1", pattern=r"^https?://\S+$",
                          description="the OpenAI-compatible API root, e.g. http://localhost:8000/v1 (vLLM), "
                                      "http://localhost:11434/v1 (Ollama), http://localhost:8080/v1 (llama.cpp)")
    api_key_env: str = Field("OPENAI_API_KEY", description="NAME of the environment variable holding the API key; "
                                                           "the key itself never goes in a file")
    timeout: float = Field(300, gt=0, le=3600, description="seconds to wait for one reply")
    retries: int = Field(3, ge=0, le=10, description="retries with backoff on 429, 5xx and timeouts")
    response_format: Literal["auto", "json_schema", "json_object", "text"] = Field(
        "auto", description="what to ask the server for; auto: json_schema, falling back to json_object, then text")

    @model_validator(mode="before")
    @classmethod
    def _no_key_in_yaml(cls, value):
        if isinstance(value, dict) and "api_key" in value:
            raise ValueError("api_key: never write the key in production.yaml (hint: export it, e.g. "
                             "OPENAI_API_KEY=..., and name that variable in api_key_env)")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str) -> str:
        # Upper case only: a pasted key (mixed case, dashes) is refused here instead of being echoed in messages.
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", value):
            raise ValueError("must be the name of an environment variable, like OPENAI_API_KEY, not the key itself")
        return value


ScripterConfig = Annotated[Union[RuleBasedScripterConfig, TransformersScripterConfig, OpenAIScripterConfig],
                           Field(discriminator="backend")]


class Anchoring(str, Enum):
    chain = "chain"  # the paper's first-last frame anchoring: segment k+1 starts from segment k's last frame
    none = "none"    # segments rendered independently
    keyframe = "keyframe"  # each segment starts from its own keyframe (the shot's opening picture), made first


class AnimaticDirectorConfig(Strict):
    backend: Literal["animatic"] = "animatic"
    max_segment_seconds: float = Field(5.0, gt=0, le=60, description="longest segment the video model renders")
    anchoring: Anchoring = Field(Anchoring.chain, description="chain (first-last frame anchoring), keyframe (each "
                                 "segment starts from its drawn opening picture) or none")
    pack_shots: bool = Field(True, description="put several consecutive shots in one segment when they fit")
    crf: int = Field(20, ge=0, le=51, description="H.264 quality (lower is better)")


class IPAdapterConfig(Strict):
    """An IP-Adapter for the keyframe model: the cast reference images condition every keyframe they appear in."""

    model: str = Field(description="Hugging Face id or local folder of the IP-Adapter weights (e.g. h94/IP-Adapter)")
    subfolder: str = Field("", description="folder inside `model` holding the weights (e.g. sdxl_models)")
    weight_name: str = Field(description="weights file (e.g. ip-adapter_sdxl.safetensors)")
    image_encoder_folder: str | None = Field("image_encoder", description="image encoder folder, relative to "
                                             "`model`/`subfolder` (Flux: the encoder's id or folder, e.g. "
                                             "openai/clip-vit-large-patch14); null when the pipeline has one")
    scale: float = Field(0.6, ge=0, le=2, description="how strongly the references steer the picture")


VIDEO_PIPELINES = ("wan-i2v", "ltx", "cogvideox-i2v", "hunyuan-i2v")


class DiffusersDirectorConfig(Strict):
    """Open image-to-video models through diffusers (see scriptagent/director/pipelines/ for each pipeline)."""

    backend: Literal["diffusers"]
    pipeline: Literal[VIDEO_PIPELINES] = Field(description="image-to-video pipeline: " + ", ".join(VIDEO_PIPELINES))
    model: str = Field(min_length=1, description="Hugging Face id or local folder of the video model")
    keyframe_model: str | None = Field(None, description="text-to-image model (Flux, SDXL, ...) for the opening "
                                       "pictures; null: the animatic draws them (a storyboard the model animates)")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="auto: bfloat16 on a GPU, float32 on the CPU")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, mps, cuda, cuda:1")
    cpu_offload: bool = Field(False, description="keep only the working model on the GPU (less memory, slower)")
    vae_tiling: bool = Field(False, description="decode the video in tiles (much less memory at high resolution)")
    steps: int | None = Field(None, ge=1, le=500, description="denoising steps (null: the pipeline's default)")
    guidance: float | None = Field(None, ge=0, le=30, description="guidance scale (null: the pipeline's default)")
    negative_prompt: str = Field("", description="what the pictures must not show")
    fps: int | None = Field(None, ge=1, le=120, description="the model's native frame rate (null: the pipeline's)")
    keyframe_steps: int | None = Field(None, ge=1, le=500, description="denoising steps of the keyframe model")
    keyframe_guidance: float | None = Field(None, ge=0, le=30, description="guidance scale of the keyframe model")
    ip_adapter: IPAdapterConfig | None = Field(None, description="identity from the cast reference images")
    trust_remote_code: bool = Field(False, description="run code shipped with the model (only if you trust it)")
    max_segment_seconds: float = Field(5.0, gt=0, le=60, description="longest segment the video model renders")
    anchoring: Anchoring = Field(Anchoring.chain, description="chain (the previous segment's last frame), keyframe "
                                 "(each segment from its own opening picture) or none")
    pack_shots: bool = Field(False, description="several shots in one render (a video model cannot cut: keep false)")
    crf: int = Field(18, ge=0, le=51, description="H.264 quality (lower is better)")


DirectorConfig = Annotated[Union[AnimaticDirectorConfig, DiffusersDirectorConfig], Field(discriminator="backend")]

KNOWN_METRICS = ("structure", "continuity", "dynamic", "vsa", "clip_score", "subject_consistency",
                 "background_consistency")
OFFLINE_METRICS = ("structure", "continuity", "dynamic")  # need no model weights


class JudgeSettings(Strict):
    """What every rubric judge has besides its backend's settings."""

    temperature: float = Field(0.0, ge=0, le=2, description="sampling temperature; 0 decodes greedily")
    max_new_tokens: int = Field(1024, ge=16, le=32768, description="longest reply, in tokens")
    reply_retries: int = Field(2, ge=0, le=10, description="new tries after a reply that is not a valid rubric, "
                                                          "before the rubric is reported as skipped")
    max_images: int = Field(12, ge=1, le=64, description="most frames sent with a film rubric")


class OpenAIJudgeConfig(JudgeSettings):
    """A judge behind an OpenAI-compatible server (the scripter's openai backend); films need a vision model."""

    backend: Literal["openai"] = "openai"
    model: str = Field(min_length=1, description="model name as the server knows it")
    base_url: str = Field("https://api.openai.com/v1", pattern=r"^https?://\S+$",
                          description="the OpenAI-compatible API root, e.g. http://localhost:8000/v1")
    api_key_env: str = Field("OPENAI_API_KEY", pattern=r"^[A-Z_][A-Z0-9_]*$",
                             description="NAME of the environment variable holding the API key")
    timeout: float = Field(300, gt=0, le=3600, description="seconds to wait for one reply")
    retries: int = Field(3, ge=0, le=10, description="retries with backoff on 429, 5xx and timeouts")
    response_format: Literal["auto", "json_schema", "json_object", "text"] = Field(
        "auto", description="what to ask the server for; auto: json_schema, falling back to json_object, then text")


class TransformersJudgeConfig(JudgeSettings):
    """A judge run locally through transformers: an image-text-to-text model (a VLM) judges films."""

    backend: Literal["transformers"] = "transformers"
    model: str = Field(min_length=1, description="Hugging Face id or local folder")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, cuda, cuda:N or mps")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field("auto", description="weights' precision")
    trust_remote_code: bool = Field(False, description="run Python code shipped with the model (only for models you "
                                                       "trust)")


JudgeConfig = Annotated[Union[OpenAIJudgeConfig, TransformersJudgeConfig], Field(discriminator="backend")]


class RetakeConfig(Strict):
    """Critic in the loop: a segment scoring under `below` is rendered again with the next seed."""

    metric: Literal["vsa", "continuity", "judge"] = Field(description="what a take is scored on")
    below: float = Field(description="re-render a segment whose take scores under this")
    max_takes: int = Field(3, ge=1, le=10, description="most takes per segment; the best one is used")


class CriticConfig(Strict):
    metrics: list[str] = Field(list(OFFLINE_METRICS), description=f"metrics to compute: {', '.join(KNOWN_METRICS)}")
    clip_model: str = Field("openai/clip-vit-base-patch32", min_length=1,
                            description="CLIP or SigLIP checkpoint (Hub id or local folder) for vsa, clip_score "
                                        "and background_consistency")
    subject_model: str = Field("facebook/dino-vitb16", min_length=1,
                               description="vision model (Hub id or local folder) for subject_consistency")
    sample_fps: float = Field(4.0, gt=0, le=120, description="frames per second sampled for the model metrics")
    judge: JudgeConfig | None = Field(None, description="rubric judge: none, or {backend: openai | transformers, "
                                                        "model: ...}")
    retake: RetakeConfig | None = Field(None, description="re-render segments that score under a threshold")

    @field_validator("judge", mode="before")
    @classmethod
    def _none_is_no_judge(cls, value):
        if isinstance(value, str):  # `judge: none` in YAML; any other word is a mistake
            if value == "none":
                return None
            raise ValueError(f"'{value}' is not a judge (hint: none, or {{backend: openai | transformers, "
                             "model: ...})")
        return value

    @field_serializer("judge")
    def _judge_as_written(self, value):
        return "none" if value is None else value.model_dump(mode="json")

    @field_validator("metrics")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in KNOWN_METRICS:
                raise ValueError(f"unknown metric '{name}' (hint: known: {', '.join(KNOWN_METRICS)})")
        return value

    @model_validator(mode="after")
    def _retake_has_its_judge(self):
        if self.retake and self.retake.metric == "judge" and self.judge is None:
            raise ValueError("retakes by 'judge' need a judge (hint: set critic.judge: {backend: ..., "
                             "model: ...})")
        return self


class ExecutorConfig(Strict):
    """Where the heavy tasks (keyframes, renders, segment scores) run. The doit graph, its cache and the files in
    build/ are the same with every executor; only the machine doing the work changes."""

    kind: Literal["local", "ray"] = Field("local", description="local: in the doit process; ray: as Ray tasks on a "
                                          "cluster sharing the production folder (scriptagent/executor.py)")
    address: str = Field("auto", min_length=1, description="the Ray cluster: auto (the one `ray start --head` "
                         "started, or $RAY_ADDRESS), host:port or ray://host:port")
    num_gpus: float = Field(0, ge=0, le=64, description="GPUs each render, keyframe or score task asks for")
    num_cpus: float = Field(1, ge=0, le=512, description="CPUs each task asks for")
    max_retries: int = Field(3, ge=0, le=20, description="times Ray re-runs a task whose worker or node died")
    runtime_env: dict = Field({}, description="Ray runtime_env of the workers, e.g. {env_vars: {HF_HOME: /models}}")


class NoVoiceConfig(Strict):
    backend: Literal["none"] = "none"


class EspeakVoiceConfig(Strict):
    """Speech by the espeak-ng program (`apt install espeak-ng`, `brew install espeak-ng`): robotic, instant."""

    backend: Literal["espeak"]
    voice: str = Field("en-us", pattern=r"^[A-Za-z0-9_+-]{1,40}$",
                       description="espeak-ng voice of cast members without their own `voice`, e.g. en-us, "
                                   "en-gb+f3 (`espeak-ng --voices` lists them)")
    words_per_minute: int = Field(150, ge=80, le=450, description="speaking rate")
    if_missing: Literal["error", "silent"] = Field(
        "error", description="when espeak-ng is not installed: error, or build a silent film with a notice")


class TransformersVoiceConfig(Strict):
    """Text-to-speech through transformers (VITS / MMS-TTS: VitsModel), by Hugging Face id or local folder."""

    backend: Literal["transformers"]
    model: str = Field(min_length=1, description="e.g. facebook/mms-tts-eng, or a folder relative to the production")
    device: str = Field("auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, cuda, cuda:N or mps")
    seed: int = Field(0, ge=0, description="VITS samples its durations and noise: a fixed seed gives the same audio")
    trust_remote_code: bool = Field(False, description="run Python code shipped with the model (only if you trust it)")


VoiceConfig = Annotated[Union[NoVoiceConfig, EspeakVoiceConfig, TransformersVoiceConfig], Field(discriminator="backend")]


class Production(Strict):
    title: str = Field(min_length=1)
    seed: int = Field(0, ge=0, description="fixes every random choice; per segment it is combined with the segment id")
    style: Style = Style()
    cast: list[CastMember] = Field(min_length=1)
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
                                     "run: {kind: local} (default) or {kind: ray, address: auto, num_gpus: 1}")
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
        return Production.model_validate(merge(data, self.variants[name]))

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

    def member(self, cast_id: str) -> CastMember:
        return next(m for m in self.cast if m.id == cast_id)

    def scripter_inputs_digest(self) -> str:
        """What the script depends on: dialogue, cast, setting or scenes, scripter settings (not style or
        director)."""
        relevant = self.model_dump(mode="json", include={"title", "seed", "cast", "setting", "dialogue", "scenes",
                                                         "scripter"}, exclude_none=True)
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
    scene_id: str
    setting: str
    frames: int
    fps: int
    resolution: tuple[int, int]
    look: str
    slate: bool
    subtitles: bool
    seed: int
    anchoring: Anchoring
    anchor_segment: str | None = None  # the segment whose last frame conditions this one (chain mode)
    start_keyframe: str | None = None  # the keyframe this segment starts from (build/keyframes/<id>.png)
    end_keyframe: str | None = None  # the keyframe it ends on: the next part of the same shot starts there
    shots: list[SegmentShot]
    cast: dict[str, SegmentCastMember]
    director: dict  # the backend's settings, so a change re-renders
    renderer_version: str = ""
    # Where the segment starts in the film. Never written to its file: a render depends on its picture, not on
    # its place, so a shot lengthened earlier in the film changes nothing here (see film_segments).
    first_frame: int = Field(0, exclude=True)

    def render_data(self, ids_drawn: bool) -> dict:
        """What the picture depends on, for the render cache's key: everything but names and places (the segment,
        scene and shot ids, which anchor files it reads; their bytes enter the key instead), unless the renderer
        draws the shot ids (the animatic's slate)."""
        data = self.model_dump(mode="json", exclude={"id", "scene_id", "anchor_segment", "start_keyframe",
                                                      "end_keyframe"})
        for piece in data["shots"]:
            piece.pop("scene_id")
            if not ids_drawn:
                piece["shot"].pop("id")
        return data

    def piece_starts(self) -> list[int]:
        """Where each of `shots` begins, in frames from the segment's first frame."""
        starts, position = [], 0
        for piece in self.shots:
            starts.append(position)
            position += piece.frames
        return starts


class KeyframeShot(BaseModel):
    """The fields of a shot that decide its opening picture: no dialogue text, no duration."""

    id: str
    shot_size: ShotSize
    angle: Angle
    camera_movement: CameraMovement
    description: str
    characters: list[ShotCharacter]
    speakers: list[str] = []  # on-screen speakers in order: the camera favours the first


class Keyframe(BaseModel):
    """What one keyframe picture reads, and nothing more: its JSON file is the keyframe task's dependency."""

    id: str  # the segment that starts from it
    scene_id: str
    setting: str
    shot: KeyframeShot
    shot_frame: int  # where in the shot: 0 opens it; a later part of a split shot opens further in
    shot_frames: int  # the shot's length in frames, 1 when shot_frame is 0 (the opening does not depend on it)
    fps: int
    resolution: tuple[int, int]
    look: str
    seed: int
    cast: dict[str, SegmentCastMember]
    director: dict  # only the settings the picture depends on
    renderer_version: str = ""

    def render_data(self) -> dict:
        """What the picture depends on, for the render cache's key: not its id or its scene's."""
        data = self.model_dump(mode="json", exclude={"id", "scene_id"})
        data["shot"].pop("id")
        return data


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# --- loading ------------------------------------------------------------------------------------------------

def production_data(folder: Path):
    """production.yaml's YAML tree, with the scenes read from its `dialogue_file` when it names one (a Fountain
    screenplay). With a `setting:` beside it (productions made before screenplays had scenes) the screenplay's
    lines are read as one scene's dialogue, as they were then."""
    data = load_yaml_file(folder / PRODUCTION_FILE, PRODUCTION_FILE)
    if isinstance(data, dict) and isinstance(data.get("dialogue_file"), str):  # a Fountain screenplay
        from .fountain import dialogue_from_file, scenes_from_file

        for key in ("dialogue", "scenes"):
            if key in data:
                line, column = data.lc.key(key)
                raise InputError(Problem(PRODUCTION_FILE, f"give `{key}:` or `dialogue_file:`, not both", line + 1,
                                         column + 1, field=key))
        cast_ids = [m.get("id") for m in data.get("cast") or [] if isinstance(m, dict)]
        if "setting" in data:
            data["dialogue"] = dialogue_from_file(folder, data["dialogue_file"], cast_ids)
        else:
            data["scenes"] = scenes_from_file(folder, data["dialogue_file"], cast_ids)
    return data


def load_production(folder: str | Path = ".") -> Production:
    folder = Path(folder)
    data = production_data(folder)
    production = validate_yaml(Production, data, PRODUCTION_FILE)
    problems = []
    for index, member in enumerate(production.cast):
        wrong = reference_problem(folder, member.reference) if member.reference else None
        if wrong:
            line, column = data["cast"][index].lc.value("reference")
            problems.append(Problem(PRODUCTION_FILE, wrong[0], line + 1, column + 1, field=f"cast[{index}].reference",
                                    hint=wrong[1]))
    for link in links_leaving(folder, "templates"):  # the production's own prompt templates
        problems.append(Problem(str(link), "a symlink to outside the production folder",
                                hint="copy the file into the production folder"))
    if problems:
        raise InputError(problems)
    return production


def load_script(folder: str | Path = ".", path: str | Path | None = None) -> tuple[Script, object]:
    """The script and its raw YAML tree (the tree gives validators line numbers)."""
    path = Path(path) if path else Path(folder) / SCRIPT_FILE
    display = path.name if path.parent == Path(folder) else str(path)
    data = load_yaml_file(path, display)
    return validate_yaml(Script, data, display), data


def segment_path(build: str | Path, segment_id: str) -> Path:
    """build/segments/<id>.json: what the plan hands the renderer for one segment."""
    return Path(build) / "segments" / f"{segment_id}.json"


def read_segment(build: str | Path, segment_id: str) -> Segment:
    return Segment.model_validate_json(segment_path(build, segment_id).read_text(encoding="utf-8"))


def place_in_film(segments: list[Segment]) -> list[Segment]:
    """Set each segment's `first_frame`: the film is the segments one after another."""
    position = 0
    for segment in segments:
        segment.first_frame = position
        position += segment.frames
    return segments


def film_segments(build: str | Path, segment_ids: list[str]) -> list[Segment]:
    """The segments of the film in order, read from the plan's files, each with its `first_frame`."""
    return place_in_film([read_segment(build, segment_id) for segment_id in segment_ids])


def cast_references(cast: dict[str, SegmentCastMember]) -> list[str]:
    """The reference images of a segment's or keyframe's cast, each once, sorted."""
    return sorted({member.reference for member in cast.values() if member.reference})


def json_schemas() -> dict:
    return {"production.yaml": Production.model_json_schema(), "script.yaml": Script.model_json_schema()}
