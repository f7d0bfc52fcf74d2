"""`scriptagent ci github`: a GitHub Actions workflow (templates/ci/github.yml.j2) that installs scriptagent,
restores the render cache, runs `doit`, uploads the films and reports, and saves the cache.

The cache's key is a hash of the season's content (production.yaml, script.yaml, series.yaml, cast pictures,
screenplays): an unchanged season restores exactly its cache and renders nothing; a changed one restores the
newest earlier cache (renders are stored by what they read, so an older cache is always safe to use) and renders
only what changed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError, Problem

WORKFLOW = Path(".github") / "workflows" / "scriptagent.yml"
HASHED = ("production.yaml", "script.yaml", "series.yaml", "cast/**", "*.fountain")
SHOWN = ("film.mp4", "film.srt", "film.vtt", "report.html", "poster.jpg")


def repository_root(folder: Path) -> Path:
    """The git repository holding `folder` (where .github/ goes), or `folder` itself outside any."""
    for candidate in [folder, *folder.parents]:
        if (candidate / ".git").exists():
            return candidate
    return folder


def default_package() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"scriptagent=={version('scriptagent')}"
    except PackageNotFoundError:
        return "scriptagent"


def workflow_text(folder: Path, package: str | None = None, python: str = "3.11") -> tuple[Path, str]:
    """Where the workflow goes and what it says, for the season, production or repository in `folder`."""
    import jinja2

    from ..files import templates_dir

    folder = folder.resolve()
    if not (folder / "dodo.py").is_file():
        raise InputError(Problem(str(folder / "dodo.py"), "nothing for doit to build here",
                                 hint="pass a season (`scriptagent new-series`) or production folder"))
    root = repository_root(folder)
    relative = folder.relative_to(root).as_posix()
    prefix = "" if relative == "." else relative + "/"
    what = ("the season in " if (folder / "series.yaml").exists() else
            "the production in " if (folder / "production.yaml").exists() else "what the dodo.py builds in ")
    package = package or default_package()
    environment = jinja2.Environment(variable_start_string="[[", variable_end_string="]]", block_start_string="[%",
                                     block_end_string="%]", keep_trailing_newline=True,
                                     undefined=jinja2.StrictUndefined)
    text = environment.from_string(templates_dir().joinpath("ci", "github.yml.j2").read_text(encoding="utf-8")).render(
        what=what + (relative if relative != "." else "the repository's root"), folder=relative, package=package,
        video_package=video_extra(package), python=python, cache=f"{prefix}build/cache",
        hashed=", ".join(f"'{prefix}**/{pattern}'" for pattern in HASHED),
        artifacts=[f"{prefix}**/build/{name}" for name in SHOWN] + [f"{prefix}build/season.html"])
    return root / WORKFLOW, text


def write_github_workflow(folder: Path, package: str | None = None, python: str = "3.11", force: bool = False) -> Path:
    from ..files import write_atomic

    path, text = workflow_text(folder, package, python)
    if path.exists() and path.read_text(encoding="utf-8") != text and not force:
        raise InputError(Problem(str(path), "exists and differs from what this command writes",
                                 hint="--force replaces it"))
    write_atomic(path, text)
    return path


def video_extra(package: str) -> str:
    """The same package with its `video` extra: 'scriptagent==0.1.0' -> 'scriptagent[video]==0.1.0'."""
    return package if "[" in package else re.sub(r"^([A-Za-z0-9_.-]+)", r"\1[video]", package.strip(), count=1)
