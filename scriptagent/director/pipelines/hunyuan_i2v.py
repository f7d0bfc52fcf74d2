"""HunyuanVideo 1.5 image-to-video (HunyuanVideo15ImageToVideoPipeline).

Checkpoints: hunyuanvideo-community/HunyuanVideo-1.5-480p_i2v (and -720p_i2v).
24 fps, 4k+1 frames, trained on 121 (5 s: the pipeline's default num_frames). The pipeline picks its own size
from the opening picture: the bucket of its transformer's `target_size` (640 for 480p, 960 for 720p; 640 when the
config has none, the transformer's default) nearest the picture's aspect, in multiples of the VAE's spatial factor
(diffusers' hunyuan_video1_5/image_processor.py, `calculate_default_height_width`). A loaded pipeline is asked
directly; the plan, which imports no diffusers, uses `bucket` below, that function's arithmetic line for line
(tests/test_diffusers_authors.py checks the two agree). The frames are scaled to the production's resolution
afterwards. Guidance goes through the pipeline's guider.
First frame only: the model has no closing-image input.
"""

from __future__ import annotations

from . import ConfigReader, Geometry, VideoPipeline

DEFAULT_TARGET_SIZE = 640  # HunyuanVideo15Transformer3DModel's default target_size (and the pipeline's fallback)
TRAINED_FRAMES = 121


def bucket(width: int, height: int, target_size: int, patch: int) -> tuple[int, int]:
    """(width, height) of the bucket the pipeline renders a width x height picture at: diffusers'
    generate_crop_size_list and get_closest_ratio (from Tencent's hyvideo/utils/data_utils.py). Like them, the
    first number of a bucket is its height."""
    patches = round((target_size / patch) ** 2)
    buckets, wp, hp = [], patches, 1
    while wp > 0:
        if max(wp, hp) / min(wp, hp) <= 4.0:
            buckets.append((wp * patch, hp * patch))
        if (hp + 1) * wp <= patches:
            hp += 1
        else:
            wp -= 1
    aspect = float(height) / float(width)
    differences = [round(float(h) / float(w), 5) - aspect for h, w in buckets]
    candidates = [(index, d) for index, d in enumerate(differences) if (d <= 0 if aspect >= 1 else d >= 0)]
    bucket_height, bucket_width = buckets[min(candidates, key=lambda pair: abs(pair[1]))[0]]
    return bucket_width, bucket_height


class HunyuanVideo15ImageToVideo(VideoPipeline):
    name = "hunyuan-i2v"
    diffusers_class = "HunyuanVideo15ImageToVideoPipeline"
    default_fps = 24

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae = config("vae")
        return Geometry(fps=fps or self.default_fps, frame_step=vae.get("temporal_compression_ratio", 4),
                        size_multiple=vae.get("spatial_compression_ratio", 16), max_frames=TRAINED_FRAMES)

    def target_size(self, config: ConfigReader) -> int:
        return config("transformer").get("target_size", DEFAULT_TARGET_SIZE)

    def size_for(self, config: ConfigReader, width: int, height: int) -> tuple[int, int]:
        return bucket(width, height, self.target_size(config), self.geometry(config).size_multiple)

    def model_size(self, pipe, width: int, height: int) -> tuple[int, int]:
        bucket_height, bucket_width = pipe.video_processor.calculate_default_height_width(
            height=height, width=width, target_size=pipe.target_size)
        return bucket_width, bucket_height

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        return {"image": image, "num_frames": frames}  # the size follows the image

    def guidance_arguments(self, pipe, guidance: float) -> dict:
        pipe.guider = pipe.guider.new(guidance_scale=guidance)
        return {}
