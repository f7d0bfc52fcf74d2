"""doit run as users run it: `doit -f DIR/dodo.py COMMAND` from another folder behaves as `doit COMMAND` in DIR,
and `doit status` at the repository root foretells what a plain `doit` there runs (issue #14)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import REPO, copy_demo, edit_shot, executed, run

from scriptagent.doit_command import doit_command


@pytest.mark.parametrize("argv, command", [
    ([], "run"),
    (["render:sh01"], "run"),                             # task names: run
    (["-n", "2"], "run"),                                 # run's options
    (["-n", "2", "clean"], "run"),                        # doit too: a task named clean, as run's option came first
    (["clean"], "clean"),
    (["-f", "x/dodo.py", "clean"], "clean"),              # loader options come before the command
    (["--file=x/dodo.py", "list", "--all"], "list"),
    (["-fx/dodo.py", "info", "plan"], "info"),
    (["-k", "-d", "x", "status"], "status"),              # a plugin command (scriptagent.status)
    (["--seek-file", "--dir", "y", "forget", "plan"], "forget"),
    (["clean", "-f", "x"], "clean"),                      # or after it
    (["seed=3", "list"], "list"),                         # NAME=VALUE: doit's command-line variables
    (["--db-file", "x", "list"], "run"),                  # not a loader option: doit reads it as run's
])
def test_doit_command_is_found_as_doit_finds_it(argv, command):
    assert doit_command(argv) == command


def doit(cwd: Path, *args: str, check: bool = True):
    return run([sys.executable, "-m", "doit", *args], cwd, check=check)


def small_demo(folder: Path) -> Path:
    """productions/demo, silent, three lines, small frames (script.yaml regenerated from the shorter dialogue)."""
    copy_demo(folder, ("build", "script.yaml*"))
    yaml = YAML()
    path = folder / "production.yaml"
    data = yaml.load(path.read_text())
    data["voice"] = {"backend": "none"}
    data["dialogue"] = data["dialogue"][:3]
    data["style"] = {"resolution": [160, 90], "fps": 8}  # over the series' style
    with path.open("w") as f:
        yaml.dump(data, f)
    return folder


def summary(output: str) -> tuple[int, int, int]:
    found = re.search(r"^(\d+) will run, (\d+) may run, (\d+) up to date$", output, re.M)
    assert found, output
    return tuple(int(n) for n in found.groups())


@pytest.fixture
def root(tmp_path) -> Path:
    """A folder laid out as the repository root: its dodo.py, the training recipes, one small production."""
    shutil.copyfile(REPO / "dodo.py", tmp_path / "dodo.py")
    shutil.copytree(REPO / "recipes", tmp_path / "recipes")
    small_demo(tmp_path / "productions" / "demo")
    return tmp_path


def test_doit_f_from_another_folder_builds_lists_and_tells(root):
    production, dodo = root / "productions" / "demo", "productions/demo/dodo.py"
    told = doit(root, "-f", dodo, "status").stdout
    assert re.search(r"^script\s+will run: ", told, re.M) and summary(told)[0] > 0
    assert not (root / "build").exists() and not (root / "script.yaml").exists()  # nothing written here

    built = doit(root, "-f", dodo)
    assert {"script", "plan", "stitch", "report"} <= set(executed(built.stdout))
    assert (production / "build" / "film.mp4").is_file() and (production / "script.yaml").is_file()
    assert not (root / "build").exists()

    listed = doit(root, "-f", dodo, "list", "--all").stdout
    renders = re.findall(r"^render:\S+", listed, re.M)
    assert renders and {f"render:{p.stem}" for p in (production / "build" / "renders").glob("*.mp4")} == set(renders)
    assert summary(doit(root, "-f", dodo, "status").stdout)[:2] == (0, 0)
    assert executed(doit(root, "--file", dodo).stdout) == []  # a second build from here: nothing runs


def test_doit_f_clean_from_another_folder_removes_the_artifacts(root, tmp_path_factory):
    production = root / "productions" / "demo"
    doit(production)
    assert (production / "build" / "film.mp4").is_file() and list((production / "build" / "renders").glob("*.mp4"))
    doit(root, "-f", "productions/demo/dodo.py", "clean")
    build = production / "build"
    assert not [p for p in ("film.mp4", "film.srt", "plan.json", "report.html") if (build / p).exists()]
    assert not [p for folder in ("renders", "frames", "segments", "scores") for p in (build / folder).glob("*")]
    assert (production / "script.yaml").is_file()  # yours: kept, as `doit clean` inside keeps it
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    told = doit(elsewhere, "-f", str(production / "dodo.py"), "status").stdout  # an absolute -f from anywhere
    assert re.search(r"^stitch\s+will run: not built yet", told, re.M)


def test_doit_d_elsewhere_stops_with_one_line(root, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = doit(elsewhere, "-f", str(root / "productions" / "demo" / "dodo.py"), "-d", ".", "list", check=False)
    assert result.returncode == 2 and "run in its own folder" in result.stderr and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_root_status_foretells_a_plain_doit(root):
    before = doit(root, "status").stdout
    assert re.search(r"^production:demo\s+will run: \d+ of its tasks", before, re.M)
    assert "train:" not in before and "eval:" not in before and "scriptbench" not in before

    assert executed(doit(root).stdout)[0] == "production:demo"  # then the production's own tasks, as it runs them
    after = doit(root, "status").stdout
    assert summary(after) == (0, 0, 2) and "train:" not in after and "will run:" not in after  # and the season page
    again = doit(root).stdout
    assert executed(again) == [] and re.search(r"^-- production:demo$", again, re.M)  # up to date: not delegated

    # the training tasks only when named, as `doit train:sft` runs them
    named = doit(root, "status", "train:sft").stdout
    assert re.search(r"^train:sft\s+will run: ", named, re.M) and "production:" not in named

    edit_shot(root / "productions" / "demo", "sh01", "description", "the platform, seen from the tracks")
    edited = doit(root, "status").stdout
    assert re.search(r"^production:demo\s+will run: \d+ of its tasks.*\(plan: changed: script\.yaml\)$", edited, re.M)
    assert summary(edited) == (1, 1, 0) and re.search(r"^season\s+may run: after production:demo", edited, re.M)
    assert {"production:demo", "plan"} <= set(executed(doit(root).stdout))
    assert summary(doit(root, "status").stdout) == (0, 0, 2)
