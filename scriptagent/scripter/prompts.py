"""The scripter's prompts: jinja2 templates system.j2, user.j2 and repair.j2.

The defaults live in templates/scripter/. A production overrides any of them by putting a file of the same name in
its own templates/scripter/ folder. Templates render in jinja2's sandbox (a production's template is input, not
code we trust) and see plain data only: no Python objects to reach through.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, Problem
from ..files import sha256_bytes, templates_dir
from ..schema import (MAX_SHOT_SECONDS, ActionBeat, Angle, CameraMovement, Production, ShotSize, Transition,
                      TransitionBeat)

TEMPLATE_NAMES = ("system.j2", "user.j2", "repair.j2")
OVERRIDE_FOLDER = Path("templates") / "scripter"


class Prompts:
    def __init__(self, folder: str | Path | None = None):
        from jinja2 import FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        self.folder = Path(folder if folder is not None else ".")
        folders = [templates_dir() / "scripter"]
        if (self.folder / OVERRIDE_FOLDER).is_dir():
            folders.insert(0, self.folder / OVERRIDE_FOLDER)
        self.environment = SandboxedEnvironment(loader=FileSystemLoader([str(f) for f in folders]),
                                                undefined=StrictUndefined, keep_trailing_newline=False,
                                                autoescape=False)
        # jinja's tojson escapes <, >, & and ' for HTML, which would change the very words the model must copy.
        self.environment.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)

    def digest(self) -> str:
        """A digest of the three templates in effect, for the provenance header of script.yaml."""
        sources = [f"{name}\0{self.environment.loader.get_source(self.environment, name)[0]}"
                   for name in TEMPLATE_NAMES]
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

        try:
            return self.environment.get_template(name).render(context).strip() + "\n"
        except TemplateError as error:
            filename = getattr(error, "filename", None) or self.environment.loader.get_source(self.environment,
                                                                                                name)[1]
            line = error.lineno if isinstance(error, TemplateSyntaxError) else None
            raise InputError(Problem(_display(filename, self.folder), f"template: {error.message or error}", line,
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
