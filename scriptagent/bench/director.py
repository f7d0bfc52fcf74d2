"""The diffusers director against the bare pipeline call (a GPU machine's benchmark)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


from ..layout import BuildLayout
from .productions import doit


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

    from ..director import load_renderer, renderer_class
    from ..director.calibration import _peak_resident_bytes
    from ..director.diffusers_renderer import segment_seed
    from ..director.prompts import segment_prompt
    from ..plan import read_segment
    from ..schema import digest

    folder = folder.resolve()
    doit(folder, "plan")
    plan = json.loads(BuildLayout.of(folder).plan.read_text(encoding="utf-8"))
    first = plan["segments"][0]["id"]
    segment = read_segment(BuildLayout.of(folder), first)
    if not renderer_class(segment.director["backend"]).calibrated:
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
