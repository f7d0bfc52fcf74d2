"""Wan 2.1 / 2.2 image-to-video (WanImageToVideoPipeline).

Checkpoints: Wan-AI/Wan2.1-I2V-14B-480P-Diffusers, Wan-AI/Wan2.1-I2V-14B-720P-Diffusers,
Wan-AI/Wan2.1-FLF2V-14B-720P-Diffusers (first+last frame), Wan-AI/Wan2.2-I2V-A14B-Diffusers,
Wan-AI/Wan2.2-TI2V-5B-Diffusers.
The 14B models: 16 fps, trained on 81 frames (5 s). Wan 2.2 TI2V-5B: 24 fps, 121 frames (5 s); its pipeline config
sets `expand_timesteps` (the opening picture replaces the first latent frame). Frame counts are 4k+1, sizes
multiples of the VAE's spatial factor x the patch (8 x 2 = 16; TI2V: 16 x 2 = 32), all read from the configs.
The authors load the VAE and the CLIP image encoder in float32, the transformer in bfloat16 (the pipeline's
docstring example): so does the director, whatever director.dtype says for the rest.

First+last frame: Wan 2.1 I2V encodes one CLIP image and was trained on one, so a closing keyframe is given only to
checkpoints that embed two (FLF2V: the transformer's `pos_embed_seq_len`) or none (Wan 2.2 I2V A14B). Wan 2.2
TI2V-5B takes none: with `expand_timesteps` the pipeline's prepare_latents conditions on the first frame only and
drops `last_image` without a word. An FLF2V checkpoint always reads two image embeddings: without a closing
keyframe the opening picture stands for both (the latent condition still pins only the first frame, so the end
stays free).
"""

from __future__ import annotations

from . import MODEL_INDEX, ConfigReader, Geometry, VideoPipeline

TRAINED_FRAMES = 81  # Wan 2.1 and Wan 2.2 A14B: 5 s at 16 fps (the pipeline's default num_frames)
TI2V_FPS, TI2V_TRAINED_FRAMES = 24, 121  # Wan 2.2 TI2V-5B: 5 s at 24 fps (its model card and generate.py)


def _expands_timesteps(config: ConfigReader) -> bool:
    """Wan 2.2 TI2V-5B: the pipeline's own config (model_index.json) says `expand_timesteps`."""
    return bool(config(MODEL_INDEX).get("expand_timesteps"))


class WanImageToVideo(VideoPipeline):
    name = "wan-i2v"
    diffusers_class = "WanImageToVideoPipeline"
    default_fps = 16
    last_frame = True
    float32_components = ("vae", "image_encoder")

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae = config("vae")
        transformer = config("transformer") or config("transformer_2")
        patch = (transformer.get("patch_size") or [1, 2, 2])[1]
        ti2v = _expands_timesteps(config)
        return Geometry(fps=fps or (TI2V_FPS if ti2v else self.default_fps),
                        frame_step=vae.get("scale_factor_temporal", 4),
                        size_multiple=vae.get("scale_factor_spatial", 8) * patch,
                        max_frames=TI2V_TRAINED_FRAMES if ti2v else TRAINED_FRAMES)

    def supports_last_frame(self, config: ConfigReader) -> bool:
        if _expands_timesteps(config):
            return False
        transformer = config("transformer")
        return (not transformer or transformer.get("image_dim") is None
                or transformer.get("pos_embed_seq_len") is not None)

    def no_last_frame_reason(self, config: ConfigReader) -> str:
        if _expands_timesteps(config):
            return "its pipeline config sets expand_timesteps (Wan 2.2 TI2V), so the pipeline ignores last_image"
        return "a Wan 2.1 I2V checkpoint embeds one image (FLF2V checkpoints take a closing one)"

    def call(self, pipe, arguments: dict):
        transformer = pipe.transformer or pipe.transformer_2
        if "last_image" in arguments or not transformer.config.get("pos_embed_seq_len"):
            return pipe(**arguments)
        # an FLF2V checkpoint with no closing picture: the opening one is embedded twice, for this call only
        encode = pipe.encode_image
        pipe.encode_image = lambda image, device=None: encode([image, image], device)
        try:
            return pipe(**arguments)
        finally:
            del pipe.encode_image  # the class's own method again
