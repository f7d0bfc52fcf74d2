"""executor: ray with no cluster where it points: one line in seconds, not ray.init's minutes of retries.

A separate module from test_ray_executor.py, whose cluster lives as long as its module: with a cluster running
on this machine, Ray's `auto` joins it rather than a stale record, and these tests need none running.
"""

from __future__ import annotations

import pytest

from conftest import doit, make_production
from test_ray_executor import with_ray


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_no_ray_cluster(seconds: float = 30) -> None:
    """The cluster of test_ray_executor.py stops when its module ends, its processes a moment later."""
    import time
    from pathlib import Path

    def running() -> bool:
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if b"gcs_server" in (proc / "cmdline").read_bytes():
                    return True
            except OSError:
                continue
        return False

    deadline = time.monotonic() + seconds
    while running():
        assert time.monotonic() < deadline, "a Ray cluster is running on this machine: `auto` would join it"
        time.sleep(0.2)


@pytest.mark.parametrize("where", ["RAY_ADDRESS", "a stale `ray start` record"])
def test_a_dead_cluster_address_fails_in_seconds_naming_it(tmp_path, monkeypatch, where):
    """ray.init retries a dead address for minutes; the build says at once which address is dead and why."""
    import time

    pytest.importorskip("ray")
    address = f"127.0.0.1:{closed_port()}"
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    if where == "RAY_ADDRESS":
        monkeypatch.setenv("RAY_ADDRESS", address)
    else:  # `auto` falls back to the last cluster `ray start` recorded on this machine, here one that is gone
        wait_for_no_ray_cluster()
        (tmp_path / "ray").mkdir()
        (tmp_path / "ray" / "ray_current_cluster").write_text(address)
        monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    folder = with_ray(make_production(tmp_path / "small"))

    start = time.monotonic()
    result = doit(folder, check=False)
    assert time.monotonic() - start < 60
    assert result.returncode == 2
    problem = f"executor: no Ray cluster answers at {address}"
    assert problem in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr
    assert not list((folder / "build" / "renders").glob("*.mp4"))
