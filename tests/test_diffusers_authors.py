"""The diffusers director against what each model's authors ship (issue #18): their pipeline configs, their
examples' dtypes, frame rates, lengths and sizes, and their recommended call settings.

Config-only checkpoints (no weights) carry the keys of the published ones; the renders run on tiny random models
built in tests/diffusers_tiny.py.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from PIL import Image

import diffusers_tiny
from test_diffusers_director import ConditioningSpy, TinyModels, build, pixels, plan_of, production

from scriptagent.director import plan_segments, render_geometry
from scriptagent.director.calibration import calibration_key
from scriptagent.director.pipelines import config_reader, video_pipeline
from scriptagent.errors import BackendError, InputError
from scriptagent.schema import Production, Script
from scriptagent.schema.configs import DiffusersDirectorConfig

# component and pipeline configs of published checkpoints, reduced to the keys the pipeline files read
# ("model_index" is the pipeline's own model_index.json)
CHECKPOINTS = {
    "Wan2.1-I2V-14B-480P": ("wan-i2v", {
        "model_index": {"_class_name": "WanImageToVideoPipeline", "boundary_ratio": None},
        "vae": {"scale_factor_spatial": 8, "scale_factor_temporal": 4},
        "transformer": {"patch_size": [1, 2, 2], "image_dim": 1280, "pos_embed_seq_len": None}}),
    "Wan2.2-I2V-A14B": ("wan-i2v", {
        "model_index": {"_class_name": "WanImageToVideoPipeline", "boundary_ratio": 0.9, "expand_timesteps": False},
        "vae": {"scale_factor_spatial": 8, "scale_factor_temporal": 4},
        "transformer": {"patch_size": [1, 2, 2], "image_dim": None, "in_channels": 36}}),
    # Wan-AI/Wan2.2-TI2V-5B-Diffusers: model_index.json sets expand_timesteps; VAE 16x with 48 channels
    "Wan2.2-TI2V-5B": ("wan-i2v", {
        "model_index": {"_class_name": "WanPipeline", "boundary_ratio": None, "expand_timesteps": True},
        "vae": {"scale_factor_spatial": 16, "scale_factor_temporal": 4, "z_dim": 48},
        "transformer": {"patch_size": [1, 2, 2], "image_dim": None, "in_channels": 48}}),
    "LTX-Video-0.9.7": ("ltx", {"vae": {"patch_size": 4, "patch_size_t": 1,
                                        "spatio_temporal_scaling": [True, True, True, False]},
                                "transformer": {"patch_size": 1, "patch_size_t": 1}}),
    "CogVideoX-5b-I2V": ("cogvideox-i2v", {
        "vae": {"block_out_channels": [128, 256, 256, 512], "temporal_compression_ratio": 4},
        "transformer": {"patch_size": 2, "patch_size_t": None, "use_learned_positional_embeddings": True,
                        "sample_width": 90, "sample_height": 60, "sample_frames": 49}}),
    # THUDM/CogVideoX1.5-5B-I2V: trained at 1360x768 (Min(W, H) = 768, Max(W, H) <= 1360), 81 or 161 frames
    "CogVideoX1.5-5B-I2V": ("cogvideox-i2v", {
        "vae": {"block_out_channels": [128, 256, 256, 512], "temporal_compression_ratio": 4},
        "transformer": {"patch_size": 2, "patch_size_t": 2, "use_learned_positional_embeddings": False,
                        "sample_width": 170, "sample_height": 96, "sample_frames": 81}}),
    # hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_i2v: target_size 640 (the transformer's default)
    "HunyuanVideo-1.5-480p_i2v": ("hunyuan-i2v", {
        "vae": {"spatial_compression_ratio": 16, "temporal_compression_ratio": 4},
        "transformer": {"target_size": 640}}),
    "HunyuanVideo-1.5-720p_i2v": ("hunyuan-i2v", {
        "vae": {"spatial_compression_ratio": 16, "temporal_compression_ratio": 4},
        "transformer": {"target_size": 960}}),
}


def model_folder(tmp_path, name: str) -> str:
    """A model folder holding only the configs, as a partly downloaded model would."""
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    for component, config in CHECKPOINTS[name][1].items():
        if component == "model_index":
            (folder / "model_index.json").write_text(json.dumps(config))
        else:
            (folder / component).mkdir(exist_ok=True)
            (folder / component / "config.json").write_text(json.dumps(config))
    return str(folder)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> TinyModels:
    return TinyModels(tmp_path_factory.mktemp("models"))


def plan(director: dict, durations: list[float], fps: int = 24, resolution=(640, 360)):
    production = Production.model_validate({
        "title": "T", "style": {"fps": fps, "resolution": list(resolution)},
        "cast": [{"id": "mara", "name": "Mara", "appearance": "woman in a red coat"}],
        "setting": "a platform", "dialogue": [{"mara": "You came."}], "director": director})
    script = Script.model_validate({
        "characters": {"mara": {"name": "Mara", "appearance": "woman in a red coat"}},
        "scenes": [{"id": "platform", "setting": "a night train platform", "shots": [
            {"id": f"sh{k + 1:02d}", "duration": seconds, "shot_size": "medium", "description": f"Shot {k + 1}.",
             "characters": [{"id": "mara", "position": "centre"}]} for k, seconds in enumerate(durations)]}]})
    return plan_segments(production, script)


# --- 1. Wan 2.2 TI2V-5B ignores last_image --------------------------------------------------------------------

def test_wan22_ti2v_takes_no_closing_image_and_runs_at_24_fps(tmp_path):
    """pipeline_wan_i2v.py, prepare_latents: `if self.config.expand_timesteps: video_condition = image` (the last
    image enters nowhere), and Wan 2.2 TI2V-5B was trained at 24 fps (121 frames = 5 s)."""
    def read(name):
        return video_pipeline(CHECKPOINTS[name][0]), config_reader(model_folder(tmp_path, name))

    spec, config = read("Wan2.2-TI2V-5B")
    assert not spec.supports_last_frame(config)
    geometry = spec.geometry(config)
    assert (geometry.fps, geometry.frames_for(5.0), geometry.size_multiple) == (24, 121, 32)
    for name in ("Wan2.1-I2V-14B-480P", "Wan2.2-I2V-A14B"):  # the 14B models: 16 fps, 81 frames = 5 s
        spec, config = read(name)
        assert (spec.geometry(config).fps, spec.geometry(config).frames_for(5.0)) == (16, 81)
    assert read("Wan2.2-I2V-A14B")[0].supports_last_frame(read("Wan2.2-I2V-A14B")[1])


def test_wan22_ti2v_keyframe_mode_says_parts_end_free(models, tmp_path, capsys, monkeypatch):
    """A split shot in keyframe mode: its first part would end on the next part's keyframe. The TI2V model gets
    no closing image (it would drop it anyway), and the plan and the render say that the part ends free."""
    import diffusers

    from scriptagent.director.diffusers_renderer import DiffusersRenderer

    model = diffusers_tiny.wan_ti2v(models.folder / "wan-ti2v")
    director = {"backend": "diffusers", "pipeline": "wan-i2v", "model": str(model), "fps": 4, "steps": 1,
                "anchoring": "keyframe", "max_segment_seconds": 2}
    capsys.readouterr()
    first, second = plan(director, [3.0], fps=8, resolution=(32, 32))
    assert second.shots[0].part == 2 and second.start_keyframe  # a split shot, its second part from a keyframe
    assert first.end_keyframe is None  # the first part ends free: the plan never promises a closing picture
    warning = capsys.readouterr().err
    assert "takes no closing image" in warning and "expand_timesteps" in warning and "end free" in warning
    animatic = plan({"backend": "animatic", "anchoring": "keyframe", "max_segment_seconds": 2}, [3.0], fps=8,
                    resolution=(32, 32))
    assert animatic[0].end_keyframe == animatic[1].start_keyframe  # a backend that takes one still gets it
    first.end_keyframe = second.start_keyframe  # and a render given one anyway does not pass it on

    spy = ConditioningSpy(monkeypatch, diffusers.WanImageToVideoPipeline)
    for name, colour in (("start.png", (200, 30, 30)), ("end.png", (30, 30, 200))):
        Image.new("RGB", (32, 32), colour).save(tmp_path / name)
    paths = [tmp_path / name for name in ("v.mp4", "first.png", "last.png")]
    DiffusersRenderer(first.director).render(first, tmp_path, tmp_path / "start.png", *paths,
                                             end_anchor=tmp_path / "end.png")
    assert len(spy.calls) == 1 and spy.calls[0]["last_image"] is None
    assert "takes no closing image" in capsys.readouterr().err


# --- 4. HunyuanVideo 1.5: the plan shows the pipeline's own bucket ----------------------------------------------

@pytest.mark.parametrize("name", ["HunyuanVideo-1.5-480p_i2v", "HunyuanVideo-1.5-720p_i2v"])
@pytest.mark.parametrize("width, height", [(1280, 720), (640, 480), (720, 1280), (1000, 1000), (1920, 800),
                                           (40, 30), (333, 777)])
def test_hunyuan_plan_size_is_the_bucket_the_pipeline_picks(tmp_path, name, width, height):
    from diffusers.pipelines.hunyuan_video1_5.image_processor import HunyuanVideo15ImageProcessor

    spec, folder = video_pipeline("hunyuan-i2v"), model_folder(tmp_path, name)
    target = CHECKPOINTS[name][1]["transformer"]["target_size"]
    processor = HunyuanVideo15ImageProcessor(vae_scale_factor=16)  # as the pipeline makes it
    bucket_height, bucket_width = processor.calculate_default_height_width(height, width, target)
    assert spec.size_for(config_reader(folder), width, height) == (bucket_width, bucket_height)


def test_hunyuan_without_a_target_size_uses_the_pipelines_default(tmp_path):
    folder = tmp_path / "hy"
    (folder / "vae").mkdir(parents=True)
    (folder / "vae" / "config.json").write_text(json.dumps({"spatial_compression_ratio": 16}))
    assert video_pipeline("hunyuan-i2v").size_for(config_reader(str(folder)), 1280, 720) == (848, 480)


# --- Wan: VAE and image encoder in float32 (the authors' example) ------------------------------------------------

def test_wan_loads_vae_and_image_encoder_in_float32(models):
    import torch

    from scriptagent.director.diffusers_renderer import DiffusersRenderer, release_pipelines

    renderer = DiffusersRenderer({"backend": "diffusers", "pipeline": "wan-i2v", "model": str(models["wan-i2v"]),
                                  "dtype": "bfloat16", "device": "cpu"})
    pipe = renderer.video_pipe()
    try:
        assert pipe.vae.dtype == torch.float32 and pipe.image_encoder.dtype == torch.float32
        assert pipe.transformer.dtype == torch.bfloat16 and pipe.text_encoder.dtype == torch.bfloat16
    finally:
        release_pipelines()


# --- CogVideoX: the fixed length of 1.0, the trained size of 1.5 -------------------------------------------------

def test_cogvideox_fixed_length_is_cut_to_the_segment_not_sped_up(models, tmp_path, monkeypatch):
    """CogVideoX 1.0 renders its 49 frames (8 fps, 6 s) whatever the segment's length: a 2 s segment keeps the first
    2 s of them, at the model's own speed, instead of squeezing 6 s into 2. (The tiny model: 9 frames at 4 fps.)"""
    from scriptagent.director.diffusers_renderer import DiffusersRenderer

    director = {"backend": "diffusers", "pipeline": "cogvideox-i2v", "model": str(models["cogvideox-i2v"]),
                "fps": 4, "steps": 1, "anchoring": "keyframe", "max_segment_seconds": 2}
    (segment,) = plan(director, [1.0], fps=8, resolution=(32, 32))
    renderer = DiffusersRenderer(segment.director)
    ramp = np.stack([np.full((32, 32, 3), 20 * k, dtype=np.uint8) for k in range(9)])
    counts = []

    def generate(image, last_image, prompt, count, size, seed, label):
        counts.append(count)
        return ramp[:count]

    monkeypatch.setattr(renderer, "generate", generate)
    Image.new("RGB", (32, 32), (0, 0, 0)).save(tmp_path / "anchor.png")
    paths = [tmp_path / name for name in ("v.mp4", "first.png", "last.png")]
    renderer.render(segment, tmp_path, tmp_path / "anchor.png", *paths)
    assert counts == [9]  # the model renders its one length
    assert pixels(paths[2]).mean() == pytest.approx(20 * 4, abs=1)  # 1 s at 4 fps: frame 4, not frame 8


