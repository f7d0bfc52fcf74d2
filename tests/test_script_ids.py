"""script.yaml across production.yaml edits: stable shot ids, unchanged shots byte for byte, dialogue edits carried
into a hand-edited script, and two branches that edit different lines merging without a conflict."""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess

import pytest

from conftest import DEMO, copy_demo, doit, executed

from scriptagent.errors import InputError
from scriptagent.schema import Script, load_production, load_script
from scriptagent.scripter import ensure_script, script_state
from scriptagent.scripter.validators import validate_script

SHOT_START = re.compile(r"^ *- id: (\S+)(?: #.*)?$", re.M)


@pytest.fixture
def demo(tmp_path):
    """The demo production in a temp folder, with a freshly generated script."""
    folder = tmp_path / "demo"
    copy_demo(folder, ("build", "script.yaml*"))
    assert ensure_script(folder, load_production(folder)) == "written"
    return folder


def script_text(folder) -> str:
    return (folder / "script.yaml").read_text()


def shot_blocks(text: str) -> dict[str, str]:
    """shot id -> the lines of script.yaml that hold the shot, from its `- id:` line to the next shot's."""
    starts = [match for match in SHOT_START.finditer(text) if match.group(0).startswith("      - id:")]
    ends = [match.start() for match in starts[1:]] + [len(text)]
    return {match.group(1): text[match.start():end] for match, end in zip(starts, ends)}


def shots(folder) -> dict[str, dict]:
    """shot id -> the shot's content without its id."""
    script, _ = load_script(folder)
    return {shot.id: shot.model_dump(mode="json", exclude={"id"}) for _, shot in script.shots()}


def edit_production(folder, old: str, new: str) -> None:
    path = folder / "production.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def follow(folder) -> str:
    return ensure_script(folder, load_production(folder))


def assert_valid(folder) -> None:
    script, _ = load_script(folder)
    errors = [f for f in validate_script(script, load_production(folder)) if f.severity == "error"]
    assert errors == []


def id_holding(folder, words: str) -> str:
    return next(shot_id for shot_id, shot in shots(folder).items()
                if any(words in line["line"] for line in shot["dialogue"]))


LINE_4 = '  - theo: "I know. I\'m not here to say them again."\n'


# --- a pristine script follows production.yaml, keeping ids -----------------------------------------------------

def test_an_inserted_line_keeps_every_id_and_unchanged_shots_byte_for_byte(demo):
    before_text, before = script_text(demo), shots(demo)
    edit_production(demo, LINE_4, LINE_4 + '  - theo: "The rain has not stopped all night."\n')

    assert follow(demo) == "written"

    after_text, after = script_text(demo), shots(demo)
    old_ids, new_ids = list(before), list(after)
    added = [shot_id for shot_id in new_ids if shot_id not in before]
    assert [shot_id for shot_id in new_ids if shot_id in before] == old_ids  # every id kept, in order
    assert added == [f"{id_holding(demo, 'say them again')}a"]  # one new id, after its predecessor's
    assert after[added[0]]["dialogue"][0]["line"] == "The rain has not stopped all night."
    assert new_ids.index(added[0]) == new_ids.index(id_holding(demo, "say them again")) + 1
    old_blocks, new_blocks = shot_blocks(before_text), shot_blocks(after_text)
    same = [shot_id for shot_id in old_ids if before[shot_id] == after[shot_id]]
    for shot_id in same:
        assert new_blocks[shot_id] == old_blocks[shot_id], shot_id  # so its render is reused
    assert len(same) >= len(old_ids) - 3  # a new line reframes at most the next few shots (the two-shot cadence)
    assert_valid(demo)
    assert follow(demo) == "unchanged"


def test_an_edited_line_changes_only_its_shot(demo):
    before_text = script_text(demo)
    edit_production(demo, '"Then why are you here?"', '"Then why did you come here?"')

    assert follow(demo) == "written"

    old_blocks, new_blocks = shot_blocks(before_text), shot_blocks(script_text(demo))
    assert list(new_blocks) == list(old_blocks)
    changed = [shot_id for shot_id in old_blocks if new_blocks[shot_id] != old_blocks[shot_id]]
    assert changed == [id_holding(demo, "Then why did you come here?")]
    assert script_text(demo).replace(new_blocks[changed[0]], "") == before_text.replace(old_blocks[changed[0]], "")
    assert_valid(demo)


def test_a_removed_line_keeps_the_other_ids(demo):
    before = shots(demo)
    gone = id_holding(demo, "The train's leaving.")
    edit_production(demo, '  - mara: "The train\'s leaving."\n', "")

    assert follow(demo) == "written"

    assert list(shots(demo)) == [shot_id for shot_id in before if shot_id != gone]
    assert_valid(demo)


def test_a_fresh_clone_of_the_demo_keeps_its_committed_script(tmp_path):
    folder = tmp_path / "clone"
    copy_demo(folder)  # no doit state, new mtimes
    committed = (DEMO / "script.yaml").read_text()
    assert script_state(committed)[0] == "pristine"
    assert executed(doit(folder, "script").stdout) == ["script"]  # no state: the task runs, and finds it current
    assert script_text(folder) == committed
    assert not (folder / "script.yaml.bak").exists()


