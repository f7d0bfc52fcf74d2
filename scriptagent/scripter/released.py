"""The paper's released ScriptAgent beside ours: its script format as an output and an input of `scriptagent script`
(`--export released`, `--import FILE`), a reply of the released model read against a production, our validators'
problems put in its terms, and where their DirectorAgent would misread an export.

A file holds one scene in their format (what their DirectorAgent reads as one story). A production of many scenes
is exported as the scenes one after another, each after a line `=== scene <id> ===`, or, to a `.jsonl` file, as
one record per scene, {"index", "scene", "response"}: the batch input of their DirectorAgent (`--batch_jsonl`).
Both are imported back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import InputError, Problem
from ..files import read_inside, write_atomic
from ..layout import SCRIPT_FILE
from ..schema import Production, Scene, Script
from ..schema.script import MAX_SCRIPT_BYTES
from .reconcile import keep_shot_ids
from .released_format import Reading, read_released, sections_of, write_released
from .script_file import HEADER, read_script_bytes, render_script_file

SCENE_MARK = re.compile(r"^=== scene (?P<id>\S+) ===[ \t]*$", re.M)


def read_for(production: Production, text: str) -> Reading:
    """A text in the released format as the script of the production's (first) scene."""
    scene = production.scene_list[0]
    return read_released(text, production.cast, title=production.title, scene_id=scene.id, setting=scene.setting,
                         words_per_second=production.scripter.words_per_second)


def export_released(script: Script, jsonl: bool = False) -> str:
    """The script in their format: one scene as it is; many marked; `jsonl`: one record per scene."""
    texts = [write_released(script, index) for index in range(len(script.scenes))]
    if jsonl:
        return "".join(json.dumps({"index": number, "scene": scene.id, "response": text}, ensure_ascii=False) + "\n"
                       for number, (scene, text) in enumerate(zip(script.scenes, texts), 1))
    if len(texts) == 1:
        return texts[0]
    return "\n".join(f"=== scene {scene.id} ===\n{text}" for scene, text in zip(script.scenes, texts))


def split_scenes(text: str, jsonl: bool = False, display: str = "") -> list[tuple[str | None, str]]:
    """(scene id or None, its text in their format) for each scene of an exported file."""
    if jsonl:
        scenes = []
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as error:
                raise InputError(Problem(display, f"not a JSON record: {error.msg}", number)) from None
            script = record.get("response", record.get("script")) if isinstance(record, dict) else None
            if not isinstance(script, str):
                raise InputError(Problem(display, "a record without a \"response\" text (their batch input has "
                                                  "one per line)", number))
            scenes.append((record.get("scene"), script))
        return scenes
    marks = list(SCENE_MARK.finditer(text))
    if not marks:
        return [(None, text)]
    return [(mark["id"], text[mark.end():(marks[i + 1].start() if i + 1 < len(marks) else len(text))])
            for i, mark in enumerate(marks)]


def import_released(path: str | Path, production: Production) -> Script:
    """The script in a file of their format, for this production (its cast, scenes and lines), or InputError with
    every problem in the file."""
    path = Path(path)
    data = read_inside(None, path, MAX_SCRIPT_BYTES, prefix="cannot read it: ")  # a FIFO or /dev/zero: one line
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(Problem(str(path), f"cannot read it: not UTF-8 text ({error.reason} at byte "
                                            f"{error.start})")) from None
    parts = split_scenes(text, path.suffix.lower() == ".jsonl", str(path))
    scenes = production.scene_list
    if len(parts) != len(scenes):
        raise InputError(Problem(str(path), f"it holds {len(parts)} scene{'s' if len(parts) != 1 else ''}, "
                                            f"production.yaml {len(scenes)}",
                                 hint="one script in their format per scene, each after a line "
                                      "'=== scene <id> ===' (or one JSON record each in a .jsonl file)"))
    by_id = {scene.id: scene for scene in scenes}
    problems, written = [], []
    for number, ((scene_id, part), scene) in enumerate(zip(parts, scenes), 1):
        scene = by_id.get(scene_id, scene) if scene_id else scene
        single = production if len(scenes) == 1 else production.scene_production(scene)
        reading = read_for(single, part)
        where = f"scene {scene.id}: " if len(scenes) > 1 else ""
        problems += [Problem(str(path), where + problem) for problem in reading.problems]
        if reading.data:
            written.append(Script.model_validate(reading.data))
    if problems:
        raise InputError(problems)
    if len(written) == 1:
        return written[0]
    shots = [(script.scenes[0], [shot.model_copy(update={"id": f"{script.scenes[0].id[:36]}-{n:02d}"})
                                 for n, shot in enumerate(script.scenes[0].shots, 1)]) for script in written]
    characters = {cid: c for script in written for cid, c in script.characters.items()}
    return Script(title=production.title, characters=characters,
                  scenes=[Scene(id=scene.id, setting=scene.setting, shots=list(s)) for scene, s in shots])


