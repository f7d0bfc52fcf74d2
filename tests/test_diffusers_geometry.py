"""The diffusers director's arithmetic and prompts, without loading any model (no torch needed).

Frame counts and sizes are read from the component configs of the published checkpoints (the keys the pipeline
files read, with the values those checkpoints ship), as `scriptagent plan` reads them from a downloaded model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scriptagent.director.calibration import (MEMORY_SETTINGS, Estimate, _line, calibration_key, estimate,
                                              fit_warning)
from scriptagent.director.diffusers_renderer import resample
from scriptagent.director.pipelines import config_reader, video_pipeline
from scriptagent.registry import VIDEO_PIPELINES
from scriptagent.director.prompts import keyframe_prompt, segment_prompt
from scriptagent.director import plan_keyframes, plan_segments
from scriptagent.schema import Production, Script

# component configs of published checkpoints, reduced to the keys that decide frames and sizes
CHECKPOINTS = {
    "Wan2.1-I2V-14B-480P": ("wan-i2v", {"vae": {"scale_factor_spatial": 8, "scale_factor_temporal": 4},
                                        "transformer": {"patch_size": [1, 2, 2], "image_dim": 1280,
                                                        "pos_embed_seq_len": None}}),
    "Wan2.1-FLF2V-14B-720P": ("wan-i2v", {"vae": {"scale_factor_spatial": 8, "scale_factor_temporal": 4},
                                          "transformer": {"patch_size": [1, 2, 2], "image_dim": 1280,
                                                          "pos_embed_seq_len": 514}}),
    "LTX-Video-0.9.7": ("ltx", {"vae": {"patch_size": 4, "patch_size_t": 1,
                                        "spatio_temporal_scaling": [True, True, True, False]},
                                "transformer": {"patch_size": 1, "patch_size_t": 1}}),
    "CogVideoX-5b-I2V": ("cogvideox-i2v", {"vae": {"block_out_channels": [128, 256, 256, 512],
                                                   "temporal_compression_ratio": 4},
                                           "transformer": {"patch_size": 2, "patch_size_t": None,
                                                           "use_learned_positional_embeddings": True,
                                                           "sample_width": 90, "sample_height": 60,
                                                           "sample_frames": 49}}),
    "CogVideoX1.5-5B-I2V": ("cogvideox-i2v", {"vae": {"block_out_channels": [128, 256, 256, 512],
                                                      "temporal_compression_ratio": 4},
                                              "transformer": {"patch_size": 2, "patch_size_t": 2,
                                                              "use_learned_positional_embeddings": False,
                                                              "sample_width": 170, "sample_height": 96,
                                                              "sample_frames": 81}}),
    "HunyuanVideo-1.5-480p_i2v": ("hunyuan-i2v", {"vae": {"spatial_compression_ratio": 16,
                                                          "temporal_compression_ratio": 4},
                                                  "transformer": {"target_size": 640}}),
}


def model_folder(tmp_path, name: str) -> str:
    """A model folder holding only the component configs, as a partly downloaded model would."""
    folder = tmp_path / name
    for component, config in CHECKPOINTS[name][1].items():
        (folder / component).mkdir(parents=True)
        (folder / component / "config.json").write_text(json.dumps(config))
    return str(folder)


@pytest.mark.parametrize("name, seconds, frames, fps, size", [
    ("Wan2.1-I2V-14B-480P", 5.0, 81, 16, (640, 352)),  # 4k+1 frames; sizes in multiples of 16
    ("Wan2.1-I2V-14B-480P", 3.0, 49, 16, (640, 352)),
    ("LTX-Video-0.9.7", 5.0, 121, 24, (640, 352)),  # 8k+1 frames; multiples of 32
    ("LTX-Video-0.9.7", 2.0, 49, 24, (640, 352)),
    ("CogVideoX-5b-I2V", 2.0, 49, 8, (720, 480)),  # one length and one size only
    ("CogVideoX1.5-5B-I2V", 5.0, 81, 16, (1360, 768)),  # its trained short side, 768 (tests/test_diffusers_authors.py)
])
def test_frames_and_sizes_follow_the_checkpoint(tmp_path, name, seconds, frames, fps, size):
    pipeline, _ = CHECKPOINTS[name]
    spec, config = video_pipeline(pipeline), config_reader(model_folder(tmp_path, name))
    geometry = spec.geometry(config)
    assert (geometry.frames_for(seconds), geometry.fps) == (frames, fps)
    assert spec.size_for(config, 640, 360) == size


def test_hunyuan_picks_a_size_of_about_its_target_area(tmp_path):
    spec = video_pipeline("hunyuan-i2v")
    config = config_reader(model_folder(tmp_path, "HunyuanVideo-1.5-480p_i2v"))
    width, height = spec.size_for(config, 1280, 720)  # 480p: buckets of about 640 x 640 pixels
    assert width % 16 == 0 and height % 16 == 0 and abs(width * height / 640 ** 2 - 1) < 0.05
    assert abs(width / height - 16 / 9) < 0.05
    assert spec.geometry(config).frames_for(5.0) == 121


def test_closing_images_only_where_the_checkpoint_takes_them(tmp_path):
    def takes(name):
        return video_pipeline(CHECKPOINTS[name][0]).supports_last_frame(config_reader(model_folder(tmp_path, name)))

    assert takes("Wan2.1-FLF2V-14B-720P") and takes("LTX-Video-0.9.7")
    assert not takes("Wan2.1-I2V-14B-480P") and not takes("CogVideoX-5b-I2V")
    assert not takes("HunyuanVideo-1.5-480p_i2v")


def test_unknown_pipeline_lists_the_known_ones():
    with pytest.raises(Exception, match="known: " + ", ".join(VIDEO_PIPELINES)):
        video_pipeline("wan2")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["Wan2.1-I2V-14B-480P", "LTX-Video-0.9.7", "CogVideoX1.5-5B-I2V"]),
       st.floats(0.1, 10.0), st.integers(16, 1920), st.integers(16, 1080))
def test_frame_counts_and_sizes_are_ones_the_model_accepts(name, seconds, width, height):
    pipeline, configs = CHECKPOINTS[name]
    spec = video_pipeline(pipeline)

    def config(component):
        return configs.get(component, {})

    geometry = spec.geometry(config)
    frames = geometry.frames_for(seconds)
    assert (frames - 1) % geometry.frame_step == 0 and frames > geometry.frame_step
    # the nearest accepted count: within half a step of the duration (or one step when very short)
    assert abs((frames - 1) / geometry.fps - seconds) <= geometry.frame_step / geometry.fps / 2 + 1e-9 or \
        frames == geometry.frame_step + 1
    model_width, model_height = spec.size_for(config, width, height)
    multiple = geometry.size_multiple
    assert model_width % multiple == 0 and model_height % multiple == 0
    if geometry.short_side:  # CogVideoX 1.5: its trained short side, the film's aspect as far as the long side goes
        assert min(model_width, model_height) == geometry.short_side
        assert max(model_width, model_height) <= geometry.long_side
        assert (model_width >= model_height) == (width >= height)
    else:
        assert abs(model_width - width) <= multiple / 2 or model_width == multiple


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200))
def test_resampling_keeps_the_first_and_last_frames(have, want):
    frames = np.arange(have)
    picked = resample(frames, want)
    assert len(picked) == want and picked[0] == 0
    assert want == 1 or picked[-1] == have - 1  # a chain continues from exactly the last frame
    assert all(np.diff(picked) >= 0)


def small_plan(anchoring="keyframe"):
    production = Production.model_validate({
        "title": "T", "style": {"look": "35mm film, tungsten light", "fps": 24, "resolution": [640, 360]},
        "cast": [{"id": "mara", "name": "Mara", "appearance": "woman in her thirties, red wool coat"},
                 {"id": "theo", "name": "Theo", "appearance": "man in his forties, navy raincoat"}],
        "setting": "a night train platform", "dialogue": [{"mara": "You came."}],
        "director": {"backend": "diffusers", "pipeline": "wan-i2v", "model": "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
                     "anchoring": anchoring}})
    script = Script.model_validate({
        "characters": {"mara": {"name": "Mara", "appearance": "woman in her thirties, red wool coat"},
                       "theo": {"name": "Theo", "appearance": "man in his forties, navy raincoat"}},
        "scenes": [{"id": "platform", "setting": "a night train platform in the rain", "shots": [
            {"id": "sh01", "duration": 3.0, "shot_size": "over-the-shoulder", "camera_movement": "dolly-in",
             "description": "Over Theo's shoulder onto Mara.",
             "characters": [{"id": "mara", "position": "left third", "action": "looks up", "expression": "hopeful"},
                            {"id": "theo", "position": "foreground right, back to camera"}],
             "dialogue": [{"speaker": "mara", "line": "You came."}]},
            {"id": "sh02", "duration": 4.0, "shot_size": "wide", "angle": "high", "description": "The platform.",
             "characters": []}]}]})
    return production, script, plan_segments(production, script)


def test_segment_prompt_says_what_the_shot_fields_say():
    _, _, segments = small_plan()
    prompt = segment_prompt(segments[0])
    for words in ["35mm film, tungsten light", "over-the-shoulder shot", "eye-level angle", "slow dolly in",
                  "Over Theo's shoulder onto Mara.", "Mara, woman in her thirties, red wool coat", "looks up",
                  "hopeful", "Mara talks", "a night train platform in the rain"]:
        assert words in prompt, words
    assert "You came" not in prompt  # the words are for subtitles, not for the picture
    assert "high angle" in segment_prompt(segments[1])


def test_keyframe_prompt_describes_the_still_picture():
    _, _, segments = small_plan()
    keyframes = plan_keyframes(segments)
    prompt = keyframe_prompt(keyframes[0])
    assert "over-the-shoulder shot" in prompt and "navy raincoat" in prompt and "looks up" in prompt
    assert "dolly" not in prompt and "You came" not in prompt


def test_image_to_video_models_get_an_opening_keyframe_where_nothing_precedes():
    for anchoring, expected in [("chain", ["sh01"]), ("none", ["sh01", "sh02"]), ("keyframe", ["sh01", "sh02"])]:
        _, _, segments = small_plan(anchoring)
        assert [s.start_keyframe for s in segments if s.start_keyframe] == expected
        assert [k.director for k in plan_keyframes(segments)] == [{"backend": "animatic"}] * len(expected)


def test_estimates_follow_the_calibration(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRIPTAGENT_CACHE", str(tmp_path))
    director = {"backend": "diffusers", "pipeline": "wan-i2v", "model": "m", "dtype": "auto", "device": "auto"}
    assert estimate(director, 81, (640, 352)).cells() == ["?", "?"]
    key = calibration_key(director, (640, 352))
    (tmp_path / "calibration.json").write_text(json.dumps({key: [
        {"frames": 5, "seconds": 10.0, "peak_bytes": 10 * 2 ** 30},
        {"frames": 81, "seconds": 86.0, "peak_bytes": 29 * 2 ** 30}]}))
    found = estimate(director, 43, (640, 352))
    assert found.seconds == pytest.approx(48.0) and found.peak_bytes == pytest.approx(19.5 * 2 ** 30)
    assert found.cells() == ["19.5GiB", "48s"]
    assert estimate(director, 81, (832, 480)).cells() == ["?", "?"]  # another size was not measured
    assert _line([(9, 3.0)], 18) == 6.0 and Estimate(known=True).cells() == ["-", "-"]


def test_estimates_warn_when_a_segment_will_not_fit_the_card(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRIPTAGENT_CACHE", str(tmp_path))
    director = {"backend": "diffusers", "pipeline": "wan-i2v", "model": "m", "dtype": "auto", "device": "auto"}
    (tmp_path / "calibration.json").write_text(json.dumps({calibration_key(director, (640, 352)): [
        {"frames": 5, "seconds": 10.0, "peak_bytes": 10 * 2 ** 30, "device": "NVIDIA L4", "total_bytes": 24 * 2 ** 30},
        {"frames": 81, "seconds": 86.0, "peak_bytes": 29 * 2 ** 30, "device": "NVIDIA L4", "total_bytes": 24 * 2 ** 30}]}))
    short, long = estimate(director, 33, (640, 352)), estimate(director, 81, (640, 352))
    assert fit_warning("s01", short) is None  # 17 GiB of 24
    assert fit_warning("s02", long) == ("warning: segment s02: expected peak 29.0 GiB will not fit 24.0 GiB of NVIDIA "
                                        "L4 (hint: " + MEMORY_SETTINGS + ")")
    assert fit_warning("s02", long, 80 * 2 ** 30) is None  # the same segment on an 80 GB card
    assert fit_warning("s01", short, 16 * 2 ** 30).startswith("warning: segment s01: expected peak 17.")
    # 95 % of the card is the line: above it a render fails or thrashes once fragmentation is counted
    assert not Estimate(peak_bytes=0.95 * 2 ** 30, known=True, capacity_bytes=2 ** 30).over()
    assert Estimate(peak_bytes=0.96 * 2 ** 30, known=True, capacity_bytes=2 ** 30).over()
    assert not Estimate(known=True).over(2 ** 30) and fit_warning("s03", Estimate()) is None  # nothing measured
