"""executor: warm - the warm worker keeps a model loaded between builds; without one, builds run in-process.

One local Ray cluster (1 CPU, no GPU) is started for the module, and the worker on it holds no CPU. The builds are
driven through doit and the CLI as a user drives them, and join the cluster through $RAY_ADDRESS; a tiny Wan model
(tests/diffusers_tiny.py) renders on the CPU.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from conftest import cli, doit, doit_and_pid, edit_shot, executed, make_production

NOTICE = "executor: warm: "


def with_executor(folder, executor: str = "executor: {kind: warm}\n"):
    (folder / "production.yaml").write_text((folder / "production.yaml").read_text() + executor)
    return folder


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(NOTICE)]


def test_without_a_worker_the_build_runs_in_process_after_one_notice(tmp_path, monkeypatch):
    """No cluster where the address points: every render runs here, the build succeeds, one line says why."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.delenv("RAY_ADDRESS", raising=False)  # Ray would prefer it to executor.address
    folder = with_executor(make_production(tmp_path / "small"), f"executor: {{kind: warm, address: "
                                                                 f"'127.0.0.1:{port}'}}\n")
    result = doit(folder)
    planned = {f"render:{p.stem}" for p in (folder / "build" / "segments").glob("*.json")}
    assert planned and planned <= set(executed(result.stdout))
    assert (folder / "build" / "film.mp4").is_file()
    said = notices(result.stderr)
    assert len(said) == 1 and f"127.0.0.1:{port}" in said[0] and "scriptagent worker start" in said[0], result.stderr
    assert "Traceback" not in result.stderr

    # the same with --executor warm on a local production: the command line chooses the executor
    local = make_production(tmp_path / "local")
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    again = cli("build", "--executor", "warm", str(local), cwd=tmp_path)
    assert again.returncode == 0 and len(notices(again.stderr)) == 1, again.stderr


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")  # the `ray` extra; imported lazily by scriptagent
    ray.init(address="local", num_cpus=1, include_dashboard=False, logging_level="WARNING")  # a new cluster
    previous = os.environ.get("RAY_ADDRESS")
    os.environ["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address  # the builds and the CLI join this cluster
    yield
    if previous is None:
        os.environ.pop("RAY_ADDRESS", None)
    else:
        os.environ["RAY_ADDRESS"] = previous
    ray.shutdown()  # the detached worker goes with its cluster


@pytest.fixture(scope="module")
def warm(cluster, tmp_path_factory):
    """The worker, started with the CLI, and a tiny Wan production built once through it (the model loaded)."""
    pytest.importorskip("diffusers")
    import diffusers_tiny
    from test_diffusers_director import production

    root = tmp_path_factory.mktemp("warm")
    started = cli("worker", "start", "--num-cpus", "0", "--num-gpus", "0", cwd=root)
    assert started.returncode == 0 and "warm worker: started" in started.stdout, started.stdout + started.stderr
    model = diffusers_tiny.VIDEO_BUILDERS["wan-i2v"](root / "wan")
    folder = with_executor(production(root / "film", "wan-i2v", model, anchoring="none", seconds=4))
    first, _ = doit_and_pid(folder)
    assert notices(first.stderr) == [], first.stderr
    return folder


def status() -> dict | None:
    from scriptagent.executor import warm_worker_status

    return warm_worker_status("auto")


def test_a_rebuild_renders_on_the_worker_without_loading_the_model_again(warm):
    before = status()
    assert before["pipeline_loads"] >= 1 and any("wan-i2v" in p for p in before["pipelines"]), before
    planned = sorted(p.stem for p in (warm / "build" / "segments").glob("*.json"))  # one per shot
    edit_shot(warm, planned[-1], "description", "She turns to the window.")

    result, driver = doit_and_pid(warm)
    assert [t for t in executed(result.stdout) if t.startswith("render:")] == [f"render:{planned[-1]}"]
    assert notices(result.stderr) == [], result.stderr
    after = status()
    assert after["pipeline_loads"] == before["pipeline_loads"], after  # the model stayed loaded: no new load
    assert after["served"]["render"] == before["served"]["render"] + 1
    # the render ran in the worker's process, in this production's folder; not in doit, not here
    task = f"render:{planned[-1]}"
    ran = [r for r in after["recent"] if r["task"] == task]
    assert len(ran) == len([r for r in before["recent"] if r["task"] == task]) + 1, after["recent"]
    assert ran[-1]["ok"] and ran[-1]["folder"] == str(warm.resolve()), ran
    assert after["pid"] not in (driver, os.getpid())

    shown = cli("worker", "status", cwd=warm)
    assert shown.returncode == 0 and "loaded: video wan-i2v" in shown.stdout, shown.stdout + shown.stderr
    assert f"loads: {after['pipeline_loads']} pipeline(s)" in shown.stdout
    as_json = json.loads(cli("worker", "status", "--json", cwd=warm).stdout)
    assert as_json["pid"] == after["pid"] and as_json["pipeline_loads"] == after["pipeline_loads"]


def test_an_idle_worker_unloads_its_models_and_loads_them_again_when_needed(warm):
    from scriptagent.executor import start_warm_worker

    loads = status()["pipeline_loads"]
    _, done = start_warm_worker("auto", 0.02, 0, 0)  # a running worker takes the new idle time (1.2 s)
    assert done.startswith("already running")
    deadline = time.monotonic() + 30
    while ((now := status())["pipelines"] or not now["unloads"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert now["pipelines"] == [] and now["renderers"] == 0 and now["unloads"] >= 1, now
    start_warm_worker("auto", 15, 0, 0)

    planned = sorted(p.stem for p in (warm / "build" / "segments").glob("*.json"))
    edit_shot(warm, planned[-1], "description", "She turns back to the table.")
    doit(warm)
    assert status()["pipeline_loads"] == loads + 1  # unloaded, so loaded once more (and kept)


def test_a_stopped_worker_leaves_builds_in_process_with_a_notice(warm, tmp_path):
    stopped = cli("worker", "stop", cwd=tmp_path)
    assert stopped.returncode == 0 and "warm worker: stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert status() is None
    shown = cli("worker", "status", cwd=tmp_path)
    assert shown.returncode == 1 and "not running" in shown.stdout

    folder = with_executor(make_production(tmp_path / "small"))  # the animatic: quick in-process
    result = doit(folder)
    assert (folder / "build" / "film.mp4").is_file()
    said = notices(result.stderr)
    assert len(said) == 1 and "no worker 'scriptagent-warm'" in said[0], result.stderr
    assert cli("worker", "stop", cwd=tmp_path).stdout.startswith("warm worker: not running")


@pytest.mark.slow
def test_the_warm_benchmark_rebuilds_without_a_load(tmp_path):
    """`python -m scriptagent.bench --only warm` at a small size: one render, no new load, figures side by side."""
    pytest.importorskip("ray")
    pytest.importorskip("diffusers")
    from scriptagent import bench

    figures = bench.bench_warm(tmp_path, (32, 32), steps=2)
    assert figures["rendered"] == 1 and figures["pipeline_loads"] == 1 and not figures["notice_in_local"]
    assert 0 < figures["render_s"] < figures["rebuild_warm_s"] and figures["load_s"] > 0
    assert figures["ratio_to_render"] == pytest.approx(figures["rebuild_warm_s"] / figures["render_s"], rel=0.05)
    table = bench.table({"warm": figures})
    assert "| one-shot edit rebuild, warm worker" in table and "render alone" in table
