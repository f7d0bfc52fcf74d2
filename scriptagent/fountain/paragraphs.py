"""Reading a Fountain file into classified paragraphs (screenplain's parse), each with its lines in the file:
boneyard, notes, sections and synopses removed; one-line paragraphs told apart (heading, return to a place,
INTERCUT, transition, action)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from ..files import read_inside
from .names import plain

_BONEYARD = re.compile(r"/\*.*?\*/", re.S)
_NOTE = re.compile(r"\[\[.*?\]\]", re.S)
_MARKER_LINE = re.compile(r"^\s*[#=]")  # section, synopsis, page break
_SCENE_NUMBER = re.compile(r"\s*#[\w.\-]+#\s*$")
_TIME_ONLY = re.compile(r"^(?:(?:A\s+)?(?:FEW\s+)?(?:MOMENTS?|SECONDS|MINUTES|HOURS|LITTLE)\s+LATER|LATER(?:\s+ON)?|"
                        r"CONTINUOUS|SAME(?:\s+TIME)?|SHORTLY\s+AFTER(?:WARDS?)?)[.:]?$", re.I)
BACK = re.compile(r"^BACK\s+(?:IN|AT|TO|INSIDE|OUTSIDE|ON|ONTO|INTO)\s+(.+?)[.:]?$", re.I)
INTERCUT = re.compile(r"^>?\s*INTERCUT\b(.*)$", re.I)
_END_INTERCUT = re.compile(r"^>?\s*(?:END\s+(?:OF\s+)?INTERCUT|INTERCUT\s+ENDS?)\b", re.I)
_TRANSITION_WORDS = re.compile(r"^>?\s*(?:(?:SMASH|MATCH|JUMP|HARD|TIME|QUICK|SLOW)\s+)?(?:CUT|DISSOLVE|FADE|WIPE|IRIS)"
                               r"(?:\s+(?:IN|OUT|UP|TO|BACK))?(?:\s+(?:TO\s+)?(?:BLACK|WHITE))?\s*[.:]?$"
                               r"|^>?\s*[A-Z][A-Z\s]*\bTO:$")
_THE_END = re.compile(r"^>?\s*(?:THE\s+)?END\.?\s*<?$", re.I)


def transition_kind(text: str) -> str:
    upper = text.upper()
    if "DISSOLVE" in upper:
        return "dissolve"
    if "FADE" in upper:
        return "fade-in"
    return "cut"


@dataclass
class Paragraph:
    kind: str  # heading | dialog | action | transition | return | intercut | end-intercut
    text: str
    line: int
    lines: list[int] = field(default_factory=list)  # dialog: the line of the cue, then of each block
    cue: str = ""
    blocks: list = field(default_factory=list)  # dialog: (is_parenthetical, text)
    centered: bool = False


# A feature-length screenplay is 150 to 250 KB of Fountain; ten of them is a mistake (and more lines and beats than
# a production may have: schema/production.py, MAX_BODY_ITEMS).
MAX_SCREENPLAY_BYTES = 2_000_000


def read_text(path: Path, display: str, inside: Path | None = None) -> str:
    """The screenplay's text: `path` relative to the production folder `inside` (it must stay there), or a file
    named on the command line; a regular file of at most MAX_SCREENPLAY_BYTES, checked before it is read."""
    data = read_inside(inside, path, MAX_SCREENPLAY_BYTES, display, prefix="cannot read the screenplay: ",
                        hint="a Fountain text file in UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError(Problem(display, f"cannot read the screenplay: not UTF-8 text (byte {data[error.start]:#04x})",
                                 line, column, hint="save the screenplay as UTF-8")) from None


def unclosed_boneyard(text: str, first_line: int) -> int | None:
    """The line of a `/*` that no `*/` closes (its text is read as screenplay), else None."""
    rest = _BONEYARD.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    index = rest.find("/*")
    return None if index < 0 else first_line + rest.count("\n", 0, index)


def parse_paragraphs(text: str) -> tuple[dict, list[Paragraph], int]:
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

    result: list[Paragraph] = []

    def dialog(paragraph) -> Paragraph:
        first, its = where.get(id(paragraph), (0, []))
        blocks = [(bool(is_parenthetical), str(block).strip()) for is_parenthetical, block in paragraph.blocks]
        return Paragraph("dialog", "", first, its, cue=str(paragraph.character).strip(), blocks=blocks)

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
                result.append(Paragraph("action", " ".join(texts), first, its, centered=paragraph.centered))
        # sections, synopses and page breaks: ignored
    return title_page or {}, result, start + 1


def _one_liner(text: str, line: int, heading: bool = False, transition: bool = False) -> Paragraph:
    """A paragraph of one line: a heading, a slugline that returns to a place, INTERCUT, a transition or action."""
    bare = text.lstrip(">").strip()
    upper = bare == bare.upper() and any(c.isalpha() for c in bare)
    if heading or upper or transition:
        if _END_INTERCUT.match(bare):
            return Paragraph("end-intercut", bare, line)
        if INTERCUT.match(bare):
            return Paragraph("intercut", bare, line)
    if heading or (upper and not re.search(r"[!?]", bare)):
        if _TIME_ONLY.match(bare) or BACK.match(bare):
            return Paragraph("return", bare, line)
    if heading:
        return Paragraph("heading", bare, line)
    if transition or (upper and _TRANSITION_WORDS.match(bare)):
        if _THE_END.match(bare):
            return Paragraph("skip", bare, line)
        return Paragraph("transition", transition_kind(bare), line)
    if upper and _THE_END.match(bare):
        return Paragraph("skip", bare, line)
    return Paragraph("action", text, line, [line])
