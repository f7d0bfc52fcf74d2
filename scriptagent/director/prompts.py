"""Prompts for video and keyframe models, rendered from templates/director/*.j2 from a shot's fields.

The templates are meant to be edited: they say in words what the script says in fields (shot size, angle,
camera movement, description, each character's appearance, position, action and expression, the look).
"""

from __future__ import annotations

import functools
import re

from ..files import templates_dir
from ..plan import Keyframe, Segment, SegmentCastMember
from ..schema import ShotCharacter

SHOT_SIZES = {
    "extreme-wide": "extreme wide shot", "wide": "wide shot", "full": "full shot", "medium": "medium shot",
    "medium-close-up": "medium close-up", "close-up": "close-up", "extreme-close-up": "extreme close-up",
    "over-the-shoulder": "over-the-shoulder shot", "two-shot": "two-shot",
}
ANGLES = {"eye-level": "eye-level angle", "high": "high angle", "low": "low angle", "overhead": "overhead shot",
          "dutch": "dutch angle"}
MOVEMENTS = {
    "static": "static camera", "pan-left": "the camera pans left", "pan-right": "the camera pans right",
    "tilt-up": "the camera tilts up", "tilt-down": "the camera tilts down", "dolly-in": "slow dolly in",
    "dolly-out": "slow dolly out", "zoom-in": "slow zoom in", "zoom-out": "slow zoom out",
    "tracking-left": "the camera tracks left", "tracking-right": "the camera tracks right",
    "handheld": "handheld camera",
}


@functools.lru_cache(maxsize=None)
def _template(name: str):
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "director"),
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template(name)


def _render(name: str, **context) -> str:
    return re.sub(r"\s+", " ", _template(name).render(**context)).strip()


def _characters(characters: list[ShotCharacter], cast: dict[str, SegmentCastMember]) -> list[dict]:
    return [{"name": cast[c.id].name if c.id in cast else c.id,
             "appearance": cast[c.id].appearance if c.id in cast else "",
             "position": c.position, "action": c.action, "expression": c.expression} for c in characters]


def segment_prompt(segment: Segment) -> str:
    shots = []
    for shot_part in segment.shots:
        shot = shot_part.shot
        in_frame = {c.id for c in shot.characters}
        speakers = [segment.cast[line.speaker].name if line.speaker in segment.cast else line.speaker
                    for line in shot.dialogue if not line.off_screen and line.speaker in in_frame]
        shots.append({"size": SHOT_SIZES[shot.shot_size.value], "angle": ANGLES[shot.angle.value],
                      "movement": MOVEMENTS[shot.camera_movement.value], "description": shot.description,
                      "characters": _characters(shot.characters, segment.cast),
                      "speakers": list(dict.fromkeys(speakers))})
    return _render("segment.j2", look=segment.look, setting=segment.setting, shots=shots)


def keyframe_prompt(keyframe: Keyframe) -> str:
    shot = keyframe.shot
    return _render("keyframe.j2", look=keyframe.look, setting=keyframe.setting,
                   shot={"size": SHOT_SIZES[shot.shot_size.value], "angle": ANGLES[shot.angle.value],
                         "description": shot.description, "characters": _characters(shot.characters, keyframe.cast)})
