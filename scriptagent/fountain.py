"""Fountain screenplays (https://fountain.io) as scenes: `dialogue_file: film.fountain` in production.yaml, and
`scriptagent new NAME --from film.fountain`.

screenplain classifies each paragraph (scene heading, dialogue, dual dialogue, transition, action); everything
around it is done here, with the line of the screenplay kept for every item so that a problem names it:

- Boneyard `/* ... */` and notes `[[ ... ]]` are removed before parsing, keeping the line numbers; a line that held
  nothing else is dropped (it does not split its paragraph). Lines starting with `#` (sections) or `=` (synopses,
  page breaks `===`) are dropped too. Emphasis (`*`, `**`, `_`) is removed from every text.
- Each scene heading (INT./EXT./INT./EXT./I/E/EST, forced `.HEADING`) starts a scene: `heading` as written (scene
  number and emphasis removed), `id` a slug of its place (the heading without the INT./EXT. prefix and the time of
  day: `INT. SCOTT'S APARTMENT - NIGHT` -> `scotts-apartment`), made unique by `-2`, `-3`... in order.
- A slugline that only returns to a place (`.BACK IN THE APARTMENT`, `BACK AT THE CAFE`, `BACK TO SCENE`, `LATER`,
  `MOMENTS LATER`, `CONTINUOUS`, `SAME TIME`, forced or a line of capitals on its own) starts a new scene whose
  `heading` repeats the heading of that place (the latest scene whose place holds the words after BACK IN/AT/TO;
  the current place for LATER and the like; the place before it for BACK TO SCENE), so that a renderer draws the
  same set; its id is that place's, numbered (`scotts-apartment-2`). A BACK ... naming no place seen is a heading.
- The opening action of a scene (the paragraphs before its first line of dialogue, up to about 300 characters)
  is its `description`; the rest of the action are `action:` beats in `body`, one per paragraph. A scene with no
  line and no other action has its description as its body instead (a body is never empty); a heading with
  nothing under it makes no scene (its transition goes on to the next).
- `present`: the characters named in the action before the scene's first line of dialogue (`EDIE` or `Edie`),
  except those heard through a device or off screen (their first line there is (O.S.), (ON PHONE), ...) or named
  as being on the other end of a call; everyone else enters with their first on-screen line, or with the action
  that brings them in (a name in capitals, or a name with enters / walks in / arrives ...).
- Dialogue: `speaker: "(parenthetical) line"` when seen; `{speaker, line, parenthetical, off_screen: true}` when
  heard, not seen: (V.O.), (O.S.), (O.C.), (PRE-LAP), voices through a phone / radio / TV / intercom ((ON PHONE),
  (ON TV), (FILTERED), ...; (INTO PHONE) is on screen), and, for the rest of the scene, a character established
  as on the other end of a call ((ON PHONE) once, or action such as `Scott dials NAK.` or `... on the other end`)
  until an action brings them in. (CONT'D) and other extensions are dropped; the id never includes them. A
  speaker whose id is a key of the body items (action, transition, speaker, ...) is always written in the long form.
- INTERCUT (`INTERCUT WITH:`, `INTERCUT - A / B`, `INTERCUT BETWEEN A AND B`; without places: the last two places)
  makes the lines until the next scene heading or END INTERCUT alternating scenes, one per turn, each in the place
  of its speaker (the place where they were last seen; else the other side of the place they were heard in on
  the phone; else the place nobody else took) with `heading` that place's heading, `present` the speaker and the
  other side off screen (not there); ids `<place>-intercut-1`, `-2`... counted per place (`scotts-apartment-
  intercut-1`, `naks-boat-intercut-1`, `scotts-apartment-intercut-2`, ...). Action naming only the people of one
  place goes to that place; other action stays in the turn it follows; (V.O.), (O.S.) and TV voices are off
  screen in the current turn. After END INTERCUT a new scene begins where the first character named or speaking
  was (else at the last turn's place).
- Transitions set how the next shot begins: a `transition:` beat placed right before what follows it (at the
  start of the next scene's body when a heading follows): CUT TO: / SMASH CUT TO: / any other ... TO: -> cut,
  DISSOLVE TO: -> dissolve, FADE IN: / FADE OUT. / FADE TO BLACK. -> fade-in. One with nothing after it (FADE
  OUT. at the end) is dropped, as is THE END.
- The title comes from the title page, emphasis removed; a title all in capitals is written in title case.
- A character's `appearance` is seeded from their first description in the action: `EDIE (60s, oilskin coat)
  stacks chairs.` or `SCOTT, 30s, rumpled suit, enters.`
- Dialogue or action before the first scene heading goes into an implicit first scene (`opening`, heading
  `UNSPECIFIED PLACE`) with a warning (`Screenplay.warnings`, each with its line; also an unclosed `/*`, an
  INTERCUT without two places, a cue with no latin letters for an id). Errors (InputError, every problem with
  its line): an unreadable file (not UTF-8: the line of the bad byte), a character cue with no line under it (or
  a blank line between), a screenplay with no dialogue and no action.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import InputError, Problem

TRANSITIONS = ("cut", "dissolve", "fade-in")
BODY_KEYS = {"action", "transition", "speaker", "line", "parenthetical", "off_screen"}  # never a short-form id
DESCRIPTION_CHARS = 300  # the opening action kept as a scene's description, about
IMPLICIT_ID, IMPLICIT_HEADING = "opening", "UNSPECIFIED PLACE"

_BONEYARD = re.compile(r"/\*.*?\*/", re.S)
_NOTE = re.compile(r"\[\[.*?\]\]", re.S)
_MARKER_LINE = re.compile(r"^\s*[#=]")  # section, synopsis, page break
_HEADING_PREFIX = re.compile(r"^(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST)(?:\.|\s)\s*",
                             re.I)
_SCENE_NUMBER = re.compile(r"\s*#[\w.\-]+#\s*$")
_TIME_WORDS = {"DAY", "NIGHT", "MORNING", "AFTERNOON", "EVENING", "DAWN", "DUSK", "SUNRISE", "SUNSET", "NOON",
               "MIDNIGHT", "LATER", "CONTINUOUS", "SAME", "MOMENTS", "MOMENT", "EARLIER", "FLASHBACK", "PRESENT",
               "YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS", "NIGHTFALL", "DAYBREAK", "TWILIGHT",
               "LATE", "EARLY", "CONT", "CONTD", "CONTINUING"}
_TIME_ONLY = re.compile(r"^(?:(?:A\s+)?(?:FEW\s+)?(?:MOMENTS?|SECONDS|MINUTES|HOURS|LITTLE)\s+LATER|LATER(?:\s+ON)?|"
                        r"CONTINUOUS|SAME(?:\s+TIME)?|SHORTLY\s+AFTER(?:WARDS?)?)[.:]?$", re.I)
_BACK = re.compile(r"^BACK\s+(?:IN|AT|TO|INSIDE|OUTSIDE|ON|ONTO|INTO)\s+(.+?)[.:]?$", re.I)
_INTERCUT = re.compile(r"^>?\s*INTERCUT\b(.*)$", re.I)
_END_INTERCUT = re.compile(r"^>?\s*(?:END\s+(?:OF\s+)?INTERCUT|INTERCUT\s+ENDS?)\b", re.I)
_TRANSITION_WORDS = re.compile(r"^>?\s*(?:(?:SMASH|MATCH|JUMP|HARD|TIME|QUICK|SLOW)\s+)?(?:CUT|DISSOLVE|FADE|WIPE|IRIS)"
                               r"(?:\s+(?:IN|OUT|UP|TO|BACK))?(?:\s+(?:TO\s+)?(?:BLACK|WHITE))?\s*[.:]?$"
                               r"|^>?\s*[A-Z][A-Z\s]*\bTO:$")
_THE_END = re.compile(r"^>?\s*(?:THE\s+)?END\.?\s*<?$", re.I)
_STOP_WORDS = {"THE", "A", "AN", "OF", "INT", "EXT", "EST", "I", "E"}
_ENTRANCE = re.compile(r"\b(?:enters|entering|comes\s+(?:in|back|through)|walks\s+in|steps\s+in|arrives|appears|"
                       r"bursts\s+in|barges\s+in|rushes\s+in|runs\s+in|hurries\s+in|strides\s+in|wanders\s+in|"
                       r"slips\s+in|returns|emerges|joins)\b", re.I)
_REMOTE_CONTEXT = re.compile(r"\b(?:other\s+end|(?:on|over|through)\s+the\s+(?:phone|line|tv|television|radio|"
                             r"speaker|speakerphone|intercom|monitor|screen|radio)|on\s+(?:tv|television|screen|"
                             r"speakerphone|the\s+news))\b", re.I)
_CALL_VERBS = r"(?:calls|dials|phones|rings|texts|facetimes|video-calls|radios)"
_PREDICATE_START = {"is", "are", "was", "were", "has", "had", "sits", "stands", "enters", "looks", "walks", "stares",
                    "leans", "waits", "turns", "holds", "steps", "comes", "goes", "runs", "moves", "pulls", "picks",
                    "pauses", "smiles", "nods", "sat", "stood", "then", "who", "which", "and", "but", "as", "while",
                    "before", "after", "when", "so", "with"}
_NOT_DESCRIPTION = {"then", "and", "but", "who", "which", "as", "while", "before", "after", "when", "so", "too",
                    "again", "still", "now", "here", "there", "please", "yes", "no", "sir", "madam"}
_SMALL_WORDS = {"a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by", "with",
                "from", "as"}


@dataclass
class Screenplay:
    """A Fountain screenplay read as production.yaml's multi-scene form."""

    title: str
    characters: dict[str, dict] = field(default_factory=dict)  # id -> {"name": ..., "appearance": ...}
    scenes: list[dict] = field(default_factory=list)  # production.yaml's `scenes:` items
    body_lines: list[list[int]] = field(default_factory=list)  # per scene, the screenplay line of each body item
    scene_lines: list[int] = field(default_factory=list)  # the line of each scene's heading (or its first item)
    warnings: list[Problem] = field(default_factory=list)  # worth telling, not fatal
    display: str = ""

    def dialogue_items(self) -> list[tuple[dict, int]]:
        """Every line of dialogue in order, on and off screen, as today's `dialogue:` items with their lines."""
        items = []
        for scene, lines in zip(self.scenes, self.body_lines):
            for item, line in zip(scene["body"], lines):
                spoken = dialogue_of(item)
                if spoken:
                    speaker, text, parenthetical, _ = spoken
                    if speaker in BODY_KEYS:
                        items.append(({"speaker": speaker, "line": text, "parenthetical": parenthetical}, line))
                    else:
                        items.append(({speaker: f"({parenthetical}) {text}" if parenthetical else text}, line))
        return items

    @property
    def dialogue(self) -> list[dict]:
        return [item for item, _ in self.dialogue_items()]

    @property
    def lines(self) -> list[int]:
        return [line for _, line in self.dialogue_items()]


