"""`doit status` / `scriptagent status`: what the next build runs and why, told before it runs, building nothing."""

from __future__ import annotations

import re

from conftest import cli, doit, edit_shot, executed, make_production


def status_rows(output: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^(\S+)\s+(will run|may run): (.*)$", output, re.M)
    return {name: (verdict, why) for name, verdict, why in rows}


def build_files(folder) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (folder / "build").rglob("*") if p.is_file()}


def test_status_foretells_what_the_next_build_runs(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="chain")
    before = status_rows(doit(folder, "status").stdout)
    assert before["script"] == ("will run", "not built yet (script.yaml)")

    doit(folder)
    quiet = doit(folder, "status").stdout
    assert status_rows(quiet) == {} and re.search(r"^0 will run, 0 may run, \d+ up to date$", quiet, re.M)

    # a picture edit in chain mode: the plan first, then its segment, then whatever reads its last frame
    edit_shot(folder, "sh03", "camera_movement", "pan-left")
    rows = status_rows(doit(folder, "status").stdout)
    assert rows["plan"] == ("will run", "changed: script.yaml")
    assert rows["render:sh03"] == ("may run", "if `plan` changes its segment")
    doit(folder, "plan")
    files = build_files(folder)
    output = cli("status", str(folder), cwd=tmp_path).stdout
    assert build_files(folder) == files  # told, not built
    rows = status_rows(output)
    assert rows["render:sh03"] == ("will run", "changed: build/segments/sh03.json")
    followers = [name for name, (verdict, why) in rows.items() if why.startswith("after render:sh03 ")]
    assert followers and all(rows[name][0] == "may run" for name in followers)

    # sound: the build runs every task foretold to run, and nothing that was not foretold at all
    ran = set(executed(doit(folder).stdout))
    assert {name for name, (verdict, _) in rows.items() if verdict == "will run"} <= ran <= set(rows)


def test_status_runs_beside_a_build_without_waiting_for_its_lock(tmp_path):
    from scriptagent.files import hold_build_lock, release_build_lock

    folder = make_production(tmp_path / "p")
    doit(folder)
    hold_build_lock(folder / "build")  # as a running build holds it
    try:
        result = doit(folder, "status")
    finally:
        release_build_lock(folder / "build")
    assert result.returncode == 0 and "0 will run" in result.stdout


def test_a_task_made_after_a_stale_one_may_run_and_names_the_running_cause():
    from types import SimpleNamespace

    from scriptagent.status import plan_status

    def task(name, file_dep=(), targets=()):
        return SimpleNamespace(name=name, actions=["x"], file_dep=list(file_dep), targets=list(targets), task_dep=[])

    tasks = [task("script", ["production.yaml"], ["script.yaml"]), task("speech:sh01.1", [], ["a.wav"]),
             task("plan", ["script.yaml", "a.wav"], ["plan.json"]), task("render:sh01", ["s1.json"], ["r1.mp4"]),
             task("render:sh02", ["s2.json"], ["r2.mp4"]), task("stitch", ["a.wav", "r2.mp4", "r1.mp4"], ["film.mp4"])]
    stale = {"script": {"uptodate_false": [1]}, "render:sh01": {"changed_file_dep": ["s1.json"]}}
    rows = plan_status(tasks, lambda t: ("run", stale[t.name]) if t.name in stale else ("up-to-date", {}))
    assert rows == [
        ("script", "will run", "its settings changed (or its output was damaged)"),
        ("speech:sh01.1", "may run", "if `script` changes its lines"),
        ("plan", "may run", "after script (script.yaml)"),
        ("render:sh01", "will run", "changed: s1.json"),
        ("render:sh02", "may run", "if `plan` changes its segment"),
        ("stitch", "may run", "after render:sh01 (r1.mp4)"),  # the stale render named, not the first input
    ]
