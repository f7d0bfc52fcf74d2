"""ScripterAgent: dialogue -> shot-level cinematic script (script.yaml), checked by the four validators.

Backends (registry.SCRIPTERS, imported lazily): rule-based (rule_based.py), transformers and openai (language
models, sharing llm.py: prompts from templates/scripter/, replies read by reply.py, the validate-and-repair loop).
script.yaml belongs to the user once written: script_file.py (its header, notes and digests), edited_script.py
(dialogue edits carried into a hand-edited script), reconcile.py (stable shot ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import InputError, Problem
from ..files import write_atomic
from ..layout import SCRIPT_FILE
from ..registry import SCRIPTERS, backend_class
from ..schema import Production, Script, ScripterConfig
from .edited_script import follow_edited_script
from .reconcile import keep_shot_ids
from .script_file import (follows, read_script_bytes, render_script_file, script_bytes, script_header,
                          script_inputs_digest, script_state, script_to_yaml, source_digest)


class Scripter(Protocol):
    """What a scripter backend is: built from its settings (and the production folder, for its templates and
    local models), it writes the whole script of a production."""

    def __init__(self, config, folder: str | Path | None = None): ...

    def write(self, production: Production) -> Script: ...


def scripter_class(name: str) -> type[Scripter]:
    return backend_class(SCRIPTERS, name, "scripter.backend")


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


def ensure_script(folder: str | Path, production: Production, force: bool = False, scripter=None) -> str:
    """Bring script.yaml up to date with the production, never losing the user's edits.

    - No script, or `force`: write one (the previous script, if any, goes to script.yaml.bak).
    - A pristine script (script_file.ScriptFile.pristine) that no longer matches what it is made from is generated
      again; shots keep their ids (reconcile.keep_shot_ids), so unchanged shots come out byte for byte the same.
    - An edited script gets production.yaml's dialogue edits written into the shots that say the edited lines;
      a line added, removed or given to another speaker stops the build with what to do (InputError).

    `scripter` (a scripter config) replaces production.yaml's for this run (`scriptagent script --model ...`); the
    script still counts as made from production.yaml, so the next build keeps it until production.yaml changes.
    Returns what happened: 'written', 'unchanged', 'updated' (dialogue edits carried into an edited script) or
    'kept' (an edited script left as it is).
    """
    folder = Path(folder)
    path = folder / SCRIPT_FILE
    raw = script_bytes(folder)  # a FIFO, a folder, a link out of the folder: refused, never read
    current = read_script_bytes(raw) if raw is not None else None
    if current is not None and not force:
        if not current.pristine:
            return follow_edited_script(path, current, production, folder)
        if follows(current, production, folder):
            return "unchanged"
    text = generate_script_file(production, folder, scripter, previous=current.script if current else None)
    if raw == text.encode("utf-8"):
        return "unchanged"
    if current is not None and force:
        write_atomic(path.with_name(SCRIPT_FILE + ".bak"), raw)
    write_atomic(path, text)
    return "written"


def generate_script_file(production: Production, folder: str | Path = ".", scripter=None,
                         previous: Script | None = None) -> str:
    """A freshly generated script.yaml text (header included); `scripter` as in ensure_script. With `previous`
    (the script it replaces), shots that are still there keep their ids."""
    working = production if scripter is None else production.model_copy(update={"scripter": scripter})
    writer = make_scripter(working.scripter, folder)
    script = writer.write(working)
    if previous is not None:
        script = keep_shot_ids(script, previous)
    _check_generated(script, working)
    return render_script_file(script, production, working.scripter.backend, getattr(writer, "provenance", None))


def _check_generated(script: Script, production: Production) -> None:
    """A generated script must pass the validators: never write a script that the plan would reject."""
    from .validators import validate_script

    errors = [f for f in validate_script(script, production) if f.severity == "error"]
    if errors:
        raise InputError([Problem(SCRIPT_FILE, f"[{f.validator}] {f.message}", field=f.shot_id or "", hint=f.hint)
                          for f in errors])


__all__ = ["configure", "ensure_script", "generate_script_file", "make_scripter", "render_script_file",
           "script_header", "script_inputs_digest", "script_state", "script_to_yaml", "scripter_class",
           "source_digest", "write_script"]
