"""LTX-2 with its own sound (director pipeline `ltx2`, director.audio): a tiny random LTX-2 built here from configs
(tests/diffusers_tiny.py), saved with save_pretrained and named by its folder in production.yaml, as a user names a
downloaded model; the builds run through `scriptagent build` in this process."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import wave

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from ruamel.yaml import YAML

import diffusers_tiny
from conftest import REPO

from scriptagent.cli import main

# The distilled way of calling LTX-2 (one sigma schedule, no guidance of any kind), short: two steps
PRODUCTION = """\
title: Tiny sound
seed: 1
style: {look: "flat colours", resolution: [32, 32], fps: 8, slate: false, subtitles: false}
cast:
  - {id: ana, name: Ana, appearance: "young woman, long brown hair, yellow raincoat"}
  - {id: ben, name: Ben, appearance: "man in his fifties, bald, green sweater"}
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "Couldn't sleep. Big day today."
scripter: {backend: rule-based, establishing_shot: false, closing_shot: false}
VOICE
director: {backend: diffusers, pipeline: PIPELINE, model: MODEL, steps: 2, guidance: 1.0, fps: 4,
           max_segment_seconds: 2, anchoring: chain, audio: AUDIO,
           pipeline_args: {sigmas: [1.0, 0.5], stg_scale: 0.0, audio_stg_scale: 0.0, modality_scale: 1.0,
                           audio_modality_scale: 1.0, audio_guidance_scale: 1.0, max_sequence_length: 16}}
"""
RATE = 48000  # voice.MIX_RATE: every sound file of the build
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="the espeak-ng program is not installed "
                                  "(.ci/run installs it)")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return diffusers_tiny.ltx2(tmp_path_factory.mktemp("models") / "ltx2")


def production(folder, model, audio="mix", voice="{backend: espeak}", pipeline="ltx2"):
    folder.mkdir(parents=True)
    text = PRODUCTION.replace("MODEL", str(model)).replace("AUDIO", audio).replace("PIPELINE", pipeline)
    (folder / "production.yaml").write_text(text.replace("VOICE", f"voice: {voice}"))
    shutil.copyfile(REPO / "templates" / "production" / "dodo.py", folder / "dodo.py")
    return folder


def build(folder, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    report = folder / "doit-report.txt"
    code = main(["build", str(folder), "-o", str(report)])
    return code, report.read_text() if report.exists() else "", capsys.readouterr().err


def executed(output: str) -> list[str]:
    return re.findall(r"^\.  (\S+)$", output, re.M)


def film_audio(film):
    """The film's soundtrack decoded to mono at RATE, or None when it has none."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(film), "-map", "0:a", "-ac",
                             "1", "-ar", str(RATE), "-f", "s16le", "-"], capture_output=True)
    return np.frombuffer(result.stdout, "<i2").astype(np.float32) / 32767 if result.returncode == 0 else None


def wav_frames(path) -> int:
    with wave.open(str(path)) as source:
        assert (source.getframerate(), source.getnchannels()) == (RATE, 1)
        return source.getnframes()


def set_director(folder, **settings):
    yaml = YAML()
    data = yaml.load((folder / "production.yaml").read_text())
    data["director"].update(settings)
    with (folder / "production.yaml").open("w") as f:
        yaml.dump(data, f)


class Calls:
    """The keyword arguments of every LTX2ConditionPipeline call (the real call runs unchanged)."""

    def __init__(self, monkeypatch):
        import diffusers

        self.calls: list[dict] = []
        original = diffusers.LTX2ConditionPipeline.__call__

        @functools.wraps(original)  # the signature stays the pipeline's: pipeline_args are checked against it
        def recording_call(pipe, *args, **kwargs):
            self.calls.append(kwargs)
            return original(pipe, *args, **kwargs)

        monkeypatch.setattr(diffusers.LTX2ConditionPipeline, "__call__", recording_call)


