"""The diffusers director on tiny, randomly initialised image-to-video models built in the tests (no downloads).

Each registered pipeline is built from tiny components, saved with save_pretrained and named by its folder in
production.yaml, exactly as a user names a downloaded model; the builds run in this process through
`scriptagent build` (torch is imported once for the whole file).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from ruamel.yaml import YAML

import diffusers_tiny
from conftest import REPO

from scriptagent.cli import main
from scriptagent.media import probe, read_frames

# `fps: 4` renders the tiny models at 4 frames per second (the flag users set for a checkpoint with its own
# rate), so that these builds render few frames
PRODUCTION = """\
title: Tiny
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
director: {backend: diffusers, pipeline: PIPELINE, model: MODEL, steps: 2, fps: 4, max_segment_seconds: SECONDS,
           SETTINGS anchoring: ANCHORING}
"""


class TinyModels(dict):
    """pipeline name -> folder of its tiny model, built on first use and kept for this file."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def __missing__(self, name: str) -> Path:
        self[name] = diffusers_tiny.VIDEO_BUILDERS[name](self.folder / name)
        return self[name]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> TinyModels:
    return TinyModels(tmp_path_factory.mktemp("models"))


def production(folder: Path, pipeline: str, model: Path, anchoring: str = "chain", seconds: float = 2,
               settings: str = "") -> Path:
    """A production folder whose director renders with `pipeline` from the model folder `model`."""
    folder.mkdir(parents=True)
    text = PRODUCTION.replace("PIPELINE", pipeline).replace("MODEL", str(model)).replace("ANCHORING", anchoring)
    (folder / "production.yaml").write_text(text.replace("SECONDS", str(seconds)).replace("SETTINGS", settings))
    shutil.copyfile(REPO / "templates" / "production" / "dodo.py", folder / "dodo.py")
    return folder


def build(folder: Path, capsys) -> tuple[int, str, str]:
    """`scriptagent build FOLDER` in this process: (exit code, doit's report, stderr)."""
    capsys.readouterr()
    report = folder / "doit-report.txt"  # doit's default report stream is the stdout it saw when imported
    code = main(["build", str(folder), "-o", str(report)])
    return code, report.read_text(), capsys.readouterr().err


def executed(output: str) -> list[str]:
    return re.findall(r"^\.  (\S+)$", output, re.M)


def plan_of(folder: Path) -> dict:
    return json.loads((folder / "build" / "plan.json").read_text())


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


class ConditioningSpy:
    """Records the pictures each pipeline call is conditioned on (the real call runs unchanged)."""

    def __init__(self, monkeypatch, pipeline_class):
        self.calls: list[dict] = []
        original = pipeline_class.__call__
        spy = self

        def recording_call(pipe, *args, **kwargs):
            if "conditions" in kwargs:  # LTX: pictures pinned at frame indices
                pinned = {c.frame_index: c.image for c in kwargs["conditions"]}
                spy.calls.append({"image": pinned.get(0), "last_image": next(
                    (image for index, image in pinned.items() if index > 0), None), "num_frames": kwargs["num_frames"]})
            else:
                spy.calls.append({"image": kwargs["image"], "last_image": kwargs.get("last_image"),
                                  "num_frames": kwargs.get("num_frames")})
            return original(pipe, *args, **kwargs)

        monkeypatch.setattr(pipeline_class, "__call__", recording_call)


def pipeline_class(name: str):
    import diffusers

    from scriptagent.director.pipelines import video_pipeline

    return getattr(diffusers, video_pipeline(name).diffusers_class)


@pytest.mark.parametrize("pipeline", list(diffusers_tiny.VIDEO_BUILDERS))
def test_pipeline_builds_a_chained_film(pipeline, models, tmp_path, capsys, monkeypatch):
    spy = ConditioningSpy(monkeypatch, pipeline_class(pipeline))
    folder = production(tmp_path / "film", pipeline, models[pipeline])
    code, out, err = build(folder, capsys)
    assert code == 0, err

    plan = plan_of(folder)
    frames, _ = probe(folder / "build" / "film.mp4")
    script = YAML().load((folder / "script.yaml").read_text())
    assert frames == plan["frames"] == round(sum(s["duration"] for s in script["scenes"][0]["shots"]) * 8)
    ids = [s["id"] for s in plan["segments"]]
    assert len(ids) >= 3 and len(spy.calls) == len(ids)
    for segment in plan["segments"]:
        render = folder / "build" / "renders" / f"{segment['id']}.mp4"
        assert probe(render)[0] == segment["frames"]
        assert next(read_frames(render)).shape == (32, 32, 3)

    # chain: the first segment starts from its keyframe, every later one from the previous segment's last frame
    assert np.array_equal(np.asarray(spy.calls[0]["image"]), pixels(folder / "build" / "keyframes" / f"{ids[0]}.png"))
    for previous, call in zip(ids, spy.calls[1:]):
        assert np.array_equal(np.asarray(call["image"]), pixels(folder / "build" / "frames" / f"{previous}.last.png"))
    # and the model renders the frame counts it accepts, for the segment's duration at its own rate
    from scriptagent.director.pipelines import config_reader, video_pipeline

    geometry = video_pipeline(pipeline).geometry(config_reader(str(models[pipeline])), fps=4)
    for segment, call in zip(plan["segments"], spy.calls):
        assert call["num_frames"] == geometry.frames_for(segment["seconds"])
        assert (call["num_frames"] - 1) % geometry.frame_step == 0  # frame_step * k + 1, fixed length or not
        if pipeline == "cogvideox-i2v":  # the tiny CogVideoX 1.0 is trained at 9 frames only (learned position
            assert call["num_frames"] == geometry.fixed_frames == 9  # embeddings): every render has 9, any length
        else:
            assert geometry.fixed_frames is None

    again = build(folder, capsys)
    assert again[0] == 0 and executed(again[1]) == []


