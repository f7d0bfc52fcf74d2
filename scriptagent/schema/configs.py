"""Every backend's settings, as production.yaml writes them: scripter, director, critic (metrics, judge, retakes),
voice and executor. A backend's config is one class here; the agent's registry names the code that runs it."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, field_serializer, field_validator, model_serializer, model_validator

from .. import registry
from .base import Strict

# What many backends share, defined once.
Device = Annotated[str, Field(pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$", description="auto, cpu, cuda, cuda:N or mps")]
DType = Annotated[Literal["auto", "bfloat16", "float16", "float32"],
                  Field(description="weights' precision; auto: bfloat16 (or float16) on a GPU, float32 on the CPU")]
TrustRemoteCode = Annotated[bool, Field(description="run Python code shipped with the model (only for models you "
                                                    "trust)")]
ModelAudio = Annotated[Literal["speech", "model", "mix"],
                       Field(description="the film's sound where the video model makes its own: speech (only the "
                                         "spoken lines), model (the model's sound track), mix (both)")]


class OpenAIServerSettings(Strict):
    """An OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp, ...): where it is, its key, how long to wait."""

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
        """A key written in the file is refused, naming the variable it belongs in (this backend's default)."""
        if isinstance(value, dict) and "api_key" in value:
            raise ValueError("api_key: never write the key in production.yaml (hint: export it, e.g. "
                             f"{cls.model_fields['api_key_env'].default}=..., and name that variable in api_key_env)")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str) -> str:
        # Upper case only: a pasted key (mixed case, dashes) is refused here instead of being echoed in messages.
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", value):
            raise ValueError("must be the name of an environment variable, like OPENAI_API_KEY, not the key itself")
        return value

class AddedSettings(Strict):
    """Settings added after productions were written: left out of what a setting serialises to while at their
    default, so the digests of existing productions (a pristine script's `inputs`, a score's settings) stay the same
    and nothing is regenerated or scored again for a setting nobody set."""

    ADDED_DEFAULTS: ClassVar[dict] = {}  # field name -> the default it is left out at

    @model_serializer(mode="wrap")
    def _without_added_defaults(self, handler):
        data = handler(self)
        if isinstance(data, dict):
            for name, default in self.ADDED_DEFAULTS.items():
                if name in data and data[name] == default:
                    del data[name]
        return data


class RuleBasedScripterConfig(Strict):
    backend: Literal["rule-based"] = "rule-based"
    words_per_second: float = Field(2.6, gt=0.5, le=8, description="speech rate used to time shots")
    establishing_shot: bool = Field(True, description="open each scene on a wide shot of the setting")
    closing_shot: bool = Field(True, description="end on a wide shot after the last line")


class LanguageModelScripterSettings(AddedSettings):
    """What the scripters that ask a language model share: sampling, and the validate-and-repair loop."""

    ADDED_DEFAULTS: ClassVar[dict] = {"format": "auto", "base_model": None}

    words_per_second: float = Field(2.6, gt=0.5, le=8, description="speech rate the shots are timed and checked with")
    temperature: float = Field(0.7, ge=0, le=2, description="sampling temperature; 0 decodes greedily")
    max_new_tokens: int = Field(4096, ge=16, le=131072, description="longest reply, in tokens")
    seed: int | None = Field(None, ge=0, description="sampling seed (default: the production's seed)")
    repair_rounds: int = Field(3, ge=0, le=10, description="times the validators' findings go back to the model for "
                                                         "a corrected script before the build gives up")
    format: Literal["auto", "json", "released"] = Field(
        "auto", description="how the model is asked and answers: json (our prompts, a JSON script), released (the "
                            "paper's released ScriptAgent: the raw dialogue in, its sectioned text out); auto: "
                            "released for a PEFT adapter on a Qwen2.5-Omni model (XD-MU/ScriptAgent), else json")


class TransformersScripterConfig(LanguageModelScripterSettings):
    backend: Literal["transformers"] = "transformers"
    model: str = Field(min_length=1, description="Hugging Face model id, or a checkpoint folder (relative to the "
                                                 "production folder), e.g. Qwen/Qwen2.5-7B-Instruct; a PEFT "
                                                 "adapter (e.g. XD-MU/ScriptAgent) is loaded on its base model")
    base_model: str | None = Field(None, min_length=1,
                                   description="for an adapter: the base model to load it on (a Hugging Face id or "
                                               "a folder), instead of the one its adapter_config.json names")
    device: Device = "auto"
    dtype: DType = "auto"
    trust_remote_code: TrustRemoteCode = False


