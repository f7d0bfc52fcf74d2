"""Hostile and oversized inputs (issue #17, round 2): every file the tool reads is read by the same rules (inside the
production folder, a regular file, its size checked before a byte is read), a production's templates cannot build
without bound, the limits agree end to end, and no message quotes what a file holds.

Each case runs the real command line (`doit` in the production, and `scriptagent validate` or `scriptagent script`)
under a timeout, so a hang fails the test instead of blocking it, and checks: exit 2, exactly one line on stderr
naming the file (with line:col and field where there is one), no traceback, and nothing changed under the
production folder: no file outside build/ written, the finished build (film.mp4 and every other artifact) kept.

The classes and their cases:
- special files and reads outside the production (21): production.yaml, script.yaml, the `dialogue_file`
  screenplay, a prompt template and a cast reference as a FIFO, a folder, a link to /dev/zero, a link to a file
  outside (script.yaml, the screenplay) or a file past its size limit (production.yaml, script.yaml, the screenplay,
  a template).
- templates (12): `'x' * 10000000000`, nested `range(100000)` loops, a non-UTF-8 template, a render past the output
  limit, `s ~ s` doubling, a macro that calls itself twice, `10 ** (10 ** 10)`, `center(10000000000)`,
  `replace('', s)`, `'%999999999d' % 1`, `xs.append(xs)`, `1 / 0`.
- limits end to end (5): a feature-length screenplay and a 10,000-line production (slow) are scripted into a
  script.yaml the tool then accepts; a production of 10,001 lines and a screenplay of 10,001 are refused up front; a
  production whose script.yaml would pass its limit is refused before it is written.
- reference images (3): a 17 KB PNG of 12,000 x 12,000 pixels, one of 9,000 x 9,000 (above our limit, below
  Pillow's warning), a header claiming 100,000 x 100,000: refused by pixel count, no DecompressionBombWarning.
- secrets in messages (3): a duplicate key in production.yaml and in script.yaml is reported by key and lines, never
  by value; a value YAML cannot convert (`!!int <secret>`) is not quoted. (The screenplay linking to a file outside
  is in the first class: its text appears nowhere.)
"""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from conftest import SMALL_PRODUCTION, env, make_production
from reliability_support import NOT_ARTIFACTS, STAT_CACHE, copy_production

from scriptagent.files import MAX_PIXELS
from scriptagent.fountain.paragraphs import MAX_SCREENPLAY_BYTES
from scriptagent.schema.production import MAX_BODY_ITEMS
from scriptagent.schema.script import MAX_SCRIPT_BYTES
from scriptagent.scripter.prompts import MAX_TEMPLATE_BYTES
from scriptagent.scripter.sandbox import MAX_PROMPT_CHARS
from scriptagent.yamlio import MAX_YAML_BYTES

TIMEOUT = 120  # seconds: a command that takes longer hangs (every refusal here takes a few)
SECRET = "sk-live-Qz81Rp0Lm3Tt7Yv2"  # written in files outside the production, or as values in its own

SCREENPLAY = """\
INT. KITCHEN - MORNING

A small kitchen. Coffee on the stove.

ANA
You're up early.

BEN
(pouring coffee)
Couldn't sleep. Big day today.

ANA
Are you nervous?

BEN
Terrified.
"""
SCREENPLAY_PRODUCTION = SMALL_PRODUCTION.split("setting:")[0] + "dialogue_file: scene.fountain\n" + \
    SMALL_PRODUCTION.split("  - ben: \"Terrified.\"\n")[1]
LLM = 'scripter: {backend: openai, model: m, base_url: "http://127.0.0.1:9/v1", timeout: 1, retries: 0}'


# --- running and looking ----------------------------------------------------------------------------------------

