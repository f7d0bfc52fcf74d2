"""A season: every episode of a series built by one `doit` at the season's root, and the season page.

    season/
      series.yaml          what every episode shares (schema/series.py)
      cast/                the series' reference images
      dodo.py              `doit` here builds every episode (`doit -n N`: N episodes at a time), then the page
      episode-01/          an episode: a production folder whose production.yaml says `series: ../series.yaml`
      build/season.html    the season page: every episode's film and report linked
      build/cache/         the render cache every episode built from here shares ($SCRIPTAGENT_CACHE instead, if set)

Each episode keeps its own task graph and state (episode-01/build/): the root runs `doit` in each, as the
repository's root dodo.py runs every production, and an episode is up to date when its own `doit status` says
nothing would run (status.production_up_to_date). A season's dodo.py is two lines:

    from scriptagent.season import season_tasks
    globals().update(season_tasks(__file__))
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from .cache import CACHE_ENV
from .errors import ScriptAgentError
from .files import read_json, templates_dir, write_atomic
from .layout import BUILD_DIR, PRODUCTION_FILE, BuildLayout

SEASON_PAGE = "season.html"
SERIES_FILE = "series.yaml"
PAGE_TEMPLATE = ("series", "season.html.j2")
METRICS_SHOWN = 4  # the film scores on each episode's card


def episodes(root: str | os.PathLike) -> list[Path]:
    """The production folders right under `root`, in the order of their names (episode-01, episode-02, ...)."""
    return sorted(path.parent for path in Path(root).glob(f"*/{PRODUCTION_FILE}"))


def season_page(root: str | os.PathLike) -> Path:
    return Path(root) / BUILD_DIR / SEASON_PAGE


def build_episode(folder: str | os.PathLike, command: str = "run") -> bool:
    """The episode's own doit decides what is stale; its failure is this task's failure."""
    return subprocess.run([sys.executable, "-m", "doit", command], cwd=folder).returncode == 0


def share_cache(root: str | os.PathLike) -> None:
    """Every episode built from here uses one render cache, `<root>/build/cache` (unless $SCRIPTAGENT_CACHE says
    where): a shot two episodes share renders once, and CI restores one folder."""
    os.environ.setdefault(CACHE_ENV, str((Path(root) / BUILD_DIR / "cache").resolve()))


def season_task_creators(root: str | os.PathLike, basename: str = "episode") -> dict:
    """doit task creators: `<basename>:<folder>` builds one episode, `season` writes the season page after them."""
    from .schema.export import SEASON_SCHEMAS, refresh_schemas
    from .status import production_up_to_date

    root = Path(root)
    refresh_schemas(root, SERIES_FILE, SEASON_SCHEMAS)  # series.yaml's schema current, where it names one

    def task_episodes():
        for folder in episodes(root):
            yield {
                "name": folder.name,
                "doc": f"build one {basename}'s film (its own doit graph)",
                "actions": [(build_episode, [folder])],
                # up to date when its own `doit status` says nothing runs (`doit status` here shows what it says)
                "uptodate": [(production_up_to_date, [str(folder)])],
                "meta": {"production": str(folder)},
                "clean": [(build_episode, [folder, "clean"])],
            }

    def task_season():
        """write build/season.html: every film and report linked"""
        return {
            "actions": [(write_season_page, [str(root)])],
            # each by name: `doit status` says the page may change when one of them will run
            "task_dep": [f"{basename}:{folder.name}" for folder in episodes(root)],
            "targets": [str(season_page(root))],
            "uptodate": [(season_unchanged, [str(root)])],
            "clean": True,
            "verbosity": 1,
        }

    task_episodes.__doc__ = f"build every {basename} (each with its own doit)"
    return {f"task_{basename}": task_episodes, "task_season": task_season}


def season_tasks(dodo_file: str) -> dict:
    """The module globals of a season's dodo.py: its episodes, the season page, doit's settings."""
    from .doit_command import listings_end_quietly
    from .doit_state import state_backend

    listings_end_quietly()  # this is doit's own process: `doit list | head` ends quietly
    root = Path(dodo_file).resolve().parent
    share_cache(root)
    (root / BUILD_DIR).mkdir(exist_ok=True)
    return {
        # state committed after every finished task (doit_state.py); the episodes keep their own
        "DOIT_CONFIG": {"dep_file": str(root / BUILD_DIR / ".doit.db"), "backend": state_backend(), "verbosity": 2,
                        "default_tasks": ["episode", "season"]},
        **season_task_creators(root),
    }


# --- the season page --------------------------------------------------------------------------------------------

SHOWN_FILES = ("plan.json", "film.mp4", "report.html", "poster.jpg", "scores/_film.json")


def season_digest(root: str | os.PathLike) -> str:
    """What the season page shows, as a digest of the files it reads (their size and modification time) and its
    template: the page is written again when it changes."""
    root = Path(root)
    digest = hashlib.sha256(templates_dir().joinpath(*PAGE_TEMPLATE).read_bytes())
    for path in [root / SERIES_FILE] + [folder / BUILD_DIR / name for folder in episodes(root) for name in SHOWN_FILES]:
        try:
            info = path.stat()
            digest.update(f"{path.relative_to(root)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        except OSError:
            digest.update(f"{path.relative_to(root)}\0-\0".encode())
    return digest.hexdigest()


def season_unchanged(task, values: dict, root: str) -> bool:
    """doit `uptodate` (doit passes the task and the values the last run kept): the page exists and what it shows
    has not changed since it was written."""
    return season_page(root).exists() and (values or {}).get("season") == season_digest(root)


def series_title(root: Path) -> str:
    from .yamlio import load_yaml_file

    try:
        data = load_yaml_file(SERIES_FILE, inside=root) if (root / SERIES_FILE).exists() else None
    except ScriptAgentError:
        data = None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) and title.strip() else root.resolve().name.replace("-", " ").title()


def episode_card(root: Path, folder: Path, number: int) -> dict:
    """What the page says of one episode, from its build: title and length from the plan, the film's scores."""
    build = BuildLayout.of(folder)
    plan = _readable(build.plan)
    film_score = _readable(build.film_score)
    metrics = film_score.get("metrics", {}) if isinstance(film_score.get("metrics"), dict) else {}
    link = lambda path: os.path.relpath(path, root / BUILD_DIR).replace(os.sep, "/")  # noqa: E731
    poster = build.root / "poster.jpg"
    return {
        "number": number, "folder": folder.name, "title": plan.get("title") or folder.name,
        "in_series": names_series(root, folder),
        "seconds": plan.get("seconds"), "shots": len(plan.get("shots") or []), "scenes": len(plan.get("scenes") or []),
        "film": link(build.film) if build.film.exists() else None,
        "report": link(build.report) if build.report.exists() else None,
        "poster": link(poster) if poster.exists() else None,
        "metrics": [(name, value) for name, value in metrics.items()
                    if isinstance(value, (int, float))][:METRICS_SHOWN],
    }


def names_series(root: Path, folder: Path) -> bool:
    """Whether the production's `series:` is the season's series file (a root may also hold standalone films)."""
    from .schema.series import named_series_file

    return named_series_file(folder) == (root / SERIES_FILE).resolve()


def _readable(path: Path) -> dict:
    try:
        data = read_json(path, {})
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_season_page(root: str) -> dict:
    """build/season.html (written atomically); returns what doit keeps to tell when it is stale."""
    import jinja2

    root = Path(root)
    digest = season_digest(root)
    cards = [episode_card(root, folder, number) for number, folder in enumerate(episodes(root), 1)]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / PAGE_TEMPLATE[0])),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    page = environment.get_template(PAGE_TEMPLATE[1]).render(
        title=series_title(root), episodes=cards,
        seconds=sum(card["seconds"] or 0 for card in cards), built=sum(1 for card in cards if card["film"]))
    write_atomic(season_page(root), page)
    print(f"season page: {os.path.relpath(season_page(root))} ({len(cards)} episodes)")
    return {"season": digest}
