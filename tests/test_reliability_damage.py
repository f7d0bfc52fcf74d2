"""Reliability, round 2 (issue #17): the machine refuses a write, or a hand damaged the build.

The classes, and how many cases each has here:

- Read-only production folder (6 cases): `doit` in a built production and in a never-built one, `scriptagent
  script` and `scriptagent build` (each: exit 2, one line `<folder>: cannot write build/ (read-only file system or
  no permission) (hint: ...)`, and `doit list` / `doit status`, which only read, still working there); only
  build/renders/ read-only while a render is due (then writable: the build finishes with the same bytes); build/
  itself unwritable (chattr +i as root, chmod 0555 otherwise).
  Read-only by a bind mount where the tests run as root (chmod does not stop root), chmod 0555 where they do not.
- Full disk (8 cases, tmpfs mounts: root only): a disk that fills while a re-render runs, freed 16 KiB at a time
  (every refusal: one line, exit 2; the build resumes to the same bytes); the state database's commit (sqlite's
  "database or disk is full"); the state database created on a full disk; a render's video (placed from the
  cache); a render's record with no room left beside the video; a score; the report; the build folder that cannot
  be made (no inodes left); plus the one-line messages for ENOSPC, EDQUOT, EROFS, EACCES, EPERM, sqlite and
  ffmpeg errors (1 case, no mount needed).
- Hand-damaged builds that heal on the next `doit` (15 cases): a deleted or garbage segment file, a garbage
  plan.json or findings.json, a deleted keyframe file (keyframe anchoring), a garbage anchor frame (last.png) and
  first frame, a garbage keyframe picture, a garbage score, film score and features file, and a `.doit.db` that is
  garbage, another program's database, a doit table with other columns, or one unreadable row. Each: `doit status`
  and `doit list` still work (exit 0, no traceback) and change nothing; the next `doit` says what it repaired,
  re-makes only what the damage touched (the render tasks that ran are counted) and ends with the same bytes.
  (And 1 case for the closing line: a render that failed before it started, as a missing input makes it, counts
  as failed, not as -1 rendered.)

Every refused command must exit 2 with one line on stderr and no traceback, change no file outside build/, and
lose nothing finished: no half-written file at a final name, no temporary left, and every artifact the failing
run did not have to make again still there, byte for byte.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import doit, edit_shot, executed, make_production, ran
from reliability_support import artifacts, env_with, files_under, temporaries

from scriptagent.integrity import decoded_frames, matches_record

ROOT = os.geteuid() == 0
NO_SPACE = re.compile(r"^no space left on device writing (build/\S*): free space \(hint: `scriptagent cache prune "
                      r"--max-size 5G` or delete build/cache\)$")
READ_ONLY = re.compile(r"^/\S+: cannot write (\S+) \(read-only file system or no permission\) \(hint: .+\)$")


# --- running and looking -----------------------------------------------------------------------------------------

def run(folder: Path, *args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    """`doit ARGS` (or `python -m scriptagent.cli ARGS` when args start with "cli"), the render cache at `cache`."""
    command = ["-m", "scriptagent.cli", *args[1:]] if args[:1] == ("cli",) else ["-m", "doit", *args]
    variables = {"SCRIPTAGENT_CACHE": str(cache)} if cache else {}
    return subprocess.run([sys.executable, *command], cwd=folder, env=env_with(**variables), capture_output=True,
                          text=True, timeout=600)


def refused(result: subprocess.CompletedProcess, pattern: re.Pattern) -> str:
    """The command stopped with exit 2 and one line matching `pattern`, no traceback; the path the line names."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    match = pattern.match(lines[0])
    assert match, lines[0]
    return match[1]


def outside_build(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in files_under(folder).items() if Path(name).parts[0] != "build"}


def renders_run(output: str) -> list[str]:
    """Render tasks that ran (rendered, or placed from the cache); a render kept as it was shows `(kept)`."""
    return [task for task in ran(output) if task.startswith("render:")]


def assert_nothing_half_written(folder: Path) -> None:
    """No temporary left; whatever sits at a final name is whole (JSON parses, pictures load, videos decode)."""
    assert temporaries(folder) == []
    for path in (folder / "build").rglob("*"):
        if path.name.startswith(".") or "cache" in path.relative_to(folder / "build").parts[:1]:
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".png":
            with Image.open(path) as image:
                image.load()
        elif path.suffix == ".mp4":
            assert decoded_frames(path) > 0


