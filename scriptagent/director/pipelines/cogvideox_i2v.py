"""CogVideoX image-to-video (CogVideoXImageToVideoPipeline).

Checkpoints: THUDM/CogVideoX-5b-I2V (1.0: 720x480 and 49 frames only, 8 fps = 6 s; set max_segment_seconds: 6),
THUDM/CogVideoX1.5-5B-I2V (1.5: any size in multiples of 16, 16 fps, 4k+1 frames).
The 1.0 model learned one position embedding per place, so its size and length are fixed: this file reads that from
the transformer's config (`use_learned_positional_embeddings`, `sample_width`, `sample_height`, `sample_frames`).
First frame only: the model has no closing-image input.
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline


class CogVideoXImageToVideo(VideoPipeline):
    name = "cogvideox-i2v"
    diffusers_class = "CogVideoXImageToVideoPipeline"
    default_fps = 8

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae, transformer = config("vae"), config("transformer")
        spatial = 2 ** (len(vae.get("block_out_channels") or [0, 0, 0, 0]) - 1)
        temporal = vae.get("temporal_compression_ratio", 4)
        native_fps = fps or (16 if transformer.get("patch_size_t") else self.default_fps)  # 1.5 runs at 16 fps
        multiple = spatial * transformer.get("patch_size", 2)
        if transformer.get("use_learned_positional_embeddings", True):
            size = (transformer.get("sample_width", 90) * spatial, transformer.get("sample_height", 60) * spatial)
            return Geometry(fps=native_fps, frame_step=temporal, size_multiple=multiple,
                            fixed_frames=transformer.get("sample_frames", 49), fixed_size=size)
        return Geometry(fps=native_fps, frame_step=temporal, size_multiple=multiple)

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        # the transformer learned positions for exactly this many text tokens
        return {"image": image, "width": width, "height": height, "num_frames": frames,
                "max_sequence_length": pipe.transformer.config.get("max_text_seq_length", 226)}
