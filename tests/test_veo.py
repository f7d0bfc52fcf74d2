"""The veo director against a loopback Gemini API (tests/veo_server.py), through the real google-genai SDK.

Builds run in this process through `scriptagent build` with the key in the environment and director.base_url
pointed at the server; the server's clips are tiny (96x54, 24 fps), so a build takes seconds.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("google.genai")

from conftest import REPO
from veo_server import VeoServer, grey

from scriptagent.cli import main
from scriptagent.director.veo import cover
from scriptagent.errors import BackendError
from scriptagent.media import probe
from scriptagent.plan import Segment, SegmentCastMember, SegmentShot
from scriptagent.schema import Shot

KEY = "veo-test-key-0123456789"
PRODUCTION = """\
title: Veo Test
seed: 2
style: {look: "soft daylight", resolution: [64, 36], fps: 12, slate: false, subtitles: false}
cast:
  - {id: ana, name: Ana, appearance: "young woman, yellow raincoat", reference: cast/ana.png}
  - {id: ben, name: Ben, appearance: "man in his fifties, green sweater", reference: cast/ben.png}
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "Couldn't sleep. Big day today, the one we talked about for months."
  - ana: "Are you nervous?"
scripter: {backend: rule-based, establishing_shot: false, closing_shot: false}
director: {backend: veo, base_url: "URL", poll_seconds: 0.01, timeout: 30, SETTINGS}
"""


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)


def production(folder: Path, server: VeoServer, settings: str = "anchoring: chain") -> Path:
    (folder / "cast").mkdir(parents=True)
    for name, colour in (("ana", (230, 200, 20)), ("ben", (20, 140, 60))):
        Image.new("RGB", (48, 64), colour).save(folder / "cast" / f"{name}.png")
    (folder / "production.yaml").write_text(PRODUCTION.replace("URL", server.url).replace("SETTINGS", settings))
    shutil.copyfile(REPO / "templates" / "production" / "dodo.py", folder / "dodo.py")
    return folder


def build(folder: Path, capsys) -> tuple[int, str]:
    """`scriptagent build FOLDER` in this process: (exit code, stderr)."""
    capsys.readouterr()
    code = main(["build", str(folder), "-o", str(folder / "doit-report.txt")])
    return code, capsys.readouterr().err


def segments_of(folder: Path) -> list[dict]:
    return json.loads((folder / "build" / "plan.json").read_text())["segments"]


def instance(body: dict) -> dict:
    return body["instances"][0]


def picture(encoded: dict) -> Image.Image:
    assert encoded["mimeType"] == "image/jpeg"
    return Image.open(io.BytesIO(base64.b64decode(encoded["bytesBase64Encoded"]))).convert("RGB")


def close(picture: Image.Image, expected: np.ndarray) -> bool:
    """The same picture, but for JPEG's losses."""
    return np.abs(np.asarray(picture, np.int16) - expected.astype(np.int16)).mean() < 2


def mean_grey(path: Path) -> float:
    with Image.open(path) as image:
        return float(np.asarray(image.convert("L"), dtype=np.float32).mean())


def snapped(seconds: float) -> int:
    return next(d for d in (4, 6, 8) if d >= seconds - 1e-9)


