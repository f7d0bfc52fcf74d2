"""Shared helpers: small productions in temp folders, and running doit / the CLI on them as a user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from scriptagent.bench import edit_script, shot_in

# The property tests draw the same examples on every run (a red CI is a real regression, never a draw's luck);
# HYPOTHESIS_PROFILE=explore draws new ones each run, to look for what the fixed draws miss.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "productions" / "demo"

SMALL_PRODUCTION = """\
title: Small Test
seed: 3
style:
  look: "flat colours"
  resolution: [160, 90]
  fps: 12
cast:
  - id: ana
    name: Ana
    appearance: "young woman, long brown hair, yellow raincoat"
  - id: ben
    name: Ben
    appearance: "man in his fifties, bald, green sweater"
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "(pouring coffee) Couldn't sleep. Big day today, you know, the one we talked about for months."
  - ana: "Are you nervous?"
  - ben: "Terrified."
scripter: {backend: rule-based}
director: {backend: animatic, max_segment_seconds: 3, anchoring: ANCHORING}
"""


def env() -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    environment.pop("SCRIPTAGENT_DEBUG", None)
    environment.pop("SCRIPTAGENT_CACHE", None)  # each test's builds use their own build/cache unless it says so
    return environment


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def doit(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "doit", *args], folder, check=check)


def doit_and_pid(folder: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`doit` as doit() runs it (it must succeed), and the pid of the doit process (the Ray driver of its build)."""
    process = subprocess.Popen([sys.executable, "-m", "doit"], cwd=folder, env=env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, f"doit exited {process.returncode}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), process.pid


def cli(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "scriptagent.cli", *args], cwd, check=check)


def executed(output: str) -> list[str]:
    """Tasks that doit's default reporter shows as run ('. task'), in order."""
    return re.findall(r"^\.  (\S+)$", output, re.M)


def cached(output: str) -> list[str]:
    """Tasks whose artifact came from the render cache ('.  render:sh04 (cached)'): nothing was rendered."""
    return re.findall(r"^\.  (\S+) \(cached\)$", output, re.M)


def ran(output: str) -> list[str]:
    """Tasks that ran, in order, whether they made their artifact or placed it from the render cache."""
    return re.findall(r"^\.  (\S+)(?: \(cached\))?$", output, re.M)


def up_to_date(output: str) -> list[str]:
    return re.findall(r"^-- (\S+)$", output, re.M)


def make_production(folder: Path, anchoring: str = "chain", text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "production.yaml").write_text((text or SMALL_PRODUCTION).replace("ANCHORING", anchoring))
    shutil.copyfile(REPO / "templates" / "production" / "dodo.py", folder / "dodo.py")
    return folder


def copy_demo(folder: Path, ignore: tuple[str, ...] = ("build",)) -> Path:
    """productions/demo copied to `folder`, with the series it names (productions/series.yaml, cast/) beside it."""
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns(*ignore))
    shutil.copyfile(DEMO.parent / "series.yaml", folder.parent / "series.yaml")
    shutil.copytree(DEMO.parent / "cast", folder.parent / "cast", dirs_exist_ok=True)
    return folder


@pytest.fixture
def small(tmp_path) -> Path:
    return make_production(tmp_path / "small")


def edit_shot(folder: Path, shot_id: str, key: str, value) -> None:
    """Change one field of one shot in script.yaml (`line`: its first dialogue line), as a user editing by hand."""

    def change(data) -> None:
        shot = shot_in(data, shot_id)
        if key == "line":
            shot["dialogue"][0]["line"] = value
        else:
            shot[key] = value

    edit_script(folder, change)
