"""doit's task state, committed after every finished task, so that a killed build loses no finished work.

doit's own sqlite3 backend keeps every task's state in memory and commits once, when the run ends: a build
killed after nine hours of renders would forget all of them and render them again (to the same bytes, but
nine hours later). This backend writes a task's row and commits as soon as doit has saved the task's success.
SQLite commits are atomic, so a kill leaves the database as it was after the last finished task.

Registered as a doit plugin (entry point `doit.BACKEND`: `scriptagent-sqlite3`); it reads and writes the same
database as doit's `sqlite3` backend, so either can open a production's state.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from doit.dependency import SqliteDB

BACKEND_NAME = "scriptagent-sqlite3"


class DurableSqliteDB(SqliteDB):
    desc = "sqlite3, committed after every finished task"

    def set(self, task_id, dependency, value):
        super().set(task_id, dependency, value)
        if dependency == "deps:":  # doit saves a task's success in one burst that ends with its file_dep list
            self._conn.execute("insert or replace into doit values (?,?)",
                               (task_id, self.codec.encode(self._cache[task_id])))
            self._conn.commit()
            self._dirty.discard(task_id)


def state_backend() -> str:
    """Our backend where the package is installed (the entry point exists), else doit's sqlite3."""
    return BACKEND_NAME if any(p.name == BACKEND_NAME for p in entry_points(group="doit.BACKEND")) else "sqlite3"