def dialogue_of(item: dict) -> tuple[str, str, str, bool] | None:
    """(speaker, line, parenthetical, off_screen) of a body item that is spoken, else None."""
    if "speaker" in item:
        return item["speaker"], item["line"], item.get("parenthetical", ""), bool(item.get("off_screen"))
    if len(item) == 1:
        (key, text), = item.items()
        if key not in BODY_KEYS:
            match = re.match(r"^\(([^)]*)\)\s*", text)
            return (key, text[match.end():], match.group(1).strip(), False) if match else (key, text, "", False)
    return None


# --- text helpers --------------------------------------------------------------------------------------------

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


def _words(text: str) -> set[str]:
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
    name = _cue_name(cue)
    return smart_title(name) if name.isupper() else name


def _cue_name(cue: str) -> str:
    name = cue.strip().lstrip("@").rstrip("^").strip()
    name = name.split("(", 1)[0].strip().rstrip("^").strip()
    return plain(name)


def speaker_id(cue: str) -> str:
    """The cast id of a cue: `NAK'S MOM (V.O.)` -> `naks-mom`; a name with no latin letters or digits gets
    `character-` and a digest of the name."""
    name = _cue_name(cue)
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


def transition_kind(text: str) -> str:
    upper = text.upper()
    if "DISSOLVE" in upper:
        return "dissolve"
    if "FADE" in upper:
        return "fade-in"
    return "cut"


