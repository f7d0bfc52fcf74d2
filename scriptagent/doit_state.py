"""doit's task state, committed after every finished task, so that a killed build loses no finished work; and what
a build does before doit reads that state, so that a hand-damaged build heals on the next `doit`.

doit's own sqlite3 backend keeps every task's state in memory and commits once, when the run ends: a build
killed after nine hours of renders would forget all of them and render them again (to the same bytes, but
nine hours later). This backend writes a task's row and commits as soon as doit has saved the task's success.
SQLite commits are atomic, so a kill leaves the database as it was after the last finished task. A commit the
machine refuses (a full disk, a read-only folder) stops the build with one line (files.environment_fault); every
task committed before stays done.

Registered as a doit plugin (entry point `doit.BACKEND`: `scriptagent-sqlite3`); it reads and writes the same
database as doit's `sqlite3` backend, so either can open a production's state. `doit dumpdb` shows it (DumpDB,
entry point `doit.COMMAND`: `dumpdb`; doit's own reads dbm files only).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import sqlite3
import sys
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

from doit.cmd_dumpdb import DumpDB as DoitDumpDB
from doit.dependency import DatabaseException, SqliteDB

from .errors import ScriptAgentError, first_line
from .files import environment_fault
from .layout import BuildLayout

BACKEND_NAME = "scriptagent-sqlite3"
DAMAGED = ".damaged"  # build/.doit.db.damaged: a state database that could not be read, moved aside


class DurableSqliteDB(SqliteDB):
    desc = "sqlite3, committed after every finished task"

    def __init__(self, name, codec, *, module_name=None):
        self.refused = False  # the machine refused a commit: nothing more is written
        self._stored: dict[str, str] = {}  # each task's row as the database holds it (once read or written)
        super().__init__(name, codec, module_name=module_name)

    def _sqlite3(self, name):
        try:
            return super()._sqlite3(name)
        except DatabaseException as error:  # doit's wrapper of sqlite's error: a full disk, a read-only folder
            self._stop(error.__context__ or error)

    def _get_task_data(self, task_id):
        data = super()._get_task_data(task_id)
        if data:
            self._stored[task_id] = self.codec.encode(data)
        return data

    def set(self, task_id, dependency, value):
        super().set(task_id, dependency, value)
        if dependency == "deps:" and not self.refused:  # doit saves a task's success in one burst that ends with
            row = self.codec.encode(self._cache[task_id])  # its file_dep list
            if row != self._stored.get(task_id):  # a row as it was is not written again: a no-op build writes
                try:                                # nothing (and needs no free space)
                    self._conn.execute("insert or replace into doit values (?,?)", (task_id, row))
                    self._conn.commit()
                except sqlite3.Error as error:
                    self._stop(error)
                self._stored[task_id] = row
            self._dirty.discard(task_id)

    def remove(self, task_id):
        """Forget a task (doit does, for one that failed). Refused by a full disk, its last row stays: whatever
        made it run (a changed input, a missing or damaged target) still does next time."""
        self._stored.pop(task_id, None)
        try:
            super().remove(task_id)
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self._conn.rollback()

    def remove_all(self):
        self._stored.clear()
        super().remove_all()

    def dump(self):
        if self.refused:  # doit closes the state after a stop too: what was committed stays, nothing more
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            return
        try:
            super().dump()
        except sqlite3.Error as error:
            self._stop(error)

    def _stop(self, error: BaseException):
        """One line and exit status 2, not doit's traceback (raised through doit's runner, which closes the state
        and reports what ran first)."""
        self.refused = True
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self._conn.rollback()
        print(environment_fault(error) or f"{self.name}: cannot save the build state: {first_line(error)} (run "
                                          "doit again)", file=sys.stderr)
        raise SystemExit(2)


def state_backend() -> str:
    """Our backend where the package is installed (the entry point exists), else doit's sqlite3."""
    return BACKEND_NAME if any(p.name == BACKEND_NAME for p in entry_points(group="doit.BACKEND")) else "sqlite3"


# --- a hand-damaged build: repaired before doit reads it ------------------------------------------------------

def repair_build(build: BuildLayout, command: str, read_only: bool) -> tuple[str, bool]:
    """Before doit opens the state of `build` (relative to the production folder, the working directory): the
    state database doit is to use, and whether the plan must be made again. Each repair is told in one line.

    - A `.doit.db` that is not doit's SQLite database (garbage, other tables, a broken row) is moved aside to
      `.doit.db.damaged` and the state starts anew: every task then runs, and each finds what is still good (a
      render or keyframe that matches its record and was made from the same inputs is kept, not made again;
      actions.render_segment). A read-only command (list, status) leaves it and reads a fresh temporary state.
    - plan.json, findings.json or a segment's or keyframe's file missing or unreadable: the plan runs again
      (`uptodate` False), writing the same files; the renders that read them stay up to date.
    Damaged renders, frames, keyframes and scores are found by their tasks' `uptodate` (integrity.intact).
    """
    state = build.state
    try:
        problem = state_problem(state)
    except sqlite3.Error as error:  # a full disk, a read-only folder, an I/O error: not damage
        if not read_only:
            raise environment_fault(error) or ScriptAgentError(f"{state}: cannot be read: {first_line(error)}") \
                from None
        problem = f"cannot be read ({first_line(error)})"
    if problem and not read_only:
        for sidecar in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(f"{state}{sidecar}", f"{state}{sidecar}{DAMAGED}")
        print(f"repaired: {state} was {problem}; moved to {state}{DAMAGED} and started anew (renders and keyframes "
              "that match their records are kept, not made again)", file=sys.stderr)
    elif problem:
        print(f"{state}: {problem}; shown as if nothing were built (the next `doit` moves it aside and starts it "
              "anew)", file=sys.stderr)
    if read_only and (problem or not state.exists()):  # read, never written: not even created
        state = temporary_state()
    from .plan import plan_damage  # here: doit loads this module as a plugin for every dodo file, with no schema

    damage = plan_damage(build)
    if damage and command == "run":
        print(f"repaired: {damage}; planning again", file=sys.stderr)
    return str(state), damage is not None


