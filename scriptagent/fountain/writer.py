"""The production.yaml that `scriptagent new NAME --from film.fountain` writes."""

from __future__ import annotations

import json
import re

from .reader import Screenplay


def production_yaml(screenplay: Screenplay, dialogue_file: str, title: str | None = None) -> str:
    """A production.yaml for `scriptagent new NAME --from film.fountain`: the cast from the character cues (their
    appearance from the screenplay's descriptions), the scenes read from the screenplay at build time."""
    quote = json.dumps  # a JSON string is a YAML string
    cast = ""
    for cast_id, character in screenplay.characters.items():
        name, appearance = character["name"], character.get("appearance", "")
        note = "   # from the screenplay; how they look in every shot" if appearance else \
            f"   # how {name} looks, in every shot"
        cast += (f"  - id: {cast_id}\n    name: {quote(name)}\n    appearance: {quote(appearance)}{note}\n"
                 f"    reference: cast/{cast_id}.png\n")
    count = len(screenplay.scenes)
    file_name = dialogue_file if re.fullmatch(r"[A-Za-z0-9][\w.\-/]*", dialogue_file) else quote(dialogue_file)
    return (f"# production.yaml: made by `scriptagent new --from {dialogue_file}`. `doit` builds build/film.mp4.\n"
            f"title: {quote(title or screenplay.title)}\nseed: 0\n\n"
            "style:\n  look: \"\"                   # passed to every renderer\n  resolution: [640, 360]\n  fps: 24\n\n"
            f"cast:                        # from the screenplay's character cues\n{cast}\n"
            f"dialogue_file: {file_name}   # the {count} scene{'s' if count != 1 else ''}, read at "
            "every build: edit the screenplay and the next `doit` follows it\n\n"
            "scripter: {backend: rule-based}\ndirector: {backend: animatic, max_segment_seconds: 5, anchoring: chain}\n"
            "critic: {metrics: [structure, continuity, dynamic], judge: none}\n"
            "voice: {backend: espeak, if_missing: silent}   # spoken lines where espeak-ng is installed\n")
