"""Fountain screenplays: `dialogue_file: film.fountain` and `scriptagent new NAME --from film.fountain`."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import cli, doit, executed, make_production

from scriptagent.errors import InputError
from scriptagent.fountain import (dialogue_from_file, dialogue_of, production_yaml, read_fountain, scenes_from_file,
                                  slug, transition_kind)
from scriptagent.schema import load_production

SAMPLE = Path(__file__).parent / "fountain" / "platform.fountain"
FEATURES = Path(__file__).parent / "fountain" / "late_shift.fountain"
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


def write(tmp_path: Path, text: str, name: str = "film.fountain") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def parse(tmp_path: Path, text: str):
    return read_fountain(write(tmp_path, text))


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InputError) as error:
        parse(tmp_path, text)
    return [str(problem) for problem in error.value.problems]


def bodies(screenplay) -> list[tuple[str, list[dict]]]:
    return [(scene["id"], scene["body"]) for scene in screenplay.scenes]


# --- the samples ---------------------------------------------------------------------------------------------

def test_platform_sample_scenes_and_flat_dialogue():
    screenplay = read_fountain(SAMPLE)
    assert screenplay.title == "The Last Train"
    assert screenplay.characters == {"mara": {"name": "Mara", "appearance": ""},
                                     "theo": {"name": "Theo", "appearance": ""}}
    assert screenplay.scenes == [
        {"id": "train-platform", "heading": "INT. TRAIN PLATFORM - NIGHT",
         "description": "Rain on the glass roof. The last train idles.",
         "body": [{"mara": "You came."},
                  {"theo": "(quietly) I said I would."},
                  {"mara": "You said a lot of things. Most of them right here."},
                  {"theo": "(holding out the suitcase) To give you this."},
                  {"theo": "(beat) It was always yours."},
                  {"mara": "Don't."},
                  {"theo": "Please."},
                  {"speaker": "mara", "line": "I kept every letter.", "off_screen": True}]},
        {"id": "station", "heading": "EXT. STATION - CONTINUOUS", "body": [{"theo": "The train's leaving."}]},
    ]
    assert screenplay.body_lines == [[8, 11, 15, 19, 22, 25, 28, 33], [38]]
    assert screenplay.scene_lines == [4, 36]
    assert screenplay.warnings == []
    # today's flat form: every line, on and off screen, in order
    parsed = [dialogue_of(item)[:3] for item in screenplay.dialogue]
    assert [(speaker, parenthetical, line) for speaker, line, parenthetical in parsed] == SAMPLE_LINES
    source = SAMPLE.read_text().splitlines()
    for (speaker, parenthetical, _), line in zip(SAMPLE_LINES, screenplay.lines):  # its cue, or its parenthetical
        text = source[line - 1]  # (after words: `(beat)` starts the next item)
        assert text.split(" (")[0].rstrip(" ^").lower() == speaker or text == f"({parenthetical})"


def test_feature_sample_exact_scenes():
    screenplay = read_fountain(FEATURES)
    assert screenplay.title == "The Late Shift"  # **THE LATE SHIFT**: no emphasis, title case
    assert screenplay.characters == {
        "edie": {"name": "Edie", "appearance": "60s, oilskin coat, white braid"},  # EDIE (60s, ...) stacks chairs.
        "radio-host": {"name": "Radio Host", "appearance": ""},
        "scott": {"name": "Scott", "appearance": "30s, rumpled suit"},  # SCOTT, 30s, rumpled suit, enters.
        "newscaster": {"name": "Newscaster", "appearance": ""},
        "nak": {"name": "Nak", "appearance": "40s, yellow sou'wester"},
        "jen": {"name": "Jen", "appearance": "20s, sleepy, oversized hoodie"},
    }
    apartment = "INT. SCOTT'S APARTMENT - NIGHT"
    boat = "EXT. NAK'S BOAT - NIGHT"
    assert screenplay.scenes == [
        {"id": "harbour-cafe", "heading": "INT. HARBOUR CAFE - NIGHT",  # the section, synopsis and note: ignored
         "description": "Rain streaks the window. A radio plays low. EDIE (60s, oilskin coat, white braid) stacks "
                        "chairs.",
         "present": ["edie"],
         "body": [{"transition": "fade-in"},  # FADE IN: before the first heading
                  {"edie": "(to herself) One more night."},  # *night*: emphasis gone
                  {"speaker": "radio-host", "line": "Storm warning for the whole coast.", "off_screen": True},
                  {"action": "The door bangs open. SCOTT, 30s, rumpled suit, enters."},  # he enters here
                  {"scott": "Are you still open?"},
                  {"edie": "For you? Always."},  # the boneyard's EDIE: No. is gone
                  {"edie": "(beat) Sit."}]},
        {"id": "scotts-apartment", "heading": apartment, "description": "A dark room. The TV flickers.",
         "body": [{"transition": "cut"},  # SMASH CUT TO:
                  {"speaker": "newscaster", "line": "The ferry is cancelled until Monday.", "off_screen": True},
                  {"action": "Scott drops his keys and dials NAK."},
                  {"speaker": "nak", "line": "Hello?", "off_screen": True},  # NAK (ON PHONE)
                  {"scott": "It's me."},
                  {"speaker": "nak", "line": "It's three in the morning.", "off_screen": True},  # still the phone
                  {"speaker": "jen", "line": "Who is it?", "off_screen": True},  # JEN (O.S.)
                  {"action": "JEN (20s, sleepy, oversized hoodie) shuffles in."},
                  {"jen": "Scott?"}]},
        # only action: it is the body (a scene's body is never empty)
        {"id": "naks-boat", "heading": boat, "present": ["nak"],
         "body": [{"action": "NAK (40s, yellow sou'wester) paces the deck, phone to his ear."}]},
        # INTERCUT - SCOTT'S APARTMENT / NAK'S BOAT: one scene per turn, each in its speaker's place
        {"id": "scotts-apartment-intercut-1", "heading": apartment, "present": ["scott"],
         "body": [{"scott": "Edie knows."}]},
        {"id": "naks-boat-intercut-1", "heading": boat, "present": ["nak"],
         "body": [{"action": "Nak stops pacing."}, {"nak": "(quietly) Then we go tonight."}]},
        {"id": "scotts-apartment-intercut-2", "heading": apartment, "present": ["scott"],
         "body": [{"scott": "Tonight."}]},  # SCOTT (CONT'D): the id without the extension
        {"id": "scotts-apartment-2", "heading": apartment,  # .BACK IN THE APARTMENT: the same set again
         "body": [{"transition": "dissolve"},
                  {"speaker": "scott", "line": "I never should have called him.", "off_screen": True},  # (V.O.)
                  {"action": "Jen sits beside Scott."},
                  {"jen": "You're leaving."}]},
        {"id": "scotts-apartment-3", "heading": apartment, "body": [{"scott": "Yes."}]},  # LATER
        # FADE OUT. at the end: nothing follows it, no beat
    ]
    assert screenplay.scene_lines == [12, 42, 68, 74, 77, 83, 88, 98]
    # every body item points at its line: the transition, the action, the cue of a line, a parenthetical after words
    source = FEATURES.read_text().splitlines()
    expected_start = {"transition": ("FADE IN", "SMASH CUT", "DISSOLVE"), "action": None}
    for scene, lines in zip(screenplay.scenes, screenplay.body_lines):
        assert len(lines) == len(scene["body"])
        for item, line in zip(scene["body"], lines):
            text = source[line - 1]
            if "transition" in item:
                assert text.startswith(expected_start["transition"])
            elif "action" in item:
                assert text == item["action"]
            elif text.startswith("("):
                assert dialogue_of(item)[2] == text.strip("()")
            else:
                assert slug(text.split(" (")[0]) == dialogue_of(item)[0]


# --- each feature --------------------------------------------------------------------------------------------

def test_headings_ids_and_sluglines_that_return(tmp_path):
    screenplay = parse(tmp_path, """\