def copy_without_cache(source: Path, target: Path) -> Path:
    """A copy of a built production without its render cache (the tests point SCRIPTAGENT_CACHE elsewhere)."""
    shutil.copytree(source, target, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in (".lock", ".lock.owner")
                                                  or (n == "cache" and Path(folder).name == "build")])
    return target


# --- mounts (root) and permissions -------------------------------------------------------------------------------

def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "8m", inodes: int | None = None):
    """A small tmpfs at `folder` (root only; skipped where it cannot be mounted), unmounted after."""
    if not ROOT:
        pytest.skip("mounting a small disk needs root")
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
    if not _mount("-t", "tmpfs", "-o", options, "tmpfs", str(folder)):
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        _unmount(folder)


@contextlib.contextmanager
def tmpfs_over(folder: Path, aside: Path, size: str = "1m", inodes: int | None = None):
    """`folder` (with what it holds) moved onto a tmpfs of its own for the block (kept at `aside`, outside the
    production, meanwhile), and back after."""
    folder.rename(aside)
    try:
        with tmpfs(folder, size, inodes):
            shutil.copytree(aside, folder, dirs_exist_ok=True)
            try:
                yield folder
            finally:
                shutil.rmtree(aside)
                shutil.copytree(folder, aside)
    finally:
        if folder.exists():
            folder.rmdir()
        aside.rename(folder)


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only: a read-only bind mount onto itself (root), else every folder in it chmod 0555."""
    if ROOT:
        if not _mount("--bind", str(folder), str(folder)):
            pytest.skip("cannot bind-mount here")
        if not _mount("-o", "remount,bind,ro", str(folder)):
            _unmount(folder)
            pytest.skip("cannot remount read-only here")
        try:
            yield folder
        finally:
            _unmount(folder)
        return
    folders = [folder, *[path for path in folder.rglob("*") if path.is_dir() and not path.is_symlink()]]
    for path in folders:
        path.chmod(0o555)
    try:
        yield folder
    finally:
        for path in folders:
            path.chmod(0o755)


@contextlib.contextmanager
def unwritable(folder: Path):
    """New files cannot be made in `folder`: immutable (chattr +i) as root, chmod 0555 otherwise."""
    if ROOT:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i does not work here")
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        return
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def fill(disk: Path, keep: int = 0) -> None:
    """Leave `keep` bytes free on `disk` (a multiple of the page size), with one filler file at its top."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    stat = os.statvfs(disk)
    with open(filler, "wb") as out:
        out.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - keep))


def use_up_inodes(folder: Path, leave: int = 0) -> list[Path]:
    """Make empty files in `folder` until its file system has no inode left, then remove `leave` of them."""
    made = []
    with contextlib.suppress(OSError):
        while True:
            path = folder / f".inode{len(made)}"
            path.touch()
            made.append(path)
    for path in made[len(made) - leave:] if leave else []:
        path.unlink()
    return made[:len(made) - leave] if leave else made


# --- productions ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A production built in chain mode: (folder, its artifacts)."""
    folder = make_production(tmp_path_factory.mktemp("built") / "film")
    doit(folder)
    return folder, artifacts(folder)


@pytest.fixture(scope="module")
def built_keyframes(tmp_path_factory):
    folder = make_production(tmp_path_factory.mktemp("keyframes") / "film", anchoring="keyframe")
    doit(folder)
    return folder, artifacts(folder)


@pytest.fixture(scope="module")
def edited(built, tmp_path_factory):
    """The built production with one shot's camera changed (sh03 renders again, and chain mode the next part), and
    what an uninterrupted build of that edit ends with: (folder before the build, the edit's artifacts)."""
    folder = copy_without_cache(built[0], tmp_path_factory.mktemp("edited") / "film")
    edit_shot(folder, "sh03", "camera_movement", "pan-left")
    reference = copy_without_cache(folder, tmp_path_factory.mktemp("reference") / "film")
    doit(reference)
    return folder, artifacts(reference)


# --- read-only production folder -------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [("",), ("cli", "script", "--force", "."), ("cli", "build", ".")],
                         ids=["doit", "scriptagent-script", "scriptagent-build"])
