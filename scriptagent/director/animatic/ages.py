"""How old a character is, from their description: an age in years ('a girl of ten', 'a footman of eighty-seven',
'a woman of nine-and-twenty', '12-year-old'), a decade ('60s', 'in her thirties'), hand phrases ('old man',
'toddler', 'elderly'), or the noun that names them, through the lexicon ('a small boy' is a child, 'a youth' a
juvenile, 'a manservant' an adult)."""

from __future__ import annotations

import re

from . import vocabulary
from .lexicon import words_of

OLD = re.compile(r"\bold (?:man|woman|lady|gentleman|timer|couple)\b|\belderly\b|\bageing\b|\baging\b|"
                 r"\bgrand(?:mother|father|ma|pa|dad|mum|mom)\b|\bgranny\b|\bin (?:his|her|their) "
                 r"(?:sixties|seventies|eighties|nineties)\b|\b[6-9]\d(?:-year-old| years old)\b|\b[6-9]0s\b")
CHILD = re.compile(r"\b(?:child|kid|toddler|little (?:boy|girl))\b|\b(?:[2-9]|1[0-2])(?:-year-old| years old)\b|"
                   r"\b(?:boy|girl) of (?:[2-9]|1[0-2]|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b")
UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
DECADES = {"teens": 13, **{name[:-1] + "ies": value for name, value in TENS.items()}}
NUMBER = r"\d{1,3}|[a-z]+(?:-and-[a-z]+|-[a-z]+)?"
AGE_TEXT = [re.compile(pattern) for pattern in (
    rf"\b({NUMBER})[- ]years?[- ]old\b", rf"\baged ({NUMBER})\b", rf"^\s*({NUMBER})\s*(?:[,;.]|$)",
    rf"\b(?:of|about|around) ({NUMBER})(?: years(?: of age)?)?(?=\s*(?:$|[,;.)]|in\b|with\b|and\b|who\b|wearing\b))")]
DECADE_TEXT = re.compile(r"\b(\d)0s\b|\bin (?:his|her|their|its) (?:early |mid-?|late )?([a-z]+)\b")


def _number(text: str) -> int | None:
    """'87', 'ten', 'eighty-seven', 'nine-and-twenty' (29) -> the number; None for other words."""
    if text.isdigit():
        return int(text)
    if text in UNITS:
        return UNITS.index(text)
    if text in TENS:
        return TENS[text]
    if "-and-" in text:  # the old way round: 'five-and-thirty'
        unit, _, tens = text.partition("-and-")
    else:
        tens, _, unit = text.partition("-")
    return TENS[tens] + UNITS.index(unit) if tens in TENS and unit in UNITS[1:10] else None


def years_of(text: str) -> int | None:
    """The age a description states: '60s', 'in her thirties', 'a girl of ten', 'a footman of eighty-seven',
    '12-year-old', 'aged 40', 'a woman of nine-and-twenty'."""
    for match in DECADE_TEXT.finditer(text):
        if match[1]:
            return int(match[1]) * 10 + 5
        if match[2] in DECADES:
            return DECADES[match[2]] + 5 * (match[2] != "teens")
    for pattern in AGE_TEXT:
        for match in pattern.finditer(text):
            number = _number(match[1])
            if number is None or not 0 < number < 120:
                continue
            if pattern is AGE_TEXT[3]:  # 'of ten' tells an age only after a person: 'a girl of ten'
                before = words_of(text[:match.start()])
                if not before or vocabulary.age(before[-1]) is None:
                    continue
            return number
    return None


def age_of(text: str, words: list[str]) -> tuple[str, int | None]:
    """(child, teen, adult or old; the age in years where the text states one)."""
    years = years_of(text)
    if years is not None:
        return ("child" if years < 13 else "teen" if years < 20 else "adult" if years < 60 else "old"), years
    if CHILD.search(text):
        return "child", None
    if re.search(r"\bteen(?:age|ager)?s?\b", text):
        return "teen", None
    if OLD.search(text):
        return "old", None
    for index, word in enumerate(words):
        if word in ("old", "older", "oldest", "elderly", "aged", "ancient", "venerable") and \
                any(vocabulary.age(after) for after in words[index + 1:index + 3]):
            return "old", None  # 'a squeezing old sinner', 'an old footman'
    for index, word in enumerate(words):
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) and word != "young" else None
        found = (vocabulary.age(pair) if pair else None) or vocabulary.age(word)
        if found:  # the first noun that names a person: 'a small boy' -> child, 'a flower girl' -> adult
            return found, None
    return "adult", None


