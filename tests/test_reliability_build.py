"""No lost work: one build at a time, `doit -n 4` equals a serial build, a failing render is retried alone, and
only videos that decode end to end are accepted (a damaged one is made again, never stitched)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import cli, doit, executed, make_production, ran
from reliability_support import (FAIL, FAILURES, TRUNCATE, WAIT_FOR, artifacts, copy_production, env_with,
                                 make_flaky_production, temporaries)

from scriptagent.media import read_frames
from scriptagent.errors import BackendError
from scriptagent.files import build_lock
from scriptagent.integrity import decoded_frames, matches_record


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An uninterrupted serial build, chain anchoring: (folder, its artifacts)."""
    folder = make_production(tmp_path_factory.mktemp("built") / "film")
    doit(folder)
    return folder, artifacts(folder)


def doit_with(folder, *args, **variables) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doit", *args], cwd=folder, env=env_with(**variables),
                          capture_output=True, text=True, timeout=600)


def renders(output: str) -> list[str]:
    """Render tasks that ran: made anew, or placed from the render cache (a damaged entry is never placed)."""
    return [task for task in ran(output) if task.startswith("render:")]


# --- one build at a time ---------------------------------------------------------------------------------------

LOCKED = re.compile(r"^build/\.lock: another doit is building this production \(pid (\d+) on .+, since .+\); "
                    r"wait for it to finish or stop it, then run doit again$")