def test_keyframe_mode_rebuilds_one_render_after_a_dialogue_edit(models, tmp_path, capsys, monkeypatch):
    spy = ConditioningSpy(monkeypatch, pipeline_class("ltx"))
    folder = production(tmp_path / "film", "ltx", models["ltx"], anchoring="keyframe")
    code, out, err = build(folder, capsys)
    assert code == 0, err
    plan = plan_of(folder)
    ids = [s["id"] for s in plan["segments"]]
    assert sorted(t for t in executed(out) if t.startswith("keyframe:")) == sorted(f"keyframe:{i}" for i in ids)

    # every segment starts from its keyframe; the first part of a split shot ends on the next part's keyframe
    keyframes = folder / "build" / "keyframes"
    for segment, call in zip(plan["segments"], spy.calls):
        assert np.array_equal(np.asarray(call["image"]), pixels(keyframes / f"{segment['id']}.png"))
        if segment["end_keyframe"]:
            assert np.array_equal(np.asarray(call["last_image"]), pixels(keyframes / f"{segment['end_keyframe']}.png"))
        else:
            assert call["last_image"] is None
    assert any(s["end_keyframe"] for s in plan["segments"])

    yaml = YAML()
    script = yaml.load((folder / "script.yaml").read_text())
    first = script["scenes"][0]["shots"][0]
    assert [s for s in plan["segments"] if s["id"] == first["id"]], "the edited shot is one whole segment"
    first["dialogue"][0]["line"] = "You're up so early."
    with (folder / "script.yaml").open("w") as f:
        yaml.dump(script, f)
    code, out, err = build(folder, capsys)
    assert code == 0, err
    assert [t for t in executed(out) if t.startswith("keyframe:")] == []
    assert [t for t in executed(out) if t.startswith("render:")] == [f"render:{first['id']}"]


def test_missing_model_is_explained(tmp_path, capsys):
    folder = production(tmp_path / "film", "wan-i2v", tmp_path / "no-such-model")
    code, out, err = build(folder, capsys)
    assert code == 2
    message = [line for line in err.splitlines() if "director.model" in line]
    assert message and "wan-i2v" in message[0] and "no-such-model" in message[0] and "Traceback" not in err
    assert not list((folder / "build" / "renders").glob("*"))


def test_out_of_memory_is_explained_and_leaves_no_render(models, tmp_path, capsys, monkeypatch):
    import torch

    def out_of_memory(pipe, *args, **kwargs):  # what CUDA raises when a render does not fit
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(pipeline_class("wan-i2v"), "__call__", out_of_memory)
    folder = production(tmp_path / "film", "wan-i2v", models["wan-i2v"])
    code, out, err = build(folder, capsys)
    assert code == 2
    message = next(line for line in err.splitlines() if "out of" in line)
    assert "director.model (wan-i2v)" in message and "32x32" in message
    assert "director.cpu_offload: true" in message and "director.vae_tiling: true" in message
    assert "Traceback" not in err
    assert not list((folder / "build" / "renders").glob("*"))  # nothing half-written


