"""`scriptagent watch` rebuilds on a save of script.yaml (only what changed re-renders), not on a save that changes
nothing; a failing build does not end the watch; Ctrl-C does, with exit 0. `scriptagent open --print` names the
report."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time

from conftest import cli, edit_shot, env, executed, make_production


def follow(process: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return lines


def rest(lines: queue.Queue, timeout: float = 30) -> list[str]:
    """The lines left once the process has ended (the pump ends them with None)."""
    left = []
    while (line := lines.get(timeout=timeout)) is not None:
        left.append(line)
    return left


def until_watching(lines: queue.Queue, timeout: float = 240) -> list[str]:
    """Every line up to the watch's "waiting for a save" after one build."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert line is not None, "the watch ended:\n" + "\n".join(seen)
        seen.append(line)
        if line.startswith("watch: ") and "waiting for a save" in line:
            return seen
    raise AssertionError("no build finished:\n" + "\n".join(seen))


def test_watch_rebuilds_what_a_save_changed_and_stops_on_ctrl_c(tmp_path):
    folder = make_production(tmp_path / "small")
    # started as a shell's background job is: with SIGINT ignored (the watch must still stop on Ctrl-C)
    process = subprocess.Popen([sys.executable, "-m", "scriptagent.cli", "watch", str(folder)], env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        lines = follow(process)
        first = until_watching(lines)
        assert "watch: built in" in first[-1] and (folder / "build" / "film.mp4").is_file()
        assert any(task.startswith("render:") for task in executed("\n".join(first)))
        time.sleep(1)  # the build's own first script.yaml is not a save: nothing is built for it
        assert lines.empty()

        (folder / "script.yaml").write_bytes((folder / "script.yaml").read_bytes())  # saved, unchanged
        time.sleep(2)
        assert lines.empty()

        edit_shot(folder, "sh02", "description", "Ben stares out of the window at the rain.")
        second = until_watching(lines)
        assert second[0] == "watch: script.yaml changed: building"
        assert sorted(t for t in executed("\n".join(second)) if t.startswith("render:")) == ["render:sh02"]

        (folder / "script.yaml").write_text("scenes: [", encoding="utf-8")  # a broken save: the build fails ...
        third = until_watching(lines)
        assert "build failed (exit 2)" in third[-1] and any("script.yaml:" in line for line in third)
        assert process.poll() is None  # ... and the watch goes on
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0 and "watch: stopped" in rest(lines)


def test_open_names_the_report_and_refuses_before_a_build(tmp_path):
    folder = make_production(tmp_path / "small")
    before = cli("open", "--print", str(folder), cwd=tmp_path)
    assert before.returncode == 2 and "no report yet" in before.stderr and "Traceback" not in before.stderr
    (folder / "build").mkdir()
    (folder / "build" / "report.html").write_text("<html></html>")
    after = cli("open", "--print", str(folder), cwd=tmp_path)
    assert after.returncode == 0
    assert after.stdout.strip() == (folder / "build" / "report.html").resolve().as_uri()