def _setting(heading: str) -> str:
    """'INT. TRAIN PLATFORM - NIGHT' -> 'interior, train platform, night'."""
    words = {"INT": "interior", "EXT": "exterior", "INT/EXT": "interior and exterior", "I/E": "interior and exterior",
             "EST": "establishing"}
    match = re.match(r"^\.?\s*(INT\.?/EXT|I/E|INT|EXT|EST)[.\s]+(.*)$", heading.strip(), re.I)
    if not match:
        return heading.strip().lstrip(".").lower()
    parts = [words.get(match.group(1).upper().replace(".", ""), "interior")]
    parts += [p.strip().lower() for p in re.split(r"\s+-\s+", match.group(2)) if p.strip()]
    return ", ".join(parts)


def place_of_heading(heading: str) -> str:
    """The place of a scene heading: no INT./EXT. prefix, no time of day. `INT. CAFE - DAY` -> `CAFE`."""
    text = _HEADING_PREFIX.sub("", heading.strip(), count=1)
    parts = [part.strip() for part in re.split(r"\s+[-\u2013\u2014]+\s+|\s+[-\u2013\u2014]+$", text) if part.strip()]
    while len(parts) > 1 and (set(re.findall(r"[A-Z]+", parts[-1].upper())) & _TIME_WORDS
                              or re.fullmatch(r"\(?\d{4}s?\)?", parts[-1])):
        parts.pop()
    return " - ".join(parts) or text


# --- reading -------------------------------------------------------------------------------------------------

@dataclass
class _Paragraph:
    kind: str  # heading | dialog | action | transition | return | intercut | end-intercut
    text: str
    line: int
    lines: list[int] = field(default_factory=list)  # dialog: the line of the cue, then of each block
    cue: str = ""
    blocks: list = field(default_factory=list)  # dialog: (is_parenthetical, text)
    centered: bool = False