def test_a_chain_of_clips_makes_the_film(tmp_path, capsys):
    with VeoServer() as server:
        folder = production(tmp_path / "film", server)
        code, err = build(folder, capsys)
        assert code == 0, err
        segments = segments_of(folder)
        film_frames, _ = probe(folder / "build" / "film.mp4")
        assert film_frames == sum(s["frames"] for s in segments) and len(server.requests) == len(segments) >= 2

        # the scene opens from the prompt and the cast's reference images (8 s at 16:9, as Veo takes them)
        first = server.requests[0]
        assert "image" not in instance(first) and "lastFrame" not in instance(first)
        references = instance(first)["referenceImages"]
        assert 1 <= len(references) <= 3 and {r["referenceType"] for r in references} == {"ASSET"}
        colours = [np.asarray(picture(r["image"])).reshape(-1, 3).mean(axis=0) for r in references]
        assert all(min(np.abs(c - cast).max() for cast in ((230, 200, 20), (20, 140, 60))) < 3 for c in colours)
        assert first["parameters"] == {"sampleCount": 1, "durationSeconds": 8, "aspectRatio": "16:9",
                                       "resolution": "720p"}
        assert "Setting: a small kitchen in the morning" in instance(first)["prompt"]
        assert not any("says:" in instance(body)["prompt"] for body in server.requests)  # speak_lines: false
        # every later segment starts from the previous last frame as Veo made it, at 1280x720, in the shortest clip
        for previous, segment, body in zip(segments, segments[1:], server.requests[1:]):
            assert "referenceImages" not in instance(body) and "lastFrame" not in instance(body)
            opening = picture(instance(body)["image"])
            kept = Image.open(folder / "build" / "frames" / f"{previous['id']}.last.model.png").convert("RGB")
            assert kept.size == (96, 54) and close(opening, cover(kept, (1280, 720)))
            assert body["parameters"]["durationSeconds"] == snapped(segment["seconds"])
            # the clip's first seconds at their own speed: the segment ends on clip frame (frames - 1) * 24 / 12
            last = grey((segment["frames"] - 1) * 2)
            assert abs(mean_grey(folder / "build" / "frames" / f"{segment['id']}.last.png") - last) < 3
        assert server.keys == [KEY] * len(segments)
        assert len(server.polls) == 3 * len(segments)  # two polls while running, one when done
        assert len(server.downloads) == len(segments)
        assert not list((folder / "build" / "renders").glob("*.wav"))  # audio: speech drops Veo's sound

        # the plan says what Veo renders: 24 fps, 4/6/8 s clips, 1280x720
        capsys.readouterr()
        assert main(["plan", str(folder)]) == 0
        table = capsys.readouterr().out
        for segment, body in zip(segments, server.requests):
            row = next(line for line in table.splitlines() if line.startswith(segment["id"] + " "))
            assert f"{body['parameters']['durationSeconds'] * 24}@24fps" in row and "1280x720" in row

        # how the server is reached is not the picture: a new timeout renders nothing again
        text = (folder / "production.yaml").read_text()
        (folder / "production.yaml").write_text(text.replace("timeout: 30", "timeout: 40"))
        code, err = build(folder, capsys)
        assert code == 0, err
        assert len(server.requests) == len(segments)


def test_keyframe_mode_sends_first_and_last_frames(tmp_path, capsys):
    with VeoServer(polls=0) as server:
        folder = production(tmp_path / "film", server, "anchoring: keyframe, max_segment_seconds: 3")
        code, err = build(folder, capsys)
        assert code == 0, err
        segments = segments_of(folder)
        assert len(server.requests) == len(segments)
        ending = [s for s in segments if s["end_keyframe"]]
        assert ending  # the split shots' first parts end on their next part's keyframe
        for segment, body in zip(segments, server.requests):
            assert picture(instance(body)["image"]).size == (1280, 720)
            assert "referenceImages" not in instance(body)  # Veo takes them only without a first frame
            if segment["end_keyframe"]:
                assert picture(instance(body)["lastFrame"]).size == (1280, 720)
                assert body["parameters"]["durationSeconds"] == 8  # Veo interpolates 8 s clips only
                # all of the clip, so that the segment ends on its closing picture (clip frame 191)
                assert abs(mean_grey(folder / "build" / "frames" / f"{segment['id']}.last.png") - grey(191)) < 3
            else:
                assert "lastFrame" not in instance(body) and body["parameters"]["durationSeconds"] == 4


def test_a_refused_clip_is_one_line_and_the_finished_ones_are_kept(tmp_path, capsys):
    refusing = {"on": True}

    def answer(body, index):
        return {"refuse": ["The prompt could not be submitted. It may violate our policies."]} \
            if index == 1 and refusing["on"] else {}

    with VeoServer(answer, polls=1) as server:
        folder = production(tmp_path / "film", server)
        code, err = build(folder, capsys)
        segments = segments_of(folder)
        assert code == 2
        refused = [line for line in err.splitlines() if "refused" in line]
        assert len(refused) == 1 and f"render:{segments[1]['id']}" in refused[0]
        assert "safety filter: The prompt could not be submitted" in refused[0] and KEY not in err
        renders = folder / "build" / "renders"
        kept = (renders / f"{segments[0]['id']}.mp4").read_bytes()
        assert not (renders / f"{segments[1]['id']}.mp4").exists()

        refusing["on"] = False  # the shot reworded, say: the build goes on from where it stopped
        code, err = build(folder, capsys)
        assert code == 0, err
        assert len(server.requests) == len(segments) + 1  # the kept clip was not asked for again
        assert (renders / f"{segments[0]['id']}.mp4").read_bytes() == kept


