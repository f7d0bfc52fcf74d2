"""Wan 2.1 / 2.2 image-to-video (WanImageToVideoPipeline).

Checkpoints: Wan-AI/Wan2.1-I2V-14B-480P-Diffusers, Wan-AI/Wan2.1-I2V-14B-720P-Diffusers,
Wan-AI/Wan2.1-FLF2V-14B-720P-Diffusers (first+last frame), Wan-AI/Wan2.2-I2V-A14B-Diffusers.
16 fps, 4k+1 frames (81 = 5 s), sizes in multiples of 16 (VAE 8 x patch 2).

First+last frame: Wan 2.1 I2V encodes one CLIP image and was trained on one, so a closing keyframe is given only to
checkpoints that embed two (FLF2V: the transformer's `pos_embed_seq_len`) or none (Wan 2.2). An FLF2V checkpoint
always reads two image embeddings: without a closing keyframe the opening picture stands for both (the latent
condition still pins only the first frame, so the end stays free).
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline


class WanImageToVideo(VideoPipeline):
    name = "wan-i2v"
    diffusers_class = "WanImageToVideoPipeline"
    default_fps = 16
    last_frame = True

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae = config("vae")
        transformer = config("transformer") or config("transformer_2")
        patch = (transformer.get("patch_size") or [1, 2, 2])[1]
        return Geometry(fps=fps or self.default_fps, frame_step=vae.get("scale_factor_temporal", 4),
                        size_multiple=vae.get("scale_factor_spatial", 8) * patch)

    def supports_last_frame(self, config: ConfigReader) -> bool:
        transformer = config("transformer")
        return (not transformer or transformer.get("image_dim") is None
                or transformer.get("pos_embed_seq_len") is not None)

    def call(self, pipe, arguments: dict):
        if "last_image" in arguments or not pipe.transformer.config.get("pos_embed_seq_len"):
            return pipe(**arguments)
        # an FLF2V checkpoint with no closing picture: the opening one is embedded twice, for this call only
        encode = pipe.encode_image
        pipe.encode_image = lambda image, device=None: encode([image, image], device)
        try:
            return pipe(**arguments)
        finally:
            del pipe.encode_image  # the class's own method again
