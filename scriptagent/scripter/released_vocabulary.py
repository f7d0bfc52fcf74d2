"""The words of the released format (scripter/released_format.py), ours and theirs: what the writer says for each
of our values (*_WORDS), the phrases the reader maps to them (*_TERMS: the earliest in a node wins, the longest at
one place), and the section names it knows, English (their DirectorAgent's and their README's) and Chinese."""

from __future__ import annotations

import re

SIZE_WORDS = {"extreme-wide": "Extreme Wide Shot", "wide": "Wide Shot", "full": "Full Shot", "medium": "Medium Shot",
              "medium-close-up": "Medium Close-Up", "close-up": "Close-Up", "extreme-close-up": "Extreme Close-Up",
              "over-the-shoulder": "Over-the-Shoulder Shot", "two-shot": "Two-Shot"}
ANGLE_WORDS = {"eye-level": "Eye-Level Angle", "high": "High Angle", "low": "Low Angle", "overhead": "Overhead Angle",
               "dutch": "Dutch Angle"}
MOVEMENT_WORDS = {"static": "Static Camera", "pan-left": "Pan Left", "pan-right": "Pan Right", "tilt-up": "Tilt Up",
                  "tilt-down": "Tilt Down", "dolly-in": "Dolly In", "dolly-out": "Dolly Out", "zoom-in": "Zoom In",
                  "zoom-out": "Zoom Out", "tracking-left": "Tracking Left", "tracking-right": "Tracking Right",
                  "handheld": "Handheld Camera"}
TRANSITION_WORDS = {"dissolve": "Dissolve", "fade-in": "Fade In"}


def _terms(pairs) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(rf"(?<![\w-])(?:{pattern})(?!\w)", re.I), value) for pattern, value in pairs]


_ = r"[\s-]+"
SIZE_TERMS = _terms([
    (rf"extreme{_}(?:wide|long)(?:{_}shot)?", "extreme-wide"), (rf"extreme{_}close[\s-]*ups?", "extreme-close-up"),
    (rf"medium{_}close[\s-]*ups?|mcu", "medium-close-up"), (r"close[\s-]*ups?", "close-up"),
    (rf"over{_}the{_}shoulder(?:{_}shot)?|ots", "over-the-shoulder"), (rf"two{_}shot", "two-shot"),
    (rf"full(?:{_}body)?{_}shot|full{_}body|medium{_}(?:wide|long){_}shot", "full"),
    (rf"(?:wide|long|establishing){_}shot", "wide"), (rf"(?:medium|mid){_}shot", "medium")])
ANGLE_TERMS = _terms([(rf"eye{_}level", "eye-level"), (rf"high{_}angle", "high"), (rf"low{_}angle", "low"),
                      (rf"overhead|bird'?s{_}eye|top{_}down", "overhead"), (r"dutch|canted", "dutch")])
SIDE = rf"{_}(?:to{_}the{_})?"
MOVEMENT_TERMS = _terms([
    (r"static|fixed camera|locked[\s-]+off", "static"), (rf"pan(?:s|ning)?{SIDE}left", "pan-left"),
    (rf"pan(?:s|ning)?{SIDE}right|pan(?:s|ning)?", "pan-right"),
    (rf"(?:tilt(?:s|ing)?|crane|boom){_}up", "tilt-up"), (rf"(?:tilt(?:s|ing)?|crane|boom){_}down", "tilt-down"),
    (rf"(?:dolly|push(?:es|ing)?|track(?:s|ing)?){_}(?:in|forward)|dolly", "dolly-in"),
    (rf"(?:dolly|pull(?:s|ing)?|track(?:s|ing)?){_}(?:out|back)", "dolly-out"),
    (rf"zoom(?:s|ing)?{_}in", "zoom-in"), (rf"zoom(?:s|ing)?{_}out", "zoom-out"),
    (rf"(?:track(?:s|ing)?|truck(?:s|ing)?){SIDE}left", "tracking-left"),
    (rf"(?:track(?:s|ing)?|truck(?:s|ing)?){SIDE}right|(?:tracking|following|arc){_}shot|orbit(?:s|ing)?",
     "tracking-right"), (r"hand[\s-]*held|shaky cam(?:era)?", "handheld")])
TRANSITION_TERMS = _terms([(r"dissolve[sd]?(?:\s+to)?", "dissolve"), (rf"fade[sd]?{_}in", "fade-in")])
ALL_TERMS = SIZE_TERMS + ANGLE_TERMS + MOVEMENT_TERMS + TRANSITION_TERMS
FILLER = {"angle", "camera", "shot", "movement", "effect", "view", "and", "with", "a", "the", "cut", "to", "slow",
          "slowly", "gentle", "gently", "quick", "quickly", "smooth", "smoothly", "steady", "subtle", "very"}

SECTIONS = {"dialogue": "dialogue", "dialogues": "dialogue", "对白": "dialogue", "台词": "dialogue",
            "对话": "dialogue", "character profiles": "profiles", "character profile": "profiles",
            "character description": "profiles", "character descriptions": "profiles", "characters": "profiles",
            "人物小传": "profiles", "角色描述": "profiles", "人物描述": "profiles", "角色介绍": "profiles",
            "scene description": "scene", "scene": "scene", "场景描述": "scene", "场景": "scene",
            "blocking": "blocking", "character positions": "blocking", "character position": "blocking",
            "positions": "blocking", "站位": "blocking", "角色站位": "blocking", "人物站位": "blocking"}
