"""Fountain screenplays: `dialogue_file: scene.fountain` and `scriptagent new NAME --from scene.fountain`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import cli, doit, executed, make_production

from scriptagent.errors import InputError
from scriptagent.fountain import read_fountain
from scriptagent.production import load_production

SAMPLE = Path(__file__).parent / "fountain" / "platform.fountain"
# what the sample says, read by a person: speaker, parenthetical, line
SAMPLE_LINES = [
    ("mara", "", "You came."),
    ("theo", "quietly", "I said I would."),
    ("mara", "", "You said a lot of things. Most of them right here."),
    ("theo", "holding out the suitcase", "To give you this."),
    ("theo", "beat", "It was always yours."),
    ("mara", "", "Don't."),  # dual dialogue: the left speaker first
    ("theo", "", "Please."),
    ("mara", "", "I kept every letter."),  # (V.O.) is not part of the name
    ("theo", "", "The train's leaving."),  # nor is (CONT'D)
]
PRODUCTION = """\
title: From a screenplay
seed: 1
style: {resolution: [160, 90], fps: 12}
cast:
  - {id: mara, name: Mara}
  - {id: theo, name: Theo}
setting: "a platform"
dialogue_file: scene.fountain
director: {backend: animatic, max_segment_seconds: 4}
"""


def test_sample_lines_are_the_parsed_dialogue():
    screenplay = read_fountain(SAMPLE)
    assert screenplay.title == "The Last Train"
    assert screenplay.characters == {"mara": "Mara", "theo": "Theo"}
    assert screenplay.setting == "interior, train platform, night; Rain on the glass roof. The last train idles."
    assert screenplay.headings == ["interior, train platform, night", "exterior, station, continuous"]
    parsed = []
    for item in screenplay.dialogue:
        (speaker, text), = item.items()
        parenthetical = text[1:text.index(")")] if text.startswith("(") else ""
        parsed.append((speaker, parenthetical, text[text.index(")") + 2:] if parenthetical else text))
    assert parsed == SAMPLE_LINES
    source = SAMPLE.read_text().splitlines()
    for (speaker, _, _), line in zip(SAMPLE_LINES, screenplay.lines):  # each line's cue, by its line number
        assert source[line - 1].split(" (")[0].rstrip(" ^").lower() == speaker


def test_dialogue_file_builds_and_follows_edits(tmp_path):
    folder = make_production(tmp_path / "film", text=PRODUCTION)
    shutil.copyfile(SAMPLE, folder / "scene.fountain")
    production = load_production(folder)
    assert [(d.speaker, d.parenthetical, d.line) for d in production.dialogue] == SAMPLE_LINES
    doit(folder)
    script = YAML(typ="safe").load((folder / "script.yaml").read_text())
    spoken = [(line["speaker"], line["line"]) for scene in script["scenes"] for shot in scene["shots"]
              for line in shot.get("dialogue", [])]
    # the scripter may cut a long line across shots; the words and their order stay
    assert " ".join(text for _, text in spoken) == " ".join(text for _, _, text in SAMPLE_LINES)

    # the screenplay is the source: editing it rewrites the (pristine) script on the next build
    path = folder / "scene.fountain"
    path.write_text(path.read_text().replace("You came.", "You came back."))
    second = doit(folder)
    assert "script" in executed(second.stdout)
    assert "You came back." in (folder / "script.yaml").read_text()


def test_screenplay_errors_name_the_line(tmp_path):
    folder = make_production(tmp_path / "film", text=PRODUCTION.replace("  - {id: theo, name: Theo}\n", ""))
    shutil.copyfile(SAMPLE, folder / "scene.fountain")
    with pytest.raises(InputError) as error:
        load_production(folder)
    cues = [n for n, text in enumerate(SAMPLE.read_text().splitlines(), 1) if text.startswith("THEO")]
    assert f"scene.fountain:{cues[0]}:1: 'theo' is not in the cast" in str(error.value)
    result = cli("validate", str(folder), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"scene.fountain:{cues[0]}:1" in result.stderr

    (folder / "scene.fountain").write_text("INT. KITCHEN - DAY\n\nNobody says anything.\n")
    with pytest.raises(InputError, match="no dialogue found"):
        load_production(folder)

    both = make_production(tmp_path / "both", text=PRODUCTION + "dialogue:\n  - mara: Hi.\n")
    shutil.copyfile(SAMPLE, both / "scene.fountain")
    with pytest.raises(InputError, match="not both"):
        load_production(both)
    outside = make_production(tmp_path / "outside", text=PRODUCTION.replace("scene.fountain", "../scene.fountain"))
    with pytest.raises(InputError, match="outside the production folder"):
        load_production(outside)


def test_new_from_a_screenplay(tmp_path):
    result = cli("new", "train", "--from", str(SAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "train"
    production = load_production(folder)
    assert production.title == "The Last Train"
    assert [m.id for m in production.cast] == ["mara", "theo"]
    assert all((folder / m.reference).is_file() for m in production.cast)
    assert production.dialogue_file == "platform.fountain" and (folder / "platform.fountain").is_file()
    assert [(d.speaker, d.line) for d in production.dialogue] == [(s, text) for s, _, text in SAMPLE_LINES]

    (tmp_path / "empty.fountain").write_text("Title: Nothing\n\nINT. VOID - NIGHT\n")
    result = cli("new", "void", "--from", str(tmp_path / "empty.fountain"), cwd=tmp_path)
    assert result.returncode == 2 and "no dialogue found" in result.stderr
    assert not (tmp_path / "void").exists()
