"""`doit status` (and `scriptagent status`): which tasks the next build runs, and why, before it runs them.

A doit command (registered as a doit plugin by this package), so it sees exactly the graph and the state `doit`
uses. A task *will run* when doit finds it stale now: a target missing, a file it reads changed, its settings
changed. A task *may run* when it reads what a running task writes (a render anchored on a segment that will be
re-rendered runs again only if that segment's last frame comes out different), or is made from what a running
task writes (the renders of the segments `plan` writes). Nothing is built or locked.

It considers what the same command line without `status` would run: the tasks named (`doit status render:sh03`),
else the dodo file's default tasks (at the repository root: the productions, not the training recipes), with
the tasks they depend on. A task that builds a production from a folder above it (the root dodo.py's
`production:NAME`, marked `meta: {"production": FOLDER}`) is answered by that production's own `doit status`.
"""

from __future__ import annotations

import re
import subprocess
import sys

from doit.cmd_base import DoitCmdBase
from doit.control import TaskControl

from .reporter import cache_hit

# tasks made from what another task writes (doit's create_after): while that task will or may run, which of them
# change is known only once it has run
MADE_AFTER = {
    "script": (("speech:",), "if `script` changes its lines"),
    "plan": (("keyframe:", "render:", "score:", "stitch", "report", "variant:", "compare"),
             "if `plan` changes its segment"),
}


def stale_reason(reasons: dict) -> str:
    """doit's reasons for running a task, as a few words a filmmaker can act on."""
    if reasons.get("cached"):  # costs a placement, not a render
        return "from the render cache, " + stale_reason({k: v for k, v in reasons.items() if k != "cached"})
    if reasons.get("production"):
        return reasons["production"]
    if reasons.get("missing_target"):
        return f"not built yet ({reasons['missing_target'][0]})"
    for key, words in (("changed_file_dep", "changed"), ("missing_file_dep", "missing"),
                       ("added_file_dep", "new input"), ("removed_file_dep", "input removed")):
        files = reasons.get(key)
        if files:
            more = f" and {len(files) - 1} more" if len(files) > 1 else ""
            return f"{words}: {files[0]}{more}"
    if reasons.get("uptodate_false"):
        return "its settings changed (or its output was damaged)"
    if reasons.get("checker_changed"):
        return "doit's file checker changed"
    return "never built"


def plan_status(tasks: list, get_status) -> list[tuple[str, str, str]]:
    """(task, 'will run' | 'may run', why) for every task the next build may run, in doit's order.

    `get_status(task) -> (status, reasons)` is doit's check of one task.
    """
    producers = {target: task.name for task in tasks for target in task.targets}
    verdicts: dict[str, tuple[str, str]] = {}
    for task in tasks:
        if not task.actions:
            continue  # a group (render, score): it runs what its members run
        status, reasons = get_status(task)
        if status != "up-to-date":
            verdicts[task.name] = ("will run", stale_reason(reasons))

    def cause(task) -> str | None:
        """Why `task` may run, given the verdicts so far (None: it need not): a stale task it reads from first,
        then the task it is made after, then any task it reads from that may run."""
        upstream = [(producers[dep], dep) for dep in task.file_dep if producers.get(dep) in verdicts]
        upstream += [(dep, None) for dep in task.task_dep if dep in verdicts]
        upstream.sort(key=lambda pair: verdicts[pair[0]][0] != "will run")
        made_after = [why for maker, (kinds, why) in MADE_AFTER.items()
                      if maker in verdicts and task.name.startswith(kinds)]
        if made_after and not (upstream and verdicts[upstream[0][0]][0] == "will run"):
            return made_after[0]
        if not upstream:
            return None
        name, through = upstream[0]
        return f"after {name}" + (f" ({through})" if through else "")

    changed = True
    while changed:  # what reads a running task's output, or is made from it, may run too
        changed = False
        for task in tasks:
            if task.name not in verdicts and task.actions and (why := cause(task)):
                verdicts[task.name] = ("may run", why)
                changed = True
    return [(task.name, *verdicts[task.name]) for task in tasks if task.name in verdicts]


def what_runs(task_list: list, selection: list[str] | None) -> list:
    """The tasks that `doit SELECTION` runs or finds up to date, in the dodo file's order: the selected ones
    (None: every task) and, transitively, the tasks they depend on (a group's members are among those)."""
    control = TaskControl(task_list)  # as doit's runner: adds the dependencies on another task's targets
    control.process(selection)
    wanted, todo = set(), list(control.selected_tasks)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += control.tasks[name].task_dep + control.tasks[name].setup_tasks
    return [task for task in control.tasks.values() if task.name in wanted]


ROW = re.compile(r"^(\S+)\s+(will run|may run): (.*)$", re.M)
SUMMARY = re.compile(r"^(\d+) will run, (\d+) may run, \d+ up to date$", re.M)


def production_status(folder) -> str | None:
    """Why a build of the production in `folder` runs tasks, told by its own `doit status` (None: none run)."""
    result = subprocess.run([sys.executable, "-m", "doit", "status"], cwd=folder, capture_output=True, text=True)
    summary = SUMMARY.search(result.stdout)
    if result.returncode != 0 or not summary:  # e.g. an error in production.yaml: the build reports it
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        problem = lines[-1] if lines else f"exit status {result.returncode}"  # a traceback's last line says what
        return f"its `doit status` failed: {problem}"
    will, may = int(summary[1]), int(summary[2])
    if not will and not may:
        return None
    first = ROW.search(result.stdout)
    return f"{will} of its tasks" + (f", {may} more may" if may else "") + f" ({first[1]}: {first[3]})"


def production_up_to_date(folder) -> bool:
    """doit `uptodate` of a task that builds the production in `folder` with its own doit: nothing would run."""
    return production_status(folder) is None


class Status(DoitCmdBase):
    doc_purpose = "show which tasks the next build runs, and why (nothing is built)"
    doc_usage = "[TASK ...]"
    doc_description = None
    cmd_options = ()

    def _execute(self, pos_args=None):
        tasks_dict = {task.name: task for task in self.task_list}
        tasks = what_runs(self.task_list, self.sel_tasks)  # named on the command line, else the default tasks

        def get_status(task):
            if (task.meta or {}).get("production"):
                why = production_status(task.meta["production"])
                return ("up-to-date", {}) if why is None else ("run", {"production": why})
            status = self.dep_manager.get_status(task, tasks_dict, get_log=True)
            if status.status != "up-to-date" and cache_hit(task):  # renders, keyframes, speech
                return status.status, {**status.reasons, "cached": True}
            return status.status, status.reasons

        rows = plan_status(tasks, get_status)
        width = max([len(name) for name, _, _ in rows] + [4])
        for name, verdict, why in rows:
            self.outstream.write(f"{name:<{width}}  {verdict}: {why}\n")
        counted = sum(1 for task in tasks if task.actions)
        will = sum(1 for _, verdict, _ in rows if verdict == "will run")
        self.outstream.write(f"{will} will run, {len(rows) - will} may run, {counted - len(rows)} up to date\n")
        if any(name == "plan" and verdict == "will run" for name, verdict, _ in rows):
            self.outstream.write("(the segments are the last plan's: `doit plan`, then `doit status`, tells exactly "
                                 "which change)\n")
        return 0
