"""What every command shares: the production folder it works on, and running inside it."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from ..errors import InputError, Problem


@contextlib.contextmanager
def working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def production_folder(value: str) -> Path:
    folder = Path(value)
    if not (folder / "production.yaml").exists():  # one that is not a regular file is refused when it is read
        raise InputError(Problem(str(folder / "production.yaml"), "no production here",
                                 hint="pass a production folder, or create one with `scriptagent new NAME`"))
    return folder


# -q / -v (cli/__init__.py): how much a command prints besides what it was asked for
QUIET, NORMAL, VERBOSE = 0, 1, 2


def verbosity(args) -> int:
    return getattr(args, "verbosity", NORMAL)


def say(args, text: str, file=None) -> None:
    """A progress, summary or warning line: left out with -q."""
    if verbosity(args) > QUIET:
        print(text, file=file or sys.stdout)
