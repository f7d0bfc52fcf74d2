"""LTX-Video through its condition pipeline (LTXConditionPipeline): images pinned at chosen frames.

Checkpoints: Lightricks/LTX-Video-0.9.5 and later (0.9.7, 0.9.8 distilled) in diffusers format.
24 fps, 8k+1 frames (121 = 5 s) up to 257 (diffusers' LTX-Video documentation: "works best on resolutions under
720 x 1280 and number of frames below 257"), sizes in multiples of 32 (VAE compression x patch).
First+last frame: the opening image is pinned at frame 0 and the closing one at the last frame.
Distilled checkpoints (0.9.7/0.9.8 distilled) need their own schedule, given through director.pipeline_args (the
README's "Rendering with video models" lists it): timesteps, decode_timestep, decode_noise_scale,
image_cond_noise_scale, and director.guidance: 1.
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline

LONGEST = 257  # frames: the documented limit of LTX-Video (about 10.7 s at 24 fps)


class LTXCondition(VideoPipeline):
    name = "ltx"
    diffusers_class = "LTXConditionPipeline"
    default_fps = 24
    last_frame = True

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae, transformer = config("vae"), config("transformer")
        scaling = sum(vae.get("spatio_temporal_scaling") or [True, True, True, False])
        spatial = vae.get("spatial_compression_ratio") or vae.get("patch_size", 4) * 2 ** scaling
        temporal = vae.get("temporal_compression_ratio") or vae.get("patch_size_t", 1) * 2 ** scaling
        return Geometry(fps=fps or self.default_fps, frame_step=temporal * transformer.get("patch_size_t", 1),
                        size_multiple=spatial * transformer.get("patch_size", 1), max_frames=LONGEST)

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions = [LTXVideoCondition(image=image, frame_index=0)]
        if last_image is not None:
            conditions.append(LTXVideoCondition(image=last_image, frame_index=frames - 1))
        return {"conditions": conditions, "width": width, "height": height, "num_frames": frames, "frame_rate": fps}
