"""How fast the pieces are: animatic frames, stitching, peak memory."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


from ..layout import BuildLayout
from .productions import best_of, doit, make_production, production_text


def bench_animatic(work: Path, seconds: float) -> dict:
    """3. Animatic frames per second at 854x480 H.264, against ffmpeg encoding testsrc2 with the same settings."""
    from ..director import load_renderer
    from ..media import FrameWriter, ffmpeg_exe
    from ..plan import Segment

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


def bench_stitch(work: Path, count: int, repeat: int = 9) -> dict:
    """4. film.mp4 from N segments as the stitch task makes it (each render read against its record while ffmpeg
    joins them, the proof that the film holds exactly their frames, the film's record) against ffmpeg's concat
    demuxer with stream copy alone on the same files. The two are timed in turns, `repeat` times: the ratio is the
    median of each turn's ratio (a busy machine slows both alike), the times the medians."""
    from ..files import atomic_path
    from ..integrity import check_stitched, record_file, recorded_tracks
    from ..media import FrameWriter, ffmpeg_exe, stitch

    import numpy as np

    parts = []
    for index in range(count):
        path = work / "stitch" / f"part{index:03d}.mp4"
        with FrameWriter(path, (320, 180), 24) as writer:
            for frame in range(24):
                writer.write(np.full((180, 320, 3), (index * 37 + frame) % 255, np.uint8))
        record_file(path)  # as a render task leaves it
        parts.append(path)
    film = work / "stitch" / "ours.mp4"

    def ours() -> None:
        with atomic_path(film) as temporary:
            tracks = stitch(parts, temporary, meanwhile=lambda: recorded_tracks(parts), atomic=False)
            check_stitched(temporary, parts, 24 * count, 24, tracks)
        record_file(film)

    listing = work / "stitch" / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    reference = [ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
                 str(work / "stitch" / "reference.mp4")]
    ours(), best_of(1, reference)  # both once first: the files in the page cache, ffmpeg loaded
    mine, theirs = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        ours()
        mine.append(time.perf_counter() - start)
        theirs.append(best_of(1, reference))
    return {"segments": count, "stitch_s": round(statistics.median(mine), 3),
            "ffmpeg_s": round(statistics.median(theirs), 3),
            "ratio": round(statistics.median(a / b for a, b in zip(mine, theirs)), 2),
            "best_s": round(min(mine), 3), "ffmpeg_best_s": round(min(theirs), 3)}


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
        figures[f"{name}_s"] = json.loads(BuildLayout.of(folder).plan.read_text())["seconds"]
    return {"short_film_s": figures["short_s"], "long_film_s": figures["long_s"],
            "short_peak_mb": round(figures["short"], 1), "long_peak_mb": round(figures["long"], 1),
            "ratio": round(figures["long"] / figures["short"], 3)}
