"""Names in a screenplay: character cues (display name, cast id, extensions: how a line is heard), the characters
named in action and their first description, places of scene headings; slugs and title case."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_HEADING_PREFIX = re.compile(r"^(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST)(?:\.|\s)\s*",
                             re.I)
_TIME_WORDS = {"DAY", "NIGHT", "MORNING", "AFTERNOON", "EVENING", "DAWN", "DUSK", "SUNRISE", "SUNSET", "NOON",
               "MIDNIGHT", "LATER", "CONTINUOUS", "SAME", "MOMENTS", "MOMENT", "EARLIER", "FLASHBACK", "PRESENT",
               "YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS", "NIGHTFALL", "DAYBREAK", "TWILIGHT",
               "LATE", "EARLY", "CONT", "CONTD", "CONTINUING"}
_STOP_WORDS = {"THE", "A", "AN", "OF", "INT", "EXT", "EST", "I", "E"}
_CALL_VERBS = r"(?:calls|dials|phones|rings|texts|facetimes|video-calls|radios)"
_PREDICATE_START = {"is", "are", "was", "were", "has", "had", "sits", "stands", "enters", "looks", "walks", "stares",
                    "leans", "waits", "turns", "holds", "steps", "comes", "goes", "runs", "moves", "pulls", "picks",
                    "pauses", "smiles", "nods", "sat", "stood", "then", "who", "which", "and", "but", "as", "while",
                    "before", "after", "when", "so", "with"}
_NOT_DESCRIPTION = {"then", "and", "but", "who", "which", "as", "while", "before", "after", "when", "so", "too",
                    "again", "still", "now", "here", "there", "please", "yes", "no", "sir", "madam"}
_SMALL_WORDS = {"a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by", "with",
                "from", "as"}


def plain(text: str) -> str:
    """Text without Fountain emphasis (`*italic*`, `**bold**`, `_underline_`), whitespace normalised."""
    from screenplain.richstring import parse_emphasis

    try:
        text = str(parse_emphasis(text))
    except (KeyError, ValueError):  # crossed emphasis markers: take them out by hand
        text = re.sub(r"(?<!\\)\*+|(?<=\s)_|_(?=\s|$)|^_", "", text).replace("\\*", "*")
    return " ".join(text.split())


def slug(text: str, fallback: str = "") -> str:
    """A lower-case id [a-z0-9][a-z0-9_-]*, at most 40 characters: `Scott's Apartment` -> `scotts-apartment`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = re.sub(r"['`]", "", ascii_text)
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return value[:40].rstrip("-") or fallback


def place_words(text: str) -> set[str]:
    """The significant words of a place, for matching `BACK IN THE APARTMENT` to `SCOTT'S APARTMENT`."""
    text = re.sub(r"['\u2019]S\b", "", text.upper())
    return {word for word in re.findall(r"[A-Z0-9]+", text) if word not in _STOP_WORDS}


def smart_title(text: str) -> str:
    """`THE LAST BIRTHDAY CARD` -> `The Last Birthday Card`; text not all in capitals is kept as written."""
    if not text.isupper():
        return text
    words = text.lower().split(" ")
    out = []
    for index, word in enumerate(words):
        if index and index < len(words) - 1 and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(_capitalise(word))
    return " ".join(out)


def _capitalise(word: str) -> str:
    # O'Brien, Nak's, Mary-Jane
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0) if m.start() > 0 and word[m.start() - 1] in "'\u2019"
                  and len(m.group(0)) <= 2 else m.group(0)[:1].upper() + m.group(0)[1:], word)


def character_name(cue: str) -> str:
    """The name of a character cue as a person writes it: `NAK'S MOM (V.O.)` -> `Nak's Mom`."""
    name = cue_name(cue)
    return smart_title(name) if name.isupper() else name


def cue_name(cue: str) -> str:
    name = cue.strip().lstrip("@").rstrip("^").strip()
    name = name.split("(", 1)[0].strip().rstrip("^").strip()
    return plain(name)


def speaker_id(cue: str) -> str:
    """The cast id of a cue: `NAK'S MOM (V.O.)` -> `naks-mom`; a name with no latin letters or digits gets
    `character-` and a digest of the name."""
    name = cue_name(cue)
    return slug(name) or "character-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def extension_kind(extension: str) -> str | None:
    """How a character extension is heard: vo, os (off screen), phone (a two-way device), broadcast (TV,
    recording), contd; None for anything else (on screen, e.g. (INTO PHONE) or (WHISPERING))."""
    upper = extension.upper().replace("\u2019", "'")
    compact = re.sub(r"[^A-Z]", "", upper)
    words = set(re.findall(r"[A-Z]+", upper))
    if compact in ("VO", "VOICEOVER"):
        return "vo"
    if compact in ("OS", "OC", "OFF", "OFFSCREEN", "OFFCAMERA", "OFFSTAGE", "PRELAP"):
        return "os"
    if compact.startswith("CONT"):
        return "contd"
    if "INTO" in words:
        return None
    if words & {"TV", "TELEVISION", "RECORDING", "RECORDED", "VOICEMAIL", "TAPE", "VIDEO", "BROADCAST", "SCREEN",
                "LOUDSPEAKER", "MACHINE"} or compact in ("PA", "OVERPA", "ONPA"):
        return "broadcast"
    if "PHONE" in compact or words & {"FILTERED", "INTERCOM", "SPEAKER", "RADIO", "WALKIE", "HEADSET", "COMMS",
                                      "COMM", "EARPIECE", "CELL", "LINE"}:
        return "phone"
    return None


