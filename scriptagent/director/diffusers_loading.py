"""Loading the diffusers director's pipelines: on the configured device and precision, one held per process (loading
another frees it), with errors a user can act on (out of memory, missing weights, an IP-Adapter that cannot load).

DiffusersRenderer (diffusers_renderer.py) is a PipelineLoader; torch and diffusers are imported inside the methods.
"""

from __future__ import annotations

import gc
import inspect
import sys
from pathlib import Path

from ..errors import BackendError, first_line

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


class PipelineLoader:
    """The video and keyframe pipelines of a director configuration (`self.config`; `self.spec`: its VideoPipeline)."""

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

        loader = getattr(diffusers, self.spec.diffusers_class, None)
        if loader is None:  # a pipeline newer than the diffusers installed (LTX-2)
            raise BackendError(f"director.pipeline: {self.spec.name} needs diffusers' {self.spec.diffusers_class}, "
                               f"which diffusers {diffusers.__version__} lacks (hint: pip install -U diffusers)")
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