class OpenAIScripterConfig(LanguageModelScripterSettings, OpenAIServerSettings):
    backend: Literal["openai"] = "openai"


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


VIDEO_PIPELINES = tuple(registry.VIDEO_PIPELINES)


class DiffusersDirectorConfig(AddedSettings):
    """Open image-to-video models through diffusers (see scriptagent/director/pipelines/ for each pipeline)."""

    ADDED_DEFAULTS: ClassVar[dict] = {"audio": "speech"}  # existing productions keep their render cache keys

    backend: Literal["diffusers"]
    pipeline: Literal[VIDEO_PIPELINES] = Field(description="image-to-video pipeline: " + ", ".join(VIDEO_PIPELINES))
    model: str = Field(min_length=1, description="Hugging Face id or local folder of the video model")
    keyframe_model: str | None = Field(None, description="text-to-image model (Flux, SDXL, ...) for the opening "
                                       "pictures; null: the animatic draws them (a storyboard the model animates)")
    dtype: DType = "auto"
    device: Device = "auto"
    cpu_offload: bool = Field(False, description="keep only the working model on the GPU (less memory, slower)")
    vae_tiling: bool = Field(False, description="decode the video in tiles (much less memory at high resolution)")
    steps: int | None = Field(None, ge=1, le=500, description="denoising steps (null: the pipeline's default)")
    guidance: float | None = Field(None, ge=0, le=30, description="guidance scale (null: the pipeline's default)")
    negative_prompt: str = Field("", description="what the pictures must not show")
    fps: int | None = Field(None, ge=1, le=120, description="the model's native frame rate (null: the pipeline's)")
    keyframe_steps: int | None = Field(None, ge=1, le=500, description="denoising steps of the keyframe model")
    keyframe_guidance: float | None = Field(None, ge=0, le=30, description="guidance scale of the keyframe model")
    ip_adapter: IPAdapterConfig | None = Field(None, description="identity from the cast reference images")
    trust_remote_code: TrustRemoteCode = False
    max_segment_seconds: float = Field(5.0, gt=0, le=60, description="longest segment the video model renders")
    anchoring: Anchoring = Field(Anchoring.chain, description="chain (the previous segment's last frame), keyframe "
                                 "(each segment from its own opening picture) or none")
    pack_shots: bool = Field(False, description="several shots in one render (a video model cannot cut: keep false)")
    crf: int = Field(18, ge=0, le=51, description="H.264 quality (lower is better)")
    pipeline_args: dict[str, Any] = Field(
        default_factory=dict, description="further keyword arguments of the pipeline's call, by name (e.g. a "
        "distilled LTX checkpoint's timesteps, decode_timestep, decode_noise_scale, image_cond_noise_scale); "
        "checked against the pipeline's __call__ when it loads")
    audio: ModelAudio = "speech"  # model and mix: pipelines that make sound only (ltx2)


class VeoDirectorConfig(Strict):
    """Google's Veo through the Gemini API (google-genai): a hosted model, the key from the environment."""

    backend: Literal["veo"]
    model: str = Field("veo-3.1-generate-preview", min_length=1, description="Veo model name in the Gemini API")
    api_key_env: str = Field("GEMINI_API_KEY", description="NAME of the environment variable holding the Gemini API "
                             "key (the default also tries GOOGLE_API_KEY); the key itself never goes in a file")
    base_url: str | None = Field(None, pattern=r"^https?://\S+$", description="the API root, for a proxy (default: "
                                 "https://generativelanguage.googleapis.com/)")
    resolution: Literal["720p", "1080p"] = Field("720p", description="what Veo renders at (16:9 or 9:16, from "
                                                 "style.resolution); 1080p clips are 8 s")
    negative_prompt: str = Field("", description="what the pictures must not show")
    person_generation: Literal["allow_adult", "dont_allow", "allow_all"] | None = Field(
        None, description="who may be shown (null: the API's default; from a picture Veo allows adults only)")
    reference_images: bool = Field(True, description="a segment that starts from no picture gets the reference "
                                   "images of the cast in frame (at most 3; such clips are 8 s at 16:9)")
    audio: ModelAudio = "speech"
    speak_lines: bool = Field(False, description="give Veo the segment's lines to speak (with audio: model, the film "
                              "has Veo's voices)")
    poll_seconds: float = Field(10, gt=0, le=300, description="seconds between asking whether a clip is ready")
    timeout: float = Field(900, gt=0, le=7200, description="most seconds one segment may take, all requests, "
                           "waiting and the download together")
    retries: int = Field(2, ge=0, le=10, description="new tries of a request refused with 429 or 5xx")
    max_segment_seconds: float = Field(8.0, gt=0, le=8, description="longest segment (Veo renders 4, 6 or 8 s)")
    anchoring: Anchoring = Field(Anchoring.chain, description="chain (the previous segment's last frame), keyframe "
                                 "(each segment from its own opening picture) or none")
    pack_shots: bool = Field(False, description="several shots in one render (a video model cannot cut: keep false)")
    crf: int = Field(18, ge=0, le=51, description="H.264 quality (lower is better)")

    _no_key_in_yaml = model_validator(mode="before")(classmethod(OpenAIServerSettings._no_key_in_yaml.__func__))

    _names_a_variable = field_validator("api_key_env")(OpenAIServerSettings._names_a_variable.__func__)