def test_a_read_only_production_is_refused_in_one_line(built, tmp_path, command):
    folder = copy_without_cache(built[0], tmp_path / "film")
    before = files_under(folder)
    with read_only(folder):
        result = run(folder, *[word for word in command if word])
        assert refused(result, READ_ONLY) == "build/"
        assert str(folder.name) + ": cannot write build/" in result.stderr
        for read in ("list", "status"):  # looking needs no writing
            looked = run(folder, read)
            assert looked.returncode == 0 and "Traceback" not in looked.stdout + looked.stderr, looked.stderr
    assert files_under(folder) == before
    assert executed(run(folder).stdout) == []  # writable again: nothing was lost, nothing to do


def test_a_read_only_production_never_built(tmp_path):
    folder = make_production(tmp_path / "film")
    before = files_under(folder)
    with read_only(folder):
        assert refused(run(folder), READ_ONLY) == "build/"
        listed, told = run(folder, "list"), run(folder, "status")
        assert listed.returncode == 0 and re.search(r"^render\s", listed.stdout, re.M), listed.stderr
        assert told.returncode == 0 and "Traceback" not in told.stdout + told.stderr, told.stderr
    assert files_under(folder) == before  # not even build/ or a state database was made


def test_read_only_renders_stop_the_build_and_it_finishes_once_writable(edited, tmp_path):
    folder = copy_without_cache(edited[0], tmp_path / "film")
    before, outside = artifacts(folder), outside_build(folder)
    cache = tmp_path / "cache"
    with read_only(folder / "build" / "renders"):
        assert refused(run(folder, cache=cache), READ_ONLY) == "build/"
    assert outside_build(folder) == outside
    assert_nothing_half_written(folder)
    after = artifacts(folder)
    assert {name: data for name, data in after.items() if name.startswith(("renders/", "film"))} == \
        {name: data for name, data in before.items() if name.startswith(("renders/", "film"))}
    assert run(folder, cache=cache).returncode == 0
    assert artifacts(folder) == edited[1]


def test_an_unwritable_build_folder_is_refused_in_one_line(built, tmp_path):
    folder = copy_without_cache(built[0], tmp_path / "film")
    (folder / "build" / "report.html").unlink()  # something to write in build/ itself
    before = files_under(folder)
    with unwritable(folder / "build"):
        assert refused(run(folder, cache=tmp_path / "cache"), READ_ONLY) == "build/"
    assert files_under(folder) == before
    assert executed(run(folder).stdout) == ["report"]


# --- full disk -------------------------------------------------------------------------------------------------------

@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "disk", size="6m") as mounted:
        yield mounted


def test_a_disk_that_fills_during_a_rebuild_stops_in_one_line_each_time_and_resumes(edited, built, disk, tmp_path):
    """The disk has 0, 16, 32, ... KiB free while the edit is rebuilt: every refusal is one line naming the file,
    nothing finished is lost (what the edit does not touch stays byte for byte), and once there is room the build
    ends with the bytes of an uninterrupted one."""
    folder, cache = copy_without_cache(edited[0], disk / "film"), tmp_path / "cache"
    outside = outside_build(folder)
    untouched = {name: data for name, data in built[1].items() if edited[1].get(name) == data}
    named, keep = [], 0
    while True:
        fill(disk, keep)
        result = run(folder, cache=cache)
        if result.returncode == 0:
            break
        named.append(refused(result, NO_SPACE))
        assert outside_build(folder) == outside
        assert_nothing_half_written(folder)
        now = artifacts(folder)
        assert {name: now.get(name) for name in untouched} == untouched
        keep += 16384
        assert keep < 2 ** 20, named
    assert {"build/.doit.db", "build/report.html"} <= set(named) and len(set(named)) >= 3, named
    (disk / "filler").unlink()
    assert run(folder, cache=cache).returncode == 0
    assert artifacts(folder) == edited[1]
    assert executed(run(folder, cache=cache).stdout) == []


def test_a_full_disk_refuses_the_state_commit(built, disk, tmp_path):
    folder = copy_without_cache(built[0], disk / "film")
    assert run(folder, "forget", "plan").returncode == 0
    before = artifacts(folder)
    fill(disk)
    assert refused(run(folder, cache=tmp_path / "cache"), NO_SPACE) == "build/.doit.db"
    assert artifacts(folder) == before and temporaries(folder) == []
    (disk / "filler").unlink()
    assert executed(run(folder).stdout) == ["plan"]
    assert artifacts(folder) == built[1]


