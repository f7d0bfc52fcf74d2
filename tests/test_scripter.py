"""The rule-based ScripterAgent: a recognisable shot list, and invariants that hold for any dialogue."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptagent.schema import MAX_SHOT_SECONDS, Production, Script, ShotSize, Transition, scene_id
from scriptagent.scripter.line_reading import MAX_PART_SECONDS, line_emotion, split_line
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.scripter.validators import screen_side, validate_script
from scriptagent.timing import dialogue_seconds, speech_seconds
from scriptagent.yamlio import dump_yaml, load_yaml_text

DEMO = {
    "title": "The Last Train",
    "cast": [
        {"id": "mara", "name": "Mara", "appearance": "woman in her thirties, short black hair, red wool coat"},
        {"id": "theo", "name": "Theo", "appearance": "man in his forties, grey hair, navy raincoat"},
    ],
    "setting": "a night train platform in the rain, sodium lamps, the last train idling",
    "dialogue": [
        {"mara": "You came."},
        {"theo": "(quietly) I said I would."},
        {"mara": "You said a lot of things, Theo. Most of them at this very platform, if I remember right."},
        {"theo": "I know. I'm not here to say them again."},
        {"mara": "Then why are you here?"},
        {"theo": "(holding out the suitcase) To give you this. It was always yours."},
        {"mara": "(opening it) Our letters... You kept every one?"},
        {"theo": "Every one. I read them on the nights I couldn't sleep, which was most of them."},
        {"mara": "The train's leaving."},
        {"theo": "Then get on it, Mara. Or don't. But this time, choose."},
    ],
}


def write(production: Production) -> Script:
    return RuleBasedScripter(production.scripter).write(production)


def all_shots(script: Script):
    return [shot for _, shot in script.shots()]


def script_lines(script: Script):
    return [(shot, line) for shot in all_shots(script) for line in shot.dialogue]


def reconstruct(script: Script, production: Production) -> list[str]:
    """Re-join the script's lines production line by production line; asserts that parts join exactly."""
    remaining = script_lines(script)
    rebuilt = []
    for expected in production.dialogue:
        assert remaining, f"ran out of script lines before {expected.line!r}"
        _, first = remaining.pop(0)
        assert first.speaker == expected.speaker
        text = first.line
        while text != expected.line:
            assert expected.line.startswith(text + " "), f"{text!r} is not a part of {expected.line!r}"
            _, part = remaining.pop(0)
            assert part.speaker == expected.speaker
            text += " " + part.line
        rebuilt.append(text)
    assert not remaining, "the script has lines the production does not"
    return rebuilt


# --- the demo -----------------------------------------------------------------------------------------------

def test_demo_reads_like_coverage():
    production = Production.model_validate(DEMO)
    script = write(production)
    shots = all_shots(script)
    assert script.scenes[0].id == "platform"
    assert [shot.id for shot in shots] == [f"sh{n:02d}" for n in range(1, len(shots) + 1)]
    opening, closing = shots[0], shots[-1]
    assert opening.shot_size in (ShotSize.extreme_wide, ShotSize.wide) and not opening.dialogue
    assert opening.transition == Transition.fade_in and opening.camera_movement.value == "dolly-in"
    assert closing.shot_size == ShotSize.wide and closing.camera_movement.value == "dolly-out"
    assert shots[1].shot_size == shots[2].shot_size == ShotSize.over_the_shoulder
    sizes = {shot.shot_size for shot in shots}
    assert {ShotSize.two_shot, ShotSize.close_up, ShotSize.medium_close_up} <= sizes
    assert any(line.off_screen for _, line in script_lines(script)), "the long lines cut to reaction shots"
    assert validate_script(script, production) == []


def test_script_survives_a_yaml_round_trip():
    # YAML is slow in ruamel, so this runs on the demo rather than on every random dialogue.
    script = write(Production.model_validate(DEMO))
    text = dump_yaml(script.model_dump(mode="json"))
    assert Script.model_validate(load_yaml_text(text, "script.yaml")) == script