def run(folder: Path, *args: str, timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    """`doit ...` or `scriptagent ...` in the production folder, failing the test if it hangs."""
    command = [sys.executable, "-m", "doit", *args[1:]] if args[0] == "doit" else \
        [sys.executable, "-m", "scriptagent.cli", *args]
    try:
        return subprocess.run(command, cwd=folder, env=env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(args)} hung: still running after {timeout} s")


def snapshot(folder: Path) -> dict[str, object]:
    """Everything under `folder`, links not followed and special files not opened: a file's bytes, a link's target,
    'folder', or the kind of a special file. The build's state (doit's database, the lock) changes on every run and
    is left out."""
    found: dict[str, object] = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root) / name
            if name in NOT_ARTIFACTS or STAT_CACHE.match(name) or "__pycache__" in path.parts:
                continue
            mode = path.lstat().st_mode
            found[str(path.relative_to(folder))] = (
                ("link", os.readlink(path)) if stat.S_ISLNK(mode) else path.read_bytes() if stat.S_ISREG(mode)
                else "folder" if stat.S_ISDIR(mode) else f"special {stat.S_IFMT(mode):o}")
    return found


def assert_refused(result: subprocess.CompletedProcess, start: str, says: str = "") -> str:
    """Exit 2, no traceback, one line on stderr starting with `start` and containing `says`; the line."""
    shown = result.stdout + result.stderr
    assert result.returncode == 2, shown
    assert "Traceback" not in shown and "Warning" not in result.stderr, shown
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(start) and says in lines[0], lines[0]
    return lines[0]


def refused_everywhere(folder: Path, commands: list[tuple[str, ...]], start: str, says: str = "") -> None:
    """Every command is refused with the same line, and leaves the production folder as it found it."""
    before = snapshot(folder)
    assert (folder / "build" / "film.mp4").exists()  # a finished build, damaged afterwards
    for command in commands:
        line = assert_refused(run(folder, *command), start, says)
        assert SECRET not in line
        assert snapshot(folder) == before, command  # nothing outside build/ written, nothing finished lost


# --- the productions, built once ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """A small production (dialogue in production.yaml) and one whose dialogue is a Fountain screenplay, built."""
    small = make_production(tmp_path_factory.mktemp("small") / "film")
    screenplay = make_production(tmp_path_factory.mktemp("screenplay") / "film", text=SCREENPLAY_PRODUCTION)
    (screenplay / "scene.fountain").write_text(SCREENPLAY)
    for folder in (small, screenplay):
        result = run(folder, "doit")
        assert result.returncode == 0, result.stdout + result.stderr
    return {"small": small, "screenplay": screenplay}


