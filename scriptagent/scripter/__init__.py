"""ScripterAgent: dialogue -> shot-level cinematic script (script.yaml), checked by the four validators.

script.yaml is written once and then belongs to the user. Its header records where it came from and a digest
of its body: while the body still matches, the script is pristine and may be regenerated when the production
changes; once the user edits it, no build ever overwrites it.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import InputError, ScriptAgentError
from ..files import sha256_bytes, write_atomic
from ..production import SCRIPT_FILE, Production, Script
from ..yamlio import dump_yaml

BACKENDS = {
    "rule-based": "scriptagent.scripter.rule_based:RuleBasedScripter",
}

HEADER_TAG = "# scriptagent:"
HEADER = re.compile(r"^# scriptagent: backend=(?P<backend>\S+) source=(?P<source>\w+) body=(?P<body>\w+)\n", re.M)


def scripter_class(name: str):
    if name not in BACKENDS:
        raise ScriptAgentError(f"scripter.backend: unknown '{name}' (known: {', '.join(BACKENDS)})")
    module_name, class_name = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def write_script(production: Production) -> Script:
    return scripter_class(production.scripter.backend)(production.scripter).write(production)


def script_to_yaml(script: Script) -> str:
    """Block style for structure, flow style for the small per-shot records: one line per character/line."""
    data = script.model_dump(mode="json", exclude_defaults=False)
    tree = CommentedMap()
    if data["title"]:
        tree["title"] = data["title"]
    tree["characters"] = CommentedMap((cid, CommentedMap(c)) for cid, c in data["characters"].items())
    scenes = CommentedSeq()
    for scene in data["scenes"]:
        shots = CommentedSeq()
        for shot in scene["shots"]:
            shot_map = CommentedMap()
            for key, value in shot.items():
                if key in ("characters", "dialogue"):
                    items = CommentedSeq()
                    for item in value:
                        record = CommentedMap((k, v) for k, v in item.items() if v not in ("", False))
                        record.fa.set_flow_style()
                        items.append(record)
                    value = items
                shot_map[key] = value
            shots.append(shot_map)
        scenes.append(CommentedMap([("id", scene["id"]), ("setting", scene["setting"]), ("shots", shots)]))
    tree["scenes"] = scenes
    return dump_yaml(tree)


def render_script_file(script: Script, production: Production) -> str:
    body = script_to_yaml(script)
    return (
        "# script.yaml: the shot-level script of this production, written by scriptagent's ScripterAgent.\n"
        "# It is yours now: edit it and commit it. A build never overwrites an edited script;\n"
        "# `scriptagent script --force` regenerates it on purpose (keeping a .bak).\n"
        f"{HEADER_TAG} backend={production.scripter.backend} source={production.scripter_inputs_digest()} "
        f"body={sha256_bytes(body.encode())[:16]}\n"
        f"{body}"
    )


def script_state(text: str) -> tuple[str, str | None]:
    """('pristine'|'edited', source digest or None) for the text of a script.yaml."""
    match = HEADER.search(text)
    if not match:
        return "edited", None
    body = text[match.end():]
    pristine = sha256_bytes(body.encode())[:16] == match["body"]
    return ("pristine" if pristine else "edited"), match["source"]


def ensure_script(folder: str | Path, production: Production, force: bool = False) -> str:
    """Bring script.yaml up to date with the production, never overwriting the user's edits.

    Returns what happened: 'written', 'unchanged' or 'kept' (an edited script left as it is).
    """
    path = Path(folder) / SCRIPT_FILE
    if path.exists() and not force:
        state, source = script_state(path.read_text(encoding="utf-8"))
        if state == "edited":
            if source != production.scripter_inputs_digest():
                print(f"{SCRIPT_FILE}: kept your edited script although production.yaml changed since it was "
                      "generated (run `scriptagent script --force` to regenerate; your version goes to "
                      f"{SCRIPT_FILE}.bak)", file=sys.stderr)
            return "kept"
        if source == production.scripter_inputs_digest():
            return "unchanged"
    script = write_script(production)
    _check_generated(script, production)
    if path.exists() and force:
        write_atomic(path.with_name(SCRIPT_FILE + ".bak"), path.read_bytes())
    write_atomic(path, render_script_file(script, production))
    return "written"


def _check_generated(script: Script, production: Production) -> None:
    """A generated script must pass the validators: never write a script that the plan would reject."""
    from .validators import validate_script

    errors = [f for f in validate_script(script, production) if f.severity == "error"]
    if errors:
        from ..errors import Problem
        raise InputError([Problem(SCRIPT_FILE, f"[{f.validator}] {f.message}", field=f.shot_id or "", hint=f.hint)
                          for f in errors])
