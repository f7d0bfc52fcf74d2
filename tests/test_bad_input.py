"""Malformed productions and scripts: each is refused with one clear line naming file:line:col and the field,
by `doit` and by `scriptagent validate` alike (exit 2, no traceback), and nothing is written or lost.

Every case starts from a finished build of a good production, breaks one file, and checks:
- `doit` exits 2 and its stderr is exactly the expected problem line(s);
- `scriptagent validate` exits 2 and prints the same line;
- no file outside build/ changed (but the broken one), and every artifact in build/ is still there, unchanged;
- for some cases: once the file is fixed again, `doit` has nothing to re-render.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from conftest import doit, executed, make_production
from reliability_support import NOT_ARTIFACTS, copy_production, files_under

from scriptagent import cli

LOCATED = re.compile(r"^[^:]+(:\d+:\d+)?: ")


@dataclass
class Case:
    id: str
    file: str  # production.yaml or script.yaml
    edit: Callable[[Path], None]  # breaks the production in this folder
    where: str  # the line starts with this: FILE:LINE:COL: field (a {marker} is replaced by its LINE:COL)
    says: str  # ... and contains this
    lines: int = 1  # how many problem lines (three validators may each see one broken speaker)
    restore: bool = False  # also check that fixing the file rebuilds nothing


def replace(file: str, old: str, new: str | bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        text = (folder / file).read_text()
        assert old in text, old
        if isinstance(new, bytes):
            (folder / file).write_bytes(text.replace(old, "\0MARK\0").encode().replace(b"\0MARK\0", new))
        else:
            (folder / file).write_text(text.replace(old, new, 1))
    return edit


def production(old: str, new: str | bytes) -> Callable[[Path], None]:
    return replace("production.yaml", old, new)


def script(old: str, new: str | bytes) -> Callable[[Path], None]:
    return replace("script.yaml", old, new)


def write(file: str, content: str | bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        if isinstance(content, bytes):
            (folder / file).write_bytes(content)
        else:
            (folder / file).write_text(content)
    return edit


def with_reference(reference: str, make: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    """Give ana a reference image (after `make` prepared the folder)."""
    def edit(folder: Path) -> None:
        if make:
            make(folder)
        production('    name: Ana\n', f'    name: Ana\n    reference: "{reference}"\n')(folder)
    return edit


def link_outside(folder: Path) -> None:
    outside = folder.parent / "outside.png"
    Image.new("RGB", (8, 8), "red").save(outside)
    (folder / "cast").mkdir(exist_ok=True)
    (folder / "cast" / "ana.png").symlink_to(outside)


def not_an_image(folder: Path) -> None:
    (folder / "cast").mkdir(exist_ok=True)
    (folder / "cast" / "ana.png").write_text("this is not a picture")


def template_link_outside(folder: Path) -> None:
    (folder / "templates" / "scripter").mkdir(parents=True)
    (folder / "templates" / "scripter" / "system.j2").symlink_to("/etc/passwd")


LAUGHS = "title: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"x{n}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8))
DEEP = "[" * 200 + "]" * 200

P = "production.yaml"
S = "script.yaml"
CASES = [
    # --- YAML itself
    Case("yaml-syntax", P, production('  fps: 12', '  fps: [12'), f"{P}:7:5:",
         "(while parsing a flow sequence started at line 6)"),
    Case("unclosed-quote", P, production('"flat colours"', '"flat colours'), f"{P}:10:18:", "YAML syntax"),
    Case("tab-indent", P, production("    name: Ana", "\tname: Ana"), f"{P}:9:1:", "indent with spaces, not tabs"),
    Case("duplicate-key", P, production("seed: 3\n", "seed: 3\nseed: 4\n"), f"{P}:3:1:", "duplicate key"),
    Case("empty-file", P, write(P, ""), f"{P}:1:1: the file is empty", ""),
    Case("only-comments", P, write(P, "# nothing here\n"), f"{P}:1:1: the file is empty", ""),
    Case("top-level-list", P, write(P, "- title: x\n"), f"{P}:1:1:", "expected a mapping at the top level"),
    Case("two-documents", P, production("seed: 3\n", "seed: 3\n---\nseed: 4\n"), f"{P}:3:1:", "another document"),
    Case("not-utf8", P, production("flat colours", b"flat col\xf6urs"), f"{P}:4:18:", "not UTF-8 text (byte 0xf6)"),
    Case("nul-byte", P, production("flat colours", "flat\0colours"), f"{P}:4:14:", "character U+0000"),
    Case("lone-surrogate", P, production('"flat colours"', '"flat \\ud800"'), f"{P}:4:9:", "lone surrogate"),
    Case("billion-laughs", P, write(P, LAUGHS), f"{P}:2:9:", "YAML alias '*a' is not allowed"),
    Case("alias", P, production("seed: 3\n", "seed: &s 3\nx: *s\n"), f"{P}:3:4:", "YAML alias '*s' is not allowed"),
    Case("python-object", P, production("title: Small Test", 'title: !!python/object/apply:os.system ["touch pwned"]'),
         f"{P}:1:8:", "YAML tag '!!python/object/apply:os.system' is not allowed"),
    Case("python-name", P, production("seed: 3", "seed: !!python/name:os.system"), f"{P}:2:7:",
         "YAML tag '!!python/name:os.system' is not allowed"),
    Case("custom-tag", P, production('look: "flat colours"', "look: !include secrets.yaml"), f"{P}:4:9:",
         "YAML tag '!include' is not allowed"),
    Case("binary-tag", P, production('look: "flat colours"', "look: !!binary aGVsbG8="), f"{P}:4:9:",
         "YAML tag '!!binary' is not allowed"),
    Case("bad-explicit-int", P, production("seed: 3", "seed: !!int three"), f"{P}:2:7:", "cannot read this value"),
    Case("too-deep", P, production('setting: "a small kitchen in the morning"', f"setting: {DEEP}"), f"{P}:14:",
         "nested more than 32 levels deep"),
    Case("huge-file", P, lambda folder: (folder / P).write_text((folder / P).read_text() + "#" * 2_100_000),
         f"{P}: file is ", "more than the 2000000 allowed"),
    # --- the schema: keys, types, values
    Case("unknown-key", P, production("seed: 3\n", "seed: 3\nsettings: x\n"), f"{P}:3:1: settings:",
         "unknown key 'settings' (did you mean 'setting'?)", restore=True),
    Case("unknown-nested-key", P, production('look: "flat colours"', 'lok: "flat colours"'), f"{P}:4:3: style.lok:",
         "unknown key 'lok' (did you mean 'look'?)"),
    Case("missing-title", P, production("title: Small Test\n", ""), f"{P}:1:1: title:", "required field is missing"),
    Case("empty-title", P, production("title: Small Test", 'title: ""'), f"{P}:1:8: title:", "at least 1 character"),
    Case("wrong-type-fps", P, production("fps: 12", "fps: twelve"), f"{P}:6:8: style.fps:", "valid integer"),
    Case("wrong-type-cast", P, production("cast:\n  - id: ana", "cast: ana\nx:\n  - id: ana"), f"{P}:7:7: cast:",
         "valid list", lines=2),
    Case("wrong-type-seed", P, production("seed: 3", "seed: [3]"), f"{P}:2:1: seed:", "valid integer"),
    Case("fps-zero", P, production("fps: 12", "fps: 0"), f"{P}:6:8: style.fps:", "greater than or equal to 1"),
    Case("fps-absurd", P, production("fps: 12", "fps: 100000"), f"{P}:6:8: style.fps:", "less than or equal to 120"),
    Case("fps-nan", P, production("fps: 12", "fps: .nan"), f"{P}:6:8: style.fps:", "finite number"),
    Case("resolution-odd", P, production("[160, 90]", "[161, 90]"), f"{P}:5:3: style.resolution:", "odd side"),
    Case("resolution-negative", P, production("[160, 90]", "[-160, 90]"), f"{P}:5:3: style.resolution:",
         "outside 16x16 .. 7680x4320"),
    Case("resolution-absurd", P, production("[160, 90]", "[100000, 90]"), f"{P}:5:3: style.resolution:",
         "outside 16x16 .. 7680x4320"),
    Case("resolution-one-side", P, production("[160, 90]", "[160]"), f"{P}:5:3: style.resolution:",
         "too few items"),
    Case("negative-seed", P, production("seed: 3", "seed: -1"), f"{P}:2:7: seed:", "greater than or equal to 0"),
    Case("segment-seconds-negative", P, production("max_segment_seconds: 3", "max_segment_seconds: -3"),
         f"{P}:21:52: director.max_segment_seconds:", "greater than 0"),
    Case("segment-seconds-infinite", P, production("max_segment_seconds: 3", "max_segment_seconds: .inf"),
         f"{P}:21:52: director.max_segment_seconds:", "finite number"),
    Case("unknown-backend", P, production("backend: animatic", "backend: wan2"), f"{P}:21:21: director.backend:",
         "unknown backend 'wan2'"),
    Case("speech-rate-zero", P, production("{backend: rule-based}", "{backend: rule-based, words_per_second: 0}"),
         f"{P}:20:51: scripter.words_per_second:", "greater than 0.5"),
    # --- the production's own rules
    Case("duplicate-cast-id", P, production("  - id: ben", "  - id: ana"), f"{P}:11:9: cast[1].id:",
         "'ana' is already used by cast[0]", restore=True),
    Case("bad-cast-id", P, production("  - id: ben", "  - id: Ben Smith"), f"{P}:11:9: cast[1].id:",
         "should match pattern"),
    Case("unknown-speaker", P, production('  - ana: "Are you nervous?"', '  - zoe: "Are you nervous?"'),
         f"{P}:18:5: dialogue[2]:", "speaker 'zoe' is not in the cast"),
    Case("no-dialogue", P, lambda folder: (folder / P).write_text((folder / P).read_text().split("dialogue:")[0]
                                                                  + "dialogue: []\n"),
         f"{P}:15:1: dialogue:", "at least 1 item"),
    Case("blank-line", P, production('"Terrified."', '"   "'), f"{P}:19:5: dialogue[3].line:", "the line is empty"),
    Case("line-not-text", P, production('"Terrified."', "[1, 2]"), f"{P}:19:5: dialogue[3]:", "must be text"),
    Case("two-speakers-in-one-item", P, production('  - ben: "Terrified."', '  - {ben: "Terrified.", ana: "Me too."}'),
         f"{P}:19:5: dialogue[3]:", "one `speaker: line` pair"),
    Case("api-key-in-file", P, production("{backend: rule-based}",
                                          "{backend: openai, model: m, api_key: sk-live-0123456789abcdef}"),
         f"{P}:20:48: scripter.api_key:", "never write the key in production.yaml"),
    # --- files the production names
    Case("reference-missing", P, with_reference("cast/nobody.png"), f"{P}:10:16: cast[0].reference:",
         "reference image 'cast/nobody.png' not found"),
    Case("reference-parent", P, with_reference("../outside.png"), f"{P}:10:16: cast[0].reference:",
         "outside the production folder"),
    Case("reference-absolute", P, with_reference("/etc/passwd"), f"{P}:10:16: cast[0].reference:",
         "outside the production folder"),
    Case("reference-symlink-out", P, with_reference("cast/ana.png", link_outside), f"{P}:10:16: cast[0].reference:",
         "links to outside the production folder"),
    Case("reference-not-an-image", P, with_reference("cast/ana.png", not_an_image), f"{P}:10:16: cast[0].reference:",
         "not an image"),
    Case("reference-nul", P, with_reference("cast/a\\0.png"), f"{P}:10:16: cast[0].reference:",
         "reference image 'cast/a\\x00.png' not found"),
    Case("template-symlink-out", P, template_link_outside, "templates/scripter/system.j2:",
         "a symlink to outside the production folder"),
    # --- script.yaml (the production is fine; the plan refuses the script)
    Case("script-syntax", S, script("shot_size: extreme-wide", "shot_size: [extreme-wide"), f"{S}:{{: eye-level}}",
         "YAML syntax"),
    Case("script-tab", S, script("        duration: 3.0", "\tduration: 3.0"), f"{S}:{{\tduration}}", "not tabs"),
    Case("script-not-utf8", S, script("slow push in", b"slow p\xfcsh in"), f"{S}:{{\ufffd}}",
         "not UTF-8 text (byte 0xfc)", restore=True),
    Case("script-empty", S, write(S, ""), f"{S}:1:1: the file is empty", ""),
    Case("script-alias", S, script("  ben:\n    name: Ben", "  ben: *ana\n  bob:\n    name: Ben"),
         f"{S}:{{*ana}}", "YAML alias '*ana' is not allowed"),
    Case("script-python-tag", S, script("duration: 3.0", "duration: !!python/object:os.system {}"),
         f"{S}:{{!!python}}", "is not allowed"),
    Case("duration-negative", S, script("duration: 3.0", "duration: -3"), f"{S}:{{-3}}: scenes[0].shots[0].duration:",
         "greater than 0", restore=True),
    Case("duration-absurd", S, script("duration: 3.0", "duration: 1000000"),
         f"{S}:{{1000000}}: scenes[0].shots[0].duration:", "less than or equal to 10"),
    Case("duration-nan", S, script("duration: 3.0", "duration: .nan"), f"{S}:{{.nan}}: scenes[0].shots[0].duration:",
         "finite number"),
    Case("duration-below-a-frame", S, script("duration: 3.0", "duration: 0.001"),
         f"{S}:{{0.001}}: scenes[0].shots[0].duration:", "shorter than one frame at 12 fps"),
    Case("shot-unknown-key", S, script("        angle: eye-level", "        angel: eye-level"),
         f"{S}:{{angel}}: scenes[0].shots[0].angel:", "did you mean 'angle'?"),
    Case("shot-size-unknown", S, script("shot_size: extreme-wide", "shot_size: enormous"),
         f"{S}:{{enormous}}: scenes[0].shots[0].shot_size:", "Input should be"),
    Case("duplicate-shot-id", S, script("      - id: sh02 #", "      - id: sh01  #"),
         f"{S}:{{sh01  #}}: scenes[0].shots[1].id:", "'sh01' is already used"),
    Case("no-scenes", S, lambda folder: (folder / S).write_text((folder / S).read_text().split("scenes:")[0]
                                                                + "scenes: []\n"),
         f"{S}:{{scenes: []}}: scenes:", "at least 1 item"),
    Case("empty-script-line", S, script("line: You're up early.", "line: ''"),
         f"{S}:{{''}}: scenes[0].shots[1].dialogue[0].line:", "at least 1 character"),
    Case("script-unknown-speaker", S, script("speaker: ana, line: You're", "speaker: zoe, line: You're"),
         f"{S}:{{zoe}}: scenes[0].shots[1].dialogue[0].speaker:", "'zoe'", lines=3),
]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A production, built once; every case breaks a copy of it."""
    folder = make_production(tmp_path_factory.mktemp("good") / "film")
    doit(folder)
    return folder