def fifo(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        replace_with(folder / name, lambda path: os.mkfifo(path))
    return damage


def folder_at(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        replace_with(folder / name, lambda path: path.mkdir())
    return damage


def link_to(name: str, target: str | None = None) -> Callable[[Path], None]:
    """`name` becomes a link to `target` (default: a file outside the production holding SECRET)."""
    def damage(folder: Path) -> None:
        destination = target
        if destination is None:
            destination = str(folder.parent / "outside.txt")
            Path(destination).write_text(f"INT. SECRET - NIGHT\n\nANA\n{SECRET}\n")
        replace_with(folder / name, lambda path: path.symlink_to(destination))
    return damage


def sparse(name: str, size: int) -> Callable[[Path], None]:
    """`name` becomes a file of `size` bytes that takes no room (were it read, it would be read in full)."""
    def damage(folder: Path) -> None:
        def make(path: Path) -> None:
            with open(path, "wb") as file:
                file.truncate(size)
        replace_with(folder / name, make)
    return damage


def replace_with(path: Path, make: Callable[[Path], None]) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    make(path)


def with_reference(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """Ana gets `reference: cast/ana.png` (line 10, column 16 of production.yaml), which `damage` then breaks."""
    def edit(folder: Path) -> None:
        text = (folder / "production.yaml").read_text()
        (folder / "production.yaml").write_text(text.replace("    name: Ana\n",
                                                             "    name: Ana\n    reference: cast/ana.png\n", 1))
        damage(folder)
    return edit


def with_llm(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """The production asks a language model (at a port where nothing listens) for its script, with its own
    templates/scripter/user.j2 broken by `damage`: the template is read, or rendered, before anything is asked."""
    def edit(folder: Path) -> None:
        text = (folder / "production.yaml").read_text()
        (folder / "production.yaml").write_text(text.replace("scripter: {backend: rule-based}", LLM))
        damage(folder)
    return edit


# --- special files and reads outside the production -------------------------------------------------------------

@dataclass
class Case:
    id: str
    base: str  # small | screenplay
    damage: Callable[[Path], None]
    start: str  # the line starts with this
    says: str = ""  # ... and contains this
    commands: tuple = (("doit",), ("validate",))


P, S, F, T = "production.yaml", "script.yaml", "scene.fountain", "templates/scripter/user.j2"
REF = f"{P}:10:16: cast[0].reference: 'cast/ana.png'"
NOT_REGULAR = "not a regular file (put the file itself there)"
LEAVES = "a symlink to outside the production folder (copy the file into the production folder)"
SCRIPT_COMMANDS = (("doit",), ("script",))
SPECIAL_FILES = [
    Case("production-fifo", "small", fifo(P), f"{P}: a FIFO (named pipe), {NOT_REGULAR}"),
    Case("production-folder", "small", folder_at(P), f"{P}: a folder, {NOT_REGULAR}"),
    Case("production-dev-zero", "small", link_to(P, "/dev/zero"), f"{P}: {LEAVES}"),
    Case("production-too-large", "small", sparse(P, MAX_YAML_BYTES + 1),
         f"{P}: file is {MAX_YAML_BYTES + 1} bytes, more than the {MAX_YAML_BYTES} allowed"),
    Case("script-fifo", "small", fifo(S), f"{S}: a FIFO (named pipe), {NOT_REGULAR}"),
    Case("script-folder", "small", folder_at(S), f"{S}: a folder, {NOT_REGULAR}"),
    Case("script-dev-zero", "small", link_to(S, "/dev/zero"), f"{S}: {LEAVES}"),
    Case("script-outside", "small", link_to(S), f"{S}: {LEAVES}"),
    Case("script-too-large", "small", sparse(S, MAX_SCRIPT_BYTES + 1),
         f"{S}: file is {MAX_SCRIPT_BYTES + 1} bytes, more than the {MAX_SCRIPT_BYTES} allowed"),
    Case("screenplay-outside", "screenplay", link_to(F), f"{F}: cannot read the screenplay: {LEAVES}"),
    Case("screenplay-fifo", "screenplay", fifo(F), f"{F}: cannot read the screenplay: a FIFO (named pipe), "
                                                   f"{NOT_REGULAR}"),
    Case("screenplay-folder", "screenplay", folder_at(F), f"{F}: cannot read the screenplay: a folder, {NOT_REGULAR}"),
    Case("screenplay-dev-zero", "screenplay", link_to(F, "/dev/zero"), f"{F}: cannot read the screenplay: {LEAVES}"),
    Case("screenplay-too-large", "screenplay", sparse(F, MAX_SCREENPLAY_BYTES + 1),
         f"{F}: cannot read the screenplay: file is {MAX_SCREENPLAY_BYTES + 1} bytes, more than the "
         f"{MAX_SCREENPLAY_BYTES} allowed"),
    Case("template-fifo", "small", with_llm(fifo(T)), f"{T}: template: a FIFO (named pipe), {NOT_REGULAR}",
         commands=SCRIPT_COMMANDS),
    Case("template-folder", "small", with_llm(folder_at(T)), f"{T}: template: a folder, {NOT_REGULAR}",
         commands=SCRIPT_COMMANDS),
    Case("template-dev-zero", "small", with_llm(link_to(T, "/dev/zero")), f"{T}: {LEAVES}", commands=SCRIPT_COMMANDS),
    Case("template-too-large", "small", with_llm(sparse(T, MAX_TEMPLATE_BYTES + 1)),
         f"{T}: template: file is {MAX_TEMPLATE_BYTES + 1} bytes, more than the {MAX_TEMPLATE_BYTES} allowed",
         commands=SCRIPT_COMMANDS),
    Case("reference-fifo", "small", with_reference(fifo("cast/ana.png")), f"{REF}: a FIFO (named pipe), {NOT_REGULAR}"),
    Case("reference-folder", "small", with_reference(folder_at("cast/ana.png")), f"{REF}: a folder, {NOT_REGULAR}"),
    Case("reference-dev-zero", "small", with_reference(link_to("cast/ana.png", "/dev/zero")),
         f"{P}:10:16: cast[0].reference: 'cast/ana.png' links to outside the production folder"),
]


def test_special_files_have_twenty_one_cases():
    assert len(SPECIAL_FILES) == 21 and len({case.id for case in SPECIAL_FILES}) == 21


@pytest.mark.parametrize("case", SPECIAL_FILES, ids=[case.id for case in SPECIAL_FILES])
def test_a_special_file_or_a_read_outside_is_refused_unread(case, built, tmp_path):
    folder = copy_production(built[case.base], tmp_path / "film")
    case.damage(folder)
    refused_everywhere(folder, list(case.commands), case.start, case.says)
    script = folder / "script.yaml"
    if script.is_file() and not script.is_symlink():  # what the outside file says reached no file of the build
        assert SECRET.encode() not in script.read_bytes()
    assert not [name for name, data in snapshot(folder).items() if isinstance(data, bytes) and SECRET.encode() in data]


# --- templates --------------------------------------------------------------------------------------------------

def template(text: str | bytes) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / T
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return with_llm(damage)


DOUBLING = "{% set s = 'xxxxxxxxxx' %}" + "{% set s = s ~ s %}" * 40 + "{{ s }}"
TEMPLATES = [
    ("repeat", template("{{ 'x' * 10000000000 }}"), f"{T}: template: `*` would make a value of more than"),
    ("nested-ranges", template("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
     f"{T}: template: the template loops or calls more than"),
    ("not-utf8", template(b"Title: {{ title }}\n\xff\xfe\n"), f"{T}:2:1: template: not UTF-8 text (byte 0xff)"),
    ("output-too-large", template("{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"),
     f"{T}: template: the template renders more than {MAX_PROMPT_CHARS} characters"),
    ("concat-doubling", template(DOUBLING), f"{T}: template: `~` would make a value of more than"),
    ("macro-bomb", template("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                            "{{ f(60) }}"), f"{T}: template: the template loops or calls more than"),
    ("power", template("{{ 10 ** (10 ** 10) }}"), f"{T}: template: `**` would make a number of more than 4096 bits"),
    ("huge-width", template("{{ title|center(10000000000) }}"), f"{T}: template: the center filter would make a value of more than"),
    ("replace-bomb", template("{% set s = 'x' * 100000 %}{{ s|replace('', s) }}"),
     f"{T}: template: the replace filter would make a value of more than"),
    ("format-width", template("{{ '%999999999d' % 1 }}"), f"{T}: template: `%` would make a value of more than"),
    ("mutation", template("{{ cast.append(cast) }}"), f"{T}: template: access to attribute 'append' of 'list'"),
    ("division", template("Title: {{ title }}\n{{ 1 / 0 }}"), f"{T}:2:1: template: ZeroDivisionError"),
]


def test_templates_have_twelve_cases():
    assert len(TEMPLATES) == 12


@pytest.mark.parametrize("damage,start", [case[1:] for case in TEMPLATES], ids=[case[0] for case in TEMPLATES])
def test_a_template_cannot_build_without_bound(damage, start, built, tmp_path):
    folder = copy_production(built["small"], tmp_path / "film")
    damage(folder)
    refused_everywhere(folder, [("doit",), ("script",)], start)


# --- limits end to end ------------------------------------------------------------------------------------------

CAST = ["ana", "ben", "cleo", "dev", "eli", "fay", "gus", "hal", "ida", "jo", "kai", "lou"]
WORDS = ("the river was wide and the fish was bigger than any man had ever seen so he told the story again and again "
         "until nobody could tell which part was true").split()


def feature_screenplay(scenes: int, lines: int, beats: int) -> str:
    """A screenplay of `scenes` scenes, `lines` lines of dialogue and `beats` paragraphs of action, spread evenly, of
    the lengths a film's have (3 to 25 words a line, 10 to 40 a beat)."""
    parts = ["Title: A Long Story\nAuthor: Test\n\n"]
    line = beat = 0
    for number in range(scenes):
        parts.append(f"{'INT' if number % 2 else 'EXT'}. PLACE {number} - {'DAY' if number % 3 else 'NIGHT'}\n\n")
        while line < lines * (number + 1) // scenes or beat < beats * (number + 1) // scenes:
            if beat < beats * (number + 1) // scenes:
                text = " ".join(WORDS[(beat * 7 + k) % len(WORDS)] for k in range(10 + beat % 31))
                parts.append(f"{text.capitalize()}.\n\n")
                beat += 1
            if line < lines * (number + 1) // scenes:
                text = " ".join(WORDS[(line * 5 + k) % len(WORDS)] for k in range(3 + line % 23))
                parts.append(f"{CAST[line % len(CAST)].upper()}\n{text.capitalize()}.\n\n")
                line += 1
    return "".join(parts)


def screenplay_production(folder: Path, screenplay: str) -> Path:
    cast = "".join(f"  - {{id: {name}, name: {name.title()}}}\n" for name in CAST)
    make_production(folder, text=f"title: A Long Story\ncast:\n{cast}dialogue_file: story.fountain\n"
                                 "scripter: {backend: rule-based}\ndirector: {backend: animatic}\n")
    (folder / "story.fountain").write_text(screenplay)
    return folder


def lines_production(folder: Path, count: int, name: str = "Ana") -> Path:
    lines = "".join(f'  - {"ana" if n % 2 else "ben"}: "Line number {n}, said plainly."\n' for n in range(count))
    head = SMALL_PRODUCTION.split("dialogue:\n")[0].replace("    name: Ana\n", f"    name: {name}\n")
    return make_production(folder, text=head + "dialogue:\n" + lines + "scripter: {backend: rule-based}\n")


def scripted_and_accepted(folder: Path, timeout: int = TIMEOUT) -> int:
    """`scriptagent script` writes script.yaml and `scriptagent validate` accepts it; its size."""
    written = run(folder, "script", timeout=timeout)
    assert written.returncode == 0 and "Traceback" not in written.stderr, written.stdout + written.stderr
    size = (folder / "script.yaml").stat().st_size
    assert size <= MAX_SCRIPT_BYTES
    checked = run(folder, "validate", timeout=timeout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return size


def test_a_feature_length_screenplay_makes_a_script_the_tool_accepts(tmp_path):
    """Big Fish-sized: 150 scenes, 1,000 lines of dialogue, 900 beats of action (a 200 KB Fountain file)."""
    folder = screenplay_production(tmp_path / "film", feature_screenplay(150, 1000, 900))
    assert 150_000 < (folder / "story.fountain").stat().st_size < 300_000
    assert 1_000_000 < scripted_and_accepted(folder) < MAX_SCRIPT_BYTES  # ~1.2 MB


@pytest.mark.slow
def test_the_largest_production_makes_a_script_the_tool_accepts(tmp_path):
    """MAX_BODY_ITEMS lines (10,000): a 5 MB script.yaml, once refused by a 2 MB limit it could never pass."""
    folder = lines_production(tmp_path / "film", MAX_BODY_ITEMS)
    assert 4_000_000 < scripted_and_accepted(folder, timeout=600) <= MAX_SCRIPT_BYTES


def test_a_production_of_more_lines_than_allowed_is_refused_up_front(tmp_path):
    folder = lines_production(tmp_path / "film", MAX_BODY_ITEMS + 1)
    for command in ("doit",), ("validate",), ("script",):
        assert_refused(run(folder, *command), f"{P}:15:1: dialogue: {MAX_BODY_ITEMS + 1} lines and beats, more than "
                                              f"the {MAX_BODY_ITEMS} a production may have (split it")
    assert sorted(path.name for path in folder.iterdir()) == ["dodo.py", "production.yaml"]


def test_a_screenplay_of_more_lines_than_allowed_is_refused_up_front(tmp_path):
    folder = screenplay_production(tmp_path / "film", feature_screenplay(10, MAX_BODY_ITEMS + 1, 0))
    for command in ("doit",), ("validate",):
        assert_refused(run(folder, *command), f"story.fountain: {MAX_BODY_ITEMS + 1} lines and beats, more than the "
                                              f"{MAX_BODY_ITEMS} a production may have")
    assert sorted(path.name for path in folder.iterdir()) == ["dodo.py", "production.yaml", "story.fountain"]


def test_a_script_past_its_limit_is_refused_before_it_is_written(tmp_path):
    """A valid production whose every shot repeats a 60,000-character name: its script would pass MAX_SCRIPT_BYTES,
    so the scripter says so instead of writing a script.yaml the next command would refuse."""
    folder = lines_production(tmp_path / "film", 300, name="A" * 60_000)
    for command in ("script",), ("doit",):
        assert_refused(run(folder, *command), f"{P}: its script.yaml would be at least ",
                       f"more than the {MAX_SCRIPT_BYTES} a script may have: not written")
    assert not (folder / "script.yaml").exists() and not (folder / "build" / "film.mp4").exists()


# --- reference images -------------------------------------------------------------------------------------------

def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height pixels and holds none of them."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IEND", b"")


def image(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / "cast").mkdir(exist_ok=True)
        make(folder / "cast" / "ana.png")
    return with_reference(damage)


IMAGES = [
    ("12000-square", image(lambda path: Image.new("1", (12_000, 12_000)).save(path, optimize=True)), 144_000_000),
    ("9000-square", image(lambda path: Image.new("1", (9_000, 9_000)).save(path, optimize=True)), 81_000_000),
    ("header-only", image(lambda path: path.write_bytes(png_header(100_000, 100_000))), 10_000_000_000),
]


@pytest.mark.parametrize("damage,pixels", [case[1:] for case in IMAGES], ids=[case[0] for case in IMAGES])
def test_an_image_of_too_many_pixels_is_refused_by_its_header(damage, pixels, built, tmp_path):
    folder = copy_production(built["small"], tmp_path / "film")
    damage(folder)
    assert (folder / "cast" / "ana.png").stat().st_size < 100_000  # a few KB on disk
    refused_everywhere(folder, [("doit",), ("validate",)],
                       f"{REF} has {pixels} pixels, more than the {MAX_PIXELS} allowed (scale it down")


# --- secrets in messages ----------------------------------------------------------------------------------------

def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        text = (folder / name).read_text()
        assert old in text
        (folder / name).write_text(text.replace(old, new, 1))
    return damage


SECRETS = [
    ("duplicate-key", edit(P, "seed: 3\n", f'seed: 3\nnote: "{SECRET}-one"\nnote: "{SECRET}-two"\n'),
     f"{P}:4:1: duplicate key 'note' (first at line 3; keep one of them)"),
    ("script-duplicate-key", edit(S, "title: Small Test\n", f'title: "{SECRET}-one"\ntitle: "{SECRET}-two"\n'),
     f"{S}:8:1: duplicate key 'title' (first at line 7; keep one of them)"),
    ("unconvertible-value", edit(P, "seed: 3", f"seed: !!int {SECRET}"), f"{P}:2:7: YAML: cannot read this value as "
                                                                         "!!int"),
]


@pytest.mark.parametrize("damage,start", [case[1:] for case in SECRETS], ids=[case[0] for case in SECRETS])
def test_a_message_names_keys_and_lines_never_values(damage, start, built, tmp_path):
    folder = copy_production(built["small"], tmp_path / "film")
    damage(folder)
    before = snapshot(folder)
    for command in ("doit",), ("validate",):
        result = run(folder, *command)
        line = assert_refused(result, start)
        assert line == start and SECRET not in result.stdout + result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize("command", [("script", "--dialogue"), ("script", ".", "--import")])
def test_files_named_on_the_command_line_are_read_by_the_same_rules(command, tmp_path):
    """`--dialogue FILE` and `--import FILE`: a FIFO is refused unread, a huge file by its size, in one line each."""
    folder = make_production(tmp_path / "small")
    fifo = tmp_path / "lines.txt"
    os.mkfifo(fifo)  # opened for reading, a FIFO nobody writes to would block forever
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as file:
        file.truncate(64 * 2 ** 20)  # sparse: 64 MiB of nothing, past every limit
    for path, reason in ((fifo, "not a regular file"), (huge, "more than the")):
        result = run(folder, *command, str(path), timeout=60)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert str(path) in result.stderr and reason in result.stderr