def test_a_full_disk_refuses_a_new_state_database(built, disk, tmp_path):
    folder = copy_without_cache(built[0], disk / "film")
    (folder / "build" / ".doit.db").unlink()
    before = artifacts(folder)
    fill(disk)
    assert refused(run(folder, cache=tmp_path / "cache"), NO_SPACE) == "build/.doit.db"
    assert artifacts(folder) == before
    (disk / "filler").unlink()
    result = run(folder, cache=tmp_path / "cache")  # a state started anew: every render is kept as it was
    assert result.returncode == 0 and render_lines(result.stdout) == [f"render:{s} (kept)" for s in segment_ids(folder)]
    assert artifacts(folder) == built[1]


def segment_ids(folder: Path) -> list[str]:
    return [segment["id"] for segment in json.loads((folder / "build" / "plan.json").read_text())["segments"]]


def render_lines(output: str) -> list[str]:
    return [line[3:] for line in output.splitlines() if line.startswith(".  render:")]


def test_a_full_disk_refuses_a_render(built, disk, tmp_path):
    """sh05's render is gone; the cache (on another disk) holds it, but there is no room to place it."""
    folder, cache = copy_without_cache(built[0], disk / "film"), tmp_path / "cache"
    shutil.copytree(built[0] / "build" / "cache", cache)
    (folder / "build" / "renders" / "sh05.mp4").unlink()
    before = artifacts(folder)
    fill(disk)
    assert refused(run(folder, cache=cache), NO_SPACE) == "build/renders/sh05.mp4"
    assert artifacts(folder) == before and temporaries(folder) == []
    (disk / "filler").unlink()
    assert renders_run(run(folder, cache=cache).stdout) == ["render:sh05"]
    assert artifacts(folder) == built[1]


def test_no_room_for_a_renders_record(built, tmp_path):
    """The video of a re-made render fits, its record (the last inode of build/renders) does not: one line; the
    video without its record is never taken as done, and the next build makes it again."""
    folder = copy_without_cache(built[0], tmp_path / "film")
    renders = folder / "build" / "renders"
    for name in ("sh05.mp4", "sh05.mp4.json", ".sh05.mp4.stat"):
        (renders / name).unlink()
    before = artifacts(folder)
    with tmpfs_over(renders, tmp_path / "aside", inodes=64):
        fillers = use_up_inodes(renders, leave=1)
        assert refused(run(folder, cache=tmp_path / "cache"), NO_SPACE) == "build/renders/sh05.mp4.json"
        assert temporaries(folder) == [] and not (renders / "sh05.mp4.json").exists()
        now = artifacts(folder)
        assert {name: now.get(name) for name in before if name != "renders/sh05.mp4"} == \
            {name: data for name, data in before.items() if name != "renders/sh05.mp4"}
        for path in fillers:
            path.unlink()
        again = run(folder, cache=tmp_path / "cache")
        assert again.returncode == 0 and renders_run(again.stdout) == ["render:sh05"], again.stdout + again.stderr
        assert artifacts(folder) == built[1]


def test_a_full_disk_refuses_a_score(built, tmp_path):
    folder = copy_without_cache(built[0], tmp_path / "film")
    assert run(folder, "forget", "score:sh03").returncode == 0
    before = artifacts(folder)
    with tmpfs_over(folder / "build" / "scores", tmp_path / "aside", size="256k"):
        fill(folder / "build" / "scores")
        assert refused(run(folder, cache=tmp_path / "cache"), NO_SPACE) == "build/scores/sh03.features.npz"
        assert {name: data for name, data in artifacts(folder).items() if name != "scores/filler"} == before
        (folder / "build" / "scores" / "filler").unlink()
        assert executed(run(folder).stdout) == ["score:sh03"]
    assert artifacts(folder) == built[1]


def test_a_full_disk_refuses_the_report(built, disk, tmp_path):
    folder = copy_without_cache(built[0], disk / "film")
    assert run(folder, "forget", "report").returncode == 0
    before = artifacts(folder)
    fill(disk)
    assert refused(run(folder, cache=tmp_path / "cache"), NO_SPACE) == "build/report.html"
    assert artifacts(folder) == before and temporaries(folder) == []
    (disk / "filler").unlink()
    assert executed(run(folder).stdout) == ["report"]
    assert artifacts(folder) == built[1]


