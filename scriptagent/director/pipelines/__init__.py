"""The image-to-video pipelines the diffusers director drives: one readable file each, registered by name.

A pipeline file says what differs in its model family, and nothing else:
  - which diffusers class loads it, and which of its components the authors load in float32,
  - its geometry: the native frame rate, the frame counts and sizes it accepts and the longest clip it was
    trained on (read from the model's own configs, so a checkpoint with another VAE or patch size is handled
    without code changes; a documented constant where no config says it),
  - how its `__call__` takes the opening image and, where the model supports it, the closing one,
  - and, for a model that makes sound with its picture (LTX-2), where its output holds that sound.

Nothing here imports torch or diffusers at module level: `scriptagent plan` computes frame counts and sizes from
the config files alone (a local folder or the Hugging Face cache; nothing is downloaded).
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...errors import BackendError
from ...registry import VIDEO_PIPELINES, backend_class

ConfigReader = Callable[[str], dict]  # component name ("vae", "transformer") -> its config, {} when unknown
MODEL_INDEX = "model_index"  # the component name that reads the pipeline's own config (model_index.json)


@dataclass(frozen=True)
class Geometry:
    """The frame counts and picture sizes a model accepts."""

    fps: int  # the frame rate the model was trained at
    frame_step: int  # frame counts are frame_step * k + 1 (the VAE's temporal compression)
    size_multiple: int  # width and height are multiples of it (VAE compression x transformer patch)
    fixed_frames: int | None = None  # models trained at one length only
    fixed_size: tuple[int, int] | None = None  # (width, height) of models trained at one size only
    max_frames: int | None = None  # the longest clip the model was trained on (None: not known)
    short_side: int | None = None  # the short side of models trained at one (CogVideoX 1.5: 768)
    long_side: int | None = None  # the longest long side they take (CogVideoX 1.5: 1360)

    def frames_for(self, seconds: float) -> int:
        """The accepted frame count closest to `seconds` at the native rate (at least two steps' worth)."""
        if self.fixed_frames:
            return self.fixed_frames
        steps = max(1, round(seconds * self.fps / self.frame_step))
        return steps * self.frame_step + 1

    def frames_used(self, seconds: float) -> int:
        """How many of the rendered frames show the segment: all of them, except for a model of one length,
        whose first `seconds` are kept at its own speed (never its whole clip squeezed into a shorter one)."""
        rendered = self.frames_for(seconds)
        if not self.fixed_frames:
            return rendered
        return max(1, min(rendered, round(seconds * self.fps) + 1))

    def fits(self, seconds: float) -> bool:
        """Whether a segment this long asks no more frames than the model was trained on."""
        if self.fixed_frames:
            return round(seconds * self.fps) + 1 <= self.fixed_frames
        return self.max_frames is None or self.frames_for(seconds) <= self.max_frames

    @property
    def longest_seconds(self) -> float | None:
        frames = self.fixed_frames or self.max_frames
        return None if frames is None else (frames - 1) / self.fps

    def too_long(self, model: str, segment_id: str, seconds: float) -> tuple[str, str]:
        """What to say about a segment that does not fit, and the director.max_segment_seconds that does."""
        needed = round(seconds * self.fps) + 1 if self.fixed_frames else self.frames_for(seconds)
        message = (f"segment {segment_id} lasts {seconds:.2f} s, {needed} frames at {self.fps} fps, but {model} is "
                   f"trained on at most {self.fixed_frames or self.max_frames} frames ({self.longest_seconds:g} s)")
        return message, f"set director.max_segment_seconds: {math.floor(self.longest_seconds * 100) / 100:g} or less"

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """The accepted size closest to (width, height)."""
        if self.fixed_size:
            return self.fixed_size
        m = self.size_multiple
        if self.short_side:  # the film's aspect with the trained short side, the long side at most long_side
            short, long = sorted((width, height))
            long = round(long * self.short_side / short / m) * m
            long = min(max(long, self.short_side), self.long_side or long)
            return (long, self.short_side) if width >= height else (self.short_side, long)
        return max(m, round(width / m) * m), max(m, round(height / m) * m)


class VideoPipeline:
    """What differs between image-to-video pipelines. Subclasses set the class attributes and override what differs."""

    name = ""
    diffusers_class = ""  # the class in `diffusers` that loads the model
    default_fps = 16
    last_frame = False  # honours a closing image (first+last frame conditioning)
    output_type = "np"
    float32_components: tuple[str, ...] = ()  # loaded in float32 whatever director.dtype (the authors' examples)
    makes_sound = False  # renders a soundtrack with the picture (director.audio: model or mix)

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        raise NotImplementedError

    def supports_last_frame(self, config: ConfigReader) -> bool:
        return self.last_frame

    def no_last_frame_reason(self, config: ConfigReader) -> str:
        """Why a checkpoint takes no closing image, for the plan's and the render's warning."""
        return "the model has no closing-image input"

    def size_for(self, config: ConfigReader, width: int, height: int) -> tuple[int, int]:
        """The size the model renders at for a film of width x height."""
        return self.geometry(config).size_for(width, height)

    def model_size(self, pipe, width: int, height: int) -> tuple[int, int]:
        """The same for a loaded pipeline (a pipeline that picks its own size is asked)."""
        return self.size_for(pipe_config_reader(pipe), width, height)

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        """The pipeline-specific keyword arguments of `__call__` (prompt, steps, guidance, seed are common)."""
        arguments = {"image": image, "width": width, "height": height, "num_frames": frames}
        if last_image is not None:
            arguments["last_image"] = last_image
        return arguments

    def call(self, pipe, arguments: dict):
        """Run the pipeline; the output's `frames[0]` holds the video as (frames, height, width, 3) in 0..1."""
        return pipe(**arguments)

    def guidance_arguments(self, pipe, guidance: float) -> dict:
        return {"guidance_scale": guidance}

    def sound(self, pipe, output) -> tuple | None:
        """The call's sound as (mono float32 samples in -1..1, sample rate); None from a model that makes none."""
        return None


# what the director passes each call itself, with the setting that changes it
DIRECTOR_ARGUMENTS = {"prompt": "", "negative_prompt": "director.negative_prompt",
                      "num_inference_steps": "director.steps", "guidance_scale": "director.guidance", "generator": "",
                      "output_type": "", "return_dict": "", "callback": "", "callback_on_step_end": ""}


def check_pipeline_args(pipe, extra: dict, passed: set[str]) -> None:
    """director.pipeline_args name keyword arguments of the pipeline's `__call__` that the director leaves alone."""
    accepted = {name for name, parameter in inspect.signature(pipe.__call__).parameters.items()
                if parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    for name in extra:
        if name in passed or name in DIRECTOR_ARGUMENTS:
            setting = DIRECTOR_ARGUMENTS.get(name)
            raise BackendError(f"director.pipeline_args: the director sets '{name}' itself "
                               + (f"(hint: use {setting})" if setting else "(from the plan, its pictures and seed)"))
        if name not in accepted:
            known = ", ".join(sorted(accepted - passed - set(DIRECTOR_ARGUMENTS)))
            raise BackendError(f"director.pipeline_args: {type(pipe).__name__} takes no '{name}' (known: {known})")


def video_pipeline(name: str) -> VideoPipeline:
    return backend_class(VIDEO_PIPELINES, name, "director.pipeline")()


def read_config(model: str, component: str) -> dict:
    """A component's config.json (MODEL_INDEX: the pipeline's model_index.json) from a local model folder or the
    Hugging Face cache; {} when not there."""
    name, subfolder = ("model_index.json", None) if component == MODEL_INDEX else ("config.json", component)
    folder = Path(model).expanduser()
    if folder.is_dir():
        path = folder / (subfolder or "") / name
    else:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:
            return {}
        cached = try_to_load_from_cache(model, name, subfolder=subfolder)
        path = Path(cached) if isinstance(cached, str) else None
    if path is None or not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def config_reader(model: str) -> ConfigReader:
    return lambda component: read_config(model, component)


def pipe_config_reader(pipe) -> ConfigReader:
    """The same reader over a loaded pipeline's components (MODEL_INDEX: the pipeline's own config)."""
    def read(component: str) -> dict:
        module = pipe if component == MODEL_INDEX else getattr(pipe, component, None)
        return dict(getattr(module, "config", None) or {})
    return read