def _read_text(path: Path, display: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(Problem(display, f"cannot read the screenplay: {error.strerror or error}",
                                 hint="a Fountain text file in UTF-8")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(Problem(display, f"cannot read the screenplay: not UTF-8 text (byte {data[error.start]:#04x})",
                                 line, column, hint="save the screenplay as UTF-8")) from None


def _unclosed_boneyard(text: str, first_line: int) -> int | None:
    """The line of a `/*` that no `*/` closes (its text is read as screenplay), else None."""
    rest = _BONEYARD.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    index = rest.find("/*")
    return None if index < 0 else first_line + rest.count("\n", 0, index)


def _paragraphs(text: str) -> tuple[dict, list[_Paragraph], int]:
    """The title page, the classified paragraphs of the body, each with its lines in the file, and the line where
    the body starts."""
    from screenplain.parsers.fountain import InputParagraph, parse_title_page
    from screenplain.types import Action, Dialog, DualDialog, Slug, Transition

    lines = [line.expandtabs(4) for line in re.split(r"\r\n|\n|\r", text)]
    title_lines = []
    for line in lines:
        if line == "":
            break
        title_lines.append(line)
    title_page = parse_title_page(title_lines) if title_lines else None
    start = len(title_lines) if title_page else 0
    body = lines[start:]

    # boneyard and notes: removed, the line count kept; a line left blank by them is dropped, not a break
    joined = "\n".join(body)
    cleaned = _NOTE.sub(lambda m: "\n" * m.group(0).count("\n"), _BONEYARD.sub(
        lambda m: "\n" * m.group(0).count("\n"), joined))
    if cleaned != joined:
        kept = cleaned.split("\n")
        body = [new if new.strip() or not old.strip() else None for old, new in zip(body, kept)]
    body = [None if line is not None and _MARKER_LINE.match(line) else line for line in body]

    classified: list = []
    where: dict[int, tuple[int, list[int]]] = {}  # id(screenplain paragraph) -> (first line, its lines)
    group: list[str] = []
    numbers: list[int] = []

    def flush():
        if not group:
            return
        before = len(classified)
        InputParagraph(list(group)).update_list(classified)
        for paragraph in classified[max(before - 1, 0):]:  # new ones; dual dialogue replaces the last one
            target = paragraph.right if isinstance(paragraph, DualDialog) else paragraph
            where.setdefault(id(target), (numbers[0], list(numbers)))
        group.clear()
        numbers.clear()

    for index, line in enumerate(body):
        if line is None:
            continue
        if line in ("", " "):
            flush()
        else:
            group.append(line)
            numbers.append(start + index + 1)
    flush()

    result: list[_Paragraph] = []

    def dialog(paragraph) -> _Paragraph:
        first, its = where.get(id(paragraph), (0, []))
        blocks = [(bool(is_parenthetical), str(block).strip()) for is_parenthetical, block in paragraph.blocks]
        return _Paragraph("dialog", "", first, its, cue=str(paragraph.character).strip(), blocks=blocks)

    for paragraph in classified:
        if isinstance(paragraph, DualDialog):
            result += [dialog(paragraph.left), dialog(paragraph.right)]
            continue
        first, its = where.get(id(paragraph), (0, []))
        if isinstance(paragraph, Dialog):
            result.append(dialog(paragraph))
        elif isinstance(paragraph, Slug):
            source = body[first - start - 1] or str(paragraph.line)
            written = _SCENE_NUMBER.sub("", source.strip())
            forced = written.startswith(".")
            written = plain(written[1:] if forced else written)
            result.append(_one_liner(written, first, heading=True))
        elif isinstance(paragraph, Transition):
            result.append(_one_liner(plain(str(paragraph.line)), first, transition=True))
        elif isinstance(paragraph, Action):
            texts = [plain(str(line)) for line in paragraph.lines]
            texts = [text for text in texts if text]
            if not texts:
                continue
            forced = (body[first - start - 1] or "").startswith("!")  # !LATER: action, whatever it says
            if len(texts) == 1 and not paragraph.centered and not forced:
                result.append(_one_liner(texts[0], first))
            elif paragraph.centered and _THE_END.match(" ".join(texts)):
                continue
            else:
                result.append(_Paragraph("action", " ".join(texts), first, its, centered=paragraph.centered))
        # sections, synopses and page breaks: ignored
    return title_page or {}, result, start + 1


def _one_liner(text: str, line: int, heading: bool = False, transition: bool = False) -> _Paragraph:
    """A paragraph of one line: a heading, a slugline that returns to a place, INTERCUT, a transition or action."""
    bare = text.lstrip(">").strip()
    upper = bare == bare.upper() and any(c.isalpha() for c in bare)
    if heading or upper or transition:
        if _END_INTERCUT.match(bare):
            return _Paragraph("end-intercut", bare, line)
        if _INTERCUT.match(bare):
            return _Paragraph("intercut", bare, line)
    if heading or (upper and not re.search(r"[!?]", bare)):
        if _TIME_ONLY.match(bare) or _BACK.match(bare):
            return _Paragraph("return", bare, line)
    if heading:
        return _Paragraph("heading", bare, line)
    if transition or (upper and _TRANSITION_WORDS.match(bare)):
        if _THE_END.match(bare):
            return _Paragraph("skip", bare, line)
        return _Paragraph("transition", transition_kind(bare), line)
    if upper and _THE_END.match(bare):
        return _Paragraph("skip", bare, line)
    return _Paragraph("action", text, line, [line])


class _Names:
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


def _parenthetical(parts: list[str]) -> str:
    """`(holding out` + `the suitcase)` -> `holding out the suitcase`; `(beat)` + `(softly)` -> `beat, softly`."""
    text = ""
    for part in parts:
        if text:
            text += ", " if text.endswith(")") else " "
        text += part
    return " ".join(re.sub(r"\)\s*,\s*\(", ", ", text).strip().lstrip("(").rstrip(")").split())


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text) if s]


def _appearance(text: str, form: str, others: re.Pattern | None = None) -> str:
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


@dataclass
class _Place:
    key: str
    heading: str
    base: str


class _Scene:
    def __init__(self, scene_id: str, heading: str, place: _Place, line: int, piece: bool = False):
        self.id, self.heading, self.place, self.line = scene_id, heading, place, line
        self.piece = piece  # a turn of an intercut: no description, present fixed
        self.description: list[str] = []
        self.description_lines: list[int] = []
        self.describing = not piece  # still reading the opening action into the description
        self.before_dialogue = True
        self.body: list[dict] = []
        self.lines: list[int] = []
        self.present: list[str] = []
        self.remote: set[str] = set()  # heard through a device, not (yet) seen
        self.onscreen: set[str] = set()
        self.first_kind: dict[str, str | None] = {}

    def data(self) -> dict:
        scene = {"id": self.id, "heading": self.heading}
        if self.description:
            scene["description"] = " ".join(self.description)
        present = [cast_id for cast_id in self.present if self.piece or self.first_kind.get(cast_id) not in
                   (DEVICE | {"os"})]
        if present:
            scene["present"] = present
        scene["body"] = self.body
        return scene


class _Intercut:
    def __init__(self, places: list[_Place], line: int):
        self.places = places
        self.line = line
        self.assigned: dict[str, _Place] = {}
        self.piece: _Scene | None = None
        self.held: list[tuple[str, int]] = []  # action before the first turn


