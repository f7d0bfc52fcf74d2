"""Errors a user can act on.

Every error the user is meant to read is a `ScriptAgentError`. The command line prints `str(error)` (one line
per problem, `FILE:LINE:COL: field.path: what is wrong (what to do)`) and exits 2; a traceback is shown only
with `--debug` or `SCRIPTAGENT_DEBUG=1`.
"""

from __future__ import annotations

import os
import re
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
        return one_line(text)


# Control characters (line breaks among them, NUL, escape sequences) shown escaped, "\\n": a problem quoting the
# user's text stays one printable line.
CONTROLS = {code: chr(code).encode("unicode_escape").decode("ascii")
            for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029] if code != 0x09}


def one_line(text: str) -> str:
    return text.translate(CONTROLS)


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ScriptAgentError(Exception):
    """Base of every error meant for the user; never shown with a traceback unless debugging."""

    def __str__(self) -> str:
        return redact_secrets(super().__str__())


# Environment variables that hold credentials (OPENAI_API_KEY, HF_TOKEN, AWS_SECRET_ACCESS_KEY, ...): their values
# never appear in a message, whatever a server or a library echoed into it.
SECRET_NAME = re.compile(r"(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)(_|$)")


def redact_secrets(text: str) -> str:
    for name, value in os.environ.items():
        if len(value) >= 8 and SECRET_NAME.search(name.upper()) and value in text:
            text = text.replace(value, f"${name}")
    return text


class InputError(ScriptAgentError):
    """A production, script or other input file is invalid. Carries every problem found."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BackendError(ScriptAgentError):
    """A backend could not be loaded or failed while working (missing weights, server down, ...)."""
