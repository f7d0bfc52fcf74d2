"""production.yaml and script.yaml: the schema, and errors that name file:line:col and the field."""

from __future__ import annotations

import pytest

from conftest import SMALL_PRODUCTION

from scriptagent.errors import InputError
from scriptagent.schema import Production, Script, json_schemas, load_production, load_script
from scriptagent.scripter import script_to_yaml
from scriptagent.yamlio import load_yaml_text

GOOD = SMALL_PRODUCTION.replace("ANCHORING", "chain")


def errors_of(folder, text: str) -> list[str]:
    (folder / "production.yaml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_production(folder)
    return str(caught.value).splitlines()


@pytest.mark.parametrize("old, new, expected", [
    ("seed: 3", "seed: 3\nsede: 4", "production.yaml:3:1: sede: unknown key 'sede' (did you mean 'seed'?)"),
    ('  look: "flat colours"', '  lok: "flat colours"', "production.yaml:4:3: style.lok: unknown key 'lok' (did you mean 'look'?)"),
    ("resolution: [160, 90]", "resolution: [161, 90]",
     "production.yaml:5:3: style.resolution: 161x90 has an odd side (H.264 yuv420p needs even width and height)"),
    ("fps: 12", "fps: -5", "production.yaml:6:8: style.fps: Input should be greater than or equal to 1"),
    ('  - ana: "Are you nervous?"', '  - anna: "Are you nervous?"',
     "production.yaml:18:5: dialogue[2]: speaker 'anna' is not in the cast (known: ana, ben)"),
    ("  - id: ben", "  - id: ana", "production.yaml:11:9: cast[1].id: 'ana' is already used by cast[0] (cast ids must be unique)"),
    ("backend: animatic", "backend: wan2", "production.yaml:21:21: director.backend: unknown backend 'wan2' (known: animatic, diffusers, veo)"),
    ('  - ana: "Are you nervous?"', '  - ana: ""', "production.yaml:18:5: dialogue[2].line: the line is empty"),
    ('  - ana: "Are you nervous?"', '  - ana: 3', "production.yaml:18:5: dialogue[2]: the line of 'ana' must be text, found int"),
    ("title: Small Test\n", "", "production.yaml:1:1: title: required field is missing"),
    ('  - ana: "Are you nervous?"\n', '\t- ana: "x"\n',
     "production.yaml:18:1: YAML syntax: found character '\\t' that cannot start any token (indent with spaces, not tabs)"),
])
def test_bad_production_names_line_column_and_field(tmp_path, old, new, expected):
    assert old in GOOD
    assert errors_of(tmp_path, GOOD.replace(old, new, 1)) == [expected]


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("seed: 3", "seed: -1").replace("fps: 12", "fps: 0")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 2 and lines[0].startswith("production.yaml:2:7:") and lines[1].startswith("production.yaml:6:8:")


def test_missing_reference_image_and_paths_outside(tmp_path):
    text = GOOD.replace('appearance: "man in his fifties, bald, green sweater"',
                        'appearance: "bald"\n    reference: cast/ben.png')
    assert errors_of(tmp_path, text) == [
        "production.yaml:14:16: cast[1].reference: reference image 'cast/ben.png' not found "
        "(put the image there or remove the key)"]
    outside = text.replace("cast/ben.png", "../../etc/passwd")
    assert "outside the production folder" in errors_of(tmp_path, outside)[0]


def test_duplicate_keys_and_non_utf8(tmp_path):
    assert errors_of(tmp_path, GOOD.replace("seed: 3", "seed: 3\nseed: 4"))[0].startswith("production.yaml:3:")
    (tmp_path / "production.yaml").write_bytes(GOOD.encode().replace(b"Small", b"Sm\xffall"))
    with pytest.raises(InputError) as caught:
        load_production(tmp_path)
    assert str(caught.value) == "production.yaml:1:10: not UTF-8 text (byte 0xff) (save the file as UTF-8)"


def test_dialogue_items_parse_parentheticals():
    production = Production.model_validate(load_yaml_text(GOOD, "production.yaml"))
    line = production.dialogue[1]
    assert (line.speaker, line.parenthetical) == ("ben", "pouring coffee")
    assert line.line.startswith("Couldn't sleep.")


def test_script_yaml_round_trips(tmp_path):
    data = {
        "characters": {"ana": {"name": "Ana", "appearance": "yellow raincoat"}},
        "scenes": [{"id": "kitchen", "setting": "a kitchen", "shots": [
            {"id": "sh01", "duration": 3.5, "shot_size": "wide", "camera_movement": "dolly-in",
             "description": "Ana at the window.", "characters": [{"id": "ana", "position": "left third"}],
             "dialogue": [{"speaker": "ana", "line": "Morning: 'coffee'?", "emotion": "calm"}]}]}],
    }
    script = Script.model_validate(data)
    text = script_to_yaml(script)
    assert "- {id: ana, position: left third}" in text  # one line per character: readable diffs
    (tmp_path / "script.yaml").write_text(text)
    loaded, _ = load_script(tmp_path)
    assert loaded == script


def test_script_errors_are_positioned(tmp_path):
    text = """characters: {ana: {name: Ana}}
scenes:
  - id: kitchen
    setting: a kitchen
    shots:
      - id: sh01
        duration: 12
        shot_size: wide
        description: Ana.
      - id: sh01
        duration: 2
        shot_size: closeup
        description: Ana.
"""
    (tmp_path / "script.yaml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_script(tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0] == "script.yaml:7:19: scenes[0].shots[0].duration: Input should be less than or equal to 10"
    assert lines[1].startswith("script.yaml:12:20: scenes[0].shots[1].shot_size: Input should be 'extreme-wide'")


def test_json_schema_describes_both_files():
    schemas = json_schemas()
    assert set(schemas) == {"production.yaml", "script.yaml"}
    assert "dialogue" in schemas["production.yaml"]["properties"]
    assert "scenes" in schemas["script.yaml"]["properties"]