def test_demo_characters_and_lines():
    production = Production.model_validate(DEMO)
    script = write(production)
    assert script.characters["mara"].appearance == DEMO["cast"][0]["appearance"]
    assert script.characters["theo"].name == "Theo"
    assert reconstruct(script, production) == [line.line for line in production.dialogue]
    quiet = next(line for _, line in script_lines(script) if line.line == "I said I would.")
    assert quiet.emotion == "quiet"
    holding = next(shot for shot in all_shots(script) if "suitcase" in shot.description)
    assert holding.characters[0].action == "holding out the suitcase"


def test_reaction_shot_shows_the_listener_while_the_speaker_goes_on():
    production = Production.model_validate(DEMO)
    shots = all_shots(write(production))
    reaction = next(shot for shot in shots if shot.dialogue and shot.dialogue[0].off_screen)
    speaker = reaction.dialogue[0].speaker
    assert [character.id for character in reaction.characters] != [speaker]
    assert "Reaction" in reaction.description


def test_close_ups_push_in_on_charged_lines():
    production = Production.model_validate({**DEMO, "dialogue": [
        {"mara": "Where were you?"}, {"theo": "Away."}, {"mara": "(shouting) You left me there for a year!"}]})
    shots = all_shots(write(production))
    shouted = next(shot for shot in shots if shot.dialogue and "year" in shot.dialogue[0].line)
    assert shouted.shot_size == ShotSize.close_up
    assert shouted.camera_movement.value == "dolly-in"
    assert shouted.dialogue[0].emotion == "shouting"


def test_optional_opening_and_closing():
    production = Production.model_validate({**DEMO, "scripter": {"backend": "rule-based",
                                                                 "establishing_shot": False, "closing_shot": False}})
    shots = all_shots(write(production))
    assert shots[0].dialogue and shots[-1].dialogue
    assert shots[0].transition == Transition.fade_in


def test_monologue_stays_on_the_one_character():
    long_line = " ".join(["I walked the whole length of the platform and nobody was there."] * 6)
    production = Production.model_validate({
        "title": "Alone", "cast": [{"id": "ada", "name": "Ada"}], "setting": "an empty kitchen at dawn",
        "dialogue": [{"ada": "Hello?"}, {"ada": long_line}]})
    script = write(production)
    assert script.scenes[0].id == "kitchen"
    assert all(shot.duration <= MAX_SHOT_SECONDS for shot in all_shots(script))
    assert not any(line.off_screen for _, line in script_lines(script))
    assert reconstruct(script, production)[1] == long_line
    assert validate_script(script, production) == []


def test_three_characters_get_distinct_places():
    production = Production.model_validate({
        "title": "Three", "setting": "a bar", "cast": [
            {"id": "a", "name": "Ann"}, {"id": "b", "name": "Bob"}, {"id": "c", "name": "Cy"}],
        "dialogue": [{"a": "Hi."}, {"b": "Hello there."}, {"c": "Evening, both of you."}, {"a": "Sit down."}]})
    script = write(production)
    opening = all_shots(script)[0]
    positions = [character.position for character in opening.characters]
    assert len(set(positions)) == 3
    assert [screen_side(position) for position in positions] == ["left", "right", None]
    assert validate_script(script, production) == []


# --- the pieces ---------------------------------------------------------------------------------------------

def test_split_line_prefers_sentence_ends_and_joins_back_exactly():
    text = "You said a lot of things, Theo. Most of them at this very platform, if I remember right."
    parts = split_line(text, 2.6)
    assert parts == ["You said a lot of things, Theo.", "Most of them at this very platform, if I remember right."]
    long_text = " ".join(["word"] * 100)
    parts = split_line(long_text, 2.6)
    assert " ".join(parts) == long_text
    assert all(speech_seconds(part, 2.6) <= MAX_PART_SECONDS for part in parts)


def test_split_line_keeps_odd_spacing_intact():
    text = "one  two " + " ".join(["three"] * 40)
    assert " ".join(split_line(text, 2.6)) == text


