"""The benchmarks' productions: made in temp folders, built with doit, edited by hand as a user would."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

from ..files import templates_dir

NAMES = ["ana", "ben"]
WORDS = ("the train was late again and nobody said a word about the letters we kept in the drawer "
         "for years while the rain kept falling on the platform").split()


def production_text(lines: int, resolution=(160, 90), fps=12, anchoring="chain", max_seconds=4.0) -> str:
    dialogue = []
    for number in range(lines):
        words = [WORDS[(number * 7 + k) % len(WORDS)] for k in range(3 + number % 4)]
        dialogue.append(f'  - {NAMES[number % 2]}: "{" ".join(words).capitalize()}."')
    return "\n".join([
        "title: Benchmark",
        "seed: 1",
        f"style: {{look: flat, resolution: [{resolution[0]}, {resolution[1]}], fps: {fps}}}",
        "cast:",
        '  - {id: ana, name: Ana, appearance: "long brown hair, yellow raincoat"}',
        '  - {id: ben, name: Ben, appearance: "bald, green sweater"}',
        'setting: "a small kitchen in the morning"',
        "dialogue:",
        *dialogue,
        "scripter: {backend: rule-based}",
        f"director: {{backend: animatic, max_segment_seconds: {max_seconds}, anchoring: {anchoring}}}",
        "critic: {metrics: [structure, continuity, dynamic], judge: none}",
        "",
    ])


def make_production(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "production.yaml").write_text(text)
    shutil.copyfile(templates_dir() / "production" / "dodo.py", folder / "dodo.py")
    return folder


def doit(folder: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "doit", *args], cwd=folder, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"doit failed in {folder}:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def best_of(runs: int, command: list[str], cwd: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def renders_run(output: str) -> int:
    """Renders that really ran (a render served from the cache shows as `.  render:ID (cached)`)."""
    return len(re.findall(r"^\.  render:\S+$", output, re.M))


def renders_cached(output: str) -> int:
    return len(re.findall(r"^\.  render:\S+ \(cached\)$", output, re.M))


def edit_script(folder: Path, change) -> None:
    """Edit script.yaml by hand, as a user would: `change(data)` on the round-trip tree, the rest kept."""
    yaml = YAML()
    yaml.width = 4096
    path = folder / "script.yaml"
    data = yaml.load(path.read_text())
    change(data)
    with path.open("w") as f:
        yaml.dump(data, f)


def shot_in(data, shot_id: str):
    """One shot of script.yaml's round-trip tree, by id."""
    return next(shot for scene in data["scenes"] for shot in scene["shots"] if shot["id"] == shot_id)


def insert_shot(data) -> None:
    """A new 2 s shot without dialogue in the middle of the first scene."""
    shots = data["scenes"][0]["shots"]
    middle = len(shots) // 2
    shots.insert(middle, {"id": "inserted", "duration": 2.0, "shot_size": "close-up",
                          "description": "A kettle starts to whistle on the stove."})


def renumber(data) -> None:
    for index, shot in enumerate(data["scenes"][0]["shots"]):
        shot["id"] = f"take{index + 1:03d}"


def lengthen_line(folder: Path) -> None:
    """Lengthen one dialogue line in production.yaml (the script follows it: not hand-edited)."""
    path = folder / "production.yaml"
    lines = path.read_text().splitlines(keepends=True)
    dialogue = [i for i, line in enumerate(lines) if line.startswith("  - ana: ") or line.startswith("  - ben: ")]
    target = dialogue[len(dialogue) // 2]
    lines[target] = lines[target].rstrip().rstrip('"') + ' and then some more words"\n'
    path.write_text("".join(lines))