def test_cogvideox15_renders_at_its_trained_short_side(tmp_path):
    spec = video_pipeline("cogvideox-i2v")
    config = config_reader(model_folder(tmp_path, "CogVideoX1.5-5B-I2V"))
    assert spec.size_for(config, 640, 360) == (1360, 768)  # Min(W, H) = 768, Max(W, H) <= 1360
    assert spec.size_for(config, 720, 1280) == (768, 1360)
    assert spec.size_for(config, 1024, 1024) == (768, 768)
    assert spec.size_for(config, 1280, 960) == (1024, 768)


# --- a trained maximum length per model ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, frames", [("Wan2.1-I2V-14B-480P", 81), ("Wan2.2-I2V-A14B", 81),
                                          ("Wan2.2-TI2V-5B", 121), ("LTX-Video-0.9.7", 257),
                                          ("CogVideoX-5b-I2V", 49), ("CogVideoX1.5-5B-I2V", 161),
                                          ("HunyuanVideo-1.5-480p_i2v", 121)])
def test_each_model_has_its_trained_maximum(tmp_path, name, frames):
    pipeline, _ = CHECKPOINTS[name]
    assert video_pipeline(pipeline).geometry(config_reader(model_folder(tmp_path, name))).max_frames == frames


def test_a_segment_longer_than_the_model_renders_is_refused_in_the_plan(tmp_path):
    director = {"backend": "diffusers", "pipeline": "wan-i2v", "model": model_folder(tmp_path, "Wan2.1-I2V-14B-480P"),
                "max_segment_seconds": 10}
    short, long = plan(director, [5.0, 8.0])
    assert render_geometry(short.director, short)[1] == 81
    with pytest.raises(InputError) as raised:
        render_geometry(long.director, long)
    message = str(raised.value)
    assert "\n" not in message and "director.max_segment_seconds" in message and "81" in message
    assert "5 or less" in message


