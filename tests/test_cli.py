"""The `scriptagent` command: exit codes and output a user relies on."""

from __future__ import annotations

import json
import re

from conftest import REPO, cli, doit, executed

README = (REPO / "README.md").read_text()


def test_new_scaffolds_a_production_that_builds(tmp_path):
    result = cli("new", "my-film", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "my-film"
    assert {"production.yaml", "dodo.py", ".gitignore"} <= {p.name for p in folder.iterdir()}
    assert "build/" in (folder / ".gitignore").read_text()
    assert "title: My Film" in (folder / "production.yaml").read_text()
    assert "#" in (folder / "production.yaml").read_text()  # commented for the user
    assert sorted(p.name for p in (folder / "cast").iterdir()) == ["ana.png", "ben.png"]
    again = cli("new", "my-film", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_validate_plan_and_build(small):
    assert cli("validate", str(small), cwd=small.parent).returncode == 0  # no script yet: production only
    built = cli("build", str(small), cwd=small.parent)
    assert built.returncode == 0, built.stderr
    assert (small / "build" / "film.mp4").exists()
    assert "stitch" in executed(built.stdout)

    checked = cli("validate", str(small), cwd=small.parent)
    assert checked.returncode == 0
    assert re.search(r"script\.yaml: \d+ shots, [\d.]+ s; 0 errors", checked.stdout)

    table = cli("plan", str(small), cwd=small.parent)
    assert table.returncode == 0
    plan = json.loads((small / "build" / "plan.json").read_text())
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["segment", "shots", "seconds", "frames", "model", "render", "size", "anchor"]
    assert [line.split()[0] for line in lines[1:-1]] == [s["id"] for s in plan["segments"]]
    assert f"{plan['frames']} frames" in lines[-1]

    listed = cli("build", str(small), "list", cwd=small.parent)
    assert listed.returncode == 0 and "stitch" in listed.stdout


def test_build_passes_doit_options(small):
    assert cli("build", str(small), "-n", "2", cwd=small.parent).returncode == 0
    assert executed(doit(small).stdout) == []


def test_validate_reports_script_findings_with_lines(small):
    doit(small)
    script = small / "script.yaml"
    text = script.read_text()
    script.write_text(text.replace("speaker: ben, line: Terrified.", "speaker: ana, line: Terrified."))
    result = cli("validate", str(small), cwd=small.parent)
    assert result.returncode == 2
    assert re.search(r"^script\.yaml:\d+:\d+: .*\[dialogue/error\]", result.stdout, re.M), result.stdout


def test_user_errors_exit_2_without_traceback(tmp_path):
    missing = cli("validate", str(tmp_path), cwd=tmp_path)
    assert missing.returncode == 2 and "no production here" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "production.yaml").write_text("title: [unclosed\n")
    bad = cli("plan", str(tmp_path), cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("production.yaml:") and "Traceback" not in bad.stderr
    debug = cli("--debug", "plan", str(tmp_path), cwd=tmp_path)
    assert "Traceback" in debug.stderr


def test_schema_prints_json_schema(tmp_path):
    result = cli("schema", cwd=tmp_path)  # production.yaml's (--kind script: script.yaml's); tests/test_schema_export.py
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["title"] == "production.yaml"
    assert "dialogue" in schema["properties"]


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```(?:bash|sh)\n(.*?)```", README, re.S)
    test_command = next(line for block in commands for line in block.splitlines() if "pytest" in line)
    assert test_command.strip() in (REPO / ".ci" / "run").read_text()


def test_root_dodo_builds_every_production():
    listed = doit(REPO, "list")
    assert re.search(r"^production\b", listed.stdout, re.M)
    every = doit(REPO, "list", "--all")
    assert "production:demo" in every.stdout
