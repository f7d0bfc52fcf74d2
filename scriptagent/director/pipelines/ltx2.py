"""LTX-2 through its condition pipeline (LTX2ConditionPipeline): images pinned at chosen frames, and a soundtrack
made in the same pass as the picture.

Checkpoints: Lightricks/LTX-2 (19B), its distilled variant (rootonchair/LTX-2-19b-distilled in diffusers' LTX-2
documentation) and the later LTX-2.x releases, in diffusers format (a Gemma text encoder, a video VAE, an audio VAE
and a vocoder).
Frames: 8k+1 (the VAE's `temporal_compression_ratio` x the transformer's `patch_size_t`) at 24 fps, the pipeline's
default `frame_rate` (the model is conditioned on the rate: director.fps may set another), up to 20 s (481 frames at
24 fps: the longest clip diffusers' LTX-2 pipelines ask for, their `max_seconds`). Sizes: multiples of 32 (the VAE's
`spatial_compression_ratio` x the transformer's `patch_size`; the pipeline refuses any other).
First+last frame: the opening picture is pinned at latent frame 0 and the closing one at the last (index -1), as in
the pipeline's own example. A single picture conditions as the model was trained: H.264-compressed at the
checkpoint's CRF (33 for LTX-2 and 2.3, 18 for 2.5). diffusers does that with PyAV; without PyAV this file does the
same with the director's ffmpeg (libx264, veryfast, yuv420p) and gives the condition crf 0.
Sound: the vocoder's waveform (stereo at `vocoder.config.output_sampling_rate`: 24 kHz for LTX-2), averaged to mono;
the director writes it beside the render when director.audio is model or mix.
Guidance: director.guidance is the video's guidance_scale. The audio has its own (audio_guidance_scale, 7 unless
set), and the spatio-temporal and modality guidance run extra passes (stg_scale, modality_scale and their audio_
twins, spatio_temporal_guidance_blocks): all of them through director.pipeline_args.
Distilled checkpoints take 8 steps on a fixed sigma schedule without guidance: diffusers' LTX-2 documentation gives
the sigmas, 8 steps and guidance 1 for the first stage of its distilled example (the director renders that one stage,
at the segment's size; no latent upsampler), and the audio, spatio-temporal and modality guidance that this diffusers
runs by default are turned off as well:

    director:
      backend: diffusers
      pipeline: ltx2
      model: rootonchair/LTX-2-19b-distilled     # or a folder, in diffusers format
      steps: 8
      guidance: 1.0
      pipeline_args:
        sigmas: [1.0, 0.99375, 0.9875, 0.98125, 0.975, 0.909375, 0.725, 0.421875]   # DISTILLED_SIGMA_VALUES
        audio_guidance_scale: 1.0
        stg_scale: 0.0
        audio_stg_scale: 0.0
        modality_scale: 1.0
        audio_modality_scale: 1.0
"""

from __future__ import annotations

import math

from . import ConfigReader, Geometry, VideoPipeline

LONGEST_SECONDS = 20  # diffusers' LTX-2 pipelines: `max_seconds` (the longest clip they predict)
MULTIPLE = 32  # LTX2ConditionPipeline.check_inputs: height and width divisible by 32
VAE_SPATIAL, VAE_TEMPORAL = 32, 8  # the pipeline's own fallbacks when the VAE's config is unknown
DEFAULT_CRF = 33  # diffusers' DEFAULT_IMAGE_CRF (LTX-2, 2.3), where it cannot tell the checkpoint's


class LTX2Condition(VideoPipeline):
    name = "ltx2"
    diffusers_class = "LTX2ConditionPipeline"
    default_fps = 24
    last_frame = True
    makes_sound = True

    def geometry(self, config: ConfigReader, fps: int | None = None) -> Geometry:
        vae, transformer = config("vae"), config("transformer")
        scaling = sum(vae.get("spatio_temporal_scaling") or [True] * 4)  # as AutoencoderKLLTX2Video computes them
        spatial = vae.get("spatial_compression_ratio") or (vae.get("patch_size", 4) * 2 ** scaling if vae
                                                           else VAE_SPATIAL)
        temporal = vae.get("temporal_compression_ratio") or (vae.get("patch_size_t", 1) * 2 ** scaling if vae
                                                             else VAE_TEMPORAL)
        step = temporal * transformer.get("patch_size_t", 1)
        fps = fps or self.default_fps
        return Geometry(fps=fps, frame_step=step,
                        size_multiple=math.lcm(MULTIPLE, spatial * transformer.get("patch_size", 1)),
                        max_frames=LONGEST_SECONDS * fps // step * step + 1)

    def arguments(self, pipe, image, last_image, width: int, height: int, frames: int, fps: int) -> dict:
        from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

        pinned = [(image, 0)] + ([(last_image, -1)] if last_image is not None else [])
        conditions = [LTX2VideoCondition(**trained_compression(pipe, picture), index=index)
                      for picture, index in pinned]
        return {"conditions": conditions, "width": width, "height": height, "num_frames": frames, "frame_rate": fps}

    def sound(self, pipe, output) -> tuple:
        import numpy as np

        audio = output.audio[0]  # (channels, samples) of the first (only) video
        samples = np.asarray(audio.float().cpu() if hasattr(audio, "cpu") else audio, dtype=np.float32)
        return (samples.mean(axis=0) if samples.ndim == 2 else samples), int(pipe.vocoder.config.output_sampling_rate)


def trained_compression(pipe, picture) -> dict:
    """The condition's `frames` and `crf`: the picture as it is (diffusers compresses it with PyAV), or, without
    PyAV, compressed here at the checkpoint's CRF with ffmpeg, and crf 0 (nothing more to do)."""
    from diffusers.utils import is_av_available

    if is_av_available():
        return {"frames": picture}
    try:
        from diffusers.pipelines.ltx2.utils import resolve_default_image_crf
        crf = resolve_default_image_crf(pipe.text_encoder)
    except ImportError:
        crf = DEFAULT_CRF
    return {"frames": h264(picture, crf), "crf": 0}


def h264(picture, crf: int):
    """A picture through one frame of H.264 at `crf` and back (even sizes, as yuv420p needs)."""
    import tempfile
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from ...media import FrameWriter, read_frames

    pixels = np.asarray(picture.convert("RGB"))
    pixels = np.ascontiguousarray(pixels[:pixels.shape[0] // 2 * 2, :pixels.shape[1] // 2 * 2])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "picture.mp4"
        with FrameWriter(path, (pixels.shape[1], pixels.shape[0]), 1, crf=crf) as writer:
            writer.write(pixels)
        frames = read_frames(path)
        try:
            return Image.fromarray(next(frames).copy())
        finally:
            frames.close()  # stops the decoder before the folder goes