INT. KITCHEN - DAY

Toast.

EXT. GARDEN - DAY #12#

Birds.

INT./EXT. CAR - MOVING - NIGHT

Rain.

I/E **BUS** - DAWN

A bus.

EST. CITY - NIGHT

Lights.

.FLASHBACK - THE LAKE

Ice.

BACK TO SCENE

Back.

INT. KITCHEN - NIGHT

Dishes.

.BACK IN THE GARDEN

Birds again.

MOMENTS LATER

Still birds.

CONTINUOUS

.LATER

Dark.

.BACK AT THE ZOO

Lions.
""")
    assert [(scene["id"], scene["heading"]) for scene in screenplay.scenes] == [
        ("kitchen", "INT. KITCHEN - DAY"),
        ("garden", "EXT. GARDEN - DAY"),  # the scene number is not part of it
        ("car-moving", "INT./EXT. CAR - MOVING - NIGHT"),
        ("bus", "I/E BUS - DAWN"),  # emphasis stripped
        ("city", "EST. CITY - NIGHT"),
        ("flashback-the-lake", "FLASHBACK - THE LAKE"),  # a forced heading: as written
        ("city-2", "EST. CITY - NIGHT"),  # BACK TO SCENE: the place before the flashback
        ("kitchen-2", "INT. KITCHEN - NIGHT"),
        ("garden-2", "EXT. GARDEN - DAY"),  # .BACK IN THE GARDEN: the garden's heading again
        ("garden-3", "EXT. GARDEN - DAY"),  # MOMENTS LATER: the same place
        # CONTINUOUS, with nothing under it: no scene
        ("garden-4", "EXT. GARDEN - DAY"),  # .LATER
        ("back-at-the-zoo", "BACK AT THE ZOO"),  # no zoo seen before: a heading as written
    ]
    # action only: it is the body
    assert [scene["body"] for scene in screenplay.scenes][-3:] == [[{"action": "Still birds."}], [{"action": "Dark."}],
                                                                  [{"action": "Lions."}]]
    assert not any("description" in scene for scene in screenplay.scenes)


def test_actions_transitions_and_descriptions(tmp_path):
    long = "A long opening paragraph that goes on and on about the room. " * 5
    screenplay = parse(tmp_path, f"""\