class _Builder:
    def __init__(self, display: str, names: _Names):
        self.display = display
        self.names = names
        self.scenes: list[_Scene] = []
        self.places: dict[str, _Place] = {}
        self.history: list[_Place] = []  # the place of each regular scene, in order
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}
        self.scene: _Scene | None = None
        self.intercut: _Intercut | None = None
        self.pending: tuple[str, int] | None = None  # a transition waiting for the next shot
        self.resume: _Place | None = None  # after END INTERCUT: where the next action or line is
        self.after_cut: _Intercut | None = None
        self.last_place: dict[str, _Place] = {}  # where each character was last seen
        self.heard_at: dict[str, _Place] = {}  # where each character was last heard through a phone
        self.warnings: list[Problem] = []
        self.spoken = 0
        self.acted = 0

    # ids and places
    def unique(self, base: str) -> str:
        base = base[:40].rstrip("-") or "scene"
        if base not in self.used:
            self.used.add(base)
            return base
        number = 2
        while True:
            suffix = f"-{number}"
            candidate = base[:40 - len(suffix)].rstrip("-") + suffix
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
            number += 1

    def numbered(self, base: str) -> str:
        while True:
            self.counters[base] = self.counters.get(base, 0) + 1
            suffix = f"-{self.counters[base]}"
            candidate = base[:40 - len(suffix)].rstrip("-") + suffix
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def place(self, heading: str) -> _Place:
        where = place_of_heading(heading)
        key = " ".join(sorted(_words(where))) or where.upper()
        known = self.places.get(key)
        if known:
            known.heading = heading
            return known
        self.places[key] = _Place(key, heading, slug(where, "scene"))
        return self.places[key]

    def find_place(self, text: str) -> _Place | None:
        """The latest place whose words hold the words of `text` (or the other way round)."""
        wanted = _words(place_of_heading(text))
        if not wanted:
            return None
        for place in reversed(self.history):
            words = set(place.key.split())
            if wanted <= words or (words and words <= wanted):
                return place
        return None

    # scenes
    def close(self):
        self.end_intercut()
        if self.scene is not None:
            self.settle(self.scene)
        self.scene = None
        self.resume = self.after_cut = None

    def settle(self, scene: _Scene):
        """A scene whose body holds no line and no action: its description becomes its action; with none either
        (a heading alone), the scene is left out, its transition passed on to the next one."""
        if any("transition" not in item for item in scene.body):
            return
        if scene.description:
            scene.body += [{"action": text} for text in scene.description]
            scene.lines += scene.description_lines
            scene.description, scene.description_lines = [], []
            return
        self.scenes.remove(scene)
        self.used.discard(scene.id)
        if scene.body and self.pending is None:
            self.pending = (scene.body[-1]["transition"], scene.lines[-1])

    def open(self, heading: str, place: _Place, line: int, scene_id: str | None = None) -> _Scene:
        self.close()
        scene = _Scene(scene_id or self.unique(place.base), heading, place, line)
        self.scenes.append(scene)
        self.history.append(place)
        self.scene = scene
        self.flush_transition(scene)
        return scene

    def resume_at(self, cast_ids: list[str]):
        """After END INTERCUT, the next scene is where the first character named or speaking was in the intercut
        (`Scott hangs up.`: Scott's place), else where the last turn was."""
        cut, self.after_cut = self.after_cut, None
        if cut and self.scene is None and self.resume is not None:
            self.resume = next((cut.assigned[c] for c in cast_ids if c in cut.assigned), self.resume)

    def current(self, line: int) -> _Scene:
        if self.scene is None and self.resume is not None:
            self.open(self.resume.heading, self.resume, line)
        if self.scene is None:
            place = self.places.setdefault(IMPLICIT_HEADING, _Place(IMPLICIT_HEADING, IMPLICIT_HEADING, IMPLICIT_ID))
            self.warnings.append(Problem(self.display, "dialogue or action before the first scene heading: it goes "
                                         f"into a first scene '{IMPLICIT_ID}' with no place", line, 1,
                                         hint="start the screenplay with a scene heading such as INT. KITCHEN - DAY"))
            self.open(IMPLICIT_HEADING, place, line, self.unique(IMPLICIT_ID))
        return self.scene

    def flush_transition(self, scene: _Scene):
        if self.pending:
            kind, line = self.pending
            scene.body.append({"transition": kind})
            scene.lines.append(line)
            self.pending = None

    def add(self, scene: _Scene, item: dict, line: int):
        self.flush_transition(scene)
        scene.body.append(item)
        scene.lines.append(line)

    # paragraphs
    def heading(self, paragraph: _Paragraph):
        self.open(paragraph.text, self.place(paragraph.text), paragraph.line)

    def returning(self, paragraph: _Paragraph):
        text = paragraph.text
        back = _BACK.match(text)
        target = None
        if back and re.fullmatch(r"(?:THE\s+)?SCENE", back.group(1).strip(), re.I):
            current = self.history[-1] if self.history else None
            target = next((place for place in reversed(self.history) if place is not current), current)
        elif back:
            target = self.find_place(back.group(1))
        elif self.intercut and self.intercut.piece:
            target = self.intercut.piece.place
        elif self.resume is not None:
            target = self.resume
        elif self.history:
            target = self.history[-1]
        if target is None:
            self.heading(paragraph)
        else:
            self.open(target.heading, target, paragraph.line)

    def transition(self, paragraph: _Paragraph):
        self.pending = (paragraph.text, paragraph.line)
        if self.scene:
            self.scene.describing = False

    def start_intercut(self, paragraph: _Paragraph):
        spec = _INTERCUT.match(paragraph.text).group(1)
        spec = re.sub(r"^[\s\-\u2013\u2014:]*(?:(?:WITH|BETWEEN)\b)?[\s\-\u2013\u2014:]*", "", spec, flags=re.I)
        spec = spec.strip().rstrip(":.").strip()
        names = [name.strip() for name in re.split(r"\s*/\s*|\s+AND\s+|\s*&\s*", spec, flags=re.I) if name.strip()]
        found = [self.find_place(name) for name in names]
        places: list[_Place] = []
        if len(names) >= 2:
            for name, place in zip(names, found):
                place = place or self.place(name)
                if place not in places:
                    places.append(place)
        elif names and found[0]:
            current = self.history[-1] if self.history else None
            places = [p for p in (current, found[0]) if p is not None]
            if len(places) == 2 and places[0] is places[1]:
                places = places[:1]
        if len(places) < 2:
            places = []
            for place in reversed(self.history):
                if place not in places and place.key != IMPLICIT_HEADING:
                    places.insert(0, place)
                if len(places) == 2:
                    break
        if len(places) < 2:
            self.warnings.append(Problem(self.display, "INTERCUT needs two places: this one is ignored",
                                         paragraph.line, 1, hint="write the scene headings of both places before it, "
                                         "or name them: INTERCUT - SCOTT'S APARTMENT / NAK'S FLAT"))
            return
        self.close()
        self.intercut = _Intercut(places[:2], paragraph.line)

    def end_intercut(self, paragraph: _Paragraph | None = None):
        cut = self.intercut
        if not cut:
            return
        self.intercut = None
        if cut.held:  # action after INTERCUT and nothing else: in the first place
            self.piece(cut, cut.places[0], [], cut.held[0][1])
        if paragraph is not None:  # END INTERCUT: what follows goes on in a new scene (see resume_at)
            self.resume = cut.piece.place if cut.piece else cut.places[0]
            self.after_cut = cut

    def piece(self, cut: _Intercut, place: _Place, present: list[str], line: int) -> _Scene:
        scene = _Scene(self.numbered(f"{place.base[:40 - 11]}-intercut"), place.heading, place, line, piece=True)
        scene.present = list(present)
        scene.onscreen = set(present)
        self.scenes.append(scene)
        cut.piece = scene
        self.flush_transition(scene)
        for text, held_line in cut.held:
            self.add(scene, {"action": text}, held_line)
        cut.held = []
        return scene

    def side_of(self, cut: _Intercut, speaker: str, claim: bool) -> _Place | None:
        if speaker in cut.assigned:
            return cut.assigned[speaker]
        place = None
        if self.last_place.get(speaker) in cut.places:
            place = self.last_place[speaker]
        elif self.heard_at.get(speaker) in cut.places:
            place = next(p for p in cut.places if p is not self.heard_at[speaker])
        elif claim:  # the place nobody in this intercut took, else the one nobody was last seen in
            taken = set(map(id, cut.assigned.values()))
            seen = {id(p) for cast_id, p in self.last_place.items() if cast_id != speaker}
            free = [p for p in cut.places if id(p) not in taken]
            place = next((p for p in free if id(p) not in seen), free[0] if free else None)
        if place is not None:
            cut.assigned[speaker] = place
        return place

    def action(self, paragraph: _Paragraph):
        text = paragraph.text
        self.acted += 1
        cut = self.intercut
        if cut:
            named: list[str] = []
            for sentence in _sentences(text):
                named += [cast_id for cast_id, _ in self.names.in_sentence(sentence) if cast_id not in named]
            sides: dict[int, tuple[_Place, list[str]]] = {}
            for cast_id in named:
                side = self.side_of(cut, cast_id, claim=False)
                if side is not None:
                    sides.setdefault(id(side), (side, []))[1].append(cast_id)
            if len(sides) == 1:  # only the people of one side: there
                place, who = next(iter(sides.values()))
                if cut.piece is None or cut.piece.place is not place:
                    self.piece(cut, place, who, paragraph.line)
            if cut.piece is None:
                cut.held.append((text, paragraph.line))
            else:
                self.add(cut.piece, {"action": text}, paragraph.line)
            return
        if self.after_cut:
            self.resume_at([c for sentence in _sentences(text) for c, _ in self.names.in_sentence(sentence)])
        scene = self.current(paragraph.line)
        opening = scene.before_dialogue
        for sentence in _sentences(text):
            remote_here = bool(_REMOTE_CONTEXT.search(sentence))
            called = self.names.called_in(sentence)
            entering = bool(_ENTRANCE.search(sentence))
            for cast_id, caps in self.names.in_sentence(sentence):
                if cast_id in called or (remote_here and cast_id not in scene.onscreen):
                    scene.remote.add(cast_id)
                    self.heard_at[cast_id] = scene.place
                elif cast_id not in scene.remote or entering or caps:  # seen: there from now on
                    scene.remote.discard(cast_id)
                    scene.onscreen.add(cast_id)
                    self.last_place[cast_id] = scene.place
                    if opening and cast_id not in scene.present:
                        scene.present.append(cast_id)
        if scene.describing and (not scene.description or
                                 len(" ".join(scene.description)) + len(text) < DESCRIPTION_CHARS):
            scene.description.append(text)
            scene.description_lines.append(paragraph.line)
        else:
            scene.describing = False
            self.add(scene, {"action": text}, paragraph.line)

    def dialog(self, paragraph: _Paragraph, problems: list[Problem]):
        cue = paragraph.cue
        speaker = speaker_id(cue)
        kind = cue_kind(cue)
        items = []  # (parenthetical, text, line)
        parts, spoken, first_line = [], [], paragraph.line
        block_lines = paragraph.lines[1:] + [paragraph.line] * len(paragraph.blocks)
        for index, (is_parenthetical, block) in enumerate(paragraph.blocks):
            block = plain(block.lstrip("~"))
            if not block:
                continue
            if is_parenthetical:
                if spoken:  # a parenthetical after words: it directs the next item
                    items.append((_parenthetical(parts), " ".join(spoken), first_line))
                    parts, spoken, first_line = [], [], block_lines[index]
                parts.append(block)
            else:
                spoken.append(block)
        if spoken:
            items.append((_parenthetical(parts), " ".join(spoken), first_line))
        if not items:
            problems.append(Problem(self.display, f"{_cue_name(cue) or cue}: a character cue with no line under it",
                                    paragraph.line, 1, hint="write the line right under the name, or remove the name"))
            return
        items[0] = (items[0][0], items[0][1], paragraph.line)  # the first item points at the cue
        self.spoken += len(items)

        cut = self.intercut
        scene, off = None, False
        if cut and kind not in ("vo", "os", "broadcast"):
            side = self.side_of(cut, speaker, claim=True)
            if side is not None:
                if cut.piece is None or cut.piece.place is not side:
                    self.piece(cut, side, [speaker], paragraph.line)
                scene = cut.piece
                self.last_place[speaker] = side
        if scene is None:
            if cut:
                scene = cut.piece or self.piece(cut, cut.places[0], [], paragraph.line)
                off = kind in OFF_SCREEN
            else:
                if self.after_cut:
                    self.resume_at([speaker])
                scene = self.current(paragraph.line)
                if kind in OFF_SCREEN:
                    off = True
                    if kind in DEVICE and speaker not in scene.onscreen:
                        scene.remote.add(speaker)
                        if kind == "phone":
                            self.heard_at[speaker] = scene.place
                elif speaker in scene.remote:
                    off = True
                else:
                    scene.onscreen.add(speaker)
                    self.last_place[speaker] = scene.place
                scene.first_kind.setdefault(speaker, ("phone" if speaker in scene.remote else kind) if off else None)
                scene.before_dialogue = False
                scene.describing = False
        for parenthetical, text, line in items:
            if off:
                item = {"speaker": speaker, "line": text}
                if parenthetical:
                    item["parenthetical"] = parenthetical
                item["off_screen"] = True
            elif speaker in BODY_KEYS:
                item = {"speaker": speaker, "line": text}
                if parenthetical:
                    item["parenthetical"] = parenthetical
            else:
                item = {speaker: f"({parenthetical}) {text}" if parenthetical else text}
            self.add(scene, item, line)


