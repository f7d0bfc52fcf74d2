"""Errors a user can act on.

Every error the user is meant to read is a `ScriptAgentError`. The command line prints `str(error)` (one line
per problem, `FILE:LINE:COL: field.path: what is wrong (what to do)`) and exits 2; a traceback is shown only
with `--debug` or `SCRIPTAGENT_DEBUG=1`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

EXIT_USER_ERROR = 2


def debug_enabled() -> bool:
    return os.environ.get("SCRIPTAGENT_DEBUG", "") not in ("", "0")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str = ""
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ScriptAgentError(Exception):
    """Base of every error meant for the user; never shown with a traceback unless debugging."""


class InputError(ScriptAgentError):
    """A production, script or other input file is invalid. Carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BackendError(ScriptAgentError):
    """A backend could not be loaded or failed while working (missing weights, server down, ...)."""


class ScriptOwnershipError(ScriptAgentError):
    """An action would overwrite a script the user edited."""
