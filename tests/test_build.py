"""The whole graph end to end on the embedded backends, driven through doit as a user drives it."""

from __future__ import annotations

import json
import re
import subprocess

import imageio_ffmpeg

from conftest import DEMO, cached, cli, copy_demo, doit, edit_script, executed, make_production, shot_in, up_to_date

from scriptagent.media import probe
from scriptagent.schema import load_production
from scriptagent.scripter import render_script_file, script_inputs_digest, script_state, write_script


def renders(output: str) -> list[str]:
    return [task for task in executed(output) if task.startswith("render:")]


def segment_scores(output: str) -> list[str]:
    """The score tasks of segments that ran (score:film and score:script score the whole film and the script)."""
    return [task for task in executed(output) if task.startswith("score:") and task not in ("score:film",
                                                                                            "score:script")]


def segment_ids(folder) -> list[str]:
    return [s["id"] for s in json.loads((folder / "build" / "plan.json").read_text())["segments"]]


def ffmpeg_info(path) -> str:
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True)
    return result.stderr


def test_full_build_then_noop(small):
    first = doit(small)
    ids = segment_ids(small)
    assert {"script", "plan", "stitch", "report"} <= set(executed(first.stdout))
    assert sorted(renders(first.stdout)) == sorted(f"render:{i}" for i in ids)
    assert sorted(segment_scores(first.stdout)) == sorted(f"score:{i}" for i in ids)
    assert {"score:film", "score:script"} <= set(executed(first.stdout))

    film = small / "build" / "film.mp4"
    plan = json.loads((small / "build" / "plan.json").read_text())
    frames, seconds = probe(film)
    assert frames == plan["frames"]
    assert abs(seconds - plan["frames"] / plan["fps"]) <= 1 / plan["fps"]
    info = ffmpeg_info(film)
    assert "h264" in info and "yuv420p" in info
    with film.open("rb") as f:  # +faststart: the index (moov) comes before the media data (mdat)
        head = f.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))

    subtitles = (small / "build" / "film.srt").read_text()
    assert "Ana: You're up early." in subtitles and "Ben: Terrified." in subtitles
    shot_parts = sum(len(segment["shots"]) for segment in plan["segments"])  # a strip of 3 frames per shot (part)
    assert (small / "build" / "report.html").read_text().count("<img") == 3 * shot_parts

    second = doit(small)
    assert executed(second.stdout) == []
    assert "-- stitch" in second.stdout and "-- report" in second.stdout


def test_list_before_and_after_build(small):
    before = doit(small, "list", "--all")
    assert re.search(r"^script\b", before.stdout, re.M) and re.search(r"^plan\b", before.stdout, re.M)
    doit(small)
    after = doit(small, "list", "--all")
    for task in ["script", "plan", "stitch", "report"] + [f"render:{i}" for i in segment_ids(small)]:
        assert re.search(rf"^{re.escape(task)}\b", after.stdout, re.M), task


def test_clean_removes_artifacts_and_keeps_the_script(small):
    doit(small)
    doit(small, "clean")
    assert (small / "script.yaml").exists()
    assert not (small / "build" / "film.mp4").exists()
    assert not list((small / "build" / "renders").glob("*.mp4"))
    rebuilt = doit(small)  # the render cache is not an artifact: clean keeps it, as `make clean` keeps ccache's
    assert (small / "build" / "film.mp4").exists() and not renders(rebuilt.stdout)
    assert sorted(cached(rebuilt.stdout)) == sorted(f"render:{i}" for i in segment_ids(small))


def test_dialogue_edit_rebuilds_one_render_without_anchoring(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="none")
    doit(folder)
    edit_script(folder, lambda data: shot_in(data, "sh03")["dialogue"][0].__setitem__("line", "Couldn't sleep at all."))
    result = doit(folder)
    target = [i for i in segment_ids(folder) if "sh03" in _shots_of(folder, i)]
    assert renders(result.stdout) == [f"render:{i}" for i in target] and len(target) == 1
    assert segment_scores(result.stdout) == [f"score:{target[0]}"]
    assert {"stitch", "report"} <= set(executed(result.stdout))
    # the script owns the words now; the validator only warns that production.yaml says otherwise
    assert re.search(r"script\.yaml:\d+:\d+: .*\[dialogue/warning\]", result.stderr)
    assert "Couldn't sleep at all." in (folder / "build" / "film.srt").read_text()


def test_one_shot_edit_rebuilds_only_its_segment(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="none")
    doit(folder)
    before = {i: (folder / "build" / "renders" / f"{i}.mp4").read_bytes() for i in segment_ids(folder)}
    edit_script(folder, lambda data: shot_in(data, "sh02").__setitem__("camera_movement", "pan-left"))
    second = doit(folder)
    target = next(i for i in segment_ids(folder) if "sh02" in _shots_of(folder, i))
    assert renders(second.stdout) == [f"render:{target}"]
    assert segment_scores(second.stdout) == [f"score:{target}"]
    assert "stitch" in executed(second.stdout) and "report" in executed(second.stdout)
    after = {i: (folder / "build" / "renders" / f"{i}.mp4").read_bytes() for i in segment_ids(folder)}
    assert [i for i in before if before[i] != after[i]] == [target]