def cue_kind(cue: str) -> str | None:
    """The strongest way a cue says its line is heard: phone/broadcast over os over vo; None when on screen."""
    kinds = {extension_kind(group) for group in re.findall(r"\(([^)]*)\)", cue)}
    for kind in ("phone", "broadcast", "os", "vo"):
        if kind in kinds:
            return kind
    return None


OFF_SCREEN = {"vo", "os", "phone", "broadcast"}
DEVICE = {"phone", "broadcast"}


def place_of_heading(heading: str) -> str:
    """The place of a scene heading: no INT./EXT. prefix, no time of day. `INT. CAFE - DAY` -> `CAFE`."""
    text = _HEADING_PREFIX.sub("", heading.strip(), count=1)
    parts = [part.strip() for part in re.split(r"\s+[-\u2013\u2014]+\s+|\s+[-\u2013\u2014]+$", text) if part.strip()]
    while len(parts) > 1 and (set(re.findall(r"[A-Z]+", parts[-1].upper())) & _TIME_WORDS
                              or re.fullmatch(r"\(?\d{4}s?\)?", parts[-1])):
        parts.pop()
    return " - ".join(parts) or text


class Names:
    """Finds the characters named in action: `EDIE` (capitals, an introduction) or `Edie`."""

    def __init__(self, characters: dict[str, dict], cue_names: dict[str, set[str]]):
        forms: dict[str, str] = {}
        for cast_id, names in cue_names.items():
            for name in sorted(names):
                for form in (name.upper(), smart_title(name.upper()), name):
                    if len(form) > 1:
                        forms.setdefault(form, cast_id)
        self.forms = forms
        ordered = sorted(forms, key=len, reverse=True)
        self.pattern = re.compile(r"(?<![\w'\u2019])(" + "|".join(re.escape(form) for form in ordered) +
                                  r")(?![\w])") if ordered else None
        self.called = re.compile(r"\b" + _CALL_VERBS + r"\s+(" + "|".join(re.escape(form) for form in ordered) +
                                 r")(?![\w])") if ordered else None

    def in_sentence(self, sentence: str) -> list[tuple[str, bool]]:
        """(id, in capitals) of each character named in the sentence, first mention each."""
        if not self.pattern:
            return []
        seen, found = set(), []
        for match in self.pattern.finditer(sentence):
            form = match.group(1)
            cast_id = self.forms[form]
            if cast_id not in seen:
                seen.add(cast_id)
                found.append((cast_id, form.isupper() and any(c.isalpha() for c in form)))
        return found

    def called_in(self, sentence: str) -> set[str]:
        return {self.forms[m.group(1)] for m in self.called.finditer(sentence)} if self.called else set()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text) if s]


def appearance_of(text: str, form: str, others: re.Pattern | None = None) -> str:
    """The description that follows a character's name in capitals: `EDIE (60s, braid) stacks` or `SCOTT, 30s,
    rumpled suit, enters.`"""
    name = re.escape(form)
    match = re.search(r"(?<![\w'])" + name + r"(?![\w'])\s*\(([^)]{1,200})\)", text)
    if match and extension_kind(match.group(1)) not in ("vo", "os", "contd") and \
            not re.fullmatch(r"[A-Z.' ]+", match.group(1)):  # not (V.O.), (CONT'D), (O.S.)
        return " ".join(match.group(1).split())
    match = re.search(r"(?<![\w'])" + name + r",\s+(.+?)(?:[.!?](?=\s|$)|$)", text)
    if not match:
        return ""
    pieces = [piece.strip() for piece in match.group(1).split(",") if piece.strip()]
    if len(pieces) > 1:
        first_word = pieces[-1].split()[0]
        if first_word in _PREDICATE_START or (first_word.islower() and re.fullmatch(r"[a-z]+[^s]s", first_word)):
            pieces.pop()
    if not pieces or pieces[0].split()[0].lower() in _NOT_DESCRIPTION or any(len(piece) > 80 for piece in pieces):
        return ""
    if others and any(m.group(1).isupper() for piece in pieces for m in others.finditer(piece)):
        return ""  # "EDIE, SCOTT and JEN sit.": a list of people
    return ", ".join(pieces)[:200]
