"""executor: ray - the same graph, cache and files as a local build, with renders run on a Ray cluster.

One local Ray cluster (2 CPUs, no GPU) is started for the module; the builds are driven through doit and the CLI
as a user drives them, and join it through $RAY_ADDRESS.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import conftest
from conftest import cli, doit, doit_and_pid, edit_shot, executed, make_production

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
    kept = [p for p in build.rglob("*") if p.is_file() and not p.name.startswith(".") and ".doit" not in p.name
            and p.relative_to(build).parts[0] != "cache"]  # the render cache is a store, not an artifact
    return {str(p.relative_to(build)): p.read_bytes() for p in kept}


def with_ray(folder):
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(text + RAY_EXECUTOR)
    return folder


def ray_task_ids() -> set[bytes]:
    from ray._private.state import state

    return {event.task_id for event in state._get_all_task_events()}


def ray_finished_tasks(before: set[bytes], names: set[str], timeout: float = 60) -> dict[str, tuple[str, int]]:
    """{task name: (function, pid of the worker that ran it)} of the tasks the cluster finished since `before`
    (ray_task_ids()), once all of `names` are there. Read from the task events the cluster's GCS keeps (what
    ray.timeline() reads; the state API needs the dashboard, which this cluster runs without); workers report them
    about once a second, so they are waited for."""
    import time

    from ray._private.state import state
    from ray.core.generated.common_pb2 import TaskStatus

    deadline = time.monotonic() + timeout
    while True:
        finished = {event.task_info.name: (event.task_info.func_or_class_name, event.state_updates.worker_pid)
                    for event in state._get_all_task_events()
                    if event.task_id not in before and TaskStatus.FINISHED in event.state_updates.state_ts_ns}
        if names <= finished.keys() or time.monotonic() > deadline:
            return finished
        time.sleep(0.5)


def test_ray_build_is_byte_identical_and_rebuilds_the_same_tasks(cluster, tmp_path):
    local = make_production(tmp_path / "local")
    remote = with_ray(make_production(tmp_path / "remote"))
    first_local = doit(local)
    before = ray_task_ids()
    first_remote, driver = doit_and_pid(remote)
    assert set(executed(first_remote.stdout)) == set(executed(first_local.stdout))
    rendered = {task for task in executed(first_remote.stdout) if task.startswith("render:")}
    assert rendered == {f"render:{p.stem}" for p in (remote / "build" / "segments").glob("*.json")} != set()
    assert artifacts(remote) == artifacts(local)  # segments, renders, frames, scores, film, report: same bytes

    # every render ran as a Ray task of that name, in a Ray worker process, not in doit (the driver) or here
    on_ray = ray_finished_tasks(before, rendered)
    assert {name for name in on_ray if name.startswith("render:")} == rendered, on_ray
    workers = {on_ray[name][1] for name in rendered}
    assert all(on_ray[name][0].endswith("run_action_in") for name in rendered), on_ray
    assert workers and 0 not in workers and not workers & {driver, os.getpid()}, (workers, driver)

    # the cache is doit's in both: nothing to do, then one edit re-runs exactly the same tasks
    assert executed(doit(remote).stdout) == []
    for folder in (local, remote):
        edit_shot(folder, "sh03", "camera_movement", "pan-left")
    again_local, again_remote = doit(local), doit(remote)
    assert "render:sh03" in executed(again_remote.stdout)
    assert executed(again_remote.stdout) == executed(again_local.stdout)
    assert artifacts(remote) == artifacts(local)


def test_a_failing_render_names_its_segment_and_keeps_the_rest(cluster, tmp_path):
    from scriptagent.integrity import note_file

    folder = make_production(tmp_path / "small", anchoring="keyframe")
    doit(folder, "keyframe")
    damaged = folder / "build" / "keyframes" / "sh03.png"
    damaged.write_bytes(b"not a picture")  # what render:sh03 starts from, read on the worker
    note_file(damaged)  # recorded as if the keyframe task had made it so: the build does not repair it first

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



def stop_worker_running(title: bytes, timeout: float) -> int:
    """SIGSTOP the Ray worker whose process title starts with `title` (a busy worker is titled ray::<task>) and
    return its pid. The title is read again once the worker is frozen, so the task is certainly still running."""
    import signal
    import time
    from pathlib import Path

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                if not (proc.name.isdigit() and (proc / "cmdline").read_bytes().startswith(title)):
                    continue
                os.kill(int(proc.name), signal.SIGSTOP)
                if (proc / "cmdline").read_bytes().startswith(title):
                    return int(proc.name)
                os.kill(int(proc.name), signal.SIGCONT)  # it finished just before: look again
            except (OSError, ProcessLookupError):
                continue  # it ended while we looked
        time.sleep(0.01)
    raise AssertionError(f"no process titled {title!r} within {timeout} s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker through /proc")
@pytest.mark.parametrize("retries", [1, 0])
def test_a_worker_killed_mid_render(cluster, tmp_path, retries):
    """SIGKILL the worker rendering a segment: Ray re-runs it (max_retries), else the build names it in one line."""
    import signal

    from conftest import env

    text = conftest.SMALL_PRODUCTION.replace("resolution: [160, 90]", "resolution: [960, 540]").replace("fps: 12",
                                                                                                        "fps: 24")
    folder = make_production(tmp_path / "slow", text=text)  # renders of a second or more: time to kill one
    (folder / "production.yaml").write_text(text.replace("ANCHORING", "none")
                                            + RAY_EXECUTOR.replace("max_retries: 1", f"max_retries: {retries}"))
    build = subprocess.Popen([sys.executable, "-m", "doit", "--continue"], cwd=folder, env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = stop_worker_running(b"ray::render:", timeout=120)
    os.kill(victim, signal.SIGKILL)  # mid-render
    stdout, stderr = build.communicate(timeout=600)

    renders = sorted(p.stem for p in (folder / "build" / "renders").glob("*.mp4"))
    planned = sorted(p.stem for p in (folder / "build" / "segments").glob("*.json"))
    if retries:
        assert build.returncode == 0, stderr
        assert renders == planned and (folder / "build" / "film.mp4").exists()
    else:
        assert build.returncode == 2
        lost = re.search(r"(render:\S+): the Ray worker was lost after 0 retries", stdout + stderr)
        assert lost, stdout + stderr
        assert "Traceback" not in stdout + stderr
        assert renders == [s for s in planned if f"render:{s}" != lost.group(1)]  # the others are kept
