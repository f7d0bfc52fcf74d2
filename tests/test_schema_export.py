"""The JSON Schemas of production.yaml and script.yaml (`scriptagent schema`, .scriptagent/): they accept the files
the tool accepts and refuse what the tool refuses for schema reasons; what they cannot say is listed, explicitly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

import test_bad_input
import test_schema
from conftest import DEMO, REPO, SMALL_PRODUCTION, cli, doit, make_production

from scriptagent.errors import InputError
from scriptagent.layout import PRODUCTION_FILE, SCRIPT_FILE
from scriptagent.schema import load_production
from scriptagent.schema.export import (DIALECT, LENIENT, PRODUCTION_SCHEMAS, SCHEMA_DIR, SCHEMA_FILES,
                                       UNEXPRESSED, modeline,
                                       production_schema, schema_text, script_schema)
from scriptagent.schema.script import MAX_SCRIPT_BYTES
from scriptagent.scripter import ensure_script
from scriptagent.scripter.script_file import SCHEMA_LINE, script_state
from scriptagent.yamlio import load_yaml_file

VALIDATORS = {PRODUCTION_FILE: jsonschema.Draft202012Validator(production_schema()),
              SCRIPT_FILE: jsonschema.Draft202012Validator(script_schema())}


def read(folder: Path, file: str):
    """The file as the tool reads it (its YAML reader's refusals are not the schema's), as JSON data."""
    data = load_yaml_file(file, file, limit=MAX_SCRIPT_BYTES if file == SCRIPT_FILE else None, inside=folder)
    return json.loads(json.dumps(data))


def schema_errors(folder: Path, file: str) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in VALIDATORS[file].iter_errors(read(folder, file))]


def with_script(folder: Path) -> Path:
    ensure_script(folder, load_production(folder))  # what `doit script` writes
    return folder


def test_both_schemas_are_json_schema_2020_12():
    for schema in (production_schema(), script_schema()):
        assert schema["$schema"] == DIALECT
        jsonschema.Draft202012Validator.check_schema(schema)
    assert not VALIDATORS[PRODUCTION_FILE].is_valid({})  # not a wrapper that accepts anything
    assert not VALIDATORS[SCRIPT_FILE].is_valid({"title": "x"})


# --- what the tool accepts, the schemas accept ---------------------------------------------------------------------

FEATURES = """\
title: Every feature
seed: 1
style: {look: "noir", resolution: [320, 180], fps: 24, slate: false, subtitles: true}
cast:
  - {id: edie, name: Edie, appearance: "apron", voice: en-gb}
  - {id: scott, name: Scott}
  - {id: nak, name: Nak}
scenes:
  - id: cafe
    heading: "INT. CAFE - DAY"
    description: "Rain streaks the window."
    present: [edie]
    body:
      - action: "Edie stacks chairs. Scott comes in from the rain."
      - edie: "(not turning) We're closed."
      - {speaker: nak, line: "Scott? You there?", off_screen: true}
      - transition: dissolve
  - id: bridge
    heading: "EXT. GOLDEN GATE BRIDGE - DAWN"
    body:
      - scott: "I found her."
scripter: {backend: openai, base_url: "http://localhost:8000/v1", model: qwen, api_key_env: VLLM_KEY, temperature: 0}
director: {backend: animatic, max_segment_seconds: 4, anchoring: keyframe, pack_shots: false}
critic:
  metrics: [structure, continuity, vsa]
  judge: {backend: openai, model: gpt-4o, rubrics: released}
  retake: {metric: judge, below: 3, max_takes: 2}
voice: {backend: espeak, voice: en-us, if_missing: silent}
executor: {kind: local, num_cpus: 2}
variants:
  no-anchoring: {director: {anchoring: none}}
