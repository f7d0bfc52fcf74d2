"""Where a model runs and in which precision: one rule for every backend (scripter, director, critic)."""

from __future__ import annotations

from .errors import BackendError


def resolve_device(device: str, setting: str = "device") -> str:
    """'auto' picks CUDA, then Apple's MPS, then the CPU; an explicit CUDA device must exist."""
    import torch

    if device != "auto":
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise BackendError(f"{setting}: '{device}' but no CUDA GPU is available (hint: use auto or cpu)")
        return device
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: str, device: str):
    """'auto': bfloat16 on GPUs that have it (else float16), float32 on the CPU."""
    import torch

    if dtype != "auto":
        return getattr(torch, dtype)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32  # half precision on a CPU is slow, where it works at all