@needs_espeak
def test_chained_film_mixes_the_models_sound_under_the_speech(model, tmp_path, capsys, monkeypatch):
    spy = Calls(monkeypatch)
    folder = production(tmp_path / "film", model)
    code, out, err = build(folder, capsys)
    assert code == 0, err + out
    plan = json.loads((folder / "build" / "plan.json").read_text())
    segments, build_folder = plan["segments"], folder / "build"
    assert len(segments) >= 3 and len(spy.calls) == len(segments)

    # every segment's own sound, exactly as long as the segment (frames / film fps)
    for segment in segments:
        assert json.loads((build_folder / "segments" / f"{segment['id']}.json").read_text())["director"]["audio"] \
            == "mix"
        assert wav_frames(build_folder / "renders" / f"{segment['id']}.wav") == round(segment["frames"] / 8 * RATE)
    # chained: every segment after the first starts from the previous one's last frame, H.264-compressed at the
    # model's CRF as LTX-2 was trained (by diffusers with PyAV; without it, by the director, and then crf 0)
    from diffusers.utils import is_av_available

    from scriptagent.director.pipelines.ltx2 import h264

    for previous, call in zip(segments, spy.calls[1:]):
        (condition,) = call["conditions"]  # no closing picture in a chain
        last = Image.open(build_folder / "frames" / f"{previous['id']}.last.png")
        assert condition.index == 0 and condition.crf == (None if is_av_available() else 0)
        assert np.array_equal(np.asarray(condition.frames), np.asarray(last if is_av_available() else h264(last, 33)))
    assert all(call["sigmas"] == [1.0, 0.5] and call["frame_rate"] == 4 for call in spy.calls)  # pipeline_args

    # the film: one soundtrack as long as the picture; the speech at full level, the model's sound under it
    audio = film_audio(build_folder / "film.mp4")
    assert audio is not None and len(audio) / RATE == pytest.approx(plan["seconds"], abs=0.05)
    from scriptagent.voice import mix, read_wav

    mix(plan["dialogue"], lambda line: build_folder / "speech" / f"{line}.wav", plan["seconds"], tmp_path / "s.wav")
    speech, _ = read_wav(tmp_path / "s.wav")
    model_sound = np.concatenate([read_wav(build_folder / "renders" / f"{s['id']}.wav")[0] for s in segments])
    assert np.abs(model_sound).max() > 0.01  # the tiny model makes some sound
    count = min(len(audio), len(speech))
    expected = speech[:count] + 10 ** (-12 / 20) * model_sound[:count]
    assert np.corrcoef(audio[:count], expected)[0, 1] > 0.9  # AAC: close, not equal

    # an edit to the last shot renders its segments again, and no other; the others' sounds stay as they were
    yaml = YAML()
    script = yaml.load((folder / "script.yaml").read_text())
    last_shot = script["scenes"][0]["shots"][-1]
    last_shot["description"] = "Ben at the window, rain outside."
    with (folder / "script.yaml").open("w") as f:
        yaml.dump(script, f)
    edited = [s["id"] for s in segments if s["shots"][0].split()[0] == last_shot["id"]]
    kept = {s["id"]: (build_folder / "renders" / f"{s['id']}.wav").read_bytes() for s in segments
            if s["id"] not in edited}
    code, out, err = build(folder, capsys)
    assert code == 0, err + out
    assert sorted(t for t in executed(out) if t.startswith("render:")) == sorted(f"render:{i}" for i in edited)
    assert "stitch" in executed(out)
    assert all((build_folder / "renders" / f"{i}.wav").read_bytes() == sound for i, sound in kept.items())

    # mix -> model: the same renders (nothing is rendered), the model's sound alone in the film
    calls = len(spy.calls)
    set_director(folder, audio="model")
    code, out, err = build(folder, capsys)
    assert code == 0, err + out
    assert len(spy.calls) == calls and "stitch" in executed(out)
    alone = film_audio(build_folder / "film.mp4")
    model_sound = np.concatenate([read_wav(build_folder / "renders" / f"{s['id']}.wav")[0] for s in segments])
    count = min(len(alone), len(model_sound))
    assert np.corrcoef(alone[:count], model_sound[:count])[0, 1] > 0.9