def state_problem(path: Path) -> str | None:
    """What makes `path` unusable as doit's state, or None (also when it does not exist: doit starts one).
    sqlite3.Error for what is not the file's fault (a full disk, a read-only folder)."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:  # read-write: a killed build's journal is rolled back
            tables = dict(db.execute("select name, sql from sqlite_master where type = 'table'").fetchall())
            if "doit" not in tables:
                return f"a database of other tables ({', '.join(sorted(tables))})" if tables else None
            columns = [row[1] for row in db.execute("pragma table_info(doit)")]
            if columns != ["task_id", "task_data"]:
                return f"a database whose doit table has other columns ({', '.join(columns)})"
            check = db.execute("pragma quick_check").fetchone()[0]
            if check != "ok":
                return f"damaged ({first_line(check)})"
            for task_id, data in db.execute("select task_id, task_data from doit"):
                try:
                    readable = isinstance(json.loads(data), dict)
                except (TypeError, ValueError):
                    readable = False
                if not readable:
                    return f"damaged (the state of task {task_id!r} is unreadable)"
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            return f"not a doit state database ({first_line(error)})"
        raise
    return None


def temporary_state() -> Path:
    """An empty state database of this process's own, removed when it ends."""
    descriptor, name = tempfile.mkstemp(prefix="scriptagent-state.", suffix=".db")
    os.close(descriptor)
    atexit.register(lambda: Path(name).unlink(missing_ok=True))
    return Path(name)


# --- what a doit command needs besides the tasks ---------------------------------------------------------------------

def command_config(command: str, folder: Path, *creators) -> dict:
    """What doit's `command` needs on the production in `folder` besides its tasks (made by `creators`), as
    DOIT_CONFIG entries. A build (`run`) first makes the JSON Schemas its YAML files name current (.scriptagent/,
    after an upgrade of scriptagent they would be stale); `forget` with no task name forgets every task."""
    if command == "run":
        from .schema.export import refresh_schemas  # here: doit loads this module as a plugin, with no schema

        refresh_schemas(folder)
    return {"default_tasks": task_basenames(*creators)} if command == "forget" else {}


def task_basenames(*creators) -> list[str]:
    """The names of the tasks and task groups that doit's task creators make, in order: what `doit forget` with no
    task name forgets (doit 0.37's `forget` fails without DOIT_CONFIG's default_tasks)."""
    names: list[str] = []
    for creator in creators:
        made = creator()
        for task in [made] if isinstance(made, dict) else made:
            name = task.get("basename", creator.__name__.removeprefix("task_"))
            if name not in names:
                names.append(name)
    return names


# --- `doit dumpdb` ----------------------------------------------------------------------------------------------

class DumpDB(DoitDumpDB):
    """`doit dumpdb` that reads SQLite state (doit's own reads dbm files only): in a production, build/.doit.db.
    Registered over doit's (entry point `doit.COMMAND`: `dumpdb`); `scriptagent build DIR dumpdb` uses it too."""

    def execute(self, opt_values, pos_args):
        import pprint

        path = Path(opt_values["dep_file"])
        if not path.exists() and path == Path(".doit.db") and BuildLayout().state.exists():
            path = BuildLayout().state  # a production's state
        if not _is_sqlite(path):
            if not path.exists():
                print(f"{path}: no doit state here (in a production it is {BuildLayout().state}: build it first, "
                      f"or `doit dumpdb --db-file FILE`)", file=sys.stderr)
                return 3
            return super().execute(opt_values, pos_args)  # a dbm file: doit's own
        if hasattr(signal, "SIGPIPE"):  # a listing: `| head` ends it quietly, as it ends `ls`
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        try:
            with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                rows = db.execute("select task_id, task_data from doit order by rowid").fetchall()
        except sqlite3.Error as error:
            print(f"{path}: cannot be read as doit's state: {first_line(error)}", file=sys.stderr)
            return 3
        print(f"DBM type is 'sqlite3' ({path})")
        for task_id, data in rows:
            try:
                value = pprint.pformat(json.loads(data), indent=4, width=100)
            except ValueError:
                value = repr(data)
            print(f"{task_id} -> {value}")
        return 0


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(16) == b"SQLite format 3\0"
    except OSError:
        return False