"""

DIFFUSERS = SMALL_PRODUCTION.replace("ANCHORING", "none").replace(
    "director: {backend: animatic, max_segment_seconds: 3, anchoring: none}",
    "director:\n  backend: diffusers\n  pipeline: wan-i2v\n  model: Wan-AI/Wan2.1-I2V-14B-480P-Diffusers\n"
    "  steps: 4\n  pipeline_args: {timesteps: [999, 500], decode_timestep: 0.05}\n"
    "  ip_adapter: {model: h94/IP-Adapter, subfolder: sdxl_models, weight_name: ip-adapter_sdxl.safetensors}\n"
    "critic: {metrics: [structure], judge: none}\n")


def scaffolded(tmp_path: Path, *args: str) -> Path:
    assert cli("new", "film", *args, cwd=tmp_path).returncode == 0
    return with_script(tmp_path / "film")


GOOD = {
    "demo": lambda tmp: DEMO,
    "late-shift": lambda tmp: REPO / "productions" / "late-shift",
    "new": lambda tmp: scaffolded(tmp),
    "new-from-fountain": lambda tmp: scaffolded(tmp, "--from", str(REPO / "tests" / "fountain" / "late_shift.fountain")),
    "small": lambda tmp: with_script(make_production(tmp / "small")),
    "features": lambda tmp: make_production(tmp / "features", text=FEATURES),
    "diffusers": lambda tmp: make_production(tmp / "diffusers", text=DIFFUSERS),
}


@pytest.mark.parametrize("name", GOOD)
def test_what_the_tool_accepts_the_schemas_accept(name, tmp_path):
    folder = GOOD[name](tmp_path)
    load_production(folder)  # the tool accepts it
    assert schema_errors(folder, PRODUCTION_FILE) == []
    if (folder / SCRIPT_FILE).exists():
        assert schema_errors(folder, SCRIPT_FILE) == []


def test_an_episode_may_give_what_it_inherits_in_part(tmp_path):
    """`series:`: a mapping merged over the series' (no backend needed), a cast member by id (no name needed)."""
    (tmp_path / "series.yaml").write_text("title: S\ncast:\n  - {id: ana, name: Ana}\n"
                                          "director: {backend: animatic, max_segment_seconds: 3}\n")
    folder = make_production(tmp_path / "ep1", text='series: ../series.yaml\ntitle: Ep 1\n'
                             'cast:\n  - {id: ana, appearance: "red coat"}\ndirector: {anchoring: none}\n'
                             'setting: "a kitchen"\ndialogue:\n  - ana: "Hi."\n')
    assert load_production(folder).director.anchoring.value == "none"
    assert schema_errors(folder, PRODUCTION_FILE) == []
    alone = folder / PRODUCTION_FILE  # without its series: the same parts are refused by both
    alone.write_text(alone.read_text().replace("series: ../series.yaml\n", ""))
    assert sorted(schema_errors(folder, PRODUCTION_FILE)) == ["cast/0: 'name' is a required property",
                                                              "director: 'backend' is a required property"]


# --- what the tool refuses for schema reasons, the schemas refuse --------------------------------------------------

# The refusals the schemas cannot express, by case id (tests/test_bad_input.py, tests/test_schema.py), each with
# the reason in UNEXPRESSED; `scriptagent validate` and builds refuse them.
NOT_IN_THE_SCHEMA = {
    "duplicate-cast-id": "unique-ids", "duplicate-shot-id": "unique-ids", "schema-duplicate-cast-id": "unique-ids",
    "unknown-speaker": "known-speakers", "script-unknown-speaker": "known-speakers",
    "schema-unknown-speaker": "known-speakers",
    "reference-missing": "files", "reference-symlink-out": "files", "reference-not-an-image": "files",
    "reference-nul": "files", "template-symlink-out": "files", "schema-reference-missing": "files",
    "duration-nan": "not-a-number", "duration-below-a-frame": "frames",
}
# Refused by the YAML reader before any schema applies (UNEXPRESSED["file-size"]): not JSON data.
YAML_LEVEL = {"yaml-syntax", "unclosed-quote", "tab-indent", "duplicate-key", "two-documents", "not-utf8", "nul-byte",
              "lone-surrogate", "billion-laughs", "alias", "python-object", "python-name", "custom-tag", "binary-tag",
              "bad-explicit-int", "too-deep", "huge-file", "script-syntax", "script-tab", "script-not-utf8",
              "script-alias", "script-python-tag", "schema-tab-indent"}


