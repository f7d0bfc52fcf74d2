"""Test support for the reliability tests: artifact snapshots, and a director backend that fails on demand.

`FlakyAnimatic` is the real animatic renderer, except that, steered by environment variables of the doit
process, it raises for chosen segments (as a GPU backend does when memory runs out, weights are missing or a
server is down), writes a truncated video, or waits for a file before rendering (to hold a build open while a
test starts another). A test production installs it through its dodo.py (`make_flaky_production`).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from conftest import make_production

# a subclass: the plan reads its version from the class, so segments match a normal build's
from scriptagent.director.animatic import AnimaticRenderer
from scriptagent.errors import BackendError

TESTS = Path(__file__).resolve().parent
FAIL = "SCRIPTAGENT_TEST_FAIL"  # "sh03=MemoryError,sh05=BackendError": raise for these segments
TRUNCATE = "SCRIPTAGENT_TEST_TRUNCATE"  # "sh03": write that segment's video cut in half
WAIT_FOR = "SCRIPTAGENT_TEST_WAIT_FOR"  # a path: every render waits until it exists

FAILURES = {
    "MemoryError": lambda: MemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
    "OSError": lambda: OSError("Error no file named diffusion_pytorch_model.safetensors found in /models/wan"),
    "BackendError": lambda: BackendError("the video server at http://127.0.0.1:9 is down (connection refused)"),
    # a client library that puts the credentials it sent into its exception
    "EchoesKey": lambda: PermissionError(f"401 for Authorization: Bearer {os.environ.get('VIDEO_API_KEY')}"),
}

FLAKY_DODO = f"""\
import sys
sys.path.insert(0, {str(TESTS)!r})
import reliability_support
reliability_support.install()
from scriptagent.tasks import production_tasks
globals().update(production_tasks(__file__))
"""


class FlakyAnimatic(AnimaticRenderer):
    def render(self, segment, root, anchor, video, *args, **kwargs):
        wait_for = os.environ.get(WAIT_FOR)
        while wait_for and not Path(wait_for).exists():
            time.sleep(0.05)
        failures = dict(item.split("=", 1) for item in os.environ.get(FAIL, "").split(",") if item)
        if segment.id in failures:
            raise FAILURES[failures[segment.id]]()
        result = super().render(segment, root, anchor, video, *args, **kwargs)
        if segment.id in os.environ.get(TRUNCATE, "").split(","):
            data = Path(video).read_bytes()
            Path(video).write_bytes(data[: len(data) // 2])
        return result


def install() -> None:
    from scriptagent import registry

    registry.RENDERERS["animatic"] = "reliability_support:FlakyAnimatic"


def make_flaky_production(folder: Path, anchoring: str = "chain") -> Path:
    make_production(folder, anchoring)
    (folder / "dodo.py").write_text(FLAKY_DODO)
    return folder


# --- looking at a build ----------------------------------------------------------------------------------------

# the state database, the lock and the stat caches (.<video>.stat: modification times) change on every run;
# everything else in build/ is an artifact
NOT_ARTIFACTS = {".doit.db", ".doit.db-journal", ".lock", ".lock.owner"}
STAT_CACHE = re.compile(r"^\..+\.stat$")
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?$")


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes), Python's __pycache__ aside."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def artifacts(folder: Path) -> dict[str, bytes]:
    """The build's artifacts (not the render cache under build/cache/: a store the build draws from)."""
    return {name: data for name, data in files_under(folder / "build").items()
            if Path(name).name not in NOT_ARTIFACTS and not STAT_CACHE.match(Path(name).name)
            and Path(name).parts[0] != "cache"}


def temporaries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if TEMPORARY.match(p.name))


def copy_production(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".lock", ".lock.owner"))
    return target


def env_with(**variables: str) -> dict:
    from conftest import env

    return {**env(), **variables}
