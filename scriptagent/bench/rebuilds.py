"""What a rebuild redoes: one-shot edits in each anchoring mode, a render cache hit, a no-op `doit`, a screenplay."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

from ..layout import BuildLayout
from .productions import (best_of, doit, edit_script, insert_shot, lengthen_line, make_production, production_text,
                          renders_cached, renders_run, renumber, shot_in)


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
            plan = json.loads(BuildLayout.of(folder).plan.read_text())
            middle = plan["shots"][len(plan["shots"]) // 2]
            original = (folder / "script.yaml").read_bytes()

            def lengthen(data):
                shot_in(data, middle["id"])["duration"] = round(middle["duration"] + 0.7, 1)

            edits = [("duration +0.7 s", lambda: edit_script(folder, lengthen)),
                     ("undo (old script.yaml back)", lambda: (folder / "script.yaml").write_bytes(original)),
                     ("new 2 s shot inserted", lambda: edit_script(folder, insert_shot)),
                     ("every shot renamed", lambda: edit_script(folder, renumber))]
            if not pack:  # production.yaml edits need a pristine script: first the one the build wrote
                edits += [("pristine again", lambda: (folder / "script.yaml").write_bytes(original)),
                          ("dialogue line lengthened in production.yaml", lambda: lengthen_line(folder))]
            for name, edit in edits:
                edit()
                _, output = doit(folder)
                if name == "pristine again":
                    continue
                plan = json.loads(BuildLayout.of(folder).plan.read_text())
                rows.append({"mode": mode, "pack_shots": pack, "edit": name, "segments": len(plan["segments"]),
                             "shots": len(plan["shots"]), "renders": renders_run(output),
                             "cached": renders_cached(output)})
    return rows


def bench_cache_hit(work: Path) -> dict:
    """A render served from the cache against the render it replaces (854x480, 4 s), both in this process."""
    from ..cache import ArtifactCache
    from ..director import load_renderer, render_key
    from ..plan import read_segment

    folder = make_production(work / "cache-hit", production_text(2, resolution=(854, 480), fps=24,
                                                                  max_seconds=10.0))
    doit(folder, "plan")
    first = json.loads(BuildLayout.of(folder).plan.read_text())["segments"][0]["id"]
    segment = read_segment(BuildLayout.of(folder), first)
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
    plan = json.loads(BuildLayout.of(folder).plan.read_text())
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
    plan = json.loads(BuildLayout.of(folder).plan.read_text())
    noop = min(doit(folder)[0] for _ in range(3))
    reference = best_of(3, [sys.executable, "-c", "import scriptagent"])
    # the floor of any no-op: starting Python and importing what a production's dodo.py imports
    floor = best_of(3, [sys.executable, "-c", "import doit.doit_cmd, scriptagent.tasks"])
    return {"shots": len(plan["shots"]), "segments": len(plan["segments"]), "noop_s": round(noop, 3),
            "import_s": round(reference, 3), "ratio": round(noop / reference, 2),
            "import_tasks_s": round(floor, 3), "ratio_to_tasks_import": round(noop / floor, 2)}