def write_imported(folder: str | Path, production: Production, path: str | Path) -> list[str]:
    """script.yaml from a file in their format, checked by the four validators (an error stops it: nothing is
    written). Shots that say the same lines as the current script keep its ids; the current script goes to
    script.yaml.bak. The script is yours from then on, as if you had edited it: builds never regenerate it.
    Returns the validators' warnings, one line each."""
    from .validators import validate_script

    folder, path = Path(folder), Path(path)
    script = import_released(path, production)
    target = folder / SCRIPT_FILE
    raw = target.read_bytes() if target.exists() else None
    previous = read_script_bytes(raw) if raw is not None else None
    if previous is not None and previous.script is not None:
        script = keep_shot_ids(script, previous.script)
    findings = validate_script(script, production)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise InputError([Problem(str(path), f"[{f.validator}] {f.message}", field=f.shot_id or "", hint=f.hint)
                          for f in errors])
    text = render_script_file(script, production, "import", {"from": path.name})
    header = HEADER.search(text)
    text = (f"{text[:header.end()]}# imported from {path.name} (the released ScriptAgent's format): yours, as if "
            f"edited; a build keeps it\n{text[header.end():]}")
    if raw is not None and raw != text.encode("utf-8"):
        write_atomic(target.with_name(SCRIPT_FILE + ".bak"), raw)
    write_atomic(target, text)
    return [f"[{f.validator}] {f.shot_id or ''}: {f.message}" for f in findings if f.severity != "error"]


def export_script_text(text: str, out: str | Path | None = None, display: str = SCRIPT_FILE) -> tuple[str, list[str]]:
    """(the text of a script.yaml in their format, where their DirectorAgent would misread it). With `out`, also
    written there: FILE.jsonl gets one record per scene, the batch input of their DirectorAgent."""
    from ..yamlio import load_yaml_text, validate_yaml

    script = validate_yaml(Script, load_yaml_text(text, display), display)
    exported = export_released(script, jsonl=out is not None and Path(out).suffix.lower() == ".jsonl")
    if out is not None:
        write_atomic(Path(out), exported)
    return exported, director_hazards(export_released(script))


def director_hazards(text: str) -> list[str]:
    """Where their DirectorAgent would misread an exported text: it starts a new shot at any number followed by a
    period, even inside a line ("in 1990.") or a description."""
    hazards = []
    for _, part in split_scenes(text):
        body = sections_of(part).get("dialogue", part)
        for match in re.finditer(r"\d+\.", body):
            line_start = body.rfind("\n", 0, match.start()) + 1
            if body[line_start:match.start()].strip():
                context = " ".join(body[max(line_start, match.start() - 30):match.end() + 12].split())
                hazards.append(f"…{context}…: their DirectorAgent would start a new shot at '{match.group()}'")
    return hazards


def released_terms(problem: str) -> str:
    """One of our problems as the released model knows its script: node numbers and its sections, not our fields."""
    problem = re.sub(r"scenes\[\d+\]\.shots\[(\d+)\]\.?", lambda m: f"node {int(m.group(1)) + 1} ", problem)
    problem = re.sub(r"\bshot sh0*(\d+)\b", r"node \1", problem)
    for ours, theirs in (("the shot's characters", "the node's 【Blocking】 entry"),
                         ("mark the line off_screen: true", "write the speaker as 'Name (off screen)'"),
                         ("production.yaml", "the dialogue you were given"), ("a shot's dialogue", "a node's lines"),
                         ("make the duration", "make the time span")):
        problem = problem.replace(ours, theirs)
    return problem