def test_line_emotion():
    def emotion(text):
        return line_emotion(Production.model_validate({**DEMO, "dialogue": [{"mara": text}]}).dialogue[0])

    assert emotion("(quietly) Fine.") == "quiet"
    assert emotion("Why?") == "questioning"
    assert emotion("Now!") == "intense"
    assert emotion("I... suppose.") == "hesitant"
    assert emotion("It is late.") == "calm"


def test_scene_id():
    assert scene_id("a night train platform in the rain") == "platform"
    assert scene_id("INT. KITCHEN - NIGHT") == "kitchen"
    assert scene_id("¿?") == "scene-1"


# --- any dialogue -------------------------------------------------------------------------------------------

NAMES = {"mara": "Mara", "theo": "Theo", "ivo": "Ivo", "june": "June"}
VOCABULARY = ["the", "train", "is", "late", "again", "you", "never", "said", "that", "we", "could", "go", "home",
              "well,", "no.", "yes.", "really?", "wait!", "so...", "maybe;", "don't", "it's", "letters", "always"]
PARENTHETICALS = ["", "(quietly) ", "(shouting) ", "(whispering) ", "(holding out the suitcase) ", "(opening it) ",
                  "(beat) ", "(angrily) ", "(laughing) ", "(sadly) "]
SETTINGS = ["a night train platform in the rain", "an empty kitchen at dawn", "INT. BAR - NIGHT", "a rooftop"]

short_lines = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12)
long_lines = st.lists(st.sampled_from(VOCABULARY), min_size=60, max_size=90)
line_texts = st.one_of(short_lines, short_lines, long_lines).map(" ".join)


@st.composite
def productions(draw, max_cast: int = 4, max_lines: int = 25) -> Production:
    ids = list(NAMES)[:draw(st.integers(1, max_cast))]
    cast = [{"id": cast_id, "name": NAMES[cast_id], "appearance": draw(st.sampled_from(["", f"{cast_id} in a coat"]))}
            for cast_id in ids]
    dialogue = [{draw(st.sampled_from(ids)): draw(st.sampled_from(PARENTHETICALS)) + draw(line_texts)}
                for _ in range(draw(st.integers(1, max_lines)))]
    scripter = {"backend": "rule-based", "words_per_second": draw(st.sampled_from([1.5, 2.6, 4.0])),
                "establishing_shot": draw(st.booleans()), "closing_shot": draw(st.booleans())}
    return Production.model_validate({"title": "Random", "cast": cast, "setting": draw(st.sampled_from(SETTINGS)),
                                      "dialogue": dialogue, "scripter": scripter})


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(production=productions())
def test_any_dialogue_gives_a_valid_script(production):
    script = write(production)
    assert Script.model_validate(script.model_dump(mode="json")) == script
    for shot in all_shots(script):
        assert 0 < shot.duration <= MAX_SHOT_SECONDS
        assert shot.description
        assert all(c.position and c.action and c.expression for c in shot.characters), "every field filled"
        assert all(line.emotion for line in shot.dialogue)
        assert dialogue_seconds([line.line for line in shot.dialogue], production.scripter.words_per_second) \
            <= shot.duration
    assert validate_script(script, production) == []


@FAST
@given(production=productions())
def test_every_line_once_in_order_and_deterministic(production):
    script = write(production)
    assert reconstruct(script, production) == [line.line for line in production.dialogue]
    assert write(production).model_dump() == script.model_dump()


@FAST
@given(production=productions())
def test_characters_exist_and_keep_their_side(production):
    script = write(production)
    sides: dict[str, set[str]] = {}
    for shot in all_shots(script):
        for character in shot.characters:
            assert character.id in script.characters
            side = screen_side(character.position)
            if side:
                sides.setdefault(character.id, set()).add(side)
        for line in shot.dialogue:
            assert line.speaker in script.characters
            in_frame = {character.id for character in shot.characters}
            assert line.off_screen or line.speaker in in_frame
    assert all(len(found) == 1 for found in sides.values()), sides
    for member in production.cast:
        assert script.characters[member.id].appearance == member.appearance
