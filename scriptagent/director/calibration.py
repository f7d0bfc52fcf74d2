"""Measured peak memory and time per model and size, so that `scriptagent plan --estimate` can tell before a build.

`scriptagent calibrate` renders two clips with the production's director settings (a short one and one of the
longest segment's length), from a plain grey picture, and stores per model, size and settings the peak memory
and the seconds of each. `plan --estimate` reads that file (loading nothing heavy) and draws a straight line
through the two measurements for each segment's frame count: memory and time both grow about linearly with
the frames a model renders at a given size.

The cache is one JSON file: $SCRIPTAGENT_CACHE/calibration.json, else ~/.cache/scriptagent/calibration.json.
Peak memory is the accelerator's peak allocation (torch.cuda.max_memory_allocated); on the CPU it is the
process's peak resident memory, which includes everything loaded before. Each measurement also keeps the card's
(or the machine's) total memory, so `plan --estimate` warns before a build whose segments will not fit it;
`--memory 24G` checks against another card instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BackendError
from ..files import write_json_if_changed
from . import renderer_class


def cache_file() -> Path:
    folder = os.environ.get("SCRIPTAGENT_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or
                                                         Path.home() / ".cache") / "scriptagent"
    return Path(folder) / "calibration.json"


def calibration_key(director: dict, size: tuple[int, int]) -> str:
    """What a measurement depends on: the model, how it runs, the size and the steps (and the pipeline_args, such
    as a distilled model's timesteps, where there are any)."""
    parts = [director.get("pipeline"), director.get("model"), director.get("dtype"), director.get("device"),
             f"offload={bool(director.get('cpu_offload'))}", f"tiling={bool(director.get('vae_tiling'))}",
             f"steps={director.get('steps') or 'default'}", f"{size[0]}x{size[1]}"]
    if director.get("pipeline_args"):
        parts.append("args=" + json.dumps(director["pipeline_args"], sort_keys=True, separators=(",", ":")))
    return "|".join(str(part) for part in parts)


def _read_cache() -> dict:
    try:
        return json.loads(cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class Estimate:
    peak_bytes: float | None = None
    seconds: float | None = None
    known: bool = False
    capacity_bytes: int | None = None  # the total memory of the card the calibration ran on
    device: str = ""

    def over(self, capacity_bytes: int | None = None) -> bool:
        """Whether the expected peak is above `capacity_bytes` (default: the calibrated card's memory), less
        the headroom the framework and the other components need (FIT_FRACTION)."""
        capacity = capacity_bytes or self.capacity_bytes
        return bool(self.peak_bytes and capacity and self.peak_bytes > capacity * FIT_FRACTION)

    def cells(self) -> list[str]:
        if not self.known:
            return ["?", "?"]
        peak = "-" if self.peak_bytes is None else f"{self.peak_bytes / 2 ** 30:.1f}GiB"
        return [peak, "-" if self.seconds is None else f"{self.seconds:.0f}s" if self.seconds >= 10
                else f"{self.seconds:.1f}s"]


FIT_FRACTION = 0.95  # a peak above 95 % of the card's memory fails or thrashes once fragmentation is counted

# What brings a model's peak down, cheapest first (README: "Memory that fits" has a table per pipeline)
MEMORY_SETTINGS = "director.vae_tiling: true, director.cpu_offload: true, shorter director.max_segment_seconds " \
                  "or a lower style.resolution"


def fit_warning(segment_id: str, found: Estimate, capacity_bytes: int | None = None) -> str | None:
    """One line when a segment's expected peak does not fit the card, naming what to change; None when it fits."""
    if not found.over(capacity_bytes):
        return None
    capacity = capacity_bytes or found.capacity_bytes
    card = f"{capacity / 2 ** 30:.1f} GiB" + ("" if capacity_bytes else f" of {found.device or 'the card'}")
    return (f"warning: segment {segment_id}: expected peak {found.peak_bytes / 2 ** 30:.1f} GiB will not fit {card} "
            f"(hint: {MEMORY_SETTINGS})")


def _line(points: list[tuple[int, float]], frames: int) -> float:
    """The straight line through the measurements at `frames` (one measurement: proportional to the frames)."""
    points = sorted(points)
    (x0, y0), (x1, y1) = points[0], points[-1]
    if x0 == x1:
        return y0 * frames / x0
    return max(0.0, y0 + (y1 - y0) * (frames - x0) / (x1 - x0))


_told: set[str] = set()


def estimate(director: dict, frames: int, size: tuple[int, int]) -> Estimate:
    """Expected peak memory and seconds of rendering `frames` frames at `size`, from the calibration cache."""
    if not renderer_class(director.get("backend", "animatic")).calibrated:
        return Estimate(known=True)  # e.g. the animatic, on the CPU in seconds: nothing to estimate
    key = calibration_key(director, size)
    measured = _read_cache().get(key)
    if not measured:
        if key not in _told:
            _told.add(key)
            print(f"no calibration for {director['pipeline']} '{director['model']}' at {size[0]}x{size[1]} "
                  "(hint: run `scriptagent calibrate` on the machine that renders)", file=sys.stderr)
        return Estimate()
    peaks = [(m["frames"], m["peak_bytes"]) for m in measured if m.get("peak_bytes") is not None]
    return Estimate(peak_bytes=_line(peaks, frames) if peaks else None,
                    seconds=_line([(m["frames"], m["seconds"]) for m in measured], frames), known=True,
                    capacity_bytes=measured[-1].get("total_bytes"), device=measured[-1].get("device", ""))


def calibrate(director: dict, resolution: tuple[int, int], longest_seconds: float) -> list[dict]:
    """Render two clips with `director`'s settings, store their peak memory and time, return the measurements."""
    import torch
    from PIL import Image

    from . import load_renderer
    from .pipelines import pipe_config_reader

    renderer = load_renderer(director)
    pipe = renderer.video_pipe()
    config = pipe_config_reader(pipe)
    size = renderer.spec.model_size(pipe, *resolution)
    geometry = renderer.spec.geometry(config, director.get("fps"))
    longest = geometry.frames_for(longest_seconds)  # never past what the model was trained on
    counts = sorted({geometry.frames_for(1 / geometry.fps), min(longest, geometry.max_frames or longest)})
    image = Image.new("RGB", size, (127, 127, 127))
    device = renderer.device()
    measurements = []
    for count in counts:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        frames = renderer.generate(image, None, "calibration: a grey room, static camera", count, size, 0,
                                   f"calibration {count} frames")
        if device.startswith("cuda"):
            torch.cuda.synchronize()
            peak = torch.cuda.max_memory_allocated()
        else:
            peak = _peak_resident_bytes()
        seconds = time.perf_counter() - start
        if len(frames) < 1:
            raise BackendError(f"calibration: {renderer.spec.name} returned no frames")
        measurements.append({"frames": count, "seconds": round(seconds, 3), "peak_bytes": peak,
                             "device": _device_name(device), "total_bytes": _total_bytes(device)})
    cache = _read_cache()
    cache[calibration_key(director, size)] = measurements
    write_json_if_changed(cache_file(), cache)
    return measurements


def _peak_resident_bytes() -> int | None:
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def _total_bytes(device: str) -> int | None:
    """The card's memory (the machine's, on the CPU): what `plan --estimate` checks the peaks against."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_properties(torch.device(device)).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return device