def read_fountain(path: Path, display: str | None = None) -> Screenplay:
    """Read a Fountain screenplay into scenes; InputError lists every problem with its line."""
    path = Path(path)
    display = display or str(path)
    text = _read_text(path, display)
    title_page, paragraphs, body_start = _paragraphs(text)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    unclosed = _unclosed_boneyard("\n".join(re.split(r"\r\n|\n|\r", text)[body_start - 1:]), body_start)
    if unclosed:
        warnings.append(Problem(display, "a boneyard `/*` with no `*/`: what follows it is read", unclosed, 1,
                                hint="close it with */, or remove the /*"))

    # the characters, in the order of their first cue
    characters: dict[str, dict] = {}
    cue_names: dict[str, set[str]] = {}
    for paragraph in paragraphs:
        if paragraph.kind == "dialog":
            cast_id = speaker_id(paragraph.cue)
            if cast_id not in characters and cast_id.startswith("character-") and not slug(_cue_name(paragraph.cue)):
                warnings.append(Problem(display, f"{_cue_name(paragraph.cue)}: no latin letters or digits for a cast "
                                        f"id: it is {cast_id}", paragraph.line, 1,
                                        hint="write the cue in latin letters, e.g. @Alex"))
            characters.setdefault(cast_id, {"name": character_name(paragraph.cue), "appearance": ""})
            cue_names.setdefault(cast_id, set()).add(_cue_name(paragraph.cue))
    names = _Names(characters, cue_names)

    # a name alone on its line, the line one blank line below: a cue with no line
    for paragraph in paragraphs:
        if paragraph.kind == "action" and len(paragraph.lines) == 1 and paragraph.text.isupper():
            name = _cue_name(paragraph.text)
            extensions = re.findall(r"\(([^)]*)\)", paragraph.text)
            if name and re.fullmatch(r"@?[^a-z(]+(?:\([^)]*\)\s*)*\^?", paragraph.text.strip()) and (
                    (slug(name) in characters and (not extensions or all(extension_kind(e) for e in extensions)))
                    or (extensions and all(extension_kind(e) for e in extensions))):
                # screenplays set a name alone in action for emphasis ("He turns to see / KARL / to his right"):
                # read as action, and said, in case it was meant as a cue
                warnings.append(Problem(display, f"{name}: a name alone on its line, read as action (a character "
                                        "cue needs its line right under it)", paragraph.line, 1,
                                        hint="if it is a cue, write the line right under the name"))

    # appearances: the first description after a name in capitals
    for paragraph in paragraphs:
        if paragraph.kind != "action" or not names.pattern:
            continue
        for match in names.pattern.finditer(paragraph.text):
            form = match.group(1)
            cast_id = names.forms[form]
            if form.isupper() and not characters[cast_id]["appearance"]:
                characters[cast_id]["appearance"] = _appearance(paragraph.text, form, names.pattern)

    builder = _Builder(display, names)
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            builder.heading(paragraph)
        elif paragraph.kind == "return":
            builder.returning(paragraph)
        elif paragraph.kind == "intercut":
            builder.start_intercut(paragraph)
        elif paragraph.kind == "end-intercut":
            builder.end_intercut(paragraph)
        elif paragraph.kind == "transition":
            builder.transition(paragraph)
        elif paragraph.kind == "dialog":
            builder.dialog(paragraph, problems)
        elif paragraph.kind == "action":
            builder.action(paragraph)
    builder.close()  # a transition with nothing after it is dropped

    if not builder.spoken and not builder.acted and not problems:
        problems.append(Problem(display, "no dialogue or action found", hint="a scene heading (INT. KITCHEN - DAY), "
                                "action, and a character cue in CAPITALS after a blank line with the dialogue "
                                "on the lines below it"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))

    title = " ".join(plain(value.strip().strip("><").strip()) for value in title_page.get("Title", []))
    title = smart_title(" ".join(title.split())) or path.stem.replace("-", " ").replace("_", " ").title()
    result = Screenplay(title=title, characters=characters, display=display,
                        warnings=sorted(warnings + builder.warnings, key=lambda p: p.line or 0))
    for scene in builder.scenes:
        result.scenes.append(scene.data())
        result.body_lines.append(scene.lines)
        result.scene_lines.append(scene.line)
    return result