DirectorConfig = Annotated[Union[AnimaticDirectorConfig, DiffusersDirectorConfig, VeoDirectorConfig],
                           Field(discriminator="backend")]

# The critic's metrics, by name: each is one entry of the critic's registry (critic/metrics/__init__.py), in this
# order (tests/test_critic_skipped.py checks); the schema checks names here without importing any metric.
KNOWN_METRICS = ("structure", "continuity", "dynamic", "vsa", "clip_score", "subject_consistency",
                 "background_consistency")
OFFLINE_METRICS = ("structure", "continuity", "dynamic")  # need no model weights


RUBRIC_SETS = ("published", "released")


class JudgeSettings(AddedSettings):
    """What every rubric judge has besides its backend's settings."""

    ADDED_DEFAULTS: ClassVar[dict] = {"rubrics": "published"}
    rubrics: Literal[RUBRIC_SETS] = Field(
        "published", description="published: the paper's rubrics (script 6, film 8 dimensions, 1-5); released: "
                                 "those of the authors' released CriticAgent (script: format compliance, shot "
                                 "division, completeness, coherence; film: audio-visual sync, emotion, rhythm, "
                                 "lip sync; 0-5)")

    temperature: float = Field(0.0, ge=0, le=2, description="sampling temperature; 0 decodes greedily")
    max_new_tokens: int = Field(1024, ge=16, le=32768, description="longest reply, in tokens")
    reply_retries: int = Field(2, ge=0, le=10, description="new tries after a reply that is not a valid rubric, "
                                                          "before the rubric is reported as skipped")
    max_images: int = Field(12, ge=1, le=64, description="most frames sent with a film rubric")


class OpenAIJudgeConfig(JudgeSettings, OpenAIServerSettings):
    """A judge behind an OpenAI-compatible server (the scripter's openai backend); films need a vision model."""

    backend: Literal["openai"] = "openai"


class TransformersJudgeConfig(JudgeSettings):
    """A judge run locally through transformers: an image-text-to-text model (a VLM) judges films."""

    backend: Literal["transformers"] = "transformers"
    model: str = Field(min_length=1, description="Hugging Face id or local folder")
    device: Device = "auto"
    dtype: DType = "auto"
    trust_remote_code: TrustRemoteCode = False


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

    kind: Literal["local", "warm", "ray"] = Field(
        "local", description="local: in the doit process; warm: on the warm worker `scriptagent worker start` "
        "started, which keeps models loaded between builds (in the doit process, with a notice, where none runs); "
        "ray: as Ray tasks on a cluster sharing the production folder (scriptagent/executor.py)")
    address: str = Field("auto", min_length=1, description="the Ray cluster (ray, warm): auto (the one `ray start "
                         "--head` started, or $RAY_ADDRESS), host:port or ray://host:port")
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
    device: Device = "auto"
    seed: int = Field(0, ge=0, description="VITS samples its durations and noise: a fixed seed gives the same audio")
    trust_remote_code: TrustRemoteCode = False


VoiceConfig = Annotated[Union[NoVoiceConfig, EspeakVoiceConfig, TransformersVoiceConfig],
                        Field(discriminator="backend")]
