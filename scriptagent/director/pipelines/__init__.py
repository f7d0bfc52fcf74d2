"""The image-to-video pipelines the diffusers director drives: one readable file each, registered by name.

A pipeline file says three things about its model family, and nothing else:
  - which diffusers class loads it,
  - its geometry: the native frame rate, the frame counts and sizes it accepts (read from the model's own
    component configs, so a checkpoint with another VAE or patch size is handled without code changes),
  - how its `__call__` takes the opening image and, where the model supports it, the closing one.

Nothing here imports torch or diffusers at module level: `scriptagent plan` computes frame counts and sizes from
the config files alone (a local folder or the Hugging Face cache; nothing is downloaded).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...registry import VIDEO_PIPELINES, backend_class

ConfigReader = Callable[[str], dict]  # component name ("vae", "transformer") -> its config, {} when unknown


@dataclass(frozen=True)
class Geometry:
    """The frame counts and picture sizes a model accepts."""

    fps: int  # the frame rate the model was trained at
    frame_step: int  # frame counts are frame_step * k + 1 (the VAE's temporal compression)
    size_multiple: int  # width and height are multiples of it (VAE compression x transformer patch)
    fixed_frames: int | None = None  # models trained at one length only
    fixed_size: tuple[int, int] | None = None  # (width, height) of models trained at one size only

    def frames_for(self, seconds: float) -> int:
        """The accepted frame count closest to `seconds` at the native rate (at least two steps' worth)."""
        if self.fixed_frames:
            return self.fixed_frames
        steps = max(1, round(seconds * self.fps / self.frame_step))
        return steps * self.frame_step + 1

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """The accepted size closest to (width, height)."""
        if self.fixed_size:
            return self.fixed_size
        m = self.size_multiple
        return max(m, round(width / m) * m), max(m, round(height / m) * m)


class VideoPipeline:
    """What differs between image-to-video pipelines. Subclasses set the class attributes and override what differs."""

    name = ""
    diffusers_class = ""  # the class in `diffusers` that loads the model
    default_fps = 16
    last_frame = False  # honours a closing image (first+last frame conditioning)
    output_type = "np"

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        raise NotImplementedError

    def supports_last_frame(self, config: ConfigReader) -> bool:
        return self.last_frame

    def size_for(self, config: ConfigReader, width: int, height: int) -> tuple[int, int]:
        """The size the model renders at for a film of width x height."""
        return self.geometry(config).size_for(width, height)

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


def video_pipeline(name: str) -> VideoPipeline:
    return backend_class(VIDEO_PIPELINES, name, "director.pipeline")()


def read_config(model: str, component: str) -> dict:
    """A component's config.json from a local model folder or the Hugging Face cache; {} when not there."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        path = folder / component / "config.json"
    else:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:
            return {}
        cached = try_to_load_from_cache(model, "config.json", subfolder=component)
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
    """The same reader over a loaded pipeline's components."""
    def read(component: str) -> dict:
        module = getattr(pipe, component, None)
        return dict(getattr(module, "config", None) or {})
    return read


def near_area(width: int, height: int, side: int, multiple: int) -> tuple[int, int]:
    """A size of about side x side pixels with the aspect of width x height (for models that pick a size bucket)."""
    aspect = width / height
    return (max(multiple, round(math.sqrt(side * side * aspect) / multiple) * multiple),
            max(multiple, round(math.sqrt(side * side / aspect) / multiple) * multiple))