FADE IN:

INT. ROOM - DAY

{long.strip()}

A second   paragraph,
over *two* lines.

ANA
Hi.

CUT TO:

Ana _waves_.

DISSOLVE TO:

INT. HALL - DAY

Empty.

FADE TO BLACK.

>BURN TO:

INT. STAIRS - NIGHT

ANA
Up.

FADE OUT.

THE END
""")
    assert bodies(screenplay) == [
        ("room", [{"transition": "fade-in"}, {"action": "A second paragraph, over two lines."}, {"ana": "Hi."},
                  {"transition": "cut"}, {"action": "Ana waves."}]),
        ("hall", [{"transition": "dissolve"}, {"action": "Empty."}]),  # only action: the body
        ("stairs", [{"transition": "cut"}, {"ana": "Up."}]),  # two transitions in a row: the last one
    ]
    # the opening paragraph is the description; a second one would make it too long: it is a beat
    assert screenplay.scenes[0]["description"] == long.strip()
    assert [transition_kind(text) for text in ("CUT TO:", "SMASH CUT TO:", "MATCH CUT TO:", "DISSOLVE TO:",
                                               "FADE OUT.", "FADE TO BLACK.", "FADE IN:")] == \
        ["cut", "cut", "cut", "dissolve", "fade-in", "fade-in", "fade-in"]
    # FADE OUT. then FADE IN: between scenes: the next scene fades in
    fades = parse(tmp_path, "INT. A - DAY\n\nANA\nOne.\n\nFADE OUT.\n\nFADE IN:\n\nINT. B - DAY\n\nANA\nTwo.\n")
    assert bodies(fades) == [("a", [{"ana": "One."}]), ("b", [{"transition": "fade-in"}, {"ana": "Two."}])]
    # a heading with nothing under it is no scene: its transition goes on to the next, its id is not used up
    bare = parse(tmp_path, "FADE IN:\n\nEXT. HOUSE - NIGHT\n\nINT. HOUSE - NIGHT\n\nANA\nHi.\n")
    assert bodies(bare) == [("house", [{"transition": "fade-in"}, {"ana": "Hi."}])]
    assert bare.body_lines == [[1, 7]] and bare.scene_lines == [5]


def test_character_extensions_and_voices(tmp_path):
    screenplay = parse(tmp_path, """\
