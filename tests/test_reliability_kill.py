"""A build killed with SIGKILL at any moment resumes with `doit` and ends with the same bytes, losing no work.

Each round builds a fresh production and kills the whole `doit` process group again and again: right after
a chosen task starts (so kills land on script writing, renders, encodes, stitching, the state database's
commits between tasks) or after a random delay. After every kill nothing half-written may sit at a final
name, and a task that had finished may not run again. A last `doit` completes the build, whose every
artifact must equal an uninterrupted build's, with no temporary file left behind.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import doit, executed, make_production
from reliability_support import artifacts, env_with, temporaries

from scriptagent.integrity import matches_record, record_path
from scriptagent.schema import load_script
from scriptagent.scripter import script_state



class Doit:
    """`doit` in its own process group, its output read line by line as it comes."""

    def __init__(self, folder: Path):
        self.lines: list[str] = []
        self.ended = False  # its output closed: it exited (or was killed)
        self.seen = threading.Condition()
        self.process = subprocess.Popen([sys.executable, "-m", "doit"], cwd=folder, env=env_with(PYTHONUNBUFFERED="1"),
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.seen:
                self.lines.append(line.rstrip("\n"))
                self.seen.notify_all()
        with self.seen:
            self.ended = True
            self.seen.notify_all()

    def wait_for_task(self, task: str, timeout: float = 120) -> None:
        """Until the task starts (or is found up to date), or the build ends."""
        wanted = {f".  {task}", f"-- {task}"}  # doit's lines for a task that runs, or is up to date
        with self.seen:
            self.seen.wait_for(lambda: wanted & set(self.lines) or self.ended, timeout)

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # doit and the ffmpeg encoders it started
        except ProcessLookupError:
            pass
        self.process.wait()
        self.reader.join(10)

    def finished_tasks(self) -> set[str]:
        """Tasks that ran to completion: each one doit started before the last one it started."""
        started = executed("\n".join(self.lines))
        return set(started[:-1]) if self.process.returncode != 0 else set(started)


def assert_nothing_half_written(folder: Path) -> None:
    """Whatever sits at a final name is whole: the kill left only temporaries, never a torn artifact."""
    script = folder / "script.yaml"
    if script.exists():
        assert script_state(script.read_text())[0] == "pristine"
        load_script(folder)
    build = folder / "build"
    final = [path for path in build.rglob("*") if not path.name.startswith(".")]  # temporaries start with "."
    for path in final:
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".png":
            with Image.open(path) as image:
                image.load()
        elif path.suffix == ".mp4" and record_path(path).exists():
            assert matches_record(path), f"{path} differs from its record"
    if (build / ".doit.db").exists():
        with sqlite3.connect(build / ".doit.db") as db:
            assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = make_production(tmp_path_factory.mktemp("uninterrupted") / "film")
    started = time.monotonic()
    result = doit(folder)
    return artifacts(folder), executed(result.stdout), time.monotonic() - started


def kill_and_resume(folder: Path, reference: dict, tasks: list[str], seconds: float, kills: int, rng) -> int:
    """Kill `kills` builds of `folder` at random moments (and each resumed build at the next task), then
    finish it; returns how many of the `kills` hit a running build."""
    # Kill points in build order (each resumed build gets further before the next kill), always one while the
    # script is being written.
    plan = [0] + sorted(rng.sample(range(1, len(tasks)), min(kills, len(tasks)) - 1))
    hits = 0
    for index in plan:
        build = Doit(folder)
        if rng.random() < 0.75:
            build.wait_for_task(tasks[index])
            time.sleep(rng.uniform(0, 0.08))  # during the task, or just after it (the state commit, the rename)
        else:
            time.sleep(rng.uniform(0, seconds))
        hits += build.process.poll() is None
        build.kill()
        assert_nothing_half_written(folder)
        finished = build.finished_tasks()
        resumed = Doit(folder)
        resumed.wait_for_task(tasks[min(index + 1, len(tasks) - 1)], timeout=60)
        resumed.kill()
        again = set(executed("\n".join(resumed.lines)))
        assert not again & finished, f"finished before the kill, ran again: {sorted(again & finished)}"
        assert_nothing_half_written(folder)
    doit(folder)
    assert artifacts(folder) == reference, "the resumed build differs from the uninterrupted one"
    assert temporaries(folder) == []
    assert executed(doit(folder).stdout) == []
    return hits


def test_killed_builds_resume_to_the_same_bytes(tmp_path, uninterrupted):
    reference, tasks, seconds = uninterrupted
    folder = make_production(tmp_path / "film")
    # 8 kills at chosen moments, each followed by a resumed build killed at the next task: 16 kill points
    hits = kill_and_resume(folder, reference, tasks, seconds, kills=8, rng=random.Random(1))
    assert hits >= 4  # most kills landed on a running build


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 16))
def test_many_killed_builds_resume_to_the_same_bytes(tmp_path, uninterrupted, seed):
    reference, tasks, seconds = uninterrupted
    folder = make_production(tmp_path / "film")
    hits = kill_and_resume(folder, reference, tasks, seconds, kills=len(tasks), rng=random.Random(seed))
    assert hits >= len(tasks) // 2  # most kills landed on a running build (else they would test nothing)


def test_an_entry_the_cache_was_storing_when_killed_is_removed(tmp_path):
    """A kill between the cache's link and its rename leaves a temporary in build/cache/tmp/: the next build (which
    holds the lock, so no other build of this production is storing) removes it; shared caches age them out."""
    from scriptagent.files import prepare_build, release_build_lock

    folder = make_production(tmp_path / "film")
    staged = folder / "build" / "cache" / "tmp" / "34c17427a1c8-fk1f250e"
    staged.mkdir(parents=True)
    (staged / ".video.0v53yv07.tmp.mp4").write_bytes(b"half")
    prepare_build(folder)
    try:
        assert not staged.exists() and temporaries(folder) == []
        assert staged.parent.is_dir()  # the staging folder itself stays, as a finished build had it
    finally:
        release_build_lock(folder / "build")