def test_no_inode_left_for_the_build_folder(tmp_path):
    with tmpfs(tmp_path / "disk", size="4m", inodes=64) as disk:
        folder = make_production(disk / "film")
        before = files_under(folder)
        fillers = use_up_inodes(disk)
        assert refused(run(folder), NO_SPACE) == "build/"
        assert files_under(folder) == before
        for path in fillers:
            path.unlink()


def test_what_the_machine_refuses_is_one_line():
    from scriptagent.files import environment_fault

    def line(error, folder="/films/ep1"):
        fault = environment_fault(error, folder)
        return str(fault) if fault else None

    space = "free space (hint: `scriptagent cache prune --max-size 5G` or delete build/cache)"
    assert line(OSError(errno.ENOSPC, "No space left on device", "/films/ep1/build/.report.ab12cd34.tmp.html")) \
        == f"no space left on device writing build/report.html: {space}"
    assert line(OSError(errno.EDQUOT, "Disk quota exceeded", "/films/ep1/build/renders/sh03.mp4.json")) \
        == f"no space left on device writing build/renders/sh03.mp4.json: {space}"
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"
    assert line(full) == f"no space left on device writing build/.doit.db: {space}"
    from scriptagent.errors import BackendError
    try:  # ffmpeg's complaint, wrapped as the render's failure
        try:
            raise BackendError("ffmpeg failed: Error writing trailer: No space left on device")
        except BackendError as error:
            raise BackendError("render:sh03: failed") from error
    except BackendError as error:
        assert line(error) == f"no space left on device writing build/: {space}"
    for code in (errno.EROFS, errno.EACCES, errno.EPERM):
        assert line(OSError(code, os.strerror(code), "/films/ep1/build/.lock")) == \
            "/films/ep1: cannot write build/ (read-only file system or no permission) (hint: make it writable, e.g. " \
            "`chmod -R u+w` or mount it read-write, or copy the production to a folder you can write)"
    assert line(OSError(errno.EROFS, "Read-only file system", "/films/ep1/.script.ab12cd34.tmp.yaml")) \
        .startswith("/films/ep1: cannot write script.yaml ")
    assert line(OSError(errno.ENOENT, "No such file", "x")) is None and line(ValueError("no")) is None


# --- hand-damaged builds -----------------------------------------------------------------------------------------

def garbage(path: Path) -> None:
    path.write_bytes(b"{garbage\x00")


def other_tables(path: Path) -> None:
    path.unlink()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("create table notes (text)")
        db.commit()


def other_columns(path: Path) -> None:
    path.unlink()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("create table doit (name text, value text)")
        db.commit()