INT. OFFICE - DAY

ANA sits at her desk. The phone rings.

BEN (V.O.)
I remember that day.

BEN (O.S.)
Ana?

ANA (CONT'D)
In here.

BEN (O.C.) (CONT'D)
Coming.

BOSS (ON THE PHONE)
Is it done?

ANA (INTO PHONE)
Nearly.

BOSS
Nearly is not done.

BEN
(walking in)
Lunch?

VOICE (FILTERED)
Doors closing.

ANNOUNCER (ON TV)
And now the weather.

PILOT (OVER RADIO)
Mayday.

@McCLANE
Yippee.

Boss walks in, furious.

BOSS
Now.
""")
    assert screenplay.scenes[0]["present"] == ["ana"]
    assert screenplay.scenes[0]["body"] == [
        {"speaker": "ben", "line": "I remember that day.", "off_screen": True},
        {"speaker": "ben", "line": "Ana?", "off_screen": True},
        {"ana": "In here."},
        {"speaker": "ben", "line": "Coming.", "off_screen": True},
        {"speaker": "boss", "line": "Is it done?", "off_screen": True},
        {"ana": "Nearly."},  # into the phone: seen
        {"speaker": "boss", "line": "Nearly is not done.", "off_screen": True},  # still on the other end
        {"ben": "(walking in) Lunch?"},  # O.S. is for that line only
        {"speaker": "voice", "line": "Doors closing.", "off_screen": True},
        {"speaker": "announcer", "line": "And now the weather.", "off_screen": True},
        {"speaker": "pilot", "line": "Mayday.", "off_screen": True},
        {"mcclane": "Yippee."},
        {"action": "Boss walks in, furious."},
        {"boss": "Now."},  # walked in: seen from here on
    ]
    assert {cast_id: c["name"] for cast_id, c in screenplay.characters.items()} == {
        "ben": "Ben", "ana": "Ana", "boss": "Boss", "voice": "Voice", "announcer": "Announcer", "pilot": "Pilot",
        "mcclane": "McCLANE"}  # @McCLANE: as written


def test_a_call_established_by_action_and_dual_dialogue(tmp_path):
    screenplay = parse(tmp_path, """\
INT. FLAT - NIGHT

Scott dials MARA.

MARA
Hello?

SCOTT
It's me.

MARA
I know.

Mara is on the line, silent. JEN enters.

JEN
Who?

SCOTT
Nobody.

JEN ^
Liar.
""")
    assert screenplay.scenes[0]["body"] == [
        {"speaker": "mara", "line": "Hello?", "off_screen": True},
        {"scott": "It's me."},
        {"speaker": "mara", "line": "I know.", "off_screen": True},
        {"action": "Mara is on the line, silent. JEN enters."},
        {"jen": "Who?"},
        {"scott": "Nobody."},
        {"jen": "Liar."},
    ]
    assert screenplay.scenes[0]["present"] == ["scott"]  # named in the opening; Mara is on the other end


def test_intercut_with_the_last_two_places(tmp_path):
    screenplay = parse(tmp_path, """\
INT. SCOTT'S APARTMENT - NIGHT

SCOTT paces.

EXT. PHONE BOX - NIGHT

Rain hammers the glass.

INTERCUT WITH:

The line crackles.

NAK (ON PHONE)
It's me.

SCOTT (ON PHONE)
Where are you?

Scott sits down.

NEWSCASTER (ON TV)
More rain tonight.

NAK
Outside.

END INTERCUT

Scott hangs up.
""")
    apartment, box = "INT. SCOTT'S APARTMENT - NIGHT", "EXT. PHONE BOX - NIGHT"
    assert screenplay.scenes == [
        {"id": "scotts-apartment", "heading": apartment, "present": ["scott"], "body": [{"action": "SCOTT paces."}]},
        {"id": "phone-box", "heading": box, "body": [{"action": "Rain hammers the glass."}]},
        # Nak was never seen: the place Scott does not hold
        {"id": "phone-box-intercut-1", "heading": box, "present": ["nak"],
         "body": [{"action": "The line crackles."}, {"nak": "It's me."}]},
        {"id": "scotts-apartment-intercut-1", "heading": apartment, "present": ["scott"],
         "body": [{"scott": "Where are you?"}, {"action": "Scott sits down."},
                  {"speaker": "newscaster", "line": "More rain tonight.", "off_screen": True}]},
        {"id": "phone-box-intercut-2", "heading": box, "present": ["nak"], "body": [{"nak": "Outside."}]},
        # END INTERCUT: a new scene where the first character named was
        {"id": "scotts-apartment-2", "heading": apartment, "present": ["scott"],
         "body": [{"action": "Scott hangs up."}]},
    ]
    ids = [scene["id"] for scene in screenplay.scenes]
    assert len(ids) == len(set(ids))


def test_intercut_names_its_places(tmp_path):
    screenplay = parse(tmp_path, """\
INT. CAFE - DAY

EDIE wipes the bar.

INT. OFFICE - DAY

BOB types.

INT. GARAGE - DAY

Tools.

INTERCUT BETWEEN CAFE AND OFFICE

EDIE (INTO PHONE)
Bob?

BOB
Edie.

Edie smiles.
""")
    assert [(s["id"], s["heading"], s.get("present"), s["body"]) for s in screenplay.scenes[3:]] == [
        ("cafe-intercut-1", "INT. CAFE - DAY", ["edie"], [{"edie": "Bob?"}]),
        ("office-intercut-1", "INT. OFFICE - DAY", ["bob"], [{"bob": "Edie."}]),
        ("cafe-intercut-2", "INT. CAFE - DAY", ["edie"], [{"action": "Edie smiles."}]),  # action of one side
    ]


def test_appearance_from_first_description(tmp_path):
    screenplay = parse(tmp_path, """\
INT. DOCK - DAWN

EDIE (60s, oilskin coat, white braid) stacks crates. SCOTT, 30s, rumpled suit, enters. KIM, in a red coat.

Later, ANA looks at EDIE, then leaves. TOM, ANA and BO wave.

EDIE
Hi.

SCOTT
Hi.

KIM
Hi.

ANA
Hi.

TOM
Hi.

BO
Hi.

INT. BOAT - DAY

ANA (20s) steers.
""")
    assert {cast_id: c["appearance"] for cast_id, c in screenplay.characters.items()} == {
        "edie": "60s, oilskin coat, white braid", "scott": "30s, rumpled suit", "kim": "in a red coat",
        "ana": "20s", "tom": "", "bo": ""}


def test_notes_boneyard_sections_and_synopses_are_ignored(tmp_path):
    screenplay = parse(tmp_path, """\
# ACT ONE

## The harbour

= Edie finds the card.

INT. HARBOUR - DAY
= a synopsis right under the heading

[[A note on its own.]]

EDIE
I found [[is it found?]] it.
[[a note on its own line inside the dialogue]]
Look.

/* EDIE
Gone.

MORE
Gone too.
*/

Waves. [[A note
across two lines]] Gulls.

===

EDIE
The end.
""")
    assert bodies(screenplay) == [("harbour", [{"edie": "I found it. Look."}, {"action": "Waves. Gulls."},
                                               {"edie": "The end."}])]
    assert screenplay.body_lines == [[12, 24, 29]]
    assert list(screenplay.characters) == ["edie"]


def test_dialogue_before_any_heading_is_an_implicit_first_scene(tmp_path):
    screenplay = parse(tmp_path, "Title: Cold Open\n\nMARA\nWhere am I?\n\nINT. CELL - NIGHT\n\nMARA\nOh.\n")
    assert bodies(screenplay) == [("opening", [{"mara": "Where am I?"}]), ("cell", [{"mara": "Oh."}])]
    assert screenplay.scenes[0]["heading"] == "UNSPECIFIED PLACE"
    assert [str(w) for w in screenplay.warnings] == [
        f"{tmp_path / 'film.fountain'}:3:1: dialogue or action before the first scene heading: it goes into a first "
        "scene 'opening' with no place (start the screenplay with a scene heading such as INT. KITCHEN - DAY)"]


def test_warnings_name_their_lines(tmp_path):
    screenplay = parse(tmp_path, """\
INT. HALL - DAY

INTERCUT WITH:

/* an old line
ANA
Hi.

\u0391\u039b\u0395\u039e
Hello.
""")
    assert [(w.line, w.message) for w in screenplay.warnings] == [
        (3, "INTERCUT needs two places: this one is ignored"),
        (5, "a boneyard `/*` with no `*/`: what follows it is read"),
        (9, "\u0391\u039b\u0395\u039e: no latin letters or digits for a cast id: it is character-1b478d"),
    ]
    assert screenplay.scenes == [{"id": "hall", "heading": "INT. HALL - DAY", "description": "/* an old line ANA Hi.",
                                  "body": [{"character-1b478d": "Hello."}]}]


def test_speaker_ids_that_are_body_keys_use_the_long_form(tmp_path):
    screenplay = parse(tmp_path, "INT. STATION - DAY\n\nSPEAKER\nMind the gap.\n\nACTION (V.O.)\nRoll.\n")
    assert screenplay.scenes[0]["body"] == [{"speaker": "speaker", "line": "Mind the gap."},
                                            {"speaker": "action", "line": "Roll.", "off_screen": True}]
    assert screenplay.dialogue == [{"speaker": "speaker", "line": "Mind the gap.", "parenthetical": ""},
                                   {"speaker": "action", "line": "Roll.", "parenthetical": ""}]


def test_title_capitalisation(tmp_path):
    assert parse(tmp_path, "Title: **THE LAST OF THE LIGHT**\n\nINT. A - DAY\n\nX.\n").title == \
        "The Last of the Light"
    assert parse(tmp_path, "Title:\n    _Night Moves_\n    *again*\n\nINT. A - DAY\n\nX.\n").title == \
        "Night Moves again"
    assert parse(tmp_path, "INT. A - DAY\n\nX.\n").title == "Film"  # no title page: the file name


# --- problems, each with its line ----------------------------------------------------------------------------

def test_problems_name_their_lines(tmp_path):
    found = problems(tmp_path, """\
INT. KITCHEN - DAY

THEO
(quietly)

MARA
Hello.
""")
    name = tmp_path / "film.fountain"
    assert found == [
        f"{name}:3:1: THEO: a character cue with no line under it (write the line right under the name, or remove "
        "the name)",
    ]
    # a name alone with a blank line under it is action, as screenplays use it for emphasis ("He turns to see /
    # KARL / to his right"), with a warning at its line in case it was meant as a cue
    screenplay = parse(tmp_path, "INT. KITCHEN - DAY\n\nHe turns to see\n\nMARA\n\nby the door.\n\n"
                                              "MARA\nHello.\n")
    # (before the scene's first line, action is the scene's description)
    assert screenplay.scenes[0]["description"] == "He turns to see MARA by the door."
    assert screenplay.scenes[0]["body"] == [{"mara": "Hello."}]
    assert [(w.line, w.message.split(":")[0]) for w in screenplay.warnings] == [(5, "MARA")]
    assert problems(tmp_path, "Title: Empty\n\nINT. VOID - NIGHT\n\n[[only a note]]\n") == [
        f"{name}: no dialogue or action found (a scene heading (INT. KITCHEN - DAY), action, and a character cue in "
        "CAPITALS after a blank line with the dialogue on the lines below it)"]
    (tmp_path / "latin1.fountain").write_bytes("INT. CAFÉ - DAY\n\nANA\nOl\xe1.\n".encode("utf-8")[:-4] + b"\xe1.\n")
    with pytest.raises(InputError) as error:
        read_fountain(tmp_path / "latin1.fountain", "latin1.fountain")
    assert str(error.value).startswith("latin1.fountain:4:3: cannot read the screenplay: not UTF-8 text")
    with pytest.raises(InputError, match="missing.fountain: cannot read the screenplay"):
        read_fountain(tmp_path / "missing.fountain", "missing.fountain")


def test_scenes_from_file_checks_the_cast(tmp_path):
    shutil.copyfile(FEATURES, tmp_path / "film.fountain")
    cast = ["edie", "radio-host", "scott", "newscaster", "nak", "jen"]
    assert scenes_from_file(tmp_path, "film.fountain", cast) == read_fountain(FEATURES).scenes
    with pytest.raises(InputError) as error:
        scenes_from_file(tmp_path, "film.fountain", ["edie", "scott", "jen"])
    assert [str(p) for p in error.value.problems] == [
        "film.fountain:22:1: 'radio-host' is not in the cast (known: edie, scott, jen) (add a cast member with id: "
        "radio-host)",
        "film.fountain:46:1: 'newscaster' is not in the cast (known: edie, scott, jen) (add a cast member with id: "
        "newscaster)",
        "film.fountain:51:1: 'nak' is not in the cast (known: edie, scott, jen) (add a cast member with id: nak)",
    ]
    for outside in ("../film.fountain", str(tmp_path / "film.fountain")):
        with pytest.raises(InputError, match="outside the production folder"):
            scenes_from_file(tmp_path, outside, cast)
    write(tmp_path, "MARA\nHi.\n", "cold.fountain")
    warned = []
    assert scenes_from_file(tmp_path, "cold.fountain", ["mara"], warn=warned.append)[0]["id"] == "opening"
    assert [(w.file, w.line) for w in warned] == [("cold.fountain", 1)]
    # the flat form, for productions read the old way
    assert dialogue_from_file(tmp_path, "cold.fountain", ["mara"]) == [{"mara": "Hi."}]
    write(tmp_path, "INT. A - DAY\n\nNobody speaks.\n", "quiet.fountain")
    with pytest.raises(InputError, match="no dialogue found"):
        dialogue_from_file(tmp_path, "quiet.fountain", [])


# --- production.yaml -----------------------------------------------------------------------------------------

def test_scenes_are_valid_production_scenes():
    from scriptagent.schema import ProductionScene

    scenes = [scene for sample in (SAMPLE, FEATURES) for scene in read_fountain(sample).scenes]
    assert scenes
    for scene in scenes:
        ProductionScene.model_validate(scene)


def test_production_yaml_text(tmp_path):
    screenplay = parse(tmp_path, 'Title: "Q" & A\n\nINT. A - DAY\n\nANA (20s, "tall", #1 fan: yes) waits.\n\n'
                                 'ANA\nHi.\n')
    text = production_yaml(screenplay, "film.fountain")
    data = YAML(typ="safe").load(text)
    assert data["title"] == '"Q" & A'
    assert data["cast"] == [{"id": "ana", "name": "Ana", "appearance": '20s, "tall", #1 fan: yes',
                             "reference": "cast/ana.png"}]
    assert data["dialogue_file"] == "film.fountain"
    assert "dialogue" not in data and "scenes" not in data  # the scenes are read from the screenplay at build time
    assert YAML(typ="safe").load(production_yaml(screenplay, "my film.fountain", title="T: x"))["dialogue_file"] == \
        "my film.fountain"


# --- speed ---------------------------------------------------------------------------------------------------

def synthetic_screenplay(scenes: int, lines_per_scene: int) -> str:
    """A feature-length screenplay: headings, action, lines with parentheticals and extensions, transitions."""
    parts = ["Title: **A LONG ONE**\nAuthor: Generator\n"]
    people = [f"PERSON{chr(65 + n)}" for n in range(12)]
    for number in range(scenes):
        parts.append(f"{'INT' if number % 2 else 'EXT'}. PLACE {number % 40} - {'DAY' if number % 3 else 'NIGHT'}")
        parts.append(f"{people[number % 12]} waits by the window. Rain falls on place {number}.")
        for line in range(lines_per_scene):
            who = people[(number + line) % 12]
            extension = " (V.O.)" if line % 7 == 3 else ""
            parenthetical = "(quietly)\n" if line % 5 == 1 else ""
            parts.append(f"{who}{extension}\n{parenthetical}Line {line} of scene {number}, said plainly.")
            if line % 4 == 2:
                parts.append(f"{who.title()} crosses the room.")
        parts.append("CUT TO:" if number % 2 else "DISSOLVE TO:")
    return "\n\n".join(parts) + "\n"


def test_a_feature_length_screenplay_parses_fast(tmp_path):
    scenes, per_scene = 160, 13  # ~2,000 lines of dialogue, ~120 pages
    path = write(tmp_path, synthetic_screenplay(scenes, per_scene))
    start = time.perf_counter()
    screenplay = read_fountain(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.2f} s"
    assert len(screenplay.scenes) == scenes
    assert len(screenplay.dialogue) == scenes * per_scene
    assert sum("action" in item for scene in screenplay.scenes for item in scene["body"]) == \
        scenes * sum(1 for line in range(per_scene) if line % 4 == 2)
    assert sum("transition" in item for scene in screenplay.scenes for item in scene["body"]) == scenes - 1
    assert len({scene["id"] for scene in screenplay.scenes}) == scenes
    assert screenplay.title == "A Long One" and len(screenplay.characters) == 12


# --- in a production -----------------------------------------------------------------------------------------

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
    with pytest.raises(InputError, match="no dialogue"):
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
    assert production.scenes and production.setting is None  # the screenplay's scenes, read at every build
    assert [(d.speaker, d.line) for d in production.lines] == [(s, text) for s, _, text in SAMPLE_LINES]

    result = cli("new", "shift", "--from", str(FEATURES), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = YAML(typ="safe").load((tmp_path / "shift" / "production.yaml").read_text())
    assert data["title"] == "The Late Shift"
    assert {m["id"]: m["appearance"] for m in data["cast"]}["edie"] == "60s, oilskin coat, white braid"
    assert data["dialogue_file"] == "late_shift.fountain"
    assert sorted(p.name for p in (tmp_path / "shift" / "cast").iterdir()) == sorted(
        f"{m['id']}.png" for m in data["cast"])
    shift = load_production(tmp_path / "shift")
    assert len(shift.scene_list) > 3 and any(line.off_screen for line in shift.lines)

    write(tmp_path, "MARA\nHi.\n", "cold.fountain")
    result = cli("new", "cold", "--from", str(tmp_path / "cold.fountain"), cwd=tmp_path)
    assert result.returncode == 0 and "cold.fountain:1:1: dialogue or action before the first scene heading" in \
        result.stderr

    write(tmp_path, "Title: Nothing\n\nINT. VOID - NIGHT\n", "empty.fountain")
    result = cli("new", "void", "--from", str(tmp_path / "empty.fountain"), cwd=tmp_path)
    assert result.returncode == 2 and "no dialogue or action found" in result.stderr
    assert not (tmp_path / "void").exists()
    write(tmp_path, "INT. VOID - NIGHT\n\nWind.\n", "quiet.fountain")
    result = cli("new", "quiet", "--from", str(tmp_path / "quiet.fountain"), cwd=tmp_path)
    assert result.returncode == 2 and "no dialogue found" in result.stderr
    assert not (tmp_path / "quiet").exists()
