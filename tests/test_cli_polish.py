"""The command line's manners: --version, -q/-v, output cut short by its reader (`| head`), `doit forget` with no
task, `doit dumpdb` on SQLite state, script.yaml.bak git-ignored."""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest

from conftest import REPO, cli, doit, env, executed, make_production

SIGPIPE_ENDED = (128 + signal.SIGPIPE, -signal.SIGPIPE)  # exit status 141, or ended by the signal itself
SCRIPTAGENT = [sys.executable, "-m", "scriptagent.cli"]
DOIT = [sys.executable, "-m", "doit"]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> Path:
    """A production with its script written and planned (no renders)."""
    folder = make_production(tmp_path_factory.mktemp("scripted") / "film")
    doit(folder, "plan")
    return folder


def test_version_is_the_installed_package_version(tmp_path):
    result = cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == f"scriptagent {version('scriptagent')}\n"


# --- output cut short by its reader ---------------------------------------------------------------------------

def closed_pipe(command: list[str], cwd: Path) -> tuple[int, str]:
    """Run `command` with its stdout a pipe nobody reads (closed before the command writes): its exit status and
    stderr."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=errors)
        process.stdout.close()
        status = process.wait(timeout=300)
        errors.seek(0)
        return status, errors.read().decode()


@pytest.mark.parametrize("command", [
    SCRIPTAGENT + ["schema"], SCRIPTAGENT + ["validate"], SCRIPTAGENT + ["plan"], SCRIPTAGENT + ["-v", "validate"],
    SCRIPTAGENT + ["build", ".", "list", "--all"], SCRIPTAGENT + ["status"], DOIT + ["list", "--all"],
    DOIT + ["info", "plan"]], ids=lambda words: " ".join(words[2:]))
def test_a_reader_that_stops_early_ends_the_command_quietly(scripted, command):
    status, errors = closed_pipe(command, scripted)
    assert status in SIGPIPE_ENDED and errors == "", errors


@pytest.mark.parametrize("pipeline", [
    "python -m scriptagent.cli schema | head -c 10",
    "python -m scriptagent.cli validate | head -1",
    "python -m doit list --all | head -1"])
def test_head_in_a_shell_pipeline(scripted, pipeline):
    result = subprocess.run(["bash", "-c", pipeline.replace("python", shlex.quote(sys.executable)) +
                             '; exit "${PIPESTATUS[0]}"'], cwd=scripted, env=env(), capture_output=True, text=True,
                            timeout=300)
    assert "Traceback" not in result.stderr and result.stderr == "", result.stderr
    assert result.returncode in (0, 141) and result.stdout
    if "schema" in pipeline:  # 141 when the pipe filled before head left (its size is the system's)
        assert result.stdout == '{\n  "$sche'


# --- doit forget, doit dumpdb --------------------------------------------------------------------------------

def test_doit_forget_without_a_task_forgets_every_task(scripted, tmp_path):
    folder = shutil.copytree(scripted, tmp_path / "film", ignore=shutil.ignore_patterns(".lock*"))
    assert executed(doit(folder, "plan").stdout) == []  # up to date
    forgot = doit(folder, "forget", check=False)
    assert forgot.returncode == 0 and "Traceback" not in forgot.stderr, forgot.stderr
    assert {"forgetting script", "forgetting plan"} <= set(forgot.stdout.splitlines())
    assert executed(doit(folder, "plan").stdout) == ["script", "plan"]  # forgotten: they run again


def test_dumpdb_reads_the_sqlite_state(scripted, tmp_path):
    dumped = cli("build", str(scripted), "dumpdb", cwd=tmp_path)
    assert dumped.returncode == 0, dumped.stderr
    lines = dumped.stdout.splitlines()
    assert lines[0] == "DBM type is 'sqlite3' (build/.doit.db)"
    assert any(line.startswith("script -> {") for line in lines) and any(line.startswith("plan -> {")
                                                                         for line in lines)
    never = make_production(tmp_path / "never")
    told = cli("build", str(never), "dumpdb", cwd=tmp_path)
    assert told.returncode == 3 and told.stderr.count("\n") == 1 and "no doit state here" in told.stderr


def test_doit_dumpdb_in_a_production(scripted, tmp_path):
    """`doit dumpdb` itself: scriptagent's command replaces doit's through the `doit.COMMAND` entry point `dumpdb`
    (pyproject.toml); where the installed package does not have it yet, a distribution that declares only it."""
    variables = env()
    if not any(entry.name == "dumpdb" for entry in entry_points(group="doit.COMMAND")):
        info = tmp_path / "dumpdb_plugin-0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dumpdb-plugin\nVersion: 0\n")
        (info / "entry_points.txt").write_text("[doit.COMMAND]\ndumpdb = scriptagent.doit_state:DumpDB\n")
        variables["PYTHONPATH"] = f"{tmp_path}:{variables['PYTHONPATH']}"
    dumped = subprocess.run(DOIT + ["dumpdb"], cwd=scripted, env=variables, capture_output=True, text=True)
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stdout.startswith("DBM type is 'sqlite3' (build/.doit.db)\n") and "plan -> {" in dumped.stdout
    elsewhere = subprocess.run(DOIT + ["dumpdb"], cwd=tmp_path, env=variables, capture_output=True, text=True)
    assert elsewhere.returncode == 3 and elsewhere.stderr.startswith(".doit.db: no doit state here")
    assert "Traceback" not in elsewhere.stderr


# --- -q and -v ----------------------------------------------------------------------------------------------

def test_quiet_and_verbose_validate_and_plan(scripted):
    shots = [line.split()[2] for line in (scripted / "script.yaml").read_text().splitlines()
             if line.startswith("      - id: ")]
    normal = cli("validate", ".", cwd=scripted)
    assert normal.returncode == 0 and normal.stdout.startswith("production.yaml: ok")
    quiet = cli("-q", "validate", cwd=scripted)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert cli("validate", "-q", cwd=scripted).stdout == ""  # after the command too
    verbose = cli("validate", "-v", cwd=scripted).stdout.splitlines()
    assert "  scene kitchen: 4 lines, 0 beats; a small kitchen in the morning" in verbose
    assert [line.split()[0] for line in verbose if line.startswith("  sh")] == shots

    table = cli("plan", cwd=scripted).stdout.splitlines()
    assert "segments (" in table[-1]
    assert cli("-q", "plan", cwd=scripted).stdout.splitlines() == table[:-1]  # the table, no summary
    detailed = cli("plan", "-v", cwd=scripted).stdout.splitlines()
    assert [line for line in detailed if not line.startswith("    ")] == table
    below = [line.split()[0] for line in detailed if line.startswith("    ")]
    assert list(dict.fromkeys(below)) == shots  # every shot under its segment (a split shot under each)


def test_quiet_validate_shows_only_errors(scripted, tmp_path):
    folder = shutil.copytree(scripted, tmp_path / "film", ignore=shutil.ignore_patterns(".lock*"))
    script = folder / "script.yaml"
    script.write_text(script.read_text().replace("speaker: ben, line: Terrified.", "speaker: ana, line: Terrified."))
    result = cli("-q", "validate", cwd=folder)
    assert result.returncode == 2 and result.stdout
    assert all(line.startswith("script.yaml:") and "/error] " in line for line in result.stdout.splitlines())


def test_quiet_build_prints_only_what_failed_and_verbose_shows_task_output(tmp_path):
    folder = make_production(tmp_path / "film")
    made = cli("-q", "new", "other", cwd=tmp_path)
    assert (made.returncode, made.stdout) == (0, "") and (tmp_path / "other" / "production.yaml").exists()
    built = cli("-q", "build", str(folder), cwd=tmp_path)
    assert (built.returncode, built.stdout, built.stderr) == (0, "", "")
    assert (folder / "build" / "film.mp4").exists()
    assert executed(doit(folder).stdout) == []

    script = folder / "script.yaml"
    script.write_text(script.read_text().replace("duration: 3.0", "duration: 0.001", 1))
    failed = cli("-q", "build", str(folder), cwd=tmp_path)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.splitlines() == [failed.stderr.splitlines()[0]]
    assert failed.stderr.startswith("script.yaml:") and "shorter than one frame at 12 fps" in failed.stderr
    normal = cli("build", str(folder), cwd=tmp_path)  # doit repeats the failed task's captured output ...
    assert normal.returncode == 2 and "plan <stdout>:" in normal.stdout
    verbose = cli("-v", "build", str(folder), cwd=tmp_path)  # ... which -v showed as it ran
    assert verbose.returncode == 2 and "plan <stdout>:" not in verbose.stdout
    assert "shorter than one frame" in verbose.stderr


# --- script.yaml.bak ----------------------------------------------------------------------------------------

def test_script_backups_and_schemas_are_git_ignored(tmp_path):
    assert cli("new", "film", cwd=tmp_path).returncode == 0
    subprocess.run(["git", "init", "-q", str(tmp_path / "film")], check=True)
    for folder in (tmp_path / "film", REPO / "productions" / "demo", REPO / "productions" / "late-shift"):
        for name in ("script.yaml.bak", ".scriptagent/production.schema.json", "build/film.mp4"):
            assert subprocess.run(["git", "check-ignore", "-q", name], cwd=folder).returncode == 0, (folder, name)
        assert subprocess.run(["git", "check-ignore", "-q", "script.yaml"], cwd=folder).returncode == 1


@pytest.mark.parametrize("root", ["repository", "season"])
def test_a_listing_at_a_root_cut_short_ends_quietly(root, tmp_path):
    """This repository's root dodo.py and a season's both run in doit's own process: `doit list | head` there ends
    by SIGPIPE too, never doit's BrokenPipeError traceback."""
    if root == "season":
        assert cli("new-series", "kitchen", cwd=tmp_path).returncode == 0
    folder = REPO if root == "repository" else tmp_path / "kitchen"
    status, errors = closed_pipe(DOIT + ["list", "--all"], folder)
    assert status in SIGPIPE_ENDED and errors == "", errors
