"""executor: ray - the same graph, cache and files as a local build, with renders run on a Ray cluster.

One local Ray cluster (2 CPUs, no GPU) is started for the module; the builds are driven through doit and the CLI
as a user drives them, and join it through $RAY_ADDRESS.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from conftest import cli, doit, executed, make_production

RAY_EXECUTOR = "executor: {kind: ray, address: auto, num_cpus: 1, max_retries: 1}\n"


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")  # installed in CI (the `ray` extra); imported lazily by scriptagent
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")  # a new cluster
    previous = os.environ.get("RAY_ADDRESS")
    os.environ["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address  # the doit processes join this cluster
    yield
    if previous is None:
        os.environ.pop("RAY_ADDRESS", None)
    else:
        os.environ["RAY_ADDRESS"] = previous
    ray.shutdown()


def artifacts(folder):
    """Every file a build wrote that a user or a later task reads, by path relative to build/, with its bytes."""
    build = folder / "build"
    kept = [p for p in build.rglob("*") if p.is_file() and not p.name.startswith(".") and ".doit" not in p.name]
    return {str(p.relative_to(build)): p.read_bytes() for p in kept}


def with_ray(folder):
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(text + RAY_EXECUTOR)
    return folder


def edit_shot(folder, shot_id, movement):
    yaml = YAML()
    yaml.width = 4096
    data = yaml.load((folder / "script.yaml").read_text())
    shot = next(s for scene in data["scenes"] for s in scene["shots"] if s["id"] == shot_id)
    shot["camera_movement"] = movement
    with (folder / "script.yaml").open("w") as f:
        yaml.dump(data, f)


def test_ray_build_is_byte_identical_and_rebuilds_the_same_tasks(cluster, tmp_path):
    local = make_production(tmp_path / "local")
    remote = with_ray(make_production(tmp_path / "remote"))
    first_local, first_remote = doit(local), doit(remote)
    assert set(executed(first_remote.stdout)) == set(executed(first_local.stdout))
    assert any(task.startswith("render:") for task in executed(first_remote.stdout))
    assert artifacts(remote) == artifacts(local)  # segments, renders, frames, scores, film, report: same bytes

    # the cache is doit's in both: nothing to do, then one edit re-runs exactly the same tasks
    assert executed(doit(remote).stdout) == []
    for folder in (local, remote):
        edit_shot(folder, "sh03", "pan-left")
    again_local, again_remote = doit(local), doit(remote)
    assert "render:sh03" in executed(again_remote.stdout)
    assert executed(again_remote.stdout) == executed(again_local.stdout)
    assert artifacts(remote) == artifacts(local)


def test_a_failing_render_names_its_segment_and_keeps_the_rest(cluster, tmp_path):
    folder = make_production(tmp_path / "small", anchoring="keyframe")
    doit(folder, "keyframe")
    damaged = folder / "build" / "keyframes" / "sh03.png"
    damaged.write_bytes(b"not a picture")  # what render:sh03 starts from, read on the worker

    result = cli("build", "--executor", "ray", str(folder), "--continue", cwd=tmp_path)
    assert result.returncode != 0
    assert "render:sh03: " in result.stderr and "sh03.png" in result.stderr
    assert "Traceback" not in result.stderr
    renders = sorted(p.stem for p in (folder / "build" / "renders").glob("*.mp4"))
    planned = sorted(p.stem for p in (folder / "build" / "segments").glob("*.json"))
    assert renders == [s for s in planned if s != "sh03"]  # every other render finished and is kept
    assert not (folder / "build" / "film.mp4").exists()

    damaged.unlink()  # the keyframe is made again; the next build redoes only what failed
    again = cli("build", "--executor", "ray", str(folder), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [t for t in executed(again.stdout) if t.startswith("render:")] == ["render:sh03"]
    assert (folder / "build" / "film.mp4").exists()


def test_no_ray_import_unless_the_executor_is_ray():
    code = ("import sys, scriptagent.tasks, scriptagent.executor, scriptagent.cli; "
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_executor_is_one_line(tmp_path):
    folder = make_production(tmp_path / "small")
    (folder / "production.yaml").write_text((folder / "production.yaml").read_text() + "executor: {kind: dask}\n")
    result = cli("build", str(folder), cwd=tmp_path)
    assert result.returncode == 2
    assert "executor.kind" in result.stderr and "Traceback" not in result.stderr

