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
One pipeline is held per process and reused for every segment; loading another frees it (keyframes run first).
torch and diffusers are imported inside the methods: importing this module stays cheap.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import BackendError, InputError, Problem, first_line
from ..layout import PRODUCTION_FILE, BuildLayout
from ..plan import Keyframe, Segment
from ..schema import digest
from .pipelines import check_pipeline_args, config_reader, pipe_config_reader, video_pipeline
from .prompts import keyframe_prompt, segment_prompt
from ..media import FrameWriter, save_png

RENDERER_VERSION = "diffusers-1"
# The settings a keyframe picture depends on (not the video model's).
KEYFRAME_SETTINGS = ("keyframe_model", "keyframe_steps", "keyframe_guidance", "negative_prompt", "ip_adapter", "dtype",
                     "device", "trust_remote_code")

_LOADED: dict[tuple, object] = {}  # at most one pipeline: (kind, model, dtype, device, ...) -> pipeline


def _held_pipeline(key: tuple, load):
    """The pipeline for `key`, loaded on first use; loading another one first frees the one held."""
    if key not in _LOADED:
        release_pipelines()
        _LOADED[key] = load()
    return _LOADED[key]


def release_pipelines() -> None:
    _LOADED.clear()
    gc.collect()
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


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


def _is_out_of_memory(error: BaseException) -> bool:
    import torch

    if isinstance(error, getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "not enough memory" in text)


def _model_key(model: str) -> str:
    """A local folder by its full path (relative names differ between productions), a hub id as it is."""
    folder = Path(model).expanduser()
    return str(folder.resolve()) if folder.is_dir() else model


def _dtype_keyword() -> str:
    """diffusers renamed `torch_dtype` to `dtype` (and warns about the old name); older versions know only that."""
    from diffusers.utils import deprecation_utils

    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


def _load_rgb(path: Path) -> Image.Image:
    try:
        with Image.open(path) as opened:
            return opened.convert("RGB")
    except OSError as error:
        raise BackendError(f"cannot read image {path}: {error}") from error