def test_plan_shows_model_frames_and_size_without_torch(models, tmp_path):
    from conftest import cli

    folder = production(tmp_path / "film", "ltx", models["ltx"], anchoring="keyframe")
    (folder / "production.yaml").write_text((folder / "production.yaml").read_text()
                                            .replace("resolution: [32, 32]", "resolution: [40, 30]")
                                            .replace(" fps: 4,", ""))  # the model's own rate
    assert cli("script", str(folder), cwd=tmp_path).returncode == 0
    result = cli("plan", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["segment", "shots", "seconds", "frames", "model", "render", "size", "anchor"]
    rows = [line.split() for line in lines[1:-1]]
    assert len(rows) == 3  # a row per segment (the same three as --estimate below)
    assert all("ltx" in row and "32x32" in row for row in rows)  # 40x30 snapped to LTX's multiple of 32
    assert all(re.fullmatch(r"(\d+)@24fps", row[row.index("ltx") + 1]) for row in rows)
    assert any("keyframe" in line and "->" in line for line in lines)  # a split shot ends on the next keyframe
    assert "Adjusting (40, 30) -> (32, 32)" in result.stderr
    # the same command never imports torch or diffusers: it reads the model's config files only
    code = ("import sys; from scriptagent.cli import main; main(['plan', sys.argv[1]]); "
            "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True).returncode == 0


def test_cast_references_steer_the_keyframes_through_an_ip_adapter(models, tmp_path, capsys, monkeypatch):
    import diffusers

    keyframe_model = diffusers_tiny.stable_diffusion(tmp_path / "sd")
    adapter = diffusers_tiny.ip_adapter(tmp_path / "ip-adapter", keyframe_model)
    calls = []
    original = diffusers.StableDiffusionPipeline.__call__

    def recording_call(pipe, *args, **kwargs):
        calls.append(kwargs)
        return original(pipe, *args, **kwargs)

    monkeypatch.setattr(diffusers.StableDiffusionPipeline, "__call__", recording_call)
    folder = production(tmp_path / "film", "wan-i2v", models["wan-i2v"], anchoring="keyframe", seconds=5,
                        settings=f"keyframe_model: {keyframe_model}, keyframe_steps: 2, ip_adapter: "
                                 f"{{model: {adapter}, weight_name: ip.safetensors, scale: 0.8}},")
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(
        text.replace('appearance: "young woman, long brown hair, yellow raincoat"}',
                     'appearance: "young woman, long brown hair, yellow raincoat", reference: cast/ana.png}')
        .replace('appearance: "man in his fifties, bald, green sweater"}',
                 'appearance: "man in his fifties, bald, green sweater", reference: cast/ben.png}'))
    (folder / "cast").mkdir()
    Image.new("RGB", (48, 48), (200, 40, 40)).save(folder / "cast" / "ana.png")
    Image.new("RGB", (48, 48), (40, 40, 200)).save(folder / "cast" / "ben.png")
    code, out, err = build(folder, capsys)
    assert code == 0, err

    keyframes = sorted((folder / "build" / "keyframes").glob("*.json"))
    assert len(calls) == len(keyframes) >= 2
    references = {name: pixels(folder / "cast" / f"{name}.png") for name in ("ana", "ben")}
    with_ana = []
    for path, call in zip(keyframes, calls):  # keyframes run in the plan's order, which sorts the same here
        cast = json.loads(path.read_text())["cast"]
        assert "yellow raincoat" in call["prompt"] or "ana" not in cast
        given = [np.asarray(image) for image in call["ip_adapter_image"][0]]
        assert [image.tobytes() for image in given] == [references[c].tobytes() for c in cast]
        if "ana" in cast:
            with_ana.append(path.stem)
    assert with_ana

    # another picture of Ana: exactly the keyframes she is in are made again, and they change
    before = {path.stem: pixels(path.with_suffix(".png")) for path in keyframes}
    Image.new("RGB", (48, 48), (40, 200, 40)).save(folder / "cast" / "ana.png")
    code, out, err = build(folder, capsys)
    assert code == 0, err
    remade = sorted(task.split(":", 1)[1] for task in executed(out) if task.startswith("keyframe:"))
    assert remade == sorted(with_ana)
    for name in with_ana:
        assert not np.array_equal(before[name], pixels(folder / "build" / "keyframes" / f"{name}.png"))


def test_calibrate_then_plan_estimates(models, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SCRIPTAGENT_CACHE", str(tmp_path / "cache"))
    folder = production(tmp_path / "film", "wan-i2v", models["wan-i2v"])
    assert main(["script", str(folder)]) == 0
    capsys.readouterr()
    assert main(["plan", "--estimate", str(folder)]) == 0
    before = capsys.readouterr()
    assert "scriptagent calibrate" in before.err
    assert [line.split()[-2:] for line in before.out.splitlines()[1:-1]] == [["?", "?"]] * 3

    assert main(["calibrate", str(folder)]) == 0
    measured = json.loads((tmp_path / "cache" / "calibration.json").read_text())
    (runs,) = measured.values()
    assert [run["frames"] for run in runs] == [5, 9]  # the shortest clip and the longest segment at 4 fps
    assert all(run["seconds"] > 0 and run["peak_bytes"] > 0 for run in runs)
    capsys.readouterr()
    assert main(["plan", "--estimate", str(folder)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert len(rows) == 3
    assert all(re.fullmatch(r"[\d.]+GiB", row[-2]) and re.fullmatch(r"[\d.]+s", row[-1]) for row in rows)
    assert "will not fit" not in capsys.readouterr().err  # a tiny model fits the machine it was calibrated on
    assert main(["plan", "--estimate", "--memory", "1K", str(folder)]) == 0  # a card of 1 KiB: nothing fits
    warned = [line for line in capsys.readouterr().err.splitlines() if "will not fit" in line]
    assert [line.split()[2] for line in warned] == [f"{row[0]}:" for row in rows]
    assert all("1 KiB" not in line and "0.0 GiB" in line and "director.cpu_offload: true" in line for line in warned)
    assert main(["plan", "--estimate", "--memory", "1T", str(folder)]) == 0
    assert "will not fit" not in capsys.readouterr().err
