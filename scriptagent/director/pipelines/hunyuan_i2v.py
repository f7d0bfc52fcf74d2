"""HunyuanVideo 1.5 image-to-video (HunyuanVideo15ImageToVideoPipeline).

Checkpoints: hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_i2v (and -720p_i2v).
24 fps, 4k+1 frames (121 = 5 s). The pipeline picks its own size: the bucket of about target_size² pixels
(480p or 720p, from the transformer's config) nearest the opening image's aspect; the frames are scaled to the
production's resolution afterwards. Guidance goes through the pipeline's guider.
First frame only: the model has no closing-image input.
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline, near_area


class HunyuanVideo15ImageToVideo(VideoPipeline):
    name = "hunyuan-i2v"
    diffusers_class = "HunyuanVideo15ImageToVideoPipeline"
    default_fps = 24

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae = config("vae")
        return Geometry(fps=fps or self.default_fps, frame_step=vae.get("temporal_compression_ratio", 4),
                        size_multiple=vae.get("spatial_compression_ratio", 16))

    def target_size(self, config: ConfigReader) -> int:
        return config("transformer").get("target_size", 480)

    def size_for(self, config: ConfigReader, width: int, height: int) -> tuple[int, int]:
        geometry = self.geometry(config)
        return near_area(width, height, self.target_size(config), geometry.size_multiple)

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        return {"image": image, "num_frames": frames}  # the size follows the image

    def guidance_arguments(self, pipe, guidance: float) -> dict:
        pipe.guider = pipe.guider.new(guidance_scale=guidance)
        return {}