class DiffusersRenderer:
    """Renders segments with a diffusers image-to-video pipeline and keyframes with a text-to-image one."""

    version = RENDERER_VERSION
    slate_shows_shot_ids = False  # a video model never sees shot ids
    needs_opening_image = True  # an image-to-video model starts from a picture: the plan gives every segment one
    calibrated = True

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

    def __init__(self, config: dict):
        self.config = dict(config)
        self.spec = video_pipeline(self.config["pipeline"]) if "pipeline" in self.config else None
        self.crf = int(self.config.get("crf", 18))
        self._warned: set[str] = set()

    # --- devices and loading -------------------------------------------------------------------------------

    def device(self) -> str:
        from ..devices import resolve_device

        return resolve_device(self.config.get("device", "auto"), "director.device")

    def dtype(self):
        from ..devices import resolve_dtype

        return resolve_dtype(self.config.get("dtype", "auto"), self.device())

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            print(message, file=sys.stderr)

    def _out_of_memory(self, what: str, detail: str) -> BackendError:
        hints = []
        if not self.config.get("cpu_offload"):
            hints.append("director.cpu_offload: true")
        if not self.config.get("vae_tiling") and "keyframe" not in what:
            hints.append("director.vae_tiling: true")
        hints.append("a lower style.resolution")
        if "keyframe" not in what:
            hints.append("a shorter director.max_segment_seconds")
        release_pipelines()
        return BackendError(f"{what}: out of {self.device()} memory {detail} (hint: try {', or '.join(hints)})")

    def _load(self, loader, model: str, what: str, prepare=None, float32: tuple[str, ...] = ()):
        """from_pretrained (the `float32` components in float32) with errors a user can act on; then `prepare`d
        and placed on the device, offloaded or tiled."""
        import torch

        dtype = self.dtype()
        if float32 and dtype != torch.float32:
            dtype = {"default": dtype, **{component: torch.float32 for component in float32}}
        try:
            pipe = loader.from_pretrained(model, **{_dtype_keyword(): dtype},
                                          trust_remote_code=bool(self.config.get("trust_remote_code")))
        except (OSError, ValueError, TypeError, KeyError, ImportError, AttributeError) as error:
            if Path(model).expanduser().is_absolute() or model.startswith("."):
                hint = "check the folder: it must hold a diffusers model (model_index.json and its components)"
            else:
                hint = (f"download it first (`hf download {model}`) or give a local folder; "
                        "without network, HF_HUB_OFFLINE=1 uses only the local cache")
            raise BackendError(f"{what}: cannot load '{model}' as {getattr(loader, '__name__', loader)}: "
                               f"{first_line(error)} ({hint})") from error
        except RuntimeError as error:
            if _is_out_of_memory(error):
                raise self._out_of_memory(what, f"loading '{model}'") from error
            raise
        if prepare is not None:
            pipe = prepare(pipe)
        device = self.device()
        try:
            if self.config.get("cpu_offload") and device != "cpu":
                pipe.enable_model_cpu_offload(device=device)
            else:
                pipe.to(device)
        except RuntimeError as error:
            if _is_out_of_memory(error):
                raise self._out_of_memory(what, f"moving '{model}' to {device}") from error
            raise
        vae = getattr(pipe, "vae", None)
        if self.config.get("vae_tiling") and hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
        return pipe

    def video_pipe(self):
        import diffusers

        loader = getattr(diffusers, self.spec.diffusers_class)
        key = ("video", self.spec.name, _model_key(self.config["model"]), self.config.get("dtype"),
               self.config.get("device"), self.config.get("cpu_offload"), self.config.get("vae_tiling"))
        return _held_pipeline(key, lambda: self._load(loader, self.config["model"],
                                                      f"director.model ({self.spec.name})",
                                                      float32=self.spec.float32_components))

    def keyframe_pipe(self):
        from diffusers import AutoPipelineForText2Image

        model = self.config["keyframe_model"]
        key = ("keyframe", _model_key(model), self.config.get("dtype"), self.config.get("device"),
               self.config.get("cpu_offload"), repr(self.config.get("ip_adapter")))
        return _held_pipeline(key, lambda: self._load(AutoPipelineForText2Image, model, "director.keyframe_model",
                                                      prepare=self._with_ip_adapter))

    def _with_ip_adapter(self, pipe):
        adapter = self.config.get("ip_adapter")
        if not adapter:
            return pipe
        if not hasattr(pipe, "load_ip_adapter"):
            raise BackendError(f"director.ip_adapter: {type(pipe).__name__} cannot load an IP-Adapter "
                               "(hint: use a Stable Diffusion, SDXL or Flux keyframe_model, or remove ip_adapter)")
        encoder = adapter.get("image_encoder_folder")
        if "image_encoder_pretrained_model_name_or_path" in inspect.signature(pipe.load_ip_adapter).parameters:
            options = {"image_encoder_pretrained_model_name_or_path": encoder}  # Flux names its encoder apart
        else:
            options = {"image_encoder_folder": encoder}
        try:
            pipe.load_ip_adapter(adapter["model"], subfolder=adapter.get("subfolder") or "",
                                 weight_name=adapter["weight_name"], **options)
        except (OSError, ValueError, KeyError) as error:
            raise BackendError(f"director.ip_adapter: cannot load '{adapter['model']}' "
                               f"({adapter['weight_name']}): {first_line(error)}") from error
        return pipe

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
            references = [_load_rgb(Path(root) / member.reference) for member in keyframe.cast.values()
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
        if anchor is None:
            raise BackendError(f"segment {segment.id}: no opening picture to start from (hint: run `doit` so that "
                               "the plan and the keyframes are made first)")
        width, height = segment.resolution
        size, count, used = self.model_geometry(segment, kept=True)
        config, last_image = pipe_config_reader(self.video_pipe()), None
        if end_anchor is not None and self.spec.supports_last_frame(config):
            last_image = _load_rgb(end_anchor)
        elif end_anchor is not None:
            self._warn(f"{self.spec.name}: '{self.config['model']}' takes no closing image: "
                       f"{self.spec.no_last_frame_reason(config)}; segments end free")
        frames = self.generate(self.opening_picture(segment, root, anchor, size), last_image, segment_prompt(segment),
                               count, size, segment_seed(segment.seed, digest(segment.render_data(ids_drawn=False))),
                               f"segment {segment.id}")[:used]
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

    def opening_picture(self, segment: Segment, root: Path, anchor: Path, size: tuple[int, int]) -> Image.Image:
        """The anchor; in a chain, the previous last frame at the model's size where one was kept and the anchor was
        scaled from exactly it (a render placed from the cache, or a retake, may have left none or another)."""
        picture, build = _load_rgb(anchor), BuildLayout.of(root)
        if not segment.anchor_segment or Path(anchor) != build.frame(segment.anchor_segment, "last") \
                or picture.size == size or not build.model_frame(segment.anchor_segment).is_file():
            return picture
        kept = _load_rgb(build.model_frame(segment.anchor_segment))
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
        frames = np.asarray(output.frames[0], dtype=np.float32)  # (frames, height, width, 3) in 0..1
        return (frames.clip(0, 1) * 255).round().astype(np.uint8)


def _fit(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    if picture.shape[:2] == (height, width):
        return picture
    return np.asarray(Image.fromarray(picture).resize((width, height), Image.LANCZOS))