# --- a hand-edited script -----------------------------------------------------------------------------------------

def hand_edit(folder) -> dict[str, str]:
    """Edit script.yaml as a person would in an editor: a camera move, a comment, a reworded line."""
    text = script_text(folder)
    blocks = shot_blocks(text)
    moved, commented, reworded = list(blocks)[4], list(blocks)[2], id_holding(folder, "You came.")
    edits = {moved: blocks[moved].replace("camera_movement: static", "camera_movement: pan-left"),
             commented: blocks[commented].replace("        description:",
                                                  "        # keep this framing: the suitcase must read\n"
                                                  "        description:"),
             reworded: blocks[reworded].replace("line: You came.", "line: So you came.")}
    for shot_id, block in edits.items():
        assert block != blocks[shot_id]
        text = text.replace(blocks[shot_id], block)
    (folder / "script.yaml").write_text(text)
    assert script_state(text)[0] == "edited"
    return edits


def test_a_line_edit_goes_into_a_hand_edited_script_in_place(demo, capsys):
    edits = hand_edit(demo)
    before_text = script_text(demo)
    edit_production(demo, '"(holding out the suitcase) To give you this. It was always yours."',
                    '"(holding out the suitcase) To give you this. It was always yours, Mara."')
    target = id_holding(demo, "To give you this.")

    assert follow(demo) == "updated"

    after_text = script_text(demo)
    assert "To give you this. It was always yours, Mara." in shot_blocks(after_text)[target]
    for shot_id, block in edits.items():  # the camera move, the comment and the reworded line are still there
        assert shot_blocks(after_text)[shot_id] == block
    changed = [line for line in difflib.unified_diff(before_text.splitlines(), after_text.splitlines(), n=0)
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert all(target in line or "To give you this." in line or "duration:" in line for line in changed), changed
    assert "dialogue line 6 (shot" in capsys.readouterr().err
    assert_valid(demo)
    assert follow(demo) == "kept" and script_text(demo) == after_text  # followed once, then left alone


def test_an_edit_of_a_line_split_across_shots_goes_into_the_part_it_changes(demo):
    hand_edit(demo)
    first, second = id_holding(demo, "You said a lot of things"), id_holding(demo, "Most of them at this")
    assert first != second
    before = shots(demo)
    edit_production(demo, "Most of them at this very platform", "Most of them on this very platform")

    assert follow(demo) == "updated"

    after = shots(demo)
    assert after[first] == before[first]
    assert after[second]["dialogue"][0]["line"] == "Most of them on this very platform, if I remember right."
    assert_valid(demo)


@pytest.mark.parametrize("edit, where", [
    ((LINE_4, LINE_4 + '  - theo: "The rain has not stopped all night."\n'), r"production\.yaml:\d+:\d+"),
    (('  - mara: "The train\'s leaving."\n', ""), r"script\.yaml:\d+:1"),
    (('  - mara: "Then why are you here?"', '  - theo: "Then why are you here?"'), r"production\.yaml:\d+:\d+"),
])
def test_a_structure_change_stops_on_a_hand_edited_script_with_what_to_do(demo, edit, where):
    hand_edit(demo)
    before_text = script_text(demo)
    edit_production(demo, *edit)

    with pytest.raises(InputError) as raised:
        follow(demo)

    message = str(raised.value)
    assert len(message.splitlines()) == 1, message
    assert re.match(where, message) and "scriptagent script --force" in message and "by hand" in message
    assert script_text(demo) == before_text


# --- two branches, one merge ---------------------------------------------------------------------------------------

def git(folder, *args: str) -> str:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}  # never an outer repo
    return subprocess.run(["git", *args], cwd=folder, env=clean, check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_branches_that_edit_different_lines_merge_cleanly(demo):
    git(demo, "init", "-q")
    git(demo, "checkout", "-q", "-b", "main")  # whatever the default branch is called here
    git(demo, "config", "user.name", "Test")
    git(demo, "config", "user.email", "test@example.com")
    git(demo, "config", "commit.gpgsign", "false")
    git(demo, "add", "-A")
    git(demo, "commit", "-q", "-m", "base")

    git(demo, "checkout", "-q", "-b", "a")
    edit_production(demo, '"(quietly) I said I would."', '"(quietly) I said I would come."')
    assert follow(demo) == "written"
    git(demo, "commit", "-q", "-am", "a: line 2")

    git(demo, "checkout", "-q", "main")
    git(demo, "checkout", "-q", "-b", "b")
    edit_production(demo, "which was most of them.", "which was nearly all of them.")
    assert follow(demo) == "written"
    git(demo, "commit", "-q", "-am", "b: line 8")

    git(demo, "merge", "-q", "--no-edit", "a")  # check=True: a conflict fails here
    assert git(demo, "status", "--porcelain") == ""

    assert follow(demo) in ("unchanged", "written")
    assert_valid(demo)
    text = script_text(demo)
    assert "I said I would come." in text and "which was nearly all of them." in text
    assert script_state(text)[0] == "pristine" and follow(demo) == "unchanged"


def test_a_generated_script_reads_back_as_written(demo):
    script, _ = load_script(demo)
    assert Script.model_validate(script.model_dump(mode="json")) == script
    assert script_state(script_text(demo))[0] == "pristine"