def broken_row(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("update doit set task_data = '{half' where task_id = 'render:sh03'")
        db.commit()


# (anchoring, damaged file, damage, what the repair line says, tasks that run again)
DAMAGE = [
    ("chain", "segments/sh03.json", Path.unlink, "build/segments/sh03.json was missing; planning again", ["plan"]),
    ("chain", "segments/sh03.json", garbage, "build/segments/sh03.json was unreadable; planning again", ["plan"]),
    ("chain", "plan.json", garbage, "build/plan.json was unreadable; planning again", ["plan"]),
    ("chain", "findings.json", garbage, "build/findings.json was unreadable; planning again", ["plan"]),
    ("keyframe", "keyframes/sh03.json", Path.unlink, "build/keyframes/sh03.json was missing; planning again",
     ["plan"]),
    ("chain", "frames/sh02.last.png", garbage,
     "build/frames/sh02.last.png changed since it was made; rendering sh02 again", ["render:sh02"]),
    ("chain", "frames/sh03.first.png", garbage,
     "build/frames/sh03.first.png changed since it was made; rendering sh03 again", ["render:sh03"]),
    ("keyframe", "keyframes/sh03.png", garbage,
     "build/keyframes/sh03.png changed since it was made; making keyframe sh03 again", ["keyframe:sh03"]),
    ("chain", "scores/sh03.json", garbage,
     "build/scores/sh03.json was unreadable (JSONDecodeError); scoring sh03 again", ["score:sh03"]),
    ("chain", "scores/_film.json", garbage,
     "build/scores/_film.json was unreadable (JSONDecodeError); scoring the film again", ["score:film"]),
    ("chain", "scores/sh03.features.npz", garbage,
     "build/scores/sh03.features.npz was unreadable (BadZipFile); scoring sh03 again", ["score:sh03"]),
]
STATE_DAMAGE = [(garbage, "not a doit state database (file is not a database)"),
                (other_tables, "a database of other tables (notes)"),
                (other_columns, "a database whose doit table has other columns (name, value)"),
                (broken_row, "damaged (the state of task 'render:sh03' is unreadable)")]


def looking_changes_nothing(folder: Path) -> None:
    """`doit status` and `doit list` on the damaged build: exit 0, no traceback, nothing written."""
    before = files_under(folder)
    for command in ("status", "list"):
        result = run(folder, command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    assert files_under(folder) == before


@pytest.mark.parametrize("anchoring, name, damage, says, remade", DAMAGE,
                         ids=[f"{damage.__name__}-{name}" for _, name, damage, _, _ in DAMAGE])
def test_a_damaged_build_heals_on_the_next_doit(request, tmp_path, anchoring, name, damage, says, remade):
    source, reference = request.getfixturevalue("built" if anchoring == "chain" else "built_keyframes")
    folder = copy_without_cache(source, tmp_path / "film")
    damage(folder / "build" / name)
    outside = outside_build(folder)
    looking_changes_nothing(folder)

    result = run(folder, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"repaired: {says}"]
    assert ran(result.stdout) == remade  # only what the damage touched (no other render, no cascade)
    assert artifacts(folder) == reference and outside_build(folder) == outside
    again = run(folder)
    assert executed(again.stdout) == [] and again.stderr == ""


@pytest.mark.parametrize("damage, says", STATE_DAMAGE, ids=[damage.__name__ for damage, _ in STATE_DAMAGE])
def test_a_damaged_state_database_is_moved_aside_and_no_render_is_made_again(built, tmp_path, damage, says):
    """With no render cache at all (so that nothing could be placed from it), every render is kept: its record
    names the inputs it was made from, and they are today's."""
    folder = copy_without_cache(built[0], tmp_path / "film")
    state = folder / "build" / ".doit.db"
    damage(state)
    damaged = state.read_bytes()
    outside = outside_build(folder)
    looking_changes_nothing(folder)
    told = run(folder, "status")
    assert told.stderr.startswith(f"build/.doit.db: {says}; shown as if nothing were built")

    result = run(folder, cache=tmp_path / "empty-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"repaired: build/.doit.db was {says}; moved to build/.doit.db.damaged and "
                                          "started anew (renders and keyframes that match their records are kept, "
                                          "not made again)"]
    assert (folder / "build" / ".doit.db.damaged").read_bytes() == damaged
    assert render_lines(result.stdout) == [f"render:{s} (kept)" for s in segment_ids(folder)]  # verified, not made
    assert "rendered 0 of 8 segments (8 kept)" in result.stdout
    assert not list((tmp_path / "empty-cache").rglob("*.mp4"))
    assert {name: data for name, data in artifacts(folder).items() if name != ".doit.db.damaged"} == built[1]
    assert outside_build(folder) == outside
    for segment in segment_ids(folder):
        assert matches_record(folder / "build" / "renders" / f"{segment}.mp4")
    assert executed(run(folder).stdout) == []


def test_the_summary_counts_a_render_that_failed_before_it_started():
    """doit reports a render whose input is missing as failed without starting it: 0 rendered, not -1."""
    import io

    from doit.exceptions import DependencyError
    from doit.task import Task

    from scriptagent.reporter import BuildReporter

    out = io.StringIO()
    reporter = BuildReporter(out, {})
    done, missing = Task("render:sh01", [lambda: None]), Task("render:sh02", [lambda: None])
    reporter.skip_uptodate(done)
    reporter.add_failure(missing, DependencyError("Dependent file 'build/segments/sh02.json' does not exist."))
    reporter.complete_run()
    assert re.search(r"^rendered 0 of 2 segments \(1 up to date, 1 failed\) in ", out.getvalue(), re.M), out.getvalue()
