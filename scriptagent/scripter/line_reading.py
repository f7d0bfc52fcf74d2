"""How the rule-based scripter reads a line: the emotion it is played with, the face that goes with it, the
listener's reaction, what the speaker does, and where a long line is cut across shots."""

from __future__ import annotations

import re

from ..schema import DialogueLine
from ..timing import CLOSING_MARKS, speech_seconds

SPLIT_LINE_SECONDS = 5.5  # past this (about 6 s with the lead-in and tail) a line cuts away to the listener
MAX_PART_SECONDS = 8.0  # a part of a split line is cut again past this; with lead-in and tail it stays under 10 s
SHORT_EMPHATIC_WORDS = 3  # "You came." lands harder in a close-up

# A word of the parenthetical -> the emotion it asks for. Anything else in a parenthetical is an action.
EMOTION_WORDS = {
    "quietly": "quiet", "softly": "quiet", "gently": "tender", "tenderly": "tender",
    "whispering": "whispering", "whispers": "whispering", "whispered": "whispering",
    "shouting": "shouting", "shouts": "shouting", "yelling": "shouting", "screaming": "shouting",
    "angrily": "angry", "angry": "angry", "furious": "angry", "furiously": "angry",
    "sadly": "sad", "sad": "sad", "crying": "tearful", "tearful": "tearful", "tearfully": "tearful",
    "sobbing": "tearful", "laughing": "amused", "amused": "amused", "smiling": "warm", "warmly": "warm",
    "nervously": "nervous", "nervous": "nervous", "coldly": "cold", "firmly": "firm", "bitterly": "bitter",
    "pleading": "pleading", "sarcastic": "sarcastic", "sarcastically": "sarcastic", "hesitantly": "hesitant",
    "hesitant": "hesitant", "excited": "excited", "excitedly": "excited", "defiantly": "defiant",
    "defiant": "defiant", "surprised": "surprised", "urgently": "urgent", "urgent": "urgent",
}
CHARGED_EMOTIONS = {"whispering", "shouting", "angry", "tearful", "pleading", "defiant", "urgent", "intense"}
LOW_ANGLE_EMOTIONS = {"shouting", "angry", "defiant", "intense", "urgent", "cold"}  # the speaker dominates
HIGH_ANGLE_EMOTIONS = {"tearful", "sad", "pleading", "hesitant", "nervous", "whispering"}  # the speaker is exposed

# The speaker's face for an emotion, and the listener's reaction to it.
EXPRESSIONS = {
    "quiet": "subdued", "questioning": "searching", "intense": "intense", "hesitant": "uncertain",
    "calm": "composed", "whispering": "hushed", "shouting": "furious", "angry": "angry", "sad": "downcast",
    "tearful": "tearful", "amused": "amused", "warm": "warm", "nervous": "nervous", "cold": "cold",
    "firm": "resolute", "bitter": "bitter", "pleading": "pleading", "tender": "tender", "sarcastic": "wry",
    "excited": "bright-eyed", "defiant": "defiant", "surprised": "startled", "urgent": "urgent",
}
REACTIONS = {
    **dict.fromkeys(("intense", "shouting", "angry", "defiant", "cold", "urgent"), "taken aback"),
    **dict.fromkeys(("questioning",), "weighing an answer"),
    **dict.fromkeys(("sad", "tearful", "pleading", "tender"), "moved"),
    **dict.fromkeys(("amused", "warm", "sarcastic", "excited"), "half-smiling"),
    **dict.fromkeys(("hesitant", "quiet", "whispering", "nervous"), "leaning in"),
}


def line_emotion(line: DialogueLine) -> str:
    """The emotion a line is played with: the parenthetical's word for it, else what the punctuation says."""
    for word in re.findall(r"[a-z]+", line.parenthetical.lower()):
        if word in EMOTION_WORDS:
            return EMOTION_WORDS[word]
    text = line.line.rstrip(CLOSING_MARKS)
    if "!" in text:
        return "intense"
    if "..." in text or "…" in text:
        return "hesitant"
    if text.endswith("?"):
        return "questioning"
    return "calm"


def line_emotion_is_stated(line: DialogueLine) -> bool:
    """True when the parenthetical names an emotion ('quietly') rather than an action ('opening it')."""
    return any(word in EMOTION_WORDS for word in re.findall(r"[a-z]+", line.parenthetical.lower()))


def is_charged(line: DialogueLine) -> bool:
    """Lines that deserve a close-up: exclamations, emotional questions, strong parentheticals, short punches."""
    emotion = line_emotion(line)
    text = line.line.rstrip(CLOSING_MARKS)
    emotional_question = text.endswith("?") and (line.parenthetical or "..." in text or "…" in text or "?!" in text)
    short_punch = len(text.split()) <= SHORT_EMPHATIC_WORDS and text.endswith((".", "!"))
    return emotion in CHARGED_EMOTIONS or bool(emotional_question) or short_punch


def _is_adverb(parenthetical: str) -> bool:
    return " " not in parenthetical and parenthetical.lower().endswith("ly")


def speaker_action(line: DialogueLine) -> str:
    """What the speaker physically does: the parenthetical when it is an action, else they speak."""
    parenthetical = line.parenthetical
    if not parenthetical:
        return "speaks"
    if _is_adverb(parenthetical):
        return f"speaks {parenthetical}"
    return parenthetical


def speaking_clause(action: str) -> str:
    """'holding out the suitcase' -> 'speaks while holding out the suitcase', for descriptions."""
    if action.startswith("speaks"):
        return action
    if action.split()[0].lower().endswith("ing"):
        return f"speaks while {action}"
    return f"speaks ({action})"


# --- splitting long lines -----------------------------------------------------------------------------------

def _split_points(text: str) -> list[int]:
    """Single spaces between two words: cutting there and re-joining with one space gives the text back exactly."""
    return [index for index in range(1, len(text) - 1)
            if text[index] == " " and not text[index - 1].isspace() and not text[index + 1].isspace()]


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSING_MARKS).endswith((".", "!", "?", "…"))


def split_line(text: str, words_per_second: float, limit: float = SPLIT_LINE_SECONDS,
               part_limit: float = MAX_PART_SECONDS) -> list[str]:
    """Cut a line longer than `limit` seconds into parts of at most `part_limit` seconds, preferring sentence ends.

    Each cut is the one that balances the two halves best; halves still longer than `part_limit` are cut again
    (a part may run a little longer than the first limit: better than cutting mid-sentence). A text with no
    single space to cut at stays whole (its shot is then clamped to the maximum).
    """
    if speech_seconds(text, words_per_second) <= limit:
        return [text]
    points = _split_points(text)
    if not points:
        return [text]
    candidates = [point for point in points if _ends_sentence(text[:point])] or points

    def longer_half(point: int) -> float:
        return max(speech_seconds(text[:point], words_per_second), speech_seconds(text[point + 1:], words_per_second))

    best = min(candidates, key=longer_half)  # min() keeps the earliest of equals: deterministic
    return (split_line(text[:best], words_per_second, part_limit, part_limit)
            + split_line(text[best + 1:], words_per_second, part_limit, part_limit))