def test_a_missing_key_is_one_line_naming_the_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY")
    with VeoServer() as server:
        code, err = build(production(tmp_path / "film", server), capsys)
        assert code == 2 and server.requests == []
        lines = [line for line in err.splitlines() if "GEMINI_API_KEY" in line]
        assert len(lines) == 1 and "export GEMINI_API_KEY=" in lines[0] and "GOOGLE_API_KEY" in lines[0]


def test_model_audio_writes_each_segments_sound(tmp_path, capsys):
    with VeoServer(lambda body, index: {"sound": index != 1}, polls=0) as server:
        folder = production(tmp_path / "film", server, "anchoring: chain, audio: model, speak_lines: true")
        code, err = build(folder, capsys)
        assert code == 0, err
        segments = segments_of(folder)
        assert 'Ana says: "You\'re up early."' in instance(server.requests[0])["prompt"]
        assert 'Ben says: "Couldn\'t sleep.' in instance(server.requests[1])["prompt"]
        for index, segment in enumerate(segments):
            with wave.open(str(folder / "build" / "renders" / f"{segment['id']}.wav")) as sound:
                assert sound.getframerate() == 48000 and sound.getnchannels() == 1
                assert sound.getnframes() == round(segment["frames"] / 12 * 48000)
                samples = np.frombuffer(sound.readframes(sound.getnframes()), "<i2")
            assert (np.abs(samples).max() > 5000) == (index != 1)  # the clip without sound: silence
        assert "the clip has no sound" in err


# --- the client alone: hostile and slow servers ----------------------------------------------------------------

REQUEST = {"prompt": "a kitchen", "duration": 4, "aspect_ratio": "16:9", "resolution": "720p", "image": None,
           "last_frame": None, "reference_images": []}


def clip(server: VeoServer, tmp_path: Path, **settings) -> Path:
    from scriptagent.director.veo_api import VeoClip

    config = {"model": "veo-3.1-generate-preview", "base_url": server.url, "timeout": 20, "poll_seconds": 0.01,
              "retries": 2, **settings}
    out = tmp_path / "clip.mp4"
    VeoClip(config, "segment sh01").render(dict(REQUEST), out)
    return out


def test_busy_servers_are_retried_and_refusals_never_show_the_key(tmp_path):
    with VeoServer(lambda body, index: {"status": 503} if index == 0 else {}) as server:
        assert probe(clip(server, tmp_path))[0] == 96 and len(server.requests) == 2
    with VeoServer(lambda body, index: {"status": 429}) as server:
        with pytest.raises(BackendError) as error:
            clip(server, tmp_path)
        assert len(server.requests) == 3 and "still rate-limiting (429) after 2 retries" in str(error.value)
        assert "\n" not in str(error.value) and KEY not in str(error.value)  # the server echoed the key
    with VeoServer(lambda body, index: {"status": 403}) as server:
        with pytest.raises(BackendError, match=r"refused the API key in \$GEMINI_API_KEY \(403\)") as error:
            clip(server, tmp_path)
        assert len(server.requests) == 1 and KEY not in str(error.value)


def test_replies_that_are_not_veos_are_one_line(tmp_path, capsys):
    with VeoServer(lambda body, index: {"reply": b"<html>proxy login</html>"}) as server:
        with pytest.raises(BackendError, match=r"segment sh01: .* sent a reply google-genai cannot read as a Veo "
                                               r"operation \(JSONDecodeError") as error:
            clip(server, tmp_path)
        assert "\n" not in str(error.value)
    with VeoServer(lambda body, index: {"clip": b"not a video"}, polls=0) as server:
        folder = production(tmp_path / "film", server)
        code, err = build(folder, capsys)
        line = next(line for line in err.splitlines() if "cannot be read" in line)
        assert code == 2 and "Veo sent a video that cannot be read (" in line and "Invalid data" in line
        assert not list((folder / "build" / "renders").glob("*.mp4"))