def schema_cases() -> list[test_bad_input.Case]:
    """test_schema.py's refused productions, as cases of test_bad_input.py's kind."""
    cases = []
    for old, new, expected in test_schema.test_bad_production_names_line_column_and_field.pytestmark[0].args[1]:
        kind = ("unknown-speaker" if "not in the cast" in expected else "duplicate-cast-id"
                if "already used" in expected else "tab-indent" if "tabs" in expected else expected.split(": ")[1])
        cases.append(test_bad_input.Case(f"schema-{kind}", test_bad_input.P, test_bad_input.production(old, new), "",
                                         ""))
    cases.append(test_bad_input.Case("schema-every-problem", test_bad_input.P, test_bad_input.production(
        "seed: 3", "seed: -1"), "", ""))
    cases.append(test_bad_input.Case("schema-reference-missing", test_bad_input.P, test_bad_input.with_reference(
        "cast/ben.png"), "", ""))
    cases.append(test_bad_input.Case("schema-script-positioned", test_bad_input.S, test_bad_input.write(
        test_bad_input.S, "characters: {ana: {name: Ana}}\nscenes:\n  - id: kitchen\n    setting: a kitchen\n"
        "    shots:\n      - {id: sh01, duration: 12, shot_size: wide, description: Ana.}\n"
        "      - {id: sh01, duration: 2, shot_size: closeup, description: Ana.}\n"), "", ""))
    return cases


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return with_script(make_production(tmp_path_factory.mktemp("base") / "film"))


def test_what_the_tool_refuses_the_schemas_refuse_but_what_is_listed(base, tmp_path):
    cases = test_bad_input.CASES + schema_cases()
    assert len({case.id for case in cases}) == len(cases)
    accepted, unreadable = {}, set()
    for case in cases:
        folder = shutil.copytree(base, tmp_path / case.id, symlinks=True)
        case.edit(folder)
        try:
            errors = schema_errors(folder, case.file)
        except InputError:  # the YAML reader refused it: before any schema applies
            unreadable.add(case.id)
            continue
        if not errors:
            accepted[case.id] = case.file
    assert unreadable == YAML_LEVEL
    assert set(accepted) == set(NOT_IN_THE_SCHEMA), "refused by the tool, accepted by the schema"
    assert set(NOT_IN_THE_SCHEMA.values()) <= set(UNEXPRESSED)


def test_the_tools_lax_conversions_are_refused_by_the_schema(tmp_path):
    """LENIENT: values pydantic converts; the schema asks for them in their own type (an editor flags them)."""
    lenient = [("fps: 12", 'fps: "12"'), ("fps: 12", "fps: true"), ("anchoring: chain}", 'anchoring: chain, '
                                                                                          'pack_shots: "yes"}')]
    assert len(lenient) == len(LENIENT)
    for number, (old, new) in enumerate(lenient):
        folder = make_production(tmp_path / str(number),
                                 text=SMALL_PRODUCTION.replace("ANCHORING", "chain").replace(old, new))
        load_production(folder)  # the tool converts it
        assert schema_errors(folder, PRODUCTION_FILE), new


# --- where the schemas live: printed, written, named by the files, kept current --------------------------------------

