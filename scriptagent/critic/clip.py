"""Image and text encoders for the embedding metrics, loaded through transformers' Auto classes.

`critic.clip_model` (a CLIP or SigLIP checkpoint: Hub id or local folder) embeds frames and shot texts;
`critic.subject_model` (DINO, as VBench uses, or any vision model) embeds frames for subject consistency.
Loading goes through `from_pretrained`, so the Hugging Face cache, HF_HOME and HF_HUB_OFFLINE apply as usual.

A model that cannot be loaded is not an error: `load_encoder` returns a `Skipped` with the reason and what fixes
it, and the metrics that need the model are reported as skipped. Nothing is ever guessed in its place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import first_line

BATCH = 16  # frames per forward pass: bounded memory on long shots


@dataclass(frozen=True)
class Skipped:
    """Why a metric was not computed, and what the user can do about it."""

    reason: str
    fix: str

    def as_json(self) -> dict:
        return {"reason": self.reason, "fix": self.fix}


class TransformersEncoder:
    """Embeds images (and texts, for CLIP-like models) into L2-normalised numpy rows."""

    def __init__(self, name: str):
        import torch
        from transformers import AutoModel, AutoProcessor

        self.name = name
        self.torch = torch
        self.model = AutoModel.from_pretrained(name).eval()
        self.processor = AutoProcessor.from_pretrained(name)
        config = self.model.config
        # SigLIP was trained on texts padded to a fixed length; CLIP on texts padded to the batch
        self.text_padding = "max_length" if config.model_type.startswith("siglip") else True
        text_config = getattr(config, "text_config", None)
        tokenizer = getattr(self.processor, "tokenizer", None)
        limits = [getattr(text_config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
        self.max_text_tokens = min(limit for limit in limits if isinstance(limit, int) and limit > 0) \
            if any(isinstance(limit, int) and limit > 0 for limit in limits) else 77
        self.has_text = hasattr(self.model, "get_text_features") and tokenizer is not None

    @staticmethod
    def _pooled(output):
        """The embedding: transformers 5 returns an output with it in pooler_output, 4.x the tensor itself."""
        if hasattr(output, "pooler_output") and output.pooler_output is not None and output.pooler_output.ndim == 2:
            return output.pooler_output
        if hasattr(output, "last_hidden_state"):
            return output.last_hidden_state[:, 0]  # ViT/DINO: the CLS token, as VBench uses for DINO
        return output

    @staticmethod
    def _normalised(tensor) -> np.ndarray:
        rows = tensor.float().cpu().numpy()
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    def images(self, frames: list[np.ndarray]) -> np.ndarray:
        from PIL import Image

        out = []
        for start in range(0, len(frames), BATCH):
            pictures = [Image.fromarray(frame) for frame in frames[start:start + BATCH]]
            pixels = self.processor(images=pictures, return_tensors="pt")["pixel_values"]
            with self.torch.inference_mode():
                if hasattr(self.model, "get_image_features"):
                    output = self.model.get_image_features(pixel_values=pixels)
                else:
                    output = self.model(pixel_values=pixels)
            out.append(self._normalised(self._pooled(output)))
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    def texts(self, texts: list[str]) -> np.ndarray:
        if not self.has_text:
            raise TypeError(f"{self.name} has no text encoder")
        inputs = self.processor(text=list(texts), return_tensors="pt", padding=self.text_padding, truncation=True,
                                max_length=self.max_text_tokens)
        with self.torch.inference_mode():
            output = self.model.get_text_features(**{k: v for k, v in inputs.items()
                                                     if k in ("input_ids", "attention_mask")})
        return self._normalised(self._pooled(output))


@functools.lru_cache(maxsize=4)
def load_encoder(name: str, needs_text: bool = False) -> TransformersEncoder | Skipped:
    """The encoder for `name`, loaded once per process; a Skipped (reason, fix) when it cannot be loaded."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        return Skipped(f"{error.name} is not installed", "pip install 'scriptagent[metrics]'")
    try:
        encoder = TransformersEncoder(name)
    except Exception as error:  # noqa: BLE001 - any loading failure (missing, offline, corrupt) becomes a skip
        reason = first_line(error)
        return Skipped(f"cannot load '{name}': {reason[:300]}",
                       f"download it once (`hf download {name}`) or point the setting at a local folder "
                       "(offline: HF_HUB_OFFLINE=1 uses the cache only)")
    if needs_text and not encoder.has_text:
        return Skipped(f"'{name}' has no text encoder", "use a CLIP or SigLIP checkpoint for critic.clip_model")
    return encoder