def test_a_slow_server_ends_at_the_timeout(tmp_path):
    with VeoServer(polls=10 ** 6) as server:  # never done
        started = time.monotonic()
        with pytest.raises(BackendError, match=r"segment sh01: .*no video from 'veo-3.1-generate-preview' within "
                                               r"1 s \(hint: raise director.timeout"):
            clip(server, tmp_path, timeout=1, poll_seconds=0.2)
        assert time.monotonic() - started < 4
    with VeoServer(lambda body, index: {"hang": 5}) as server:  # the request itself hangs
        started = time.monotonic()
        with pytest.raises(BackendError, match="within 1 s"):
            clip(server, tmp_path, timeout=1)
        assert time.monotonic() - started < 4


def test_the_sdk_version_is_checked(monkeypatch):
    import google.genai

    from scriptagent.director.veo_api import genai_sdk

    monkeypatch.setattr(google.genai, "__version__", "3.0.0")
    with pytest.raises(BackendError, match=r"Vertex AI only.*pip install 'google-genai>=1.42,<3'"):
        genai_sdk()


# --- what Veo is asked for, from the segment alone ----------------------------------------------------------------

def segment(seconds: float, film=(64, 36), start_keyframe=None, end_keyframe=None, in_frame=("ana",),
            **director) -> Segment:
    fps = 12
    shot = Shot(id="sh01", duration=seconds, shot_size="medium", angle="eye-level", camera_movement="static",
                description="Ana waits.", characters=[{"id": cid, "position": "centre"} for cid in in_frame])
    part = SegmentShot(shot=shot, scene_id="s1", frames=round(seconds * fps), shot_frames=round(seconds * fps),
                       offset_frames=0)
    return Segment(id="sh01", scene_id="s1", setting="a kitchen", frames=part.frames, fps=fps, resolution=film,
                   look="", slate=False, subtitles=False, seed=1, anchoring="keyframe" if start_keyframe else "chain",
                   start_keyframe=start_keyframe, end_keyframe=end_keyframe, shots=[part],
                   cast={"ana": SegmentCastMember(name="Ana", appearance="", reference="cast/ana.png")},
                   director={"backend": "veo", "model": "veo-3.1-generate-preview", **director})


@pytest.mark.parametrize("case, expected", [
    (dict(seconds=3.5, start_keyframe="sh01"), (96, (1280, 720))),
    (dict(seconds=4.5, start_keyframe="sh01"), (144, (1280, 720))),
    (dict(seconds=6.5, start_keyframe="sh01"), (192, (1280, 720))),
    (dict(seconds=2, start_keyframe="sh01", resolution="1080p"), (192, (1920, 1080))),  # 1080p: 8 s only
    (dict(seconds=2, start_keyframe="sh01", end_keyframe="sh01-p2"), (192, (1280, 720))),  # a last frame: 8 s
    (dict(seconds=2), (192, (1280, 720))),  # reference images: 8 s at 16:9
    (dict(seconds=2, in_frame=()), (96, (1280, 720))),  # nobody in frame: no reference images
    (dict(seconds=2, reference_images=False), (96, (1280, 720))),
    (dict(seconds=2, film=(36, 64)), (96, (720, 1280))),  # a portrait film: 9:16, no reference images
    (dict(seconds=2, film=(36, 64), start_keyframe="sh01", resolution="1080p"), (192, (1080, 1920))),
])
def test_geometry_snaps_to_what_veo_renders(case, expected):
    from scriptagent.director.veo import VeoRenderer

    seg = segment(**case)
    model, frames, fps, size = VeoRenderer.geometry(seg.director, seg)
    assert (model, fps, (frames, size)) == ("veo-3.1-generate-preview", 24, expected)


def test_key_and_settings_are_checked_when_the_production_loads():
    from scriptagent.schema.configs import VeoDirectorConfig

    with pytest.raises(ValueError, match="never write the key"):
        VeoDirectorConfig.model_validate({"backend": "veo", "api_key": KEY})
    with pytest.raises(ValueError, match="name of an environment variable"):
        VeoDirectorConfig.model_validate({"backend": "veo", "api_key_env": "AIzaSy-" + KEY})
    with pytest.raises(ValueError, match="less than or equal to 8"):
        VeoDirectorConfig.model_validate({"backend": "veo", "max_segment_seconds": 10})
    assert re.fullmatch(r"veo-3\.1-\S+", VeoDirectorConfig.model_validate({"backend": "veo"}).model)