def test_speech_writes_no_sound_files_and_a_silent_model_is_refused(model, tmp_path, capsys):
    folder = production(tmp_path / "film", model, audio="speech", voice="{backend: none}")
    code, out, err = build(folder, capsys)
    assert code == 0, err + out
    renders = folder / "build" / "renders"
    assert list(renders.glob("*.mp4")) and not list(renders.glob("*.wav"))
    assert film_audio(folder / "build" / "film.mp4") is None  # no speech, no model's sound: a silent film

    # a pipeline that makes no sound cannot give the film its sound: one line, before anything renders
    folder = production(tmp_path / "wan", tmp_path / "no-model-needed", audio="model", voice="{backend: none}",
                        pipeline="wan-i2v")
    code, out, err = build(folder, capsys)
    assert code == 2
    (message,) = [line for line in err.splitlines() if "director.audio" in line]
    assert message == ("production.yaml: director.audio: 'model' needs a model that makes sound, and wan-i2v makes "
                       "none (set director.audio: speech, or use pipeline: ltx2)")
    assert "Traceback" not in err and not (folder / "build" / "renders").exists()
    from scriptagent.director.diffusers_renderer import DiffusersRenderer

    for pipeline in ("ltx", "cogvideox-i2v", "hunyuan-i2v", "ltx2"):
        for audio in ("speech", "model", "mix"):
            problem = DiffusersRenderer.settings_problem({"pipeline": pipeline, "model": "m", "audio": audio})
            assert (problem is None) == (audio == "speech" or pipeline == "ltx2")


def test_ltx2_geometry_from_its_configs(tmp_path):
    from scriptagent.director.pipelines import config_reader, video_pipeline

    spec = video_pipeline("ltx2")
    (tmp_path / "vae").mkdir()  # LTX-2's VAE names its compression (its blocks alone would say 64x and 16x)
    (tmp_path / "vae" / "config.json").write_text(json.dumps({
        "patch_size": 4, "patch_size_t": 1, "spatio_temporal_scaling": [True] * 4,
        "spatial_compression_ratio": 32, "temporal_compression_ratio": 8}))
    for config in (config_reader(str(tmp_path)), lambda component: {}):  # and no config at all: the same
        geometry = spec.geometry(config)
        assert (geometry.fps, geometry.frame_step, geometry.size_multiple) == (24, 8, 32)
        assert geometry.frames_for(5.0) == 121 and geometry.max_frames == 481  # 20 s
        assert spec.size_for(config, 848, 480) == (832, 480)
    assert spec.makes_sound and spec.supports_last_frame(config_reader(str(tmp_path)))
    from scriptagent.registry import VIDEO_PIPELINES

    assert [name for name in VIDEO_PIPELINES if video_pipeline(name).makes_sound] == ["ltx2"]


def test_the_soundtrack_of_segments(tmp_path):
    """Each segment's sound at its place, cut or padded to its length; mix: 12 dB under the speech."""
    from scriptagent.voice import read_wav, write_wav
    from scriptagent.voice.soundtrack import film_track, write_segment_sound

    # a renderer's sound: 16 kHz, longer than the segment, stretched by 1.25 as its picture was
    write_segment_sound(tmp_path / "a.wav", np.full(16000, 0.5), 16000, 0.75, scale=1.25)
    write_segment_sound(tmp_path / "b.wav", np.full(8000, -0.5), 16000, 1.0)  # shorter: silence after it
    a, rate = read_wav(tmp_path / "a.wav")
    b, _ = read_wav(tmp_path / "b.wav")
    assert rate == RATE and (len(a), len(b)) == (36000, 48000)
    assert np.allclose(a, 0.5, atol=1e-3) and np.allclose(b[:24000], -0.5, atol=1e-3) and not b[24001:].any()

    film_track([tmp_path / "a.wav", tmp_path / "b.wav"], [6, 8], 8, tmp_path / "model.wav")
    track, _ = read_wav(tmp_path / "model.wav")
    assert len(track) == 84000 and np.allclose(track[:36000], 0.5, atol=1e-3)
    assert np.allclose(track[36000:60000], -0.5, atol=1e-3) and not track[60001:].any()

    write_wav(tmp_path / "speech.wav", np.full(90000, 0.25), RATE)  # a speech track a little longer
    film_track([tmp_path / "a.wav", tmp_path / "b.wav"], [6, 8], 8, tmp_path / "mix.wav", tmp_path / "speech.wav",
               under=True)
    mixed, _ = read_wav(tmp_path / "mix.wav")
    assert len(mixed) == 90000
    assert np.allclose(mixed[:36000], 0.25 + 0.5 * 10 ** (-12 / 20), atol=1e-3)
    assert np.allclose(mixed[84000:], 0.25, atol=1e-3)
