"""CogVideoX image-to-video (CogVideoXImageToVideoPipeline).

Checkpoints: THUDM/CogVideoX-5b-I2V (1.0: 720x480 and 49 frames only, 8 fps = 6 s),
THUDM/CogVideoX1.5-5B-I2V (1.5: 16 fps, 4k+1 frames, 5 or 10 s; its model card: Min(W, H) = 768,
768 <= Max(W, H) <= 1360, multiples of 16).
The 1.0 model learned one position embedding per place, so its size and length are fixed: this file reads that from
the transformer's config (`use_learned_positional_embeddings`, `sample_width`, `sample_height`, `sample_frames`).
It renders all 49 frames for any segment; a shorter segment keeps their first seconds at the model's own speed
(Geometry.frames_used), and a longer one than 6 s is refused in the plan. The 1.5 model's trained size is the same
config's sample_height x sample_width (96 x 170 latents = 768 x 1360): the film is rendered with that short side.
First frame only: the model has no closing-image input.
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline

LONGEST_15 = 161  # CogVideoX 1.5: "5 or 10 seconds" at 16 fps on its model card (sample_frames says 81, the 5 s)


class CogVideoXImageToVideo(VideoPipeline):
    name = "cogvideox-i2v"
    diffusers_class = "CogVideoXImageToVideoPipeline"
    default_fps = 8

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae, transformer = config("vae"), config("transformer")
        spatial = 2 ** (len(vae.get("block_out_channels") or [0, 0, 0, 0]) - 1)
        temporal = vae.get("temporal_compression_ratio", 4)
        version_15 = bool(transformer.get("patch_size_t"))
        native_fps = fps or (16 if version_15 else self.default_fps)  # 1.5 runs at 16 fps
        multiple = spatial * transformer.get("patch_size", 2)
        # the transformer's defaults where its config omits them (CogVideoXTransformer3DModel: 90 x 60, 49)
        width, height = transformer.get("sample_width", 90) * spatial, transformer.get("sample_height", 60) * spatial
        if transformer.get("use_learned_positional_embeddings", True):
            frames = transformer.get("sample_frames", 49)
            return Geometry(fps=native_fps, frame_step=temporal, size_multiple=multiple, fixed_frames=frames,
                            max_frames=frames, fixed_size=(width, height))
        if version_15:
            return Geometry(fps=native_fps, frame_step=temporal, size_multiple=multiple, max_frames=LONGEST_15,
                            short_side=min(width, height), long_side=max(width, height))
        return Geometry(fps=native_fps, frame_step=temporal, size_multiple=multiple,
                        max_frames=transformer.get("sample_frames"))

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        # the transformer learned positions for exactly this many text tokens
        return {"image": image, "width": width, "height": height, "num_frames": frames,
                "max_sequence_length": pipe.transformer.config.get("max_text_seq_length", 226)}
