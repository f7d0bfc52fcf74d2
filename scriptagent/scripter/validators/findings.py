"""What the validators return: findings (an error or a warning at a path in the script), and the helpers they share.

An `error` is something a renderer cannot be trusted with (a lost line, a speaker who is not in the shot), a
`warning` is a craft problem a person may choose to keep (a jump across the 180° line). Each finding carries the
pydantic-style path of what it is about, so `findings_to_problems` can point at file:line:col in script.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import Problem
from ...schema import Script
from ...yamlio import locate

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    validator: str  # "dialogue", "appearance", "scene", "position"
    severity: str  # "error" | "warning"
    message: str
    shot_id: str | None = None
    path: tuple = ()  # pydantic-style location in the script, e.g. ("scenes", 0, "shots", 3, "dialogue", 1)
    hint: str = ""


def findings_to_problems(findings: list[Finding], data, file: str = "script.yaml") -> list[Problem]:
    """Findings as Problems located in the YAML tree `data` (from load_script / load_yaml_text)."""
    problems = []
    for finding in findings:
        position, field_path = locate(data, finding.path) if data is not None else (None, "")
        line, column = position if position else (None, None)
        where = f"shot {finding.shot_id}: " if finding.shot_id else ""
        message = f"[{finding.validator}/{finding.severity}] {where}{finding.message}"
        problems.append(Problem(file, message, line, column, field=field_path, hint=finding.hint))
    return problems


def shots(script: Script):
    """(path of the shot, shot) for every shot, in film order."""
    for scene_index, scene in enumerate(script.scenes):
        for shot_index, shot in enumerate(scene.shots):
            yield ("scenes", scene_index, "shots", shot_index), shot


def normalise(text: str) -> str:
    return " ".join(text.split())


def quote(text: str, limit: int = 40) -> str:
    text = normalise(text)
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit - 3]}..."'
