"""The paper's four validators, run on every script, generated or edited by hand; they return findings rather
than raising.

    findings.py    Finding (an error or a warning at a path in the script), findings_to_problems
    dialogue.py    1. dialogue completeness
    appearance.py  2. character-appearance consistency
    scene.py       3. scene coherence
    positions.py   4. positional (physical) rationality
"""

from __future__ import annotations

from ...schema import Production, Script
from .appearance import check_appearance_consistency
from .dialogue import check_dialogue_completeness
from .findings import ERROR, Finding, findings_to_problems
from .positions import MOVING_CAMERA, check_positional_rationality, screen_side
from .scene import TIMING_TOLERANCE, check_scene_coherence

VALIDATORS = {
    "dialogue": check_dialogue_completeness,
    "appearance": check_appearance_consistency,
    "scene": check_scene_coherence,
    "position": check_positional_rationality,
}


def validate_script(script: Script, production: Production) -> list[Finding]:
    """All four validators, in order."""
    return [finding for check in VALIDATORS.values() for finding in check(script, production)]


__all__ = ["ERROR", "MOVING_CAMERA", "TIMING_TOLERANCE", "VALIDATORS", "Finding", "findings_to_problems",
           "screen_side", "validate_script"]
