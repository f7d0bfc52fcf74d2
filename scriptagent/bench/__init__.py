"""Benchmarks: how little a rebuild redoes and how fast the tool says "nothing to do".

    python -m scriptagent.bench [--quick] [--out DIR] [--only NAME ...]
    python -m scriptagent.bench --only director --director PRODUCTION [--resolution WxH ...]
    python -m scriptagent.bench --only warm      (the warm worker; needs the ray and video extras)

Every figure is measured side by side with a reference in the same run and reported as a ratio, so the table
means the same on any machine. Writes DIR/bench.md and DIR/bench.json (default: the current folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from ..files import write_atomic
from .director import bench_director
from .productions import edit_script, make_production, production_text, shot_in
from .rebuilds import bench_cache_hit, bench_incremental, bench_noop, bench_screenplay
from .speed import bench_animatic, bench_memory, bench_stitch
from .warm import bench_warm, warm_rows

__all__ = ["edit_script", "make_production", "production_text", "shot_in", "bench_cache_hit", "bench_incremental",
           "bench_noop", "bench_screenplay", "bench_animatic", "bench_memory", "bench_stitch", "bench_director",
           "bench_warm", "table", "main"]


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
        rows.append((f"stitch {r['segments']} segments (renders checked, joined, proven, recorded)",
                     f"{r['stitch_s']} s", f"ffmpeg concat copy {r['ffmpeg_s']} s", f"{r['ratio']}×", "≤ 1.2×"))
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
    if "warm" in results:
        rows += warm_rows(results["warm"])
    if not results.get("director"):
        rows.append(("diffusers director overhead, GPU memory", "not measured", "`--director DIR` on a GPU machine",
                     "", "≤ 5 %"))
    return "".join("| " + " | ".join(str(cell) for cell in row) + " |\n" for row in rows)


BENCHMARKS = ["incremental", "cache_hit", "noop", "animatic", "stitch", "memory", "screenplay", "director", "warm"]


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
                        help="resolutions for --director (repeatable; default: the production's); the "
                             "first also sizes --only warm's renders (default 64x64)")
    parser.add_argument("--repeat", type=int, default=2, help="timed calls per figure for --director (best of)")
    parser.add_argument("--screenplay", type=Path, metavar="FILE", help="a feature-length Fountain screenplay: "
                        "import, plan and no-op times (and with --build-film the whole animatic film at 160x90)")
    parser.add_argument("--build-film", action="store_true", help="with --screenplay: also build its film")
    args = parser.parse_args(argv)
    from ..schema import Anchoring

    quick = args.quick
    chosen = set(args.only or [name for name in BENCHMARKS if (name != "director" or args.director)
                               and (name != "screenplay" or args.screenplay) and name != "warm"])  # warm: Ray
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
            "warm": lambda: bench_warm(work, *args.resolution[:1]),
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
