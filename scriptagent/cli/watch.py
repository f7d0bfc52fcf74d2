"""`scriptagent watch`: rebuild on every save of what the film is made from; `scriptagent open`: show the report.

doit 0.37's own `doit auto` needs the doit-auto1 plugin (inotify on Linux only, and unmaintained), so the watch is
ours, on watchfiles (Rust `notify`: inotify, FSEvents, ReadDirectoryChangesW). A save rebuilds only when what
was saved differs from what the last build read: editors that rewrite a file unchanged, and the build's own
first `script.yaml`, rebuild nothing. Each build is a child process (`scriptagent build`), so a failing build
prints its error and the watch goes on; Ctrl-C ends the watch (exit 0).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..errors import InputError, Problem
from .common import production_folder

# What a film is made from, relative to the production (the series file and cast folder it names are added)
WATCHED_NAMES = ("production.yaml", "script.yaml", "dodo.py")
WATCHED_FOLDERS = ("cast", "templates")


def watched_files(folder: Path) -> dict[Path, bytes]:
    """Every file the build reads that a user edits, with its bytes (compared, not timestamps: see above)."""
    from ..schema.series import named_series_file

    paths = [folder / name for name in WATCHED_NAMES]
    for name in WATCHED_FOLDERS:
        paths += sorted(p for p in (folder / name).rglob("*") if p.is_file()) if (folder / name).is_dir() else []
    series = named_series_file(folder)
    if series is not None:
        paths += [series, *sorted(p for p in (series.parent / "cast").rglob("*") if p.is_file())]
    contents = {}
    for path in paths:
        try:
            contents[path] = path.read_bytes()
        except OSError:
            continue  # not there (yet): a file that appears is a change
    return contents


def build(folder: Path, doit_args: list[str]) -> dict[Path, bytes]:
    """Build once; what the build was made from (read after it: its own writes are not a user's save)."""
    started = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "scriptagent.cli", "build", str(folder), *doit_args])
    built_from = watched_files(folder)  # before saying so: a save right after the line below is a change
    state = "built" if code == 0 else f"build failed (exit {code})"
    print(f"watch: {state} in {time.perf_counter() - started:.1f} s; waiting for a save "
          "(production.yaml, script.yaml, cast/; Ctrl-C stops)", flush=True)
    return built_from


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM end the watch. A process started in the background by a non-interactive shell begins
    with SIGINT ignored (and Python then installs no KeyboardInterrupt for it): a watch must stop all the same."""
    def stop(_signal, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def cmd_watch(args) -> int:
    from watchfiles import watch

    from ..layout import BUILD_DIR
    from ..schema.series import named_series_file

    folder = production_folder(args.dir).resolve()
    stop_on_signals()
    built_from = build(folder, args.doit_args)
    series = named_series_file(folder)
    roots = {folder} | ({series.parent} if series else set())
    ignored = str(folder / BUILD_DIR) + "/"
    try:
        for _changes in watch(*roots, watch_filter=lambda _change, path: not path.startswith(ignored),
                              debounce=400, force_polling=bool(args.poll_ms), poll_delay_ms=args.poll_ms or 300):
            now = watched_files(folder)
            if now == built_from:
                continue
            edited = sorted(str(path.relative_to(folder) if path.is_relative_to(folder) else path)
                            for path in set(now) | set(built_from) if now.get(path) != built_from.get(path))
            print(f"watch: {', '.join(edited)} changed: building", flush=True)
            built_from = build(folder, args.doit_args)
    except KeyboardInterrupt:
        print("watch: stopped", flush=True)
    return 0


def cmd_open(args) -> int:
    import webbrowser

    from ..layout import BuildLayout

    report = BuildLayout.of(production_folder(args.dir)).report.resolve()
    if not report.is_file():
        raise InputError(Problem(str(report), "no report yet", hint="build it first with `doit` (or "
                                                                    "`scriptagent watch`)"))
    opened = not args.print and webbrowser.open(report.as_uri())
    print(report.as_uri() if not opened else f"opened {report.as_uri()}")
    return 0


def add_commands(commands) -> None:
    watch = commands.add_parser("watch", help="build now, then again on every save of production.yaml, "
                                              "script.yaml or the cast (Ctrl-C stops)")
    watch.add_argument("dir", nargs="?", default=".")
    watch.add_argument("--poll-ms", type=int, metavar="MS", help="poll every MS milliseconds instead of file system "
                                                                 "events (network drives, some containers)")
    watch.add_argument("doit_args", nargs=argparse.REMAINDER, help="options for each build, e.g. -n 2")
    watch.set_defaults(run=cmd_watch)

    open_report = commands.add_parser("open", help="open the production's report (build/report.html) in a browser")
    open_report.add_argument("dir", nargs="?", default=".")
    open_report.add_argument("--print", action="store_true", help="print its file:// address instead")
    open_report.set_defaults(run=cmd_open)
