"""doit's console output, saying what really ran: a render taken from the cache shows as `.  render:sh04 (cached)`,
and every build ends with one line of what cost time, e.g.

    rendered 1 of 15 segments (11 cached, 3 up to date) in 4.2 s

A task that can be served from the render cache carries `meta={"cache_probe": (function, args)}`; the probe
answers, just before the task runs, whether the cache holds its artifact (tasks.py), or "kept" when build/ already
holds it, matching its record (a build whose state was lost: `.  render:sh04 (kept)`).
"""

from __future__ import annotations

import sys
import time

from doit.reporter import ConsoleReporter

# task kind -> (verb, noun) of the summary line, in its order
COUNTED = {"render": ("rendered", "segments"), "keyframe": ("made", "keyframes"), "speech": ("spoke", "lines")}


def cache_hit(task) -> bool | str:
    """Whether the render cache holds `task`'s artifact now, by the task's `cache_probe` (False without one), or
    "kept": build/ holds it already."""
    probe = (task.meta or {}).get("cache_probe")
    if not probe:
        return False
    function, args = probe
    try:
        found = function(*args)
    except Exception:  # its inputs are not made yet (an anchor frame, a keyframe): it will run; the task says why
        return False
    return found if found == "kept" else bool(found)


class BuildReporter(ConsoleReporter):
    desc = "console output with a summary of what ran, came from the cache, or was up to date"

    def __init__(self, outstream, options):
        super().__init__(outstream, options)
        self.started = time.monotonic()
        self.counts = {kind: {"ran": 0, "cached": 0, "kept": 0, "up to date": 0, "failed": 0} for kind in COUNTED}
        self.labels: dict[str, str] = {}  # each task that started: "cached", "kept" or "" (it runs)

    def _counts(self, task) -> dict | None:
        return self.counts.get(task.name.split(":")[0]) if task.actions and ":" in task.name else None

    def execute_task(self, task):
        counts = self._counts(task)
        cached = cache_hit(task)
        label = "kept" if cached == "kept" else "cached" if cached else ""
        self.labels[task.name] = label
        if counts is not None:
            counts[label or "ran"] += 1
        if task.actions and task.name[0] != "_":
            self.write(f".  {task.title()}{f' ({label})' if label else ''}\n")

    def add_failure(self, task, fail):
        counts = self._counts(task)
        if counts is not None:
            counts["failed"] += 1
            label = self.labels.get(task.name)
            if label != "":  # a failure counts as a run: one before it started (a file it reads is missing), or
                counts["ran"] += 1  # one while placing from the cache
                if label:
                    counts[label] -= 1
        super().add_failure(task, fail)

    def skip_uptodate(self, task):
        counts = self._counts(task)
        if counts is not None:
            counts["up to date"] += 1
        super().skip_uptodate(task)

    def complete_run(self):
        super().complete_run()
        line = summary_line(self.counts, time.monotonic() - self.started)
        if line:
            self.write(line + "\n")


class QuietReporter(BuildReporter):
    """`scriptagent -q build`: nothing but what failed, on stderr. The build runs at doit verbosity 0, so a task's
    output is captured; a failed task's error output (our one line) is shown, else doit's message."""

    desc = "only what failed"

    def write(self, text):
        pass  # no task lines, no summary

    def complete_run(self):
        for result in self.failures:
            task = result["task"]
            said = "".join(action.err for action in task.actions if action.err) if task.executed else ""
            sys.stderr.write(said or f"{task.name}: {result['exception'].get_msg().strip()}\n")
        for message in self.runtime_errors:
            sys.stderr.write(f"{message}\n")


def summary_line(counts: dict, seconds: float) -> str:
    """`rendered 1 of 15 segments (11 cached, 3 up to date); spoke 0 of 20 lines (20 up to date) in 4.2 s`;
    empty when no counted task was seen."""
    parts = []
    for kind, (verb, noun) in COUNTED.items():
        count = counts[kind]
        failed = count["failed"]
        made = count["ran"] - failed  # a failed task was counted as running first
        total = made + failed + count["cached"] + count.get("kept", 0) + count["up to date"]
        if not total:
            continue
        details = [f"{count[k]} {k}" for k in ("cached", "kept", "up to date") if count[k]]
        details += [f"{failed} failed"] if failed else []
        parts.append(f"{verb} {made} of {total} {noun}" + (f" ({', '.join(details)})" if details else ""))
    return f"{'; '.join(parts)} in {seconds:.1f} s" if parts else ""
