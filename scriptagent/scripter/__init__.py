"""ScripterAgent: dialogue -> shot-level cinematic script (script.yaml), checked by the four validators.

Backends (BACKENDS, imported lazily): rule-based (rule_based.py), transformers and openai (language models, sharing
llm.py: prompts from templates/scripter/, replies read by reply.py, the validate-and-repair loop).

script.yaml is written once and then belongs to the user. Its header records where it came from and a digest
of its body: while the body still matches, the script is pristine and may be regenerated when the production
changes; once the user edits it, no build ever overwrites it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..registry import backend_class
from ..errors import InputError, Problem
from ..files import sha256_bytes, write_atomic
from ..production import SCRIPT_FILE, Production, Script, ScripterConfig
from ..yamlio import dump_yaml

BACKENDS = {
    "rule-based": "scriptagent.scripter.rule_based:RuleBasedScripter",
    "transformers": "scriptagent.scripter.transformers_backend:TransformersScripter",
    "openai": "scriptagent.scripter.openai_backend:OpenAIScripter",
}

HEADER_TAG = "# scriptagent:"
HEADER = re.compile(r"^# scriptagent: (?P<fields>.*)\n", re.M)
HEADER_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
PLAIN_VALUE = re.compile(r"[\w./:@+-]+")


def scripter_class(name: str):
    return backend_class(BACKENDS, name, "scripter.backend")


def make_scripter(config, folder: str | Path = "."):
    """The backend for `config`; `folder` is where it finds per-production templates and checkpoint folders."""
    return scripter_class(config.backend)(config, folder)


def write_script(production: Production, folder: str | Path = ".") -> Script:
    return make_scripter(production.scripter, folder).write(production)


def configure(config, backend: str | None = None, **overrides):
    """`config` with command-line overrides (--backend, --model, --base-url); None values are left out.

    Settings of the same backend are kept; a different backend starts from its defaults.
    """
    from pydantic import TypeAdapter, ValidationError

    overrides = {key: value for key, value in overrides.items() if value is not None}
    data = config.model_dump() if backend in (None, config.backend) else {"backend": backend}
    data.update(overrides)
    try:
        return TypeAdapter(ScripterConfig).validate_python(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = str(item["loc"][-1]) if item["loc"] else "backend"
            option = f"--{name.replace('_', '-')}"
            message = {"missing": f"the {data['backend']} scripter needs {option}",
                       "extra_forbidden": f"the {data.get('backend')} scripter takes no {option}"}.get(
                item["type"], item["msg"])
            problems.append(Problem("scriptagent script", message, field=option))
        raise InputError(problems) from None


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


def render_script_file(script: Script, production: Production, backend: str | None = None,
                       provenance: dict | None = None) -> str:
    """script.yaml's text: a header recording where it came from, then the script.

    The header names the backend and, for language models, what reproduces the result (model, a digest of the
    prompt templates, seed, repair rounds used); then a digest of the production's inputs and one of the body.
    """
    body = script_to_yaml(script)
    fields = {"backend": backend or production.scripter.backend, **(provenance or {}),
              "source": production.scripter_inputs_digest(), "body": sha256_bytes(body.encode())[:16]}
    return (
        "# script.yaml: the shot-level script of this production, written by scriptagent's ScripterAgent.\n"
        "# It is yours now: edit it and commit it. A build never overwrites an edited script;\n"
        "# `scriptagent script --force` regenerates it on purpose (keeping a .bak).\n"
        f"{HEADER_TAG} {' '.join(f'{key}={_header_value(value)}' for key, value in fields.items())}\n"
        f"{body}"
    )


def _header_value(value) -> str:
    text = str(value)
    return text if PLAIN_VALUE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def script_header(text: str) -> dict[str, str]:
    """The fields of script.yaml's header ({} when there is none): backend, model, templates, seed, source, body."""
    match = HEADER.search(text)
    if not match:
        return {}
    return {key: json.loads(value) if value.startswith('"') else value
            for key, value in HEADER_FIELD.findall(match["fields"])}


def script_state(text: str) -> tuple[str, str | None]:
    """('pristine'|'edited', source digest or None) for the text of a script.yaml."""
    match = HEADER.search(text)
    header = script_header(text)
    if not match or "body" not in header:
        return "edited", None
    body = text[match.end():]
    pristine = sha256_bytes(body.encode())[:16] == header["body"]
    return ("pristine" if pristine else "edited"), header.get("source")


def ensure_script(folder: str | Path, production: Production, force: bool = False, scripter=None) -> str:
    """Bring script.yaml up to date with the production, never overwriting the user's edits.

    `scripter` (a scripter config) replaces production.yaml's for this run (`scriptagent script --model ...`); the
    script still counts as made from production.yaml, so the next build keeps it until production.yaml changes.
    Returns what happened: 'written', 'unchanged' or 'kept' (an edited script left as it is).
    """
    path = Path(folder) / SCRIPT_FILE
    if path.exists() and not force:
        text = path.read_text(encoding="utf-8")
        state, _ = script_state(text)
        changed = changed_since(script_header(text), production, folder)
        if state == "edited":
            if changed:
                print(f"{SCRIPT_FILE}: kept your edited script although {' and '.join(changed)} changed since it "
                      "was generated (run `scriptagent script --force` to regenerate; your version goes to "
                      f"{SCRIPT_FILE}.bak)", file=sys.stderr)
            return "kept"
        if not changed:
            return "unchanged"
    text = generate_script_file(production, folder, scripter)
    if path.exists() and force:
        write_atomic(path.with_name(SCRIPT_FILE + ".bak"), path.read_bytes())
    write_atomic(path, text)
    return "written"


def templates_digest(production: Production, folder: str | Path = ".") -> str | None:
    """The digest of the prompt templates a language-model scripter uses now (None for the rule-based one)."""
    if production.scripter.backend == "rule-based":
        return None
    from .prompts import Prompts

    return Prompts(folder).digest()


def source_digest(production: Production, folder: str | Path = ".") -> str:
    """Everything script.yaml is generated from: production.yaml's scripter inputs and, for a language model, the
    prompt templates in effect. The build regenerates a pristine script when it changes."""
    templates = templates_digest(production, folder)
    inputs = production.scripter_inputs_digest()
    return inputs if templates is None else sha256_bytes(f"{inputs}\0{templates}".encode())[:16]


def changed_since(header: dict, production: Production, folder: str | Path = ".") -> list[str]:
    """What changed since the script with this header was generated: production.yaml and/or the templates."""
    changed = []
    if header.get("source") != production.scripter_inputs_digest():
        changed.append("production.yaml")
    recorded = header.get("templates")  # recorded by language-model scripters only
    if recorded and templates_digest(production, folder) not in (None, recorded):
        changed.append("the prompt templates")
    return changed


def generate_script_file(production: Production, folder: str | Path = ".", scripter=None) -> str:
    """A freshly generated script.yaml text (header included); `scripter` as in ensure_script."""
    working = production if scripter is None else production.model_copy(update={"scripter": scripter})
    writer = make_scripter(working.scripter, folder)
    script = writer.write(working)
    _check_generated(script, working)
    return render_script_file(script, production, working.scripter.backend, getattr(writer, "provenance", None))


def _check_generated(script: Script, production: Production) -> None:
    """A generated script must pass the validators: never write a script that the plan would reject."""
    from .validators import validate_script

    errors = [f for f in validate_script(script, production) if f.severity == "error"]
    if errors:
        raise InputError([Problem(SCRIPT_FILE, f"[{f.validator}] {f.message}", field=f.shot_id or "", hint=f.hint)
                          for f in errors])
