"""Benchmarks: how little a rebuild redoes and how fast the tool says "nothing to do".

    python -m scriptagent.bench [--quick] [--out DIR] [--only NAME ...]
    python -m scriptagent.bench --only director --director PRODUCTION [--resolution WxH ...]

Every figure is measured side by side with a reference in the same run and reported as a ratio, so the table
means the same on any machine. Writes DIR/bench.md and DIR/bench.json (default: the current folder).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

from .files import templates_dir, write_atomic

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


def edit_shot(folder: Path, shot_id: str, key: str, value) -> None:
    """Change one field of one shot in script.yaml (`line`: its first dialogue line), as a user editing by hand."""

    def change(data) -> None:
        shot = next(s for scene in data["scenes"] for s in scene["shots"] if s["id"] == shot_id)
        if key == "line":
            shot["dialogue"][0]["line"] = value
        else:
            shot[key] = value

    edit_script(folder, change)


def _insert_shot(data) -> None:
    """A new 2 s shot without dialogue in the middle of the first scene."""
    shots = data["scenes"][0]["shots"]
    middle = len(shots) // 2
    shots.insert(middle, {"id": "inserted", "duration": 2.0, "shot_size": "close-up",
                          "description": "A kettle starts to whistle on the stove."})


def _renumber(data) -> None:
    for index, shot in enumerate(data["scenes"][0]["shots"]):
        shot["id"] = f"take{index + 1:03d}"


def _lengthen_line(folder: Path) -> None:
    """Lengthen one dialogue line in production.yaml (the script follows it: not hand-edited)."""
    path = folder / "production.yaml"
    lines = path.read_text().splitlines(keepends=True)
    dialogue = [i for i, line in enumerate(lines) if line.startswith("  - ana: ") or line.startswith("  - ben: ")]
    target = dialogue[len(dialogue) // 2]
    lines[target] = lines[target].rstrip().rstrip('"') + ' and then some more words"\n'
    path.write_text("".join(lines))


def bench_incremental(work: Path, modes: list[str], lines: int = 14) -> list[dict]:
    """1. Each edit a user makes, in each anchoring mode: renders that really ran, cache hits, segments.

    The production has no speech and one shot per segment (as issue #14's table), then the same with packing.
    Edits, each on the build of the one before: a shot's duration +0.7 s, that edit undone (the old script.yaml
    back, as `git checkout` does), a new 2 s shot inserted mid-scene, one dialogue line lengthened in
    production.yaml, every shot renamed (slate off: the animatic's slate writes the id on the picture)."""
    rows = []
    for mode in modes:
        for pack in (False, True):
            text = production_text(lines, anchoring=mode, max_seconds=6.0).replace(
                "max_segment_seconds: 6.0", f"max_segment_seconds: 6.0, pack_shots: {str(pack).lower()}").replace(
                "fps: 12}", "fps: 12, slate: false}")
            folder = make_production(work / f"incremental-{mode}-{pack}", text)
            doit(folder)
            plan = json.loads((folder / "build" / "plan.json").read_text())
            middle = plan["shots"][len(plan["shots"]) // 2]
            original = (folder / "script.yaml").read_bytes()
            edits = [("duration +0.7 s", lambda: edit_shot(folder, middle["id"], "duration",
                                                           round(middle["duration"] + 0.7, 1))),
                     ("undo (old script.yaml back)", lambda: (folder / "script.yaml").write_bytes(original)),
                     ("new 2 s shot inserted", lambda: edit_script(folder, _insert_shot)),
                     ("every shot renamed", lambda: edit_script(folder, _renumber))]
            if not pack:  # production.yaml edits need a pristine script: first the one the build wrote
                edits += [("pristine again", lambda: (folder / "script.yaml").write_bytes(original)),
                          ("dialogue line lengthened in production.yaml", lambda: _lengthen_line(folder))]
            for name, edit in edits:
                edit()
                _, output = doit(folder)
                if name == "pristine again":
                    continue
                plan = json.loads((folder / "build" / "plan.json").read_text())
                rows.append({"mode": mode, "pack_shots": pack, "edit": name, "segments": len(plan["segments"]),
                             "shots": len(plan["shots"]), "renders": renders_run(output),
                             "cached": renders_cached(output)})
    return rows


def bench_cache_hit(work: Path) -> dict:
    """A render served from the cache against the render it replaces (854x480, 4 s), both in this process."""
    from .cache import ArtifactCache
    from .director import load_renderer, render_key
    from .production import read_segment

    folder = make_production(work / "cache-hit", production_text(2, resolution=(854, 480), fps=24,
                                                                  max_seconds=10.0))
    doit(folder, "plan")
    first = json.loads((folder / "build" / "plan.json").read_text())["segments"][0]["id"]
    segment = read_segment(folder / "build", first)
    out = work / "cache-hit-out"
    targets = {"video.mp4": out / "render.mp4", "first.png": out / "first.png", "last.png": out / "last.png"}
    start = time.perf_counter()
    load_renderer(segment.director).render(segment, folder, None, *targets.values())
    rendered = time.perf_counter() - start
    cache = ArtifactCache(work / "cache-hit-store")
    key = render_key(segment, folder, None, None)
    cache.store("render", key, targets)
    placed = {name: out / f"placed-{name}" for name in targets}
    start = time.perf_counter()
    assert cache.place("render", key, placed)
    hit = time.perf_counter() - start
    return {"frames": segment.frames, "render_s": round(rendered, 4), "hit_s": round(hit, 4),
            "ratio": round(hit / rendered, 4)}


def bench_screenplay(work: Path, screenplay: Path, build: bool = False) -> dict:
    """7. A feature-length Fountain screenplay (`--screenplay FILE`, e.g. Big-Fish.fountain from screenplain's
    repository; never committed here): `scriptagent new --from` it, then `doit plan` (script, validation, plan),
    then a no-op `doit plan`; with `build`, the whole animatic film at 160x90 without speech."""
    folder = work / "screenplay"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scriptagent.cli", "new", str(folder), "--from", str(screenplay)],
                   check=True, capture_output=True)
    imported = time.perf_counter() - start
    text = (folder / "production.yaml").read_text()
    text = re.sub(r"resolution: \[\d+, \d+\]", "resolution: [160, 90]", text)
    (folder / "production.yaml").write_text(re.sub(r"(?m)^voice:.*$", "voice: {backend: none}", text))
    planned, _ = doit(folder, "plan")
    noop = min(doit(folder, "plan")[0] for _ in range(2))
    plan = json.loads((folder / "build" / "plan.json").read_text())
    figures = {"file": screenplay.name, "scenes": len({s["scene"] for s in plan["shots"]}),
               "shots": len(plan["shots"]), "segments": len(plan["segments"]), "film_s": plan["seconds"],
               "import_s": round(imported, 2), "plan_s": round(planned, 2), "noop_plan_s": round(noop, 3)}
    if build:
        built, _ = doit(folder)
        figures["build_s"] = round(built, 1)
        figures["noop_s"] = round(min(doit(folder)[0] for _ in range(2)), 3)
    return figures


def bench_noop(work: Path, lines: int) -> dict:
    """2. No-op `doit` on a big production, against `python -c "import scriptagent"`."""
    folder = make_production(work / "noop", production_text(lines, resolution=(64, 36), fps=4, max_seconds=2.0))
    doit(folder)
    plan = json.loads((folder / "build" / "plan.json").read_text())
    noop = min(doit(folder)[0] for _ in range(3))
    reference = best_of(3, [sys.executable, "-c", "import scriptagent"])
    # the floor of any no-op: starting Python and importing what a production's dodo.py imports
    floor = best_of(3, [sys.executable, "-c", "import doit.doit_cmd, scriptagent.tasks"])
    return {"shots": len(plan["shots"]), "segments": len(plan["segments"]), "noop_s": round(noop, 3),
            "import_s": round(reference, 3), "ratio": round(noop / reference, 2),
            "import_tasks_s": round(floor, 3), "ratio_to_tasks_import": round(noop / floor, 2)}


def bench_animatic(work: Path, seconds: float) -> dict:
    """3. Animatic frames per second at 854x480 H.264, against ffmpeg encoding testsrc2 with the same settings."""
    from .director import load_renderer
    from .director.video import FrameWriter, ffmpeg_exe
    from .production import Segment

    folder = make_production(work / "animatic", production_text(max(2, int(seconds / 2.5)), resolution=(854, 480),
                                                                 fps=24, max_seconds=10.0))
    doit(folder, "plan")
    segments = [Segment.model_validate_json(p.read_text()) for p in sorted((folder / "build/segments").glob("*.json"))]
    frames = sum(s.frames for s in segments)
    start = time.perf_counter()
    for segment in segments:  # drawing and encoding, as a render task does it (without doit's start-up)
        out = work / "animatic-out"
        load_renderer(segment.director).render(segment, folder, None, out / f"{segment.id}.mp4",
                                               out / f"{segment.id}.first.png", out / f"{segment.id}.last.png")
    ours = time.perf_counter() - start

    # ffmpeg alone: the encoder settings FrameWriter uses, fed by ffmpeg's own synthetic source
    target = work / "testsrc2.mp4"
    encoder = FrameWriter(target, (854, 480), 24)._command(target)
    output_options = encoder[encoder.index("pipe:0") + 1:-1]
    reference = best_of(1, [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=24",
                            "-frames:v", str(frames), *output_options, str(target)])
    return {"frames": frames, "animatic_fps": round(frames / ours, 1), "ffmpeg_fps": round(frames / reference, 1),
            "ratio": round((frames / ours) / (frames / reference), 3)}


def bench_stitch(work: Path, count: int) -> dict:
    """4. Our stitch of N segments against ffmpeg's concat demuxer with stream copy on the same files."""
    from .director.video import FrameWriter, ffmpeg_exe, stitch

    import numpy as np

    parts = []
    for index in range(count):
        path = work / "stitch" / f"part{index:03d}.mp4"
        with FrameWriter(path, (320, 180), 24) as writer:
            for frame in range(24):
                writer.write(np.full((180, 320, 3), (index * 37 + frame) % 255, np.uint8))
        parts.append(path)
    start = time.perf_counter()
    stitch(parts, work / "stitch" / "ours.mp4")
    ours = time.perf_counter() - start
    listing = work / "stitch" / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    reference = best_of(1, [ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                            "-c", "copy", str(work / "stitch" / "reference.mp4")])
    return {"segments": count, "stitch_s": round(ours, 3), "ffmpeg_s": round(reference, 3),
            "ratio": round(ours / reference, 2)}


def peak_memory_mb(folder: Path) -> float:
    """Peak resident memory of a whole `doit` build (the largest process: doit or its ffmpeg)."""
    code = ("import resource, subprocess, sys; "
            "subprocess.run([sys.executable, '-m', 'doit'], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True)
    return int(result.stdout.strip()) / 1024


def bench_memory(work: Path, short_minutes: float, long_minutes: float) -> dict:
    """5. Peak memory of a long film against a short one (frames are streamed, so it should barely grow)."""
    figures = {}
    for name, minutes in (("short", short_minutes), ("long", long_minutes)):
        lines = max(2, round(minutes * 60 / 2.6))  # the rule-based scripter gives about 2.6 s per short line
        folder = make_production(work / f"memory-{name}", production_text(lines, resolution=(160, 90), fps=12,
                                                                          max_seconds=10.0))
        figures[name] = peak_memory_mb(folder)
        figures[f"{name}_s"] = json.loads((folder / "build" / "plan.json").read_text())["seconds"]
    return {"short_film_s": figures["short_s"], "long_film_s": figures["long_s"],
            "short_peak_mb": round(figures["short"], 1), "long_peak_mb": round(figures["long"], 1),
            "ratio": round(figures["long"] / figures["short"], 3)}


def bench_director(work: Path, folder: Path, resolutions: list[tuple[int, int]], repeat: int = 2) -> list[dict]:
    """6. The diffusers director's own cost around the model call, and peak memory, per model and resolution.

    For the first segment of the production in `folder` (whose director is `backend: diffusers`), at each
    resolution: the bare pipeline call against the director's whole render of the same segment (arguments,
    resampling, fitting, H.264 encode, first/last frame PNGs), both after a warm-up, best of `repeat`. Loading the
    model is in neither figure. Peak memory is the accelerator's peak allocation during the render; on the CPU the
    process's peak resident memory.
    """
    import torch
    from PIL import Image

    from .director import load_renderer
    from .director.calibration import _peak_resident_bytes
    from .director.diffusers_renderer import segment_seed
    from .director.prompts import segment_prompt
    from .production import digest, read_segment

    folder = folder.resolve()
    doit(folder, "plan")
    plan = json.loads((folder / "build" / "plan.json").read_text(encoding="utf-8"))
    first = plan["segments"][0]["id"]
    segment = read_segment(folder / "build", first)
    if segment.director.get("backend") != "diffusers":
        print(f"{folder / 'production.yaml'}: director.backend: '{segment.director.get('backend')}': the director "
              "benchmark measures `backend: diffusers` (hint: name a production that renders with a video model)",
              file=sys.stderr)
        raise SystemExit(2)
    out = work / "director"
    out.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    os.chdir(folder)  # model paths in production.yaml are relative to the production, as in a build
    try:
        renderer = load_renderer(segment.director)
        pipe = renderer.video_pipe()
        device = renderer.device()
        cuda = device.startswith("cuda")

        def synchronized(call) -> float:
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            call()
            if cuda:
                torch.cuda.synchronize()
            return time.perf_counter() - start

        rows = []
        for resolution in resolutions or [tuple(segment.resolution)]:
            shot = segment.model_copy(update={"resolution": tuple(resolution)})
            size, count = renderer.model_geometry(shot)
            shot_digest = digest(shot.render_data(ids_drawn=False))  # what the director seeds from
            anchor = out / "anchor.png"
            Image.new("RGB", tuple(resolution), (127, 127, 127)).save(anchor)
            opening = Image.open(anchor).convert("RGB")  # what the director passes: the pipeline fits it

            def bare():
                pipe.set_progress_bar_config(leave=False, disable=None)
                renderer.spec.call(pipe, renderer.call_arguments(opening, None, segment_prompt(shot), count, size,
                                                                 segment_seed(shot.seed, shot_digest)))

            def director():
                renderer.render(shot, Path("."), anchor, out / "render.mp4", out / "first.png", out / "last.png")

            bare()  # warm-up: kernels, caches, allocator
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            bare_s = min(synchronized(bare) for _ in range(repeat))
            director_s = min(synchronized(director) for _ in range(repeat))
            peak = torch.cuda.max_memory_allocated() if cuda else _peak_resident_bytes()
            rows.append({"pipeline": renderer.spec.name, "model": str(segment.director["model"]),
                         "device": device, "resolution": list(resolution), "model_size": list(size),
                         "model_frames": count, "frames": shot.frames, "bare_s": round(bare_s, 4),
                         "director_s": round(director_s, 4),
                         "overhead_pct": round(100 * (director_s - bare_s) / bare_s, 1),
                         "peak_gib": None if peak is None else round(peak / 2 ** 30, 2),
                         "peak_kind": "accelerator allocation" if cuda else "process resident memory"})
        return rows
    finally:
        os.chdir(here)


def _incremental_target(row: dict) -> str:
    if row["edit"].startswith(("undo", "every shot")):
        return "0 rendered"
    if row["mode"] == "chain":
        return "the edited shot + downstream while its anchor changes, within its scene"
    return "≤ 2 rendered" if row["pack_shots"] or "production.yaml" in row["edit"] else "1 rendered"


def table(results: dict) -> str:
    """The markdown table: one row per figure (benchmark, measured, reference, ratio, target)."""
    rows = [("benchmark", "measured", "reference", "ratio", "target"), ("---",) * 5]
    for r in results.get("incremental", []):
        rows.append((f"{r['edit']}, {r['mode']}{', packed' if r['pack_shots'] else ''}",
                     f"{r['renders']} rendered, {r['cached']} cached", f"{r['segments']} segments",
                     round(r["renders"] / r["segments"], 3), _incremental_target(r)))
    if "cache_hit" in results:
        r = results["cache_hit"]
        rows.append((f"render cache hit ({r['frames']} frames at 854×480)", f"{r['hit_s']} s",
                     f"the render it replaces {r['render_s']} s", r["ratio"], "≤ 0.05"))
    if "noop" in results:
        r = results["noop"]
        rows.append((f"no-op `doit`, {r['shots']} shots / {r['segments']} segments", f"{r['noop_s']} s",
                     f"`import scriptagent` {r['import_s']} s", f"{r['ratio']}×", "< 1 s and < 3×"))
        rows.append(("same no-op", f"{r['noop_s']} s", f"`import doit, scriptagent.tasks` {r['import_tasks_s']} s",
                     f"{r['ratio_to_tasks_import']}×", "(the floor of any no-op)"))
    if "animatic" in results:
        r = results["animatic"]
        rows.append((f"animatic 854×480 H.264 ({r['frames']} frames)", f"{r['animatic_fps']} fps",
                     f"ffmpeg testsrc2 {r['ffmpeg_fps']} fps", r["ratio"], "≥ 0.85"))
    if "stitch" in results:
        r = results["stitch"]
        rows.append((f"stitch {r['segments']} segments", f"{r['stitch_s']} s",
                     f"ffmpeg concat copy {r['ffmpeg_s']} s", f"{r['ratio']}×", "≤ 1.5×"))
    if "memory" in results:
        r = results["memory"]
        rows.append((f"peak memory, {r['long_film_s'] / 60:.1f}-min film", f"{r['long_peak_mb']} MB",
                     f"{r['short_film_s'] / 60:.1f}-min film {r['short_peak_mb']} MB", f"{r['ratio']}×", "≤ 1.2×"))
    if "screenplay" in results:
        r = results["screenplay"]
        where = f"{r['file']}: {r['scenes']} scenes, {r['shots']} shots, {r['film_s'] / 60:.0f} min"
        rows.append((f"import + script + validate + plan, {where}", f"{r['import_s'] + r['plan_s']:.1f} s",
                     "", "", "< 10 s"))
        rows.append(("no-op `doit plan`, same", f"{r['noop_plan_s']} s", "", "", "< 2 s"))
        if "build_s" in r:
            rows.append(("whole animatic film at 160×90, same", f"{r['build_s'] / 60:.1f} min", "", "", "minutes"))
            rows.append(("no-op `doit`, same", f"{r['noop_s']} s", "", "", "< 2 s"))
    for r in results.get("director") or []:
        where = (f"{r['pipeline']} `{Path(r['model']).name}` {r['model_size'][0]}×{r['model_size'][1]}, "
                 f"{r['model_frames']} frames, {r['device']}")
        rows.append((f"diffusers director, {where}", f"{r['director_s']} s", f"bare pipeline call {r['bare_s']} s",
                     f"+{r['overhead_pct']} %", "≤ 5 %"))
        rows.append((f"peak memory ({r['peak_kind']}), {where}", f"{r['peak_gib']} GiB", "", "", ""))
    if not results.get("director"):
        rows.append(("diffusers director overhead, GPU memory", "not measured", "`--director DIR` on a GPU machine",
                     "", "≤ 5 %"))
    return "".join("| " + " | ".join(str(cell) for cell in row) + " |\n" for row in rows)


BENCHMARKS = ["incremental", "cache_hit", "noop", "animatic", "stitch", "memory", "screenplay", "director"]


def _resolution(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"'{text}' is not WIDTHxHEIGHT, e.g. 832x480")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scriptagent.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller productions (about a minute)")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for bench.md and bench.json")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only these (repeatable)")
    parser.add_argument("--director", type=Path, action="append", default=[], metavar="DIR",
                        help="a production with `director: {backend: diffusers}`: measure the director's overhead "
                             "and peak memory on its first segment (repeatable; one row per model)")
    parser.add_argument("--resolution", type=_resolution, action="append", default=[], metavar="WxH",
                        help="resolutions for --director (repeatable; default: the production's)")
    parser.add_argument("--repeat", type=int, default=2, help="timed calls per figure for --director (best of)")
    parser.add_argument("--screenplay", type=Path, metavar="FILE", help="a feature-length Fountain screenplay: "
                        "import, plan and no-op times (and with --build-film the whole animatic film at 160x90)")
    parser.add_argument("--build-film", action="store_true", help="with --screenplay: also build its film")
    args = parser.parse_args(argv)
    from .production import Anchoring

    quick = args.quick
    chosen = set(args.only or [name for name in BENCHMARKS if (name != "director" or args.director)
                               and (name != "screenplay" or args.screenplay)])
    if "director" in chosen and not args.director:
        parser.error("--only director needs --director DIR")
    if "screenplay" in chosen and not args.screenplay:
        parser.error("--only screenplay needs --screenplay FILE")
    with tempfile.TemporaryDirectory(prefix="scriptagent-bench-") as tmp:
        work = Path(tmp)
        runs = {
            "incremental": lambda: bench_incremental(work, [m.value for m in Anchoring], 10 if quick else 14),
            "cache_hit": lambda: bench_cache_hit(work),
            "noop": lambda: bench_noop(work, 60 if quick else 200),
            "animatic": lambda: bench_animatic(work, 4 if quick else 10),
            "stitch": lambda: bench_stitch(work, 20 if quick else 100),
            "memory": lambda: bench_memory(work, 0.25 if quick else 1, 2.5 if quick else 10),
            "screenplay": lambda: bench_screenplay(work, args.screenplay.resolve(), args.build_film),
            "director": lambda: [row for folder in args.director
                                 for row in bench_director(work, folder, args.resolution, args.repeat)],
        }
        results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "quick": quick}}
        results.update({name: run() for name, run in runs.items() if name in chosen})
    markdown = table(results)
    write_atomic(args.out / "bench.md", markdown)
    write_atomic(args.out / "bench.json", json.dumps(results, indent=2) + "\n")
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
