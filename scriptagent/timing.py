"""Speech timing: how long a line takes to say, and where it sits inside its shot.

This is the one place durations come from. The scripter sizes shots with it, the validators check hand-edited
shots against it, and the renderers place subtitles and voices with `line_timings`, so all three agree.
"""

from __future__ import annotations

import math

from .schema import MAX_SHOT_SECONDS, Shot

DEFAULT_WORDS_PER_SECOND = 2.6  # an unhurried film-dialogue pace
MIN_LINE_SECONDS = 0.6  # even "No." takes a breath to land
LEAD_IN_SECONDS = 0.25  # the cut lands, then the actor speaks
GAP_SECONDS = 0.2  # between two lines in one shot
TAIL_SECONDS = 0.5  # a beat after the last word before the cut
MIN_SHOT_SECONDS = 1.5  # shorter shots flash by unreadably

# Pauses after a word, by the punctuation that ends it; the last word's pause is the shot's tail instead.
ELLIPSIS_PAUSE = 0.35
SENTENCE_PAUSE = 0.3
CLAUSE_PAUSE = 0.15
CLOSING_MARKS = "\"'”’)]»"  # quotes and brackets after a line's last word


def _pause_after(word: str) -> float:
    word = word.rstrip(CLOSING_MARKS)
    if word.endswith(("...", "…")):
        return ELLIPSIS_PAUSE
    if word.endswith((".", "!", "?")):
        return SENTENCE_PAUSE
    if word.endswith((",", ";", ":", "—", "–")):
        return CLAUSE_PAUSE
    return 0.0


def speech_seconds(text: str, words_per_second: float = DEFAULT_WORDS_PER_SECOND) -> float:
    """Estimated time to say `text`: words at the given rate plus short pauses at punctuation."""
    words = text.split()
    pauses = sum(_pause_after(word) for word in words[:-1])
    return max(MIN_LINE_SECONDS, len(words) / words_per_second + pauses)


def dialogue_seconds(lines: list[str], words_per_second: float = DEFAULT_WORDS_PER_SECOND) -> float:
    """Time the lines of one shot need: lead-in, each line, and the gaps between them (0 without lines)."""
    if not lines:
        return 0.0
    spoken = sum(speech_seconds(line, words_per_second) for line in lines)
    return LEAD_IN_SECONDS + spoken + GAP_SECONDS * (len(lines) - 1)


def shot_seconds(lines: list[str], words_per_second: float = DEFAULT_WORDS_PER_SECOND) -> float:
    """Duration for a shot that carries `lines`: what they need plus a tail, rounded up to 0.1 s and clamped."""
    needed = dialogue_seconds(lines, words_per_second) + TAIL_SECONDS
    rounded_up = math.ceil(round(needed * 10, 6)) / 10  # round() first: 2.5000000001 must not become 2.6
    return min(MAX_SHOT_SECONDS, max(MIN_SHOT_SECONDS, rounded_up))


def line_timings(shot: Shot, words_per_second: float = DEFAULT_WORDS_PER_SECOND) -> list[tuple[float, float]]:
    """Shot-local (start, end) seconds of each of `shot.dialogue`, in order.

    Lines follow a short lead-in with small gaps between them. When they need more time than the shot has (a
    hand-edited shot that is too short), everything is scaled down so the lines still fit inside the shot.
    """
    texts = [line.line for line in shot.dialogue]
    needed = dialogue_seconds(texts, words_per_second)
    if not texts:
        return []
    scale = min(1.0, shot.duration / needed)
    timings = []
    clock = LEAD_IN_SECONDS * scale
    for text in texts:
        start = clock
        end = min(shot.duration, start + speech_seconds(text, words_per_second) * scale)
        timings.append((start, end))
        clock = end + GAP_SECONDS * scale
    return timings