def test_schema_command_prints_one_schema_and_writes_both(tmp_path):
    printed = cli("schema", cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout == schema_text("production")
    assert json.loads(printed.stdout)["title"] == "production.yaml"
    assert cli("schema", "--kind", "script", cwd=tmp_path).stdout == schema_text("script")
    written = cli("schema", "--out", "schemas", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    for kind, name in SCHEMA_FILES.items():
        assert (tmp_path / "schemas" / name).read_text() == schema_text(kind)
    assert "up to date" in cli("schema", "--out", "schemas", cwd=tmp_path).stdout


def test_new_productions_name_their_schemas_and_builds_keep_them_current(tmp_path):
    folder = tmp_path / "film"
    assert cli("new", "film", cwd=tmp_path).returncode == 0
    assert (folder / PRODUCTION_FILE).read_text().startswith(modeline("production"))
    schemas = folder / SCHEMA_DIR
    assert {p.name: p.read_text() for p in schemas.iterdir()} == {SCHEMA_FILES[kind]: schema_text(kind)
                                                                  for kind in PRODUCTION_SCHEMAS}
    assert ".scriptagent/" in (folder / ".gitignore").read_text().splitlines()
    (schemas / "script.schema.json").write_text("{}")  # as an older scriptagent left it
    (schemas / "production.schema.json").unlink()
    doit(folder, "script")
    assert {p.name: p.read_text() for p in schemas.iterdir()} == {SCHEMA_FILES[kind]: schema_text(kind)
                                                                  for kind in PRODUCTION_SCHEMAS}
    text = (folder / SCRIPT_FILE).read_text()
    assert text.startswith(SCHEMA_LINE) and SCHEMA_LINE == modeline("script")
    assert script_state(text)[0] == "pristine"
    assert script_state(text.removeprefix(SCHEMA_LINE))[0] == "pristine"  # a script written before the line
    assert script_state(text.replace(SCHEMA_LINE, "# mine\n"))[0] == "edited"


def test_a_production_that_names_no_schema_gets_none(small):
    doit(small, "script")
    assert not (small / SCHEMA_DIR).exists()


def test_the_committed_productions_name_their_schemas():
    for name in ("demo", "late-shift"):
        folder = REPO / "productions" / name
        assert (folder / PRODUCTION_FILE).read_text().startswith(modeline("production"))
        assert (folder / SCRIPT_FILE).read_text().startswith(SCHEMA_LINE)
        assert ".scriptagent/" in (folder / ".gitignore").read_text().splitlines()



def test_series_files_have_their_schema_and_a_season_keeps_it_current(tmp_path):
    """series.yaml has its own schema: the repository's and a new season's validate; what the series loader refuses
    for schema reasons the schema refuses; new seasons and episodes name their schemas; a season's build refreshes
    .scriptagent/series.schema.json."""
    import jsonschema
    from ruamel.yaml import YAML

    validator = jsonschema.Draft202012Validator(json.loads(schema_text("series")))
    read = lambda path: YAML(typ="safe").load(path.read_text(encoding="utf-8"))  # noqa: E731
    assert list(validator.iter_errors(read(REPO / "productions" / "series.yaml"))) == []
    assert (REPO / "productions" / "series.yaml").read_text().startswith(modeline("series"))
    good = read(REPO / "productions" / "series.yaml")
    for bad in ({"style": {"lok": "x"}}, {"style": {"resolution": [641, 360]}}, {"seed": -1},
                {"cast": [{"id": "mara", "name": "Mara", "appearance": "x", "reference": "../outside.png"}]},
                {"director": {"backend": "wan2"}}, {"critic": {"metrics": ["nope"]}}):
        assert list(validator.iter_errors({**good, **bad})), bad

    assert cli("new-series", "kitchen", cwd=tmp_path).returncode == 0
    season = tmp_path / "kitchen"
    assert (season / "series.yaml").read_text().startswith(modeline("series"))
    assert list(validator.iter_errors(read(season / "series.yaml"))) == []
    assert (season / SCHEMA_DIR / SCHEMA_FILES["series"]).read_text() == schema_text("series")
    assert ".scriptagent/" in (season / ".gitignore").read_text().splitlines()
    episode = season / "episode-01" / PRODUCTION_FILE
    assert episode.read_text().startswith(modeline("production"))
    production = jsonschema.Draft202012Validator(json.loads(schema_text("production")))
    assert list(production.iter_errors(read(episode))) == []  # an episode gives its inherited settings in part
    (season / SCHEMA_DIR / SCHEMA_FILES["series"]).write_text("{}")  # as an older scriptagent left it
    assert doit(season, "list").returncode == 0
    assert (season / SCHEMA_DIR / SCHEMA_FILES["series"]).read_text() == schema_text("series")
