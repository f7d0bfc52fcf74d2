"""structure (no weights): the script rubric's format compliance and content completeness, rule-based, from the
four validators' findings (rubrics.rule_based_script_scores). It scores the script, not the renders."""

from __future__ import annotations

from pathlib import Path

from ...files import read_json
from .base import Metric


class Structure(Metric):
    name = "structure"
    place = 0

    def script(self, build, folder: Path, production) -> dict:
        from ...schema import load_script
        from ..rubrics import rule_based_script_scores

        script, _ = load_script(folder)
        findings = read_json(build.findings)
        return {"rule_based": rule_based_script_scores(findings, len(script.shots()), len(production.lines))}
