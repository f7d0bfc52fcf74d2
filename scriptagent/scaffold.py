"""`scriptagent new NAME`: a production folder from templates/production/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jinja2

from .errors import InputError, Problem
from .files import templates_dir, write_atomic
from .schema import load_production
from .schema.export import SCHEMA_DIR, modeline, write_schemas


def scaffold(folder: Path, title: str | None = None, screenplay: Path | None = None) -> Path:
    """A new production; with `screenplay` (a .fountain file), its cast (names, appearances) from it, and its scenes
    read from the copy of it in the folder at every build (`dialogue_file:`)."""
    if folder.exists() and any(folder.iterdir()):
        raise InputError(Problem(str(folder), "already exists and is not empty", hint="choose a new name"))
    source = templates_dir() / "production"
    if screenplay is not None:
        from .fountain import production_yaml, read_fountain

        parsed = read_fountain(Path(screenplay))  # before anything is written: a bad screenplay leaves no folder
        if not parsed.characters:
            raise InputError(Problem(str(screenplay), "no dialogue found: a production needs a cast",
                                     hint="a character cue is a line in CAPITALS after a blank line, with the "
                                          "dialogue on the lines below it"))
        for warning in parsed.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenplay, folder / Path(screenplay).name)
        text = production_yaml(parsed, Path(screenplay).name, title)
    else:
        title = title or folder.name.replace("-", " ").replace("_", " ").title()
        text = jinja2.Template(source.joinpath("production.yaml.j2").read_text(encoding="utf-8")).render(title=title)
    write_atomic(folder / "production.yaml", modeline("production") + text)  # editors: .scriptagent/'s schema
    write_schemas(folder / SCHEMA_DIR)
    shutil.copyfile(source / "dodo.py", folder / "dodo.py")
    shutil.copyfile(source / "gitignore", folder / ".gitignore")
    draw_cast_references(folder)
    load_production(folder)  # the scaffold must itself be a valid production
    return folder


def draw_cast_references(folder: Path) -> list[Path]:
    """Draw a placeholder portrait for every cast member whose reference image is missing."""
    from .layout import PRODUCTION_FILE
    from .schema import Production, production_data
    from .yamlio import validate_yaml

    return draw_missing_portraits(folder, validate_yaml(Production, production_data(folder), PRODUCTION_FILE).cast)


def draw_missing_portraits(folder: Path, cast) -> list[Path]:
    """A placeholder portrait for each of `cast` whose reference image (relative to `folder`) is missing."""
    from .director.animatic.figure import draw_portrait

    drawn = []
    for member in cast:
        if member.reference and not (folder / member.reference).exists():
            target = folder / member.reference
            target.parent.mkdir(parents=True, exist_ok=True)
            draw_portrait(member.name, member.appearance).save(target)
            drawn.append(target)
    return drawn