# --- LTX distilled: the pipeline's own settings pass through ------------------------------------------------------

def test_pipeline_args_reach_the_call_and_unknown_names_are_refused(models, monkeypatch):
    import diffusers

    from scriptagent.director.diffusers_renderer import DiffusersRenderer

    # the LTX-Video 0.9.7 distilled settings of diffusers' LTX documentation
    args = {"timesteps": [1000, 993, 987, 981, 975, 909, 725, 0.03], "decode_timestep": 0.05,
            "decode_noise_scale": 0.025, "image_cond_noise_scale": 0.025}
    config = DiffusersDirectorConfig.model_validate({"backend": "diffusers", "pipeline": "ltx", "guidance": 1.0,
                                                     "model": str(models["ltx"]), "pipeline_args": args})
    calls = []
    original = diffusers.LTXConditionPipeline.__call__

    @functools.wraps(original)  # the signature stays the pipeline's: the names are checked against it
    def recording_call(pipe, *positional, **kwargs):
        calls.append(kwargs)
        return original(pipe, *positional, **kwargs)

    monkeypatch.setattr(diffusers.LTXConditionPipeline, "__call__", recording_call)
    image = Image.new("RGB", (32, 32), (90, 60, 30))
    frames = DiffusersRenderer(config.model_dump(mode="json")).generate(image, None, "a woman", 9, (32, 32), 0, "t")
    assert len(frames) == 9
    assert {name: calls[0][name] for name in args} == args and calls[0]["guidance_scale"] == 1.0
    # calibrated apart: the schedule decides the time a render takes
    director = config.model_dump(mode="json")
    assert calibration_key(director, (32, 32)) != calibration_key({**director, "pipeline_args": {}}, (32, 32))

    for wrong, expected in [({"decode_timesteps": 0.05}, "takes no 'decode_timesteps'"),
                            ({"num_frames": 9}, "the director sets 'num_frames'"),
                            ({"num_inference_steps": 8}, "director.steps")]:
        renderer = DiffusersRenderer({**config.model_dump(mode="json"), "pipeline_args": wrong})
        with pytest.raises(BackendError) as raised:
            renderer.generate(image, None, "a woman", 9, (32, 32), 0, "t")
        assert "director.pipeline_args" in str(raised.value) and expected in str(raised.value)
        assert "\n" not in str(raised.value)


