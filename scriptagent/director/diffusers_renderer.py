"""The diffusers director: open image-to-video models render each segment from its opening picture.

    keyframe(keyframe, root, out)    the picture a segment opens on, from a text-to-image model
                                     (AutoPipelineForText2Image: Flux, SDXL, SD ...), with the cast's reference
                                     images through an IP-Adapter where one is configured
    render(segment, root, anchor, video, first_frame, last_frame, end_anchor)
                                     the segment from `anchor` (the previous segment's last frame in chain mode,
                                     else its keyframe), ending on `end_anchor` where the pipeline takes a closing
                                     image; the pipelines are in pipelines/, one file each

Frames: the segment's seconds at the model's native rate, snapped to a count the model accepts, rendered, then
resampled to the production's frame rate keeping the first and last frames, so that a chain joins exactly (a model
of one length keeps its clip's first seconds; a segment longer than the model's trained maximum is refused).
Sizes: the production's resolution snapped to the model's multiple; the frames are scaled back to it. A chain
continues from the previous last frame at the model's size (BuildLayout.model_frame), so it does not soften.
Sound: a pipeline that makes it (ltx2) with director.audio model or mix writes the segment's sound beside its video
(<segment>.wav, voice/soundtrack.py), as long as the segment and stretched as its picture was.
One pipeline is held per process and reused for every segment; loading another frees it (keyframes run first;
diffusers_loading.py). torch and diffusers are imported inside the methods: importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import BackendError, InputError, Problem
from ..layout import PRODUCTION_FILE, BuildLayout
from ..plan import Keyframe, Segment
from ..schema import digest
from .diffusers_loading import PipelineLoader, _is_out_of_memory, release_pipelines  # noqa: F401 (used by callers)
from .pipelines import check_pipeline_args, config_reader, pipe_config_reader, video_pipeline
from .prompts import keyframe_prompt, segment_prompt
from ..voice.soundtrack import wants_model_sound, write_segment_sound
from ..media import FrameWriter, load_rgb, save_png

RENDERER_VERSION = "diffusers-1"
# The settings a keyframe picture depends on (not the video model's).
KEYFRAME_SETTINGS = ("keyframe_model", "keyframe_steps", "keyframe_guidance", "negative_prompt", "ip_adapter", "dtype",
                     "device", "trust_remote_code")

def segment_seed(seed: int, name: str) -> int:
    """The production seed combined with what a segment or keyframe shows (never its id: a renamed shot must
    give the same picture, so the render cache serves it), the same in every process."""
    return int.from_bytes(hashlib.sha256(f"{seed}\x1f{name}".encode()).digest()[:8], "little") & (2 ** 63 - 1)


def resample(frames: np.ndarray, count: int) -> np.ndarray:
    """`count` frames picked evenly from `frames`, the first and the last always among them."""
    if count == 1 or len(frames) == 1:
        return frames[np.zeros(count, dtype=int)]
    picks = np.rint(np.arange(count) * (len(frames) - 1) / (count - 1)).astype(int)
    return frames[picks]


class DiffusersRenderer(PipelineLoader):
    """Renders segments with a diffusers image-to-video pipeline and keyframes with a text-to-image one."""

    version = RENDERER_VERSION
    slate_shows_shot_ids = False  # a video model never sees shot ids
    needs_opening_image = True  # an image-to-video model starts from a picture: the plan gives every segment one
    calibrated = True
    burns_subtitles = False  # a video model draws no text on purpose

    @classmethod
    def keyframe_settings(cls, director: dict) -> dict:
        """Without a text-to-image model the animatic draws the keyframe (a storyboard the model animates)."""
        if not director.get("keyframe_model"):
            return {"backend": "animatic"}
        return {"backend": "diffusers", **{key: director.get(key) for key in KEYFRAME_SETTINGS}}

    @classmethod
    def geometry(cls, director: dict, segment: Segment) -> tuple[str, int, int, tuple[int, int]]:
        """What the pipeline renders for the segment, read from the checkpoint's config files (no weights); a
        segment longer than the model's maximum is an error."""
        spec = video_pipeline(director["pipeline"])
        config = config_reader(director["model"])
        geometry = spec.geometry(config, director.get("fps"))
        seconds = segment.frames / segment.fps
        if not geometry.fits(seconds):
            message, hint = geometry.too_long(f"{spec.name} '{director['model']}'", segment.id, seconds)
            raise InputError(Problem(PRODUCTION_FILE, message, field="director.max_segment_seconds", hint=hint))
        size = spec.size_for(config, *segment.resolution)
        return director["pipeline"], geometry.frames_for(seconds), geometry.fps, size

    @classmethod
    def no_closing_image(cls, director: dict) -> str | None:
        spec, config = video_pipeline(director["pipeline"]), config_reader(director["model"])
        if spec.supports_last_frame(config):
            return None
        return f"{spec.name} '{director['model']}' takes no closing image: {spec.no_last_frame_reason(config)}"

    @classmethod
    def settings_problem(cls, director: dict) -> Problem | None:
        """What is wrong with the settings before anything renders: the model's sound asked of one that makes none."""
        spec = video_pipeline(director["pipeline"])
        if not wants_model_sound(director) or spec.makes_sound:
            return None
        return Problem(PRODUCTION_FILE, f"'{director['audio']}' needs a model that makes sound, and {spec.name} makes "
                       "none", field="director.audio", hint="set director.audio: speech, or use pipeline: ltx2")

    def __init__(self, config: dict):
        self.config = dict(config)
        self.spec = video_pipeline(self.config["pipeline"]) if "pipeline" in self.config else None
        self.crf = int(self.config.get("crf", 18))
        self._warned: set[str] = set()
        self.sound = None  # the model's sound of the last `generate`: (samples, rate), or None

    # --- keyframes -----------------------------------------------------------------------------------------

    def keyframe(self, keyframe: Keyframe, root: Path, out: Path) -> None:
        """The opening picture of a segment from the keyframe model, conditioned on the cast in frame."""
        import torch

        pipe = self.keyframe_pipe()
        width, height = keyframe.resolution
        multiple = 2 * int(getattr(pipe, "vae_scale_factor", 8))  # Flux packs latents in 2x2; 16 suits SD too
        size = (max(multiple, round(width / multiple) * multiple), max(multiple, round(height / multiple) * multiple))
        if size != (width, height):
            self._warn(f"keyframe model: Adjusting ({width}, {height}) -> {size}; pictures are scaled back")
        arguments = {"prompt": keyframe_prompt(keyframe), "width": size[0], "height": size[1],
                     "generator": torch.Generator("cpu").manual_seed(segment_seed(keyframe.seed, digest(keyframe.render_data())))}
        accepted = inspect.signature(pipe.__call__).parameters
        if self.config.get("negative_prompt") and "negative_prompt" in accepted:
            arguments["negative_prompt"] = self.config["negative_prompt"]
        if self.config.get("keyframe_steps"):
            arguments["num_inference_steps"] = self.config["keyframe_steps"]
        if self.config.get("keyframe_guidance") is not None:
            arguments["guidance_scale"] = self.config["keyframe_guidance"]
        if self.config.get("ip_adapter"):
            references = [load_rgb(Path(root) / member.reference) for member in keyframe.cast.values()
                          if member.reference]
            # one adapter, the references of everyone in frame; a keyframe without any still needs an image
            pipe.set_ip_adapter_scale(self.config["ip_adapter"].get("scale", 0.6) if references else 0.0)
            arguments["ip_adapter_image"] = [references or [Image.new("RGB", size, (127, 127, 127))]]
        pipe.set_progress_bar_config(desc=f"keyframe {keyframe.id}", leave=False, disable=None)
        try:
            image = pipe(**arguments).images[0]
        except RuntimeError as error:
            if _is_out_of_memory(error):
                raise self._out_of_memory("director.keyframe_model",
                                          f"making keyframe {keyframe.id} at {size[0]}x{size[1]}") from error
            raise
        image = image.convert("RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.LANCZOS)
        save_png(image, out)

    # --- segments ------------------------------------------------------------------------------------------

    def render(self, segment: Segment, root: Path, anchor: Path | None, video: Path, first_frame: Path,
               last_frame: Path, end_anchor: Path | None = None) -> None:
        """Render the segment from its opening picture; write the video and its first and last frames."""
        if self.settings_problem(self.config):
            raise BackendError(str(self.settings_problem(self.config)))
        if anchor is None:
            raise BackendError(f"segment {segment.id}: no opening picture to start from (hint: run `doit` so that "
                               "the plan and the keyframes are made first)")
        width, height = segment.resolution
        size, count, used = self.model_geometry(segment, kept=True)
        config, last_image = pipe_config_reader(self.video_pipe()), None
        if end_anchor is not None and self.spec.supports_last_frame(config):
            last_image = load_rgb(end_anchor)
        elif end_anchor is not None:
            self._warn(f"{self.spec.name}: '{self.config['model']}' takes no closing image: "
                       f"{self.spec.no_last_frame_reason(config)}; segments end free")
        shown = segment.render_data(ids_drawn=False)
        shown["director"].pop("audio", None)  # the same picture whatever the film does with the model's sound
        frames = self.generate(self.opening_picture(segment, root, anchor, size), last_image, segment_prompt(segment),
                               count, size, segment_seed(segment.seed, digest(shown)), f"segment {segment.id}")[:used]
        pictures = [_fit(picture, width, height) for picture in resample(frames, segment.frames)]

        # every frame exists before the file is opened: an error above never leaves a half-written render
        with FrameWriter(video, (width, height), segment.fps, crf=self.crf) as writer:
            for picture in pictures:
                writer.write(picture)
        save_png(pictures[0], first_frame)
        save_png(pictures[-1], last_frame)
        build = BuildLayout.of(root)
        if Path(last_frame) == build.frame(segment.id, "last"):  # the build's own frame (not a take's, a bench's)
            build.model_frame(segment.id).unlink(missing_ok=True)
            if size != (width, height) and segment.anchoring == "chain":  # the next segment starts from it
                save_png(frames[-1], build.model_frame(segment.id))  # what pictures[-1] was scaled from
        if wants_model_sound(self.config):
            self.write_sound(segment, Path(video).with_suffix(".wav"), used)

    def write_sound(self, segment: Segment, out: Path, used: int) -> None:
        """The model's sound of the segment, `used` frames at the model's rate, as long as the segment and
        stretched as its picture was (the first and last frames kept: the two stay in step)."""
        if self.sound is None:
            raise BackendError(f"{self.spec.name} returned no sound for segment {segment.id}")
        fps = self.spec.geometry(pipe_config_reader(self.video_pipe()), self.config.get("fps")).fps
        scale = (segment.frames - 1) / segment.fps / ((used - 1) / fps) if used > 1 and segment.frames > 1 else 1.0
        write_segment_sound(out, *self.sound, segment.frames / segment.fps, scale)

    def opening_picture(self, segment: Segment, root: Path, anchor: Path, size: tuple[int, int]) -> Image.Image:
        """The anchor; in a chain, the previous last frame at the model's size where one was kept and the anchor was
        scaled from exactly it (a render placed from the cache, or a retake, may have left none or another)."""
        picture, build = load_rgb(anchor), BuildLayout.of(root)
        if not segment.anchor_segment or Path(anchor) != build.frame(segment.anchor_segment, "last") \
                or picture.size == size or not build.model_frame(segment.anchor_segment).is_file():
            return picture
        kept = load_rgb(build.model_frame(segment.anchor_segment))
        same = kept.size == size and np.array_equal(_fit(np.asarray(kept), *picture.size), np.asarray(picture))
        return kept if same else picture

    def model_geometry(self, segment: Segment, kept: bool = False) -> tuple:
        """The size and frame count the model renders `segment` at (nearest the plan); `kept`: and those it keeps."""
        width, height = segment.resolution
        pipe = self.video_pipe()
        config = pipe_config_reader(pipe)
        size = self.spec.model_size(pipe, width, height)
        if size != (width, height):
            self._warn(f"{self.spec.name}: Adjusting ({width}, {height}) -> {size}; "
                       "frames are scaled back to the production's resolution")
        geometry = self.spec.geometry(config, self.config.get("fps"))
        seconds = segment.frames / segment.fps
        if not geometry.fits(seconds):
            message, hint = geometry.too_long(f"{self.spec.name} '{self.config['model']}'", segment.id, seconds)
            raise BackendError(f"director.max_segment_seconds: {message} (hint: {hint})")
        return (size, geometry.frames_for(seconds)) + ((geometry.frames_used(seconds),) if kept else ())

    def call_arguments(self, image: Image.Image, last_image: Image.Image | None, prompt: str, count: int,
                       size: tuple[int, int], seed: int) -> dict:
        """The keyword arguments of the pipeline call (a fresh seeded generator each time)."""
        import torch

        pipe = self.video_pipe()
        fps = self.spec.geometry(pipe_config_reader(pipe), self.config.get("fps")).fps
        arguments = self.spec.arguments(pipe, image, last_image, size[0], size[1], count, fps)
        arguments.update(prompt=prompt, output_type=self.spec.output_type,
                         generator=torch.Generator("cpu").manual_seed(seed))
        if self.config.get("negative_prompt"):
            arguments["negative_prompt"] = self.config["negative_prompt"]
        if self.config.get("steps"):
            arguments["num_inference_steps"] = self.config["steps"]
        if self.config.get("guidance") is not None:
            arguments.update(self.spec.guidance_arguments(pipe, self.config["guidance"]))
        extra = self.config.get("pipeline_args") or {}
        check_pipeline_args(pipe, extra, set(arguments))
        arguments.update(extra)
        return arguments

    def generate(self, image: Image.Image, last_image: Image.Image | None, prompt: str, count: int,
                 size: tuple[int, int], seed: int, label: str) -> np.ndarray:
        """`count` frames at `size` from the video model, as (frames, height, width, 3) uint8."""
        pipe = self.video_pipe()
        arguments = self.call_arguments(image, last_image, prompt, count, size, seed)
        pipe.set_progress_bar_config(desc=f"{self.spec.name} {label}", leave=False, disable=None)
        try:
            output = self.spec.call(pipe, arguments)
        except RuntimeError as error:
            if _is_out_of_memory(error):
                raise self._out_of_memory(f"director.model ({self.spec.name})",
                                          f"rendering {label} at {size[0]}x{size[1]}, {count} frames") from error
            raise
        self.sound = self.spec.sound(pipe, output)
        frames = np.asarray(output.frames[0], dtype=np.float32)  # (frames, height, width, 3) in 0..1
        return (frames.clip(0, 1) * 255).round().astype(np.uint8)


def _fit(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    if picture.shape[:2] == (height, width):
        return picture
    return np.asarray(Image.fromarray(picture).resize((width, height), Image.LANCZOS))
