"""Every edit re-renders only what it changed (issue #14): each edit a user makes, counted in real renders.

A render that really ran stores one new entry in the render cache (a placed one stores nothing), so the number of
new entries in build/cache/render is the number of times the renderer ran. The console says the same: a real
render shows as `.  render:ID`, a cache hit as `.  render:ID (cached)`; both counts must agree.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import cached, doit, edit_shot, env, executed, make_production

from scriptagent.bench import edit_script
from scriptagent.cache import ArtifactCache, MANIFEST

# one shot per segment, no speech: the setting of the table in issue #14
PRODUCTION = """\
title: Incremental
seed: 4
style: {look: flat, resolution: [96, 54], fps: 12, slate: SLATE}
cast:
  - {id: ana, name: Ana, appearance: "long brown hair, yellow raincoat"}
  - {id: ben, name: Ben, appearance: "bald, green sweater"}
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "Couldn't sleep."
  - ana: "Are you nervous?"
  - ben: "Terrified. Absolutely terrified."
  - ana: "It will be fine."
  - ben: "You always say that."
scripter: {backend: rule-based}
director: {backend: animatic, max_segment_seconds: 10, anchoring: ANCHORING, pack_shots: false}
critic: {metrics: [structure], judge: none}
"""


def production(folder: Path, anchoring: str = "none", slate: bool = True) -> Path:
    return make_production(folder, anchoring, PRODUCTION.replace("SLATE", str(slate).lower()))


def cache_entries(folder: Path, kind: str = "render") -> set[str]:
    return {e.key for e in ArtifactCache(folder / "build" / "cache").entries() if e.kind == kind}


def rendered(output: str) -> list[str]:
    return [t for t in executed(output) if t.startswith("render:")]


def build(folder: Path, *args: str) -> tuple[int, list[str], str]:
    """Run doit; (renders that really ran, the render tasks served from the cache, stdout)."""
    before = cache_entries(folder)
    output = doit(folder, *args).stdout
    real = len(cache_entries(folder) - before)
    assert real == len(rendered(output)), output  # the console tells the truth
    return real, [t for t in cached(output) if t.startswith("render:")], output


def shot_ids(folder: Path) -> list[str]:
    plan = json.loads((folder / "build" / "plan.json").read_text())
    return [shot["id"] for shot in plan["shots"]]


def script_shot(folder: Path, shot_id: str) -> dict:
    data = YAML(typ="safe").load((folder / "script.yaml").read_text())
    return next(s for scene in data["scenes"] for s in scene["shots"] if s["id"] == shot_id)


def test_duration_edit_renders_one_and_undo_renders_none(tmp_path):
    folder = production(tmp_path / "p")
    real, _, _ = build(folder)
    assert real == len(shot_ids(folder))
    original = (folder / "script.yaml").read_bytes()
    middle = shot_ids(folder)[len(shot_ids(folder)) // 2]
    duration = script_shot(folder, middle)["duration"]

    edit_shot(folder, middle, "duration", round(duration + 0.7, 1))
    real, _, output = build(folder)
    assert real == 1 and rendered(output) == [f"render:{middle}"]

    (folder / "script.yaml").write_bytes(original)  # as `git checkout script.yaml` does
    real, served, output = build(folder)
    assert real == 0 and served == [f"render:{middle}"]
    assert "rendered 0 of" in output and "(1 cached" in output


def test_inserted_shot_renders_only_itself(tmp_path):
    folder = production(tmp_path / "p")
    build(folder)

    def insert(data) -> None:
        shots = data["scenes"][0]["shots"]
        new = dict(shots[2])
        new.update(id="insert", duration=2.0, description="A kettle starts to whistle on the stove.",
                   shot_size="close-up", characters=[], dialogue=[])
        shots.insert(3, new)

    edit_script(folder, insert)
    real, _, output = build(folder)
    assert real == 1 and rendered(output) == ["render:insert"]


def test_renamed_shot_renders_nothing_without_a_slate(tmp_path):
    folder = production(tmp_path / "p", slate=False)
    build(folder)

    def rename(data) -> None:
        for index, shot in enumerate(data["scenes"][0]["shots"]):
            shot["id"] = f"take{index:02d}"  # every shot renamed

    edit_script(folder, rename)
    real, served, _ = build(folder)
    assert real == 0 and len(served) == len(shot_ids(folder))


def test_a_slate_shows_the_id_so_a_renamed_shot_renders_again(tmp_path):
    folder = production(tmp_path / "p", slate=True)
    build(folder)
    edit_shot(folder, shot_ids(folder)[1], "id", "renamed")
    real, _, output = build(folder)
    assert real == 1 and rendered(output) == ["render:renamed"]


def test_dialogue_edit_in_production_yaml_renders_its_shot(tmp_path):
    folder = production(tmp_path / "p")
    build(folder)
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(text.replace('"Are you nervous?"', '"Are you nervous about it, Ben?"'))
    real, _, output = build(folder)
    assert 1 <= real <= 2, output


def test_description_edit_updates_the_report(tmp_path):
    folder = production(tmp_path / "p")
    build(folder)
    edit_shot(folder, shot_ids(folder)[2], "description", "Ben stares at a cold cup of coffee.")
    build(folder)
    assert "Ben stares at a cold cup of coffee." in (folder / "build" / "report.html").read_text()


def test_another_production_with_the_same_shots_renders_nothing(tmp_path):
    shared = tmp_path / "shared-cache"
    first, second = production(tmp_path / "one"), production(tmp_path / "two")
    environment = {**env(), "SCRIPTAGENT_CACHE": str(shared)}
    subprocess.run([sys.executable, "-m", "doit", "-n", "2"], cwd=first, env=environment, check=True,
                   capture_output=True)
    result = subprocess.run([sys.executable, "-m", "doit", "-n", "2"], cwd=second, env=environment, check=True,
                            capture_output=True, text=True)
    assert not rendered(result.stdout) and len(cached(result.stdout)) >= len(shot_ids(second))
    assert (second / "build" / "film.mp4").read_bytes() == (first / "build" / "film.mp4").read_bytes()


def test_damaged_cache_entry_is_made_anew_never_used(tmp_path):
    folder = production(tmp_path / "p")
    build(folder)
    original = (folder / "script.yaml").read_bytes()
    target = shot_ids(folder)[1]
    render = folder / "build" / "renders" / f"{target}.mp4"
    entry = next(e.path for e in ArtifactCache(folder / "build" / "cache").entries()
                 if (e.path / "video.mp4").samefile(render))  # placed renders are hard links to their entry
    edit_shot(folder, target, "camera_movement", "pan-left")
    build(folder)
    with open(entry / "video.mp4", "r+b") as f:  # the old picture's entry, damaged in place as a bad disk would
        f.seek(200)
        f.write(b"\0" * 64)
    damaged = (entry / "video.mp4").read_bytes()
    (folder / "script.yaml").write_bytes(original)
    output = doit(folder).stdout
    assert rendered(output) == [f"render:{target}"] and not cached(output)  # rendered again, not served
    assert render.read_bytes() != damaged
    doit(folder, "stitch")  # and the film still decodes with the planned frame count (stitch checks every render)


def test_killed_build_leaves_no_half_entry(tmp_path):
    folder = production(tmp_path / "p")
    process = subprocess.Popen([sys.executable, "-m", "doit"], cwd=folder, env=env(), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(cache_entries(folder)) < 2:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    cache = ArtifactCache(folder / "build" / "cache")
    for entry in cache.entries():  # every entry there is complete and verifies
        manifest = json.loads((entry.path / MANIFEST).read_text())
        assert cache.place("render", entry.key, {name: tmp_path / "check" / name for name in manifest["files"]})
    real, served, _ = build(folder)
    assert real + len(served) + len(cache.entries()) >= len(shot_ids(folder))
    assert (folder / "build" / "film.mp4").exists()


@pytest.mark.parametrize("anchoring", ["chain", "keyframe"])
def test_an_edit_never_re_renders_another_scene(tmp_path, anchoring):
    folder = production(tmp_path / "p", anchoring)
    build(folder)

    def split(data) -> None:
        scene = data["scenes"][0]
        moved = scene["shots"][4:]  # the last shots play on in another place
        del scene["shots"][4:]
        data["scenes"].append({"id": "street", "setting": "a busy street at noon", "shots": moved})

    edit_script(folder, split)
    build(folder)
    ids = shot_ids(folder)
    other_scene = {f"render:{shot_id}" for shot_id in ids[4:]}
    edit_shot(folder, ids[1], "duration", script_shot(folder, ids[1])["duration"] + 0.5)
    real, _, output = build(folder)
    assert not other_scene & set(rendered(output))
    if anchoring == "keyframe":  # every segment starts from its own keyframe: only the edited one re-renders
        assert rendered(output) == [f"render:{ids[1]}"] and real == 1
    else:  # chain: the edited one, then the next ones of its scene for as long as their anchor frame changed
        assert 1 <= real <= 3 and rendered(output) == [f"render:{shot_id}" for shot_id in ids[1:1 + real]], output


def test_status_forecasts_a_cache_hit(tmp_path):
    folder = production(tmp_path / "p")
    build(folder)
    original = (folder / "script.yaml").read_bytes()
    middle = shot_ids(folder)[2]
    edit_shot(folder, middle, "camera_movement", "pan-left")
    build(folder)
    (folder / "script.yaml").write_bytes(original)
    doit(folder, "plan")  # the segment files as the next build renders them
    told = doit(folder, "status").stdout
    assert f"render:{middle}" in told
    line = next(row for row in told.splitlines() if row.startswith(f"render:{middle} "))
    assert "will run: from the render cache" in line, told
    real, served, _ = build(folder)
    assert real == 0 and served == [f"render:{middle}"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="the espeak-ng program is not installed")
def test_speech_and_keyframes_come_from_the_cache_too(tmp_path):
    folder = production(tmp_path / "p", "keyframe")
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(text + "voice: {backend: espeak, words_per_minute: 170}\n")
    doit(folder)
    original = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(original.replace('"Couldn\'t sleep."', '"Could not sleep at all."'))
    edited = doit(folder).stdout
    assert [t for t in executed(edited) if t.startswith("speech:")]  # the new line is spoken
    (folder / "production.yaml").write_text(original)  # undone
    undone = doit(folder).stdout
    assert not [t for t in executed(undone) if t.startswith(("speech:", "render:", "keyframe:"))], undone
    assert [t for t in cached(undone) if t.startswith("speech:")]
    assert "spoke 0 of" in undone and "rendered 0 of" in undone


def test_a_renderer_that_draws_differently_renders_again(tmp_path):
    """Upgrading to a renderer whose `version` changed (it draws the same segment differently) re-plans and renders
    every segment again, without `doit forget`; the same version renders nothing."""
    folder = make_production(tmp_path / "small")
    doit(folder)
    upgrade = tmp_path / "upgrade"
    upgrade.mkdir()
    (upgrade / "sitecustomize.py").write_text(
        "from scriptagent.director.animatic import AnimaticRenderer\n"
        "AnimaticRenderer.version += '-next'\n", encoding="utf-8")
    environment = env()
    environment["PYTHONPATH"] = str(upgrade) + os.pathsep + environment["PYTHONPATH"]
    segments = sorted(p.stem for p in (folder / "build" / "segments").glob("*.json"))
    again = subprocess.run([sys.executable, "-m", "doit"], cwd=folder, env=environment, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "plan" in executed(again.stdout)
    assert sorted(t.split(":", 1)[1] for t in executed(again.stdout) if t.startswith("render:")) == segments
    assert json.loads((folder / "build" / "segments" / f"{segments[0]}.json").read_text())[
        "renderer_version"].endswith("-next")
    same = subprocess.run([sys.executable, "-m", "doit"], cwd=folder, env=environment, capture_output=True,
                          text=True, timeout=600)
    assert same.returncode == 0 and not [t for t in executed(same.stdout) if t.startswith("render:")]
