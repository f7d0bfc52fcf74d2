"""Commands for a series and its season: new-series, new-episode, ci github.

`scriptagent new-series NAME` lays out a season from templates/series/: series.yaml (what every episode shares),
cast/ (placeholder portraits), a dodo.py that builds every episode and writes build/season.html (season.py), and a
first episode. `scriptagent new-episode NAME` adds an episode beside it; `scriptagent ci github` writes a GitHub
Actions workflow that builds the season with its render cache kept between runs (ci.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import InputError, Problem
from ..schema.export import SCHEMA_DIR, SEASON_SCHEMAS, modeline, write_schemas

SERIES_FILE = "series.yaml"


def _render(template: str, **values) -> str:
    import jinja2

    from ..files import templates_dir

    return jinja2.Template(templates_dir().joinpath("series", template).read_text(encoding="utf-8"),
                           keep_trailing_newline=True).render(**values)


def _empty_or_new(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(Problem(str(folder), "already exists and is not empty", hint="choose a new name"))


def _title(folder: Path) -> str:
    return folder.resolve().name.replace("-", " ").replace("_", " ").title()


def scaffold_series(folder: Path, title: str | None = None) -> Path:
    """A new season: series.yaml, cast portraits, the season's dodo.py and .gitignore, and episode-01/."""
    from ..files import templates_dir, write_atomic

    _empty_or_new(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / SERIES_FILE, modeline("series") + _render("series.yaml.j2", title=title or _title(folder)))
    write_schemas(folder / SCHEMA_DIR, SEASON_SCHEMAS)  # editors complete series.yaml from it
    source = templates_dir() / "series"
    shutil.copyfile(source / "dodo.py", folder / "dodo.py")
    shutil.copyfile(source / "gitignore", folder / ".gitignore")
    draw_series_portraits(folder)
    scaffold_episode(folder / "episode-01", "Episode 1")
    return folder


def series_cast_ids(season: Path) -> list[str]:
    from ..schema.series import Series
    from ..yamlio import load_yaml_file, validate_yaml

    series = validate_yaml(Series, load_yaml_file(SERIES_FILE, inside=season), SERIES_FILE)
    return [member.id for member in series.cast]


def draw_series_portraits(season: Path) -> list[Path]:
    """A placeholder portrait for every member of the series' cast whose reference image is missing."""
    from ..scaffold import draw_missing_portraits
    from ..schema.series import Series
    from ..yamlio import load_yaml_file, validate_yaml

    series = validate_yaml(Series, load_yaml_file(SERIES_FILE, inside=season), SERIES_FILE)
    return draw_missing_portraits(season, series.cast)


def scaffold_episode(folder: Path, title: str | None = None) -> Path:
    """A new episode in the season `folder.parent` (whose series.yaml it inherits), speaking its first two cast
    members' lines."""
    from ..files import templates_dir, write_atomic
    from ..schema import load_production

    season = folder.parent
    if not (season / SERIES_FILE).is_file():
        raise InputError(Problem(str(season / SERIES_FILE), "no series here",
                                 hint="run it in a season's folder, or create one with `scriptagent new-series NAME`"))
    _empty_or_new(folder)
    ids = series_cast_ids(season)
    if not ids:
        raise InputError(Problem(SERIES_FILE, "the series has no cast", hint="add one under `cast:`"))
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "production.yaml", modeline("production") + _render(
        "episode.yaml.j2", title=title or _title(folder), first=ids[0], second=ids[1 if len(ids) > 1 else 0]))
    write_schemas(folder / SCHEMA_DIR)  # editors complete and check the episode's production.yaml
    shutil.copyfile(templates_dir() / "production" / "dodo.py", folder / "dodo.py")
    shutil.copyfile(templates_dir() / "production" / "gitignore", folder / ".gitignore")
    load_production(folder)  # the scaffold must itself be a valid episode
    return folder


def cmd_new_series(args) -> int:
    folder = scaffold_series(Path(args.name), title=args.title)
    print(f"created {folder}/ (series.yaml, cast/, dodo.py, .gitignore, episode-01/); next: cd {folder} && doit")
    return 0


def cmd_new_episode(args) -> int:
    folder = scaffold_episode(Path(args.season) / args.name, title=args.title)
    print(f"created {folder}/ (production.yaml with `series: ../{SERIES_FILE}`, dodo.py); next: doit in "
          f"{args.season} builds every episode")
    return 0


def cmd_ci(args) -> int:
    from .ci import write_github_workflow

    path = write_github_workflow(Path(args.dir), package=args.package, python=args.python, force=args.force)
    print(f"wrote {path}; commit it, and each push builds {args.dir} with its render cache kept between runs")
    return 0


def add_commands(commands) -> None:
    new_series = commands.add_parser("new-series", help="scaffold a season: series.yaml, cast/, a dodo.py that "
                                                        "builds every episode, and a first episode")
    new_series.add_argument("name", help="folder to create")
    new_series.add_argument("--title", help="the series' title (default: from the folder name)")
    new_series.set_defaults(run=cmd_new_series)

    new_episode = commands.add_parser("new-episode", help="add an episode to a season (inherits its series.yaml)")
    new_episode.add_argument("name", help="the episode's folder, inside the season (e.g. episode-02)")
    new_episode.add_argument("--season", default=".", help="the season's folder, holding series.yaml (default: here)")
    new_episode.add_argument("--title", help="the episode's title (default: from the folder name)")
    new_episode.set_defaults(run=cmd_new_episode)

    ci = commands.add_parser("ci", help="write a CI workflow that builds the season or production, keeping the "
                                        "render cache between runs")
    ci.add_argument("service", choices=["github"], help="github: .github/workflows/scriptagent.yml")
    ci.add_argument("dir", nargs="?", default=".", help="the season, production or repository folder to build "
                                                        "(default: here)")
    ci.add_argument("--package", help="what pip installs (default: this scriptagent's version, "
                                      "e.g. scriptagent==0.1.0; or a git URL: 'scriptagent @ git+https://...')")
    ci.add_argument("--python", default="3.11", help="the Python version (default: 3.11)")
    ci.add_argument("--force", action="store_true", help="replace a workflow file that differs")
    ci.set_defaults(run=cmd_ci)