def position(text: str, marker: str) -> str:
    """LINE:COL of `marker` in `text`."""
    index = text.index(marker)
    return f"{text.count(chr(10), 0, index) + 1}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def expected_start(case: Case, folder: Path) -> str:
    match = re.search(r"\{(.+?)\}(?=:|$)", case.where, re.S)
    if not match:
        return case.where
    text = (folder / case.file).read_bytes().decode("utf-8", "replace")
    return case.where[:match.start()] + position(text, match.group(1)) + case.where[match.end():]


def not_build_state(name: str) -> bool:
    return Path(name).name not in NOT_ARTIFACTS


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_with_one_located_line(case, good, tmp_path, capsys):
    folder = copy_production(good, tmp_path / "film")
    pristine = (folder / case.file).read_bytes()
    case.edit(folder)
    start = expected_start(case, folder)
    before = {name: data for name, data in files_under(folder).items() if not_build_state(name)}

    result = doit(folder, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == case.lines, result.stderr
    assert lines[0].startswith(start) and case.says in lines[0], lines[0]
    assert all(LOCATED.match(line) for line in lines), lines
    after = {name: data for name, data in files_under(folder).items() if not_build_state(name)}
    assert after == before  # nothing written outside build/, nothing in build/ lost or changed
    assert not (folder / "pwned").exists()

    assert cli.main(["validate", str(folder)]) == 2
    shown = capsys.readouterr()
    assert lines[0] in shown.out + shown.err
    assert {name: data for name, data in files_under(folder).items() if not_build_state(name)} == before

    if case.restore:  # fixed again: every artifact is still good, nothing renders again
        (folder / case.file).write_bytes(pristine)
        rebuilt = doit(folder)
        assert not [task for task in executed(rebuilt.stdout) if task.startswith(("render:", "stitch"))]
        assert {n: d for n, d in files_under(folder).items() if not_build_state(n)} == before | {case.file: pristine}


def test_problems_never_echo_the_values_in_the_file(good, tmp_path):
    """A production.yaml that is (or links to) someone's secrets is refused without showing them."""
    folder = copy_production(good, tmp_path / "film")
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2-very-secret\n")
    os.remove(folder / "production.yaml")
    (folder / "production.yaml").symlink_to(secret)
    result = doit(folder, check=False)
    assert result.returncode == 2 and "hunter2" not in result.stdout + result.stderr