def _shots_of(folder, segment_id) -> list[str]:
    segment = json.loads((folder / "build" / "segments" / f"{segment_id}.json").read_text())
    return [p["shot"]["id"] for p in segment["shots"]]


def test_chain_edit_cascades_only_while_the_anchor_frame_changes(small):
    doit(small)
    ids = segment_ids(small)
    # the description is not drawn by the animatic: the edited segment re-renders (a video model would read
    # it), its last frame comes out byte-identical, and so nothing downstream re-renders
    edit_script(small, lambda data: shot_in(data, "sh02").__setitem__("description", "Ana leans on the counter."))
    second = doit(small)
    edited = [i for i in ids if "sh02" in _shots_of(small, i)]
    assert [t.split(":", 1)[1] for t in renders(second.stdout)] == edited

    # a camera move changes the last frame: every later segment of the scene whose anchor changed re-renders
    last_frames = {i: (small / "build" / "frames" / f"{i}.last.png").read_bytes() for i in ids}
    edit_script(small, lambda data: shot_in(data, "sh02").__setitem__("camera_movement", "pan-right"))
    third = doit(small)
    ran = [t.split(":", 1)[1] for t in renders(third.stdout)]
    changed = [i for i in ids if (small / "build" / "frames" / f"{i}.last.png").read_bytes() != last_frames[i]]
    anchor = {segment["id"]: segment["anchor"] for segment in
              json.loads((small / "build" / "plan.json").read_text())["segments"]}  # chain: the segment before
    assert edited == ["sh02"] and changed[:1] == ["sh02"]  # the camera move changed the edited segment's last frame
    # exactly the edited segment and those whose anchor frame changed re-render: no more, no fewer
    assert ran == [i for i in ids if i in edited or anchor[i] in changed]
    assert set(changed) <= set(ran)  # a segment that did not re-render kept its last frame
    assert ran[:2] == ["sh02", "sh03"]  # the cascade happened: sh03 starts from sh02's new last frame ...
    assert ran != ids[ids.index("sh02"):]  # ... and stopped where a re-rendered last frame came out the same


def test_parallel_build_gives_the_same_bytes(tmp_path):
    serial = make_production(tmp_path / "serial")
    parallel = make_production(tmp_path / "parallel")
    doit(serial)
    doit(parallel, "-n", "2")
    for name in ["film.mp4", "film.srt", "plan.json"]:
        assert (serial / "build" / name).read_bytes() == (parallel / "build" / name).read_bytes(), name
    for path in (serial / "build" / "renders").glob("*.mp4"):
        assert path.read_bytes() == (parallel / "build" / "renders" / path.name).read_bytes()


def test_edited_script_is_never_overwritten(small):
    doit(small)
    edit_script(small, lambda data: shot_in(data, "sh01").__setitem__("description", "My own opening."))
    text = (small / "script.yaml").read_text()
    production = small / "production.yaml"
    production.write_text(production.read_text().replace("seed: 3", "seed: 4"))
    result = doit(small)
    assert (small / "script.yaml").read_text() == text
    assert "scriptagent script --force" in result.stderr
    regenerated = cli("script", ".", "--force", cwd=small)
    assert regenerated.returncode == 0
    assert "My own opening." not in (small / "script.yaml").read_text()
    assert (small / "script.yaml.bak").read_text() == text


def test_pristine_script_follows_the_production(small):
    doit(small)
    production = small / "production.yaml"
    production.write_text(production.read_text().replace('  - ben: "Terrified."', '  - ben: "Terrified. Truly."'))
    result = doit(small)
    assert "script" in executed(result.stdout)
    assert "Terrified. Truly." in (small / "script.yaml").read_text()
    # a change the script does not depend on leaves it alone
    production.write_text(production.read_text().replace("look: \"flat colours\"", "look: \"grainy\""))
    assert "script" in up_to_date(doit(small).stdout)


def test_bad_production_fails_with_one_line(small):
    production = small / "production.yaml"
    production.write_text(production.read_text().replace("fps: 12", "fps: twelve"))
    result = doit(small, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "production.yaml:6:8: style.fps: Input should be a valid integer, unable to parse string as an integer"]
    assert not (small / "script.yaml").exists()


def test_demo_builds_from_a_clean_copy(tmp_path):
    folder = tmp_path / "demo"
    copy_demo(folder)
    doit(folder)
    plan = json.loads((folder / "build" / "plan.json").read_text())
    frames, _ = probe(folder / "build" / "film.mp4")
    assert frames == plan["frames"] and plan["seconds"] > 20
    # the committed script is untouched by the build, and is exactly what the scripter writes today
    committed = (DEMO / "script.yaml").read_text()
    assert (folder / "script.yaml").read_text() == committed
    production = load_production(DEMO)
    assert script_state(committed) == ("pristine", script_inputs_digest(production))
    assert render_script_file(write_script(production), production) == committed