def test_a_second_doit_is_refused_while_one_builds(tmp_path, built):
    folder = make_flaky_production(tmp_path / "film")
    go = tmp_path / "go"
    first = subprocess.Popen([sys.executable, "-m", "doit"], cwd=folder, env=env_with(**{WAIT_FOR: str(go)}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (folder / "build" / "plan.json").exists():  # the first build now waits in its first render
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        before = artifacts(folder)

        second = doit(folder, check=False)
        assert second.returncode == 2
        assert [int(LOCKED.match(line).group(1)) for line in second.stderr.splitlines()] == [first.pid]
        script = cli("script", "--force", cwd=folder)
        assert script.returncode == 2 and LOCKED.match(script.stderr.strip())
        assert doit(folder, "list").returncode == 0  # looking is fine
        assert artifacts(folder) == before
    finally:
        go.touch()
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert artifacts(folder) == built[1]  # the refused commands changed nothing


def test_the_lock_is_held_by_whoever_builds(built, tmp_path):
    folder = copy_production(built[0], tmp_path / "film")
    with build_lock(folder / "build"):  # as another process would hold it
        refused = doit(folder, check=False)
        assert refused.returncode == 2 and LOCKED.match(refused.stderr.strip())
    assert executed(doit(folder).stdout) == []  # released: the next build goes ahead


def test_parallel_build_with_four_workers_gives_the_same_bytes(tmp_path, built):
    folder = make_production(tmp_path / "film")
    doit(folder, "-n", "4")
    assert artifacts(folder) == built[1]


def test_a_killed_builds_temporary_files_are_removed_and_never_taken_as_done(tmp_path, built):
    folder = copy_production(built[0], tmp_path / "film")
    render = folder / "build" / "renders" / "sh03.mp4"
    # what a build killed just before its renames leaves: whole temporaries, and no final file
    stale = [render.with_name(".sh03.abcd1234.tmp.mp4"), folder / ".script.k2j4h5g6.tmp.yaml",
             folder / "build" / ".plan.zz99zz99.tmp.json"]
    shutil.copyfile(render, stale[0])
    render.unlink()
    stale[1].write_text("title: half a scri")
    stale[2].write_text("{")
    result = doit(folder)
    assert renders(result.stdout) == ["render:sh03"]
    assert temporaries(folder) == []
    assert artifacts(folder) == built[1]


# --- failing backends ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_independent(tmp_path_factory):
    folder = make_production(tmp_path_factory.mktemp("independent") / "film", anchoring="none")
    doit(folder)
    return folder, artifacts(folder)


def test_a_failing_render_keeps_the_rest_and_only_it_is_retried(tmp_path, built_independent):
    folder = make_flaky_production(tmp_path / "film", anchoring="none")
    failed = doit_with(folder, "--continue", **{FAIL: "sh03=MemoryError"})  # -c: go on past a failed task
    assert failed.returncode == 2
    assert failed.stderr.splitlines() == ["render:sh03: failed: MemoryError: CUDA out of memory. Tried to allocate "
                                          "20.00 GiB (the other finished artifacts are kept; `doit` retries what "
                                          "failed)"]
    assert "Traceback" not in failed.stdout + failed.stderr
    done = artifacts(folder)
    assert "renders/sh03.mp4" not in done and "film.mp4" not in done
    ids = [s["id"] for s in json.loads((folder / "build" / "plan.json").read_text())["segments"]]
    assert "sh03" in ids and len(ids) > 1
    for segment in ids:  # every other segment finished, untouched by the failure
        if segment != "sh03":
            for name in (f"renders/{segment}.mp4", f"scores/{segment}.json", f"frames/{segment}.last.png"):
                assert done[name] == built_independent[1][name], name

    retried = doit_with(folder)
    assert retried.returncode == 0, retried.stderr
    assert renders(retried.stdout) == ["render:sh03"]
    assert artifacts(folder) == built_independent[1]


@pytest.mark.parametrize("failure, line", [
    ("OSError", "render:sh03: failed: OSError: Error no file named diffusion_pytorch_model.safetensors found in "
                "/models/wan (the other finished artifacts are kept; `doit` retries what failed)"),
    ("BackendError", "render:sh03: the video server at http://127.0.0.1:9 is down (connection refused)"),
])
def test_a_backend_failure_is_one_line_naming_the_segment(failure, line):
    from scriptagent.actions import failures_name

    @failures_name("render")
    def render(segment_id):
        raise FAILURES[failure]()

    with pytest.raises(BackendError) as raised:
        render("sh03")
    assert str(raised.value) == line


def test_a_render_that_does_not_decode_is_refused_and_made_again(tmp_path, built):
    folder = make_flaky_production(tmp_path / "film")
    failed = doit_with(folder, **{TRUNCATE: "sh02"})
    assert failed.returncode == 2
    [line] = failed.stderr.splitlines()
    assert line.startswith("render:sh02: the renderer wrote a video that cannot be accepted: "
                           "build/renders/sh02.mp4: does not decode: ")
    assert not (folder / "build" / "renders" / "sh02.mp4").exists()  # never left where a player finds it
    assert renders(failed.stdout) == ["render:sh01", "render:sh02"]  # chain: what needs sh02 waits
    retried = doit_with(folder)
    assert renders(retried.stdout)[0] == "render:sh02"
    assert artifacts(folder) == built[1]


# --- the film plays --------------------------------------------------------------------------------------------

def test_every_accepted_video_decodes_end_to_end_with_its_frame_count(built):
    folder, _ = built
    plan = json.loads((folder / "build" / "plan.json").read_text())
    for segment in plan["segments"]:
        video = folder / "build" / "renders" / f"{segment['id']}.mp4"
        assert decoded_frames(video) == segment["frames"]
        assert sum(1 for _ in read_frames(video)) == segment["frames"]  # a second decoder path agrees
        assert matches_record(video)
    film = folder / "build" / "film.mp4"
    assert decoded_frames(film) == plan["frames"] == sum(s["frames"] for s in plan["segments"])
    assert matches_record(film)


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def cut_in_half(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("name, damage, remade", [
    ("renders/sh03.mp4", flip_a_byte, "render:sh03"),
    ("renders/sh03.mp4", cut_in_half, "render:sh03"),
    ("renders/sh03.mp4.json", os.remove, "render:sh03"),
    ("film.mp4", flip_a_byte, "stitch"),
])
def test_a_damaged_video_is_made_again_never_stitched(tmp_path, built, name, damage, remade):
    folder = copy_production(built[0], tmp_path / "film")
    damage(folder / "build" / name)
    result = doit(folder)
    assert ran(result.stdout)[:1] == [remade]
    assert not [t for t in renders(result.stdout) if t != remade]
    assert artifacts(folder) == built[1]


def test_a_damage_that_keeps_size_and_time_is_caught_when_stitching(tmp_path, built):
    """The up-to-date check trusts an unchanged size and modification time (a no-op reads no render); the stitch
    reads every byte, refuses the damaged render, and the next build makes it anew."""
    folder = copy_production(built[0], tmp_path / "film")
    render = folder / "build" / "renders" / "sh03.mp4"
    kept = render.stat()
    flip_a_byte(render)
    os.utime(render, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    (folder / "build" / "film.mp4").unlink()  # so that the stitch runs

    refused = doit(folder, check=False)
    assert refused.returncode == 2 and "renders/sh03.mp4: changed or damaged since it was made" in refused.stdout
    again = doit(folder)
    assert ran(again.stdout)[:1] == ["render:sh03"] and "stitch" in executed(again.stdout)
    assert artifacts(folder) == built[1]
