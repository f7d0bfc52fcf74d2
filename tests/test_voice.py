"""Speech: one recording per line, lines timed by their recordings, mixed into film.mp4 as AAC."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import wave

import imageio_ffmpeg
import numpy as np
import pytest
from ruamel.yaml import YAML

from conftest import SMALL_PRODUCTION, cli, doit, env, executed, make_production

from scriptagent.media import probe
from scriptagent.timing import GAP_SECONDS, LEAD_IN_SECONDS, TAIL_SECONDS

ESPEAK = SMALL_PRODUCTION.replace("ANCHORING", "chain") + "voice: {backend: espeak}\n"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="the espeak-ng program is not installed "
                                  "(.ci/run installs it; the transformers tests below cover speech without it)")


def tiny_vits(folder, speakers: int = 1):
    """A tiny random VITS text-to-speech model and character tokenizer, saved like a downloaded one."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    torch.manual_seed(0)
    vocab = {"<pad>": 0, **{c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz '.,?!")}}
    folder.mkdir(parents=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    VitsTokenizer(str(folder / "vocab.json"), add_blank=True, phonemize=False).save_pretrained(folder)
    config = VitsConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=16,
                        flow_size=16, spectrogram_bins=16, upsample_initial_channel=16, upsample_rates=[4, 4],
                        upsample_kernel_sizes=[8, 8], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
                        prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
                        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1,
                        duration_predictor_filter_channels=16, depth_separable_num_layers=1, num_speakers=speakers,
                        speaker_embedding_size=8 if speakers > 1 else 0, sampling_rate=16000,
                        speaking_rate=0.05)  # slow: the random duration predictor's lines last a fraction of a second
    VitsModel(config).save_pretrained(folder)
    return folder


def film_audio(film) -> tuple[np.ndarray, int]:
    """The film's soundtrack decoded to 16 kHz mono."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(film), "-vn", "-ac", "1", "-ar",
                             "16000", "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(result.stdout, "<i2").astype(np.float32) / 32767, 16000


def wav_seconds(path) -> float:
    with wave.open(str(path)) as source:
        return source.getnframes() / source.getframerate()


def line_of(data, line_id):
    shot_id, number = line_id.rsplit(".", 1)
    shot = next(s for scene in data["scenes"] for s in scene["shots"] if s["id"] == shot_id)
    return shot["dialogue"][int(number) - 1]


@needs_espeak
def test_espeak_lines_time_the_film_and_play_at_their_subtitles(tmp_path):
    folder = make_production(tmp_path / "spoken", text=ESPEAK)
    first = doit(folder)
    build = folder / "build"
    plan = json.loads((build / "plan.json").read_text())
    script = YAML(typ="safe").load((folder / "script.yaml").read_text())
    lines = plan["dialogue"]
    assert sorted(t for t in executed(first.stdout) if t.startswith("speech:")) == \
        sorted(f"speech:{line['id']}" for line in lines)

    # each subtitle lasts exactly as long as its recording (shots were lengthened where they had to be)
    for line in lines:
        assert line["end"] - line["start"] == pytest.approx(wav_seconds(build / "speech" / f"{line['id']}.wav"),
                                                            abs=0.002)
    shots = {shot["id"]: shot for shot in plan["shots"]}
    for line in lines:
        shot = shots[line["shot"]]
        assert shot["start"] <= line["start"] < line["end"] <= shot["start"] + shot["duration"] + 1e-3
    # a shot too short for its recordings (lead-in, lines, gaps, tail) is lengthened in the plan, with a warning
    # naming it; every other shot keeps script.yaml's duration (up to a frame)
    recorded = {}
    for line in lines:
        recorded.setdefault(line["shot"], []).append(wav_seconds(build / "speech" / f"{line['id']}.wav"))
    needs = {shot_id: LEAD_IN_SECONDS + sum(seconds) + GAP_SECONDS * (len(seconds) - 1) + TAIL_SECONDS
             for shot_id, seconds in recorded.items()}
    durations = {s["id"]: s["duration"] for scene in script["scenes"] for s in scene["shots"]}
    short = sorted(shot_id for shot_id, needed in needs.items() if needed > durations[shot_id] + 1e-6)
    assert short, needs  # "Terrified." alone in a 1.5 s shot: speech outlasts at least one scripted shot
    assert sorted(re.findall(r"shot (\S+): its spoken lines need [\d.]+ s, so the plan lengthens it",
                             first.stderr)) == short, first.stderr
    frame = 1 / plan["fps"]
    for shot_id, duration in durations.items():
        if shot_id in short:
            assert shots[shot_id]["duration"] == pytest.approx(math.ceil(needs[shot_id] * 10) / 10, abs=frame)
            assert shots[shot_id]["duration"] >= needs[shot_id] - frame / 2
        else:
            assert shots[shot_id]["duration"] == pytest.approx(duration, abs=frame / 2 + 1e-6), shot_id

    # film.mp4: the picture is copied (same frames), the speech is AAC and sounds where the subtitles are
    film = build / "film.mp4"
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(film)], capture_output=True,
                          text=True).stderr
    assert "Audio: aac" in info and "Video: h264" in info
    assert probe(film)[0] == plan["frames"]
    audio, rate = film_audio(film)
    assert len(audio) / rate == pytest.approx(plan["seconds"], abs=0.05)
    speaking = np.zeros(len(audio), bool)
    for line in lines:
        speaking[round(line["start"] * rate):round(line["end"] * rate)] = True
        middle = audio[round((line["start"] + 0.1) * rate):round((line["end"] - 0.1) * rate)]
        assert np.sqrt(np.mean(middle ** 2)) > 0.01, line
    silent = audio[~speaking]
    margin = int(0.05 * rate)  # the AAC encoder smears a little around each line's ends
    quiet = np.convolve(~speaking, np.ones(2 * margin + 1), "same") >= 2 * margin + 1
    assert np.abs(audio[quiet]).max() < 0.02
    assert len(silent) > 0

    # editing one line re-synthesises that line only; the stitch mixes it in
    changed = lines[1]["id"]
    yaml = YAML()
    data = yaml.load((folder / "script.yaml").read_text())
    line_of(data, changed)["line"] = "No. Not today, and not tomorrow either."
    with (folder / "script.yaml").open("w") as out:
        yaml.dump(data, out)
    second = doit(folder)
    assert [t for t in executed(second.stdout) if t.startswith("speech:")] == [f"speech:{changed}"]
    assert f"shot {lines[1]['shot']}: its spoken lines need" in second.stderr  # the long line lengthened its shot
    assert "stitch" in executed(second.stdout)
    third = doit(folder)
    assert executed(third.stdout) == []
    # `scriptagent validate` and `plan` judge the script as the build does: by the recordings
    assert cli("validate", str(folder), cwd=tmp_path).returncode == 0
    frames = json.loads((build / "plan.json").read_text())["frames"]
    assert f"{frames} frames" in cli("plan", str(folder), cwd=tmp_path).stdout


def test_espeak_missing_builds_a_silent_film_with_a_notice(tmp_path):
    folder = make_production(tmp_path / "quiet", text=ESPEAK.replace("{backend: espeak}",
                                                                      "{backend: espeak, if_missing: silent}"))
    environment = env()
    environment["PATH"] = str(tmp_path / "nothing-here")  # no espeak-ng on this PATH
    result = subprocess.run([sys.executable, "-m", "doit"], cwd=folder, env=environment, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "espeak-ng is not installed, so this film is silent" in result.stderr
    assert not [t for t in executed(result.stdout) if t.startswith("speech:")]
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(folder / "build" / "film.mp4")],
                          capture_output=True, text=True).stderr
    assert "Audio:" not in info

    strict = make_production(tmp_path / "strict", text=ESPEAK)
    result = subprocess.run([sys.executable, "-m", "doit"], cwd=strict, env=environment, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2
    assert "espeak needs the espeak-ng program" in result.stderr and "Traceback" not in result.stderr


def test_transformers_voice_from_a_local_folder(tmp_path):
    from scriptagent.voice import synthesize, wav_seconds as seconds

    model = tiny_vits(tmp_path / "tts", speakers=2)
    config = {"backend": "transformers", "model": str(model), "device": "cpu", "seed": 0, "trust_remote_code": False}
    synthesize(config, "You came.", "", tmp_path / "a.wav")
    synthesize(config, "You came.", "", tmp_path / "b.wav")
    synthesize(config, "You came.", "1", tmp_path / "c.wav")
    synthesize(config, "I said I would, and here I am.", "", tmp_path / "d.wav")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()  # seeded: same line, same audio
    assert (tmp_path / "a.wav").read_bytes() != (tmp_path / "c.wav").read_bytes()  # another speaker
    assert 0 < seconds(tmp_path / "a.wav") < seconds(tmp_path / "d.wav")  # a longer line lasts longer
    with pytest.raises(Exception, match="speaker number"):
        synthesize(config, "You came.", "en-us", tmp_path / "e.wav")


def test_transformers_voice_build(tmp_path):
    tiny_vits(tmp_path / "tts")  # saved there; the production loads it by path
    folder = make_production(tmp_path / "spoken", text=SMALL_PRODUCTION.replace("ANCHORING", "none")
                             + "voice: {backend: transformers, model: ../tts, device: cpu}\n")
    doit(folder)
    build = folder / "build"
    plan = json.loads((build / "plan.json").read_text())
    for line in plan["dialogue"]:
        assert line["end"] - line["start"] == pytest.approx(wav_seconds(build / "speech" / f"{line['id']}.wav"),
                                                            abs=0.002)
    assert probe(build / "film.mp4")[0] == plan["frames"]
    audio, rate = film_audio(build / "film.mp4")
    assert len(audio) / rate == pytest.approx(plan["seconds"], abs=0.05)
    import opentimelineio as otio
    timeline = otio.adapters.read_from_file(str(build / "film.otio"))
    spoken = [clip.name for clip in timeline.audio_tracks()[0].find_clips()]
    assert spoken == [line["id"] for line in plan["dialogue"]]