# --- production.yaml -----------------------------------------------------------------------------------------

def _screenplay_path(folder: Path, relative: str) -> Path:
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        raise InputError(Problem("production.yaml", f"dialogue_file: '{relative}' is outside the production folder",
                                 field="dialogue_file", hint="put the screenplay in the production folder"))
    return Path(folder) / path


def _cast_problems(screenplay: Screenplay, relative: str, cast_ids: list[str]) -> list[Problem]:
    """One problem per speaker (or present character) not in the cast, at their first cue."""
    known = ", ".join(str(cast_id) for cast_id in cast_ids)
    reported, problems = set(), []
    for scene, lines, scene_line in zip(screenplay.scenes, screenplay.body_lines, screenplay.scene_lines):
        for item, line in zip(scene["body"], lines):
            spoken = dialogue_of(item)
            if spoken and spoken[0] not in cast_ids and spoken[0] not in reported:
                reported.add(spoken[0])
                problems.append(Problem(relative, f"{spoken[0]!r} is not in the cast (known: {known})", line, 1,
                                        hint=f"add a cast member with id: {spoken[0]}"))
        for cast_id in scene.get("present", []):
            if cast_id not in cast_ids and cast_id not in reported:
                reported.add(cast_id)
                problems.append(Problem(relative, f"{cast_id!r} is not in the cast (known: {known})", scene_line, 1,
                                        hint=f"add a cast member with id: {cast_id}"))
    return sorted(problems, key=lambda p: p.line or 0)


