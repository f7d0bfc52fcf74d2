"""`doit -n N` runs tasks in N worker processes. Killed with SIGKILL, doit cannot stop them, and they would go on
rendering for minutes (or wait forever for their next task). Each worker asks Linux to end it when its parent
dies (prctl PR_SET_PDEATHSIG), set in the worker as it starts, before it takes any task."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from multiprocessing import util

PR_SET_PDEATHSIG = 1


class _DieWithParent:
    """The object multiprocessing calls back in every child it forks (kept alive here: the registry is weak)."""

    def __init__(self):
        self.parent = os.getpid()

    def __call__(self) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return  # not Linux: nothing to ask for
        if os.getppid() != self.parent:  # the parent died before the request took hold
            os._exit(1)


_registered: _DieWithParent | None = None


def workers_die_with_doit() -> None:
    """Register once per doit process: every worker it forks from now on ends when doit ends."""
    global _registered
    if _registered is None and sys.platform.startswith("linux"):
        _registered = _DieWithParent()
        util.register_after_fork(_registered, _DieWithParent.__call__)
