"""Speech timing: the estimate of how long a line takes and where lines sit inside a shot."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scriptagent.schema import MAX_SHOT_SECONDS, Shot
from scriptagent.timing import (GAP_SECONDS, LEAD_IN_SECONDS, MIN_LINE_SECONDS, MIN_SHOT_SECONDS, TAIL_SECONDS,
                                dialogue_seconds, line_timings, shot_seconds, speech_seconds)

WORDS = ["yes", "no", "well,", "wait.", "really?", "stop!", "so...", "the", "train", "platform", "always"]


def make_shot(lines: list[str], duration: float) -> Shot:
    return Shot.model_validate({"id": "sh01", "duration": duration, "shot_size": "medium",
                                "description": "Mara talks.",
                                "characters": [{"id": "mara", "position": "left third, facing right"}],
                                "dialogue": [{"speaker": "mara", "line": line} for line in lines]})


def test_speech_seconds_counts_words_at_the_rate():
    assert speech_seconds("one two three four five six seven eight", 2.0) == pytest.approx(4.0)
    assert speech_seconds("one two three four", 4.0) == pytest.approx(1.0)


def test_speech_seconds_has_a_floor():
    assert speech_seconds("No.") == MIN_LINE_SECONDS
    assert speech_seconds("Yes") == MIN_LINE_SECONDS


def test_punctuation_adds_pauses_but_not_at_the_end():
    plain = speech_seconds("I came here for you and then I left again")
    assert speech_seconds("I came here for you, and then I left again") > plain
    assert speech_seconds("I came here for you. And then I left again") > speech_seconds(
        "I came here for you, and then I left again")
    assert speech_seconds("I came here for you... and then I left again") > speech_seconds(
        "I came here for you. And then I left again")
    assert speech_seconds("I came here for you and then I left again.") == pytest.approx(plain)


def test_slower_speech_takes_longer():
    text = "You said a lot of things, Theo. Most of them at this very platform."
    assert speech_seconds(text, 2.0) > speech_seconds(text, 2.6) > speech_seconds(text, 4.0)


def test_dialogue_seconds_adds_lead_in_and_gaps():
    lines = ["one two three four five six", "seven eight nine ten eleven twelve"]
    expected = LEAD_IN_SECONDS + 2 * speech_seconds(lines[0]) + GAP_SECONDS
    assert dialogue_seconds(lines) == pytest.approx(expected)
    assert dialogue_seconds([]) == 0.0


def test_shot_seconds_is_rounded_up_and_clamped():
    assert shot_seconds(["Hi."]) == MIN_SHOT_SECONDS
    assert shot_seconds(["word"] * 200) == MAX_SHOT_SECONDS
    text = "one two three four five six seven eight nine ten"
    seconds = shot_seconds([text])
    assert seconds >= dialogue_seconds([text]) + TAIL_SECONDS - 1e-9
    assert round(seconds * 10) == pytest.approx(seconds * 10)


def test_line_timings_lay_lines_out_after_a_lead_in():
    shot = make_shot(["one two three four", "five six"], 9.0)
    (start1, end1), (start2, end2) = line_timings(shot)
    assert start1 == pytest.approx(LEAD_IN_SECONDS)
    assert end1 - start1 == pytest.approx(speech_seconds("one two three four"))
    assert start2 == pytest.approx(end1 + GAP_SECONDS)
    assert end2 <= 9.0


def test_line_timings_squeeze_lines_into_a_short_shot():
    shot = make_shot(["one two three four five six seven eight nine ten"] * 3, 2.0)
    timings = line_timings(shot)
    assert timings[-1][1] == pytest.approx(2.0)
    assert all(end <= 2.0 for _, end in timings)


def test_line_timings_of_a_silent_shot():
    assert line_timings(make_shot([], 3.0)) == []


line_texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=70).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(line_texts, max_size=5),
       duration=st.floats(min_value=0.1, max_value=MAX_SHOT_SECONDS),
       rate=st.floats(min_value=0.6, max_value=8.0))
def test_line_timings_always_fit_the_shot(lines, duration, rate):
    timings = line_timings(make_shot(lines, duration), rate)
    assert len(timings) == len(lines)
    previous_end = 0.0
    for start, end in timings:
        assert previous_end <= start < end <= duration
        previous_end = end
    starts = [start for start, _ in timings]
    assert starts == sorted(set(starts))


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=70), rate=st.floats(0.6, 8.0))
def test_more_words_never_take_less_time(words, rate):
    text = " ".join(words)
    assert speech_seconds(text, rate) >= MIN_LINE_SECONDS
    assert speech_seconds(text + " more", rate) >= speech_seconds(text, rate)