def scenes_from_file(folder: Path, relative: str, cast_ids: list[str],
                     warn: Callable[[Problem], None] | None = None) -> list[dict]:
    """production.yaml's `scenes:` read from its `dialogue_file`, every speaker checked against the cast (a problem
    at the line of the cue). `warn` is given the screenplay's warnings (an implicit first scene, ...)."""
    screenplay = read_fountain(_screenplay_path(folder, relative), relative)
    problems = _cast_problems(screenplay, relative, cast_ids)
    if problems:
        raise InputError(problems)
    for warning in screenplay.warnings:
        if warn:
            warn(warning)
    return screenplay.scenes


def dialogue_from_file(folder: Path, relative: str, cast_ids: list[str]) -> list[dict]:
    """The flat `dialogue:` items of every scene, on and off screen, in order (today's one-scene form), every
    speaker checked against the cast with the line of the cue."""
    screenplay = read_fountain(_screenplay_path(folder, relative), relative)
    problems = _cast_problems(screenplay, relative, cast_ids)
    if problems:
        raise InputError(problems)
    dialogue = screenplay.dialogue
    if not dialogue:
        raise InputError(Problem(relative, "no dialogue found", hint="a character cue is a line in CAPITALS after a "
                                 "blank line, with the dialogue on the lines below it"))
    return dialogue


def production_yaml(screenplay: Screenplay, dialogue_file: str, title: str | None = None) -> str:
    """A production.yaml for `scriptagent new NAME --from film.fountain`: the cast from the character cues (their
    appearance from the screenplay's descriptions), the scenes read from the screenplay at build time."""
    quote = json.dumps  # a JSON string is a YAML string
    cast = ""
    for cast_id, character in screenplay.characters.items():
        name, appearance = character["name"], character.get("appearance", "")
        note = "   # from the screenplay; how they look in every shot" if appearance else \
            f"   # how {name} looks, in every shot"
        cast += (f"  - id: {cast_id}\n    name: {quote(name)}\n    appearance: {quote(appearance)}{note}\n"
                 f"    reference: cast/{cast_id}.png\n")
    count = len(screenplay.scenes)
    file_name = dialogue_file if re.fullmatch(r"[A-Za-z0-9][\w.\-/]*", dialogue_file) else quote(dialogue_file)
    return (f"# production.yaml: made by `scriptagent new --from {dialogue_file}`. `doit` builds build/film.mp4.\n"
            f"title: {quote(title or screenplay.title)}\nseed: 0\n\n"
            "style:\n  look: \"\"                   # passed to every renderer\n  resolution: [640, 360]\n  fps: 24\n\n"
            f"cast:                        # from the screenplay's character cues\n{cast}\n"
            f"dialogue_file: {file_name}   # the {count} scene{'s' if count != 1 else ''}, read at "
            "every build: edit the screenplay and the next `doit` follows it\n\n"
            "scripter: {backend: rule-based}\ndirector: {backend: animatic, max_segment_seconds: 5, anchoring: chain}\n"
            "critic: {metrics: [structure, continuity, dynamic], judge: none}\n"
            "voice: {backend: espeak, if_missing: silent}   # spoken lines where espeak-ng is installed\n")


