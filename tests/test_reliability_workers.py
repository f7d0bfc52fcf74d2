"""`kill -9` of a `doit -n 2` parent takes its worker processes with it (issue #17: leftovers).

Cases: 1 (renders held open in both workers, the parent killed alone, not its process group).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reliability_support import WAIT_FOR, env_with, make_flaky_production

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for init to reap it: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_killing_doit_ends_its_parallel_workers(tmp_path):
    folder = make_flaky_production(tmp_path / "prod")
    never = tmp_path / "never"  # every render waits for this file: the workers stay busy until killed
    build = subprocess.Popen([sys.executable, "-m", "doit", "-n", "2"], cwd=folder,
                             env=env_with(**{WAIT_FOR: str(never)}), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:  # doit forks its workers once the plan ran
            workers = [pid for pid in children(build.pid) if running(pid)]
            time.sleep(0.1)
        assert len(workers) >= 2, "doit -n 2 never started its workers"
        time.sleep(1)  # the workers have taken their renders and wait inside them
        os.kill(build.pid, signal.SIGKILL)  # the parent alone, as a crash or the OOM killer would
        build.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(pid) for pid in workers):
            time.sleep(0.1)
        assert [pid for pid in workers if running(pid)] == []
    finally:
        try:
            os.killpg(build.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
