"""The scripter's prompts: jinja2 templates system.j2, user.j2 and repair.j2.

The defaults live in templates/scripter/. A production overrides any of them by putting a file of the same name in
its own templates/scripter/ folder. Templates render in jinja2's sandbox (a production's template is input, not
code we trust) and see plain data only: no Python objects to reach through.

A template is read like every file of a production (files.read_inside: inside the folder, a regular file, at most
MAX_TEMPLATE_BYTES, UTF-8) and renders in sandbox.py's BoundedSandbox, which also bounds what it may build.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

from ..errors import InputError, Problem, ScriptAgentError, first_line
from ..files import read_inside, sha256_bytes, templates_dir
from ..schema import (MAX_SHOT_SECONDS, ActionBeat, Angle, CameraMovement, Production, ShotSize, Transition,
                      TransitionBeat)
from .sandbox import bounded_sandbox

TEMPLATE_NAMES = ("system.j2", "user.j2", "repair.j2")
RELEASED_TEMPLATE_NAMES = ("released_system.j2", "released_user.j2", "released_repair.j2")  # format: released
OVERRIDE_FOLDER = Path("templates") / "scripter"

MAX_TEMPLATE_BYTES = 256 * 1024  # a prompt template is a page or two (the defaults: 0.3 to 3 KB)


class Prompts:
    def __init__(self, folder: str | Path | None = None):
        from jinja2 import StrictUndefined

        self.folder = Path(folder if folder is not None else ".")
        # jinja's tojson escapes <, >, & and ' for HTML, which would change the very words the model must copy.
        self.environment = bounded_sandbox(template_loader(self.folder), {"json": _json},
                                           undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)

    def digest(self, names: tuple[str, ...] = TEMPLATE_NAMES) -> str:
        """A digest of the templates in effect, for the provenance header of script.yaml: editing one of them
        makes a pristine script stale."""
        sources = [f"{name}\0{self.environment.loader.get_source(self.environment, name)[0]}"
                   for name in names]
        return sha256_bytes("\0".join(sources).encode())[:16]

    def opening(self, production: Production) -> list[dict]:
        """The conversation a script starts from: the system prompt and the user's request (the same in
        inference and in training)."""
        return [{"role": "system", "content": self.system(production)},
                {"role": "user", "content": self.user(production)}]

    def system(self, production: Production) -> str:
        return self._render("system.j2", production_context(production))

    def user(self, production: Production) -> str:
        return self._render("user.j2", production_context(production))

    def repair(self, problems: list[str], production: Production, attempt: int, rounds: int) -> str:
        return self._render("repair.j2", {**production_context(production), "problems": problems,
                                          "round": attempt, "rounds": rounds})

    def _render(self, name: str, context: dict) -> str:
        from jinja2 import TemplateError, TemplateSyntaxError

        template = None
        try:
            template = self.environment.get_template(name)
            return self.environment.render_bounded(template, context).strip() + "\n"
        except ScriptAgentError:  # a template that cannot be read: already said with its file
            raise
        except Exception as error:  # TemplateError, and whatever a template's expression raises (1/0, ...)
            filename = getattr(error, "filename", None) or (template.filename if template else None) or \
                self.environment.loader.get_source(self.environment, name)[1]
            line = error.lineno if isinstance(error, TemplateSyntaxError) else \
                None if isinstance(error, TemplateError) else _template_line(error, filename)
            message = (error.message or str(error)) if isinstance(error, TemplateError) else \
                "recursion too deep" if isinstance(error, RecursionError) else \
                f"{type(error).__name__}: {first_line(error)}"
            raise InputError(Problem(_display(filename, self.folder), f"template: {message}", line,
                                     hint="fix the template, or delete it to use the default")) from None


def production_context(production: Production) -> dict:
    """What the templates can use: the production as plain data, and the script's vocabulary.

    A production of many scenes is scripted one scene at a time (LanguageModelScripter), so `scene` is the one
    scene asked for; `body` holds its lines, action beats and transitions in order (the lines numbered as in
    `dialogue`)."""
    names = {member.id: member.name for member in production.cast}
    scene = production.scene_list[0]
    body, number = [], 0
    for item in scene.body if len(production.scene_list) == 1 else []:
        if isinstance(item, ActionBeat):
            body.append({"kind": "action", "text": item.action})
        elif isinstance(item, TransitionBeat):
            body.append({"kind": "transition", "to": item.transition.value})
        else:
            number += 1
            body.append({"kind": "line", "number": number, "off_screen": item.off_screen})
    return {
        "title": production.title,
        "setting": production.setting or scene.setting if len(production.scene_list) == 1
        else production.setting_summary,
        "scene": {"id": scene.id, "heading": scene.heading, "description": scene.description,
                  "present": list(scene.present), "body": body,
                  "plain": all(item["kind"] == "line" and not item["off_screen"] for item in body)},
        "seed": production.seed,
        "cast": [member.model_dump(mode="json") for member in production.cast],
        "dialogue": [{"number": number, "speaker": line.speaker, "name": names[line.speaker], "line": line.line,
                      "parenthetical": line.parenthetical, "off_screen": line.off_screen}
                     for number, line in enumerate(production.lines, 1)],
        "words_per_second": production.scripter.words_per_second,
        "max_shot_seconds": f"{MAX_SHOT_SECONDS:g}",
        "shot_sizes": [size.value for size in ShotSize],
        "angles": [angle.value for angle in Angle],
        "camera_movements": [movement.value for movement in CameraMovement],
        "transitions": [transition.value for transition in Transition],
    }


def _display(filename: str, folder: Path) -> str:
    """A production's template as templates/scripter/NAME; a default one by its full path."""
    try:
        return str(Path(filename).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(filename)


def _template_line(error: BaseException, filename: str | None) -> int | None:
    """The template's line an error was raised at (jinja2 rewrites tracebacks to point into the template)."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    return lines[-1] if lines else None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- reading templates -------------------------------------------------------------------------------------------

def template_loader(folder: Path):
    """The templates in effect: a production's templates/scripter/NAME, read as every file of a production is
    (inside its folder, a regular file, at most MAX_TEMPLATE_BYTES, UTF-8), else the default of the same name.
    Whether the production has its own is decided once, here (as jinja2's FileSystemLoader does)."""
    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    overrides = os.path.isdir(folder / OVERRIDE_FOLDER)

    class Loader(BaseLoader):
        def get_source(self, environment, name):
            pieces = split_template_path(name)  # no `..`
            relative = OVERRIDE_FOLDER.joinpath(*pieces)
            if overrides and os.path.lexists(folder / relative):
                display, filename = str(relative), str(folder / relative)
                raw = read_inside(folder, relative, MAX_TEMPLATE_BYTES, display, prefix="template: ")
            else:
                filename = str(templates_dir() / "scripter" / Path(*pieces))
                if not os.path.isfile(filename):
                    raise TemplateNotFound(name)
                display = filename
                raw = read_inside(None, filename, MAX_TEMPLATE_BYTES, display, prefix="template: ")
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line = raw[:error.start].count(b"\n") + 1
                column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
                raise InputError(Problem(display, f"template: not UTF-8 text (byte 0x{raw[error.start]:02x})",
                                         line, column, hint="save the template as UTF-8")) from None
            mtime = _mtime(filename)
            return source, filename, lambda: _mtime(filename) == mtime

    return Loader()


def _mtime(filename: str) -> float | None:
    try:
        return os.stat(filename).st_mtime_ns
    except OSError:
        return None