# --- chains continue from the model-size last frame ---------------------------------------------------------------

def test_chain_continues_from_the_model_size_last_frame(models, tmp_path, capsys, monkeypatch):
    """A film of 40x30 rendered by a model at 32x32: the next segment starts from the previous one's last frame as
    the model made it (lossless), not from the film-size frame scaled back up; the film-size frames stay."""
    import diffusers

    spy = ConditioningSpy(monkeypatch, diffusers.LTXConditionPipeline)
    folder = production(tmp_path / "film", "ltx", models["ltx"])
    (folder / "production.yaml").write_text((folder / "production.yaml").read_text()
                                            .replace("resolution: [32, 32]", "resolution: [40, 30]"))
    code, _, err = build(folder, capsys)
    assert code == 0, err
    ids = [s["id"] for s in plan_of(folder)["segments"]]
    frames = folder / "build" / "frames"
    assert len(ids) >= 3 and len(spy.calls) == len(ids)
    for previous, call in zip(ids, spy.calls[1:]):
        assert call["image"].size == (32, 32)
        assert np.array_equal(np.asarray(call["image"]), pixels(frames / f"{previous}.last.model.png"))
    for segment_id in ids:
        assert Image.open(frames / f"{segment_id}.last.png").size == (40, 30)
        assert Image.open(frames / f"{segment_id}.first.png").size == (40, 30)
