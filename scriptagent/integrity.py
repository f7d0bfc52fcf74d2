"""What the build accepts: a video that decodes end to end with the planned frame count, and stays that way.

Every render is decoded in full once it is written (not only probed: a file can have a sound index and broken
pictures). Its sha256 is then recorded beside it (`<segment>.mp4.json`), and the render task is up to date
only while the file still has that hash: a truncated or corrupted segment is rendered again, never stitched.
(The up-to-date check skips the hashing while the file keeps the size and modification time it had when hashed;
the stitch always hashes.)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .errors import BackendError
from .files import sha256_file, write_atomic

ERROR_LINES = 3  # how much of ffmpeg's complaint a message carries


def decoded_frames(path: str | Path) -> int:
    """Decode every frame of a video's first video stream; the frame count, or BackendError on any error."""
    from .media import ffmpeg_exe

    path = Path(path)
    if not path.is_file():
        raise BackendError(f"{path}: no such file")
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", str(path),
               "-map", "0:v:0", "-f", "null", "-progress", "pipe:1", "-nostats", "-"]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    complaints = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0 or complaints:
        detail = "; ".join(complaints[:ERROR_LINES]) or f"ffmpeg exited {result.returncode}"
        raise BackendError(f"{path}: does not decode: {detail}")
    counts = [line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("frame=")]
    return int(counts[-1]) if counts else 0


def check_video(path: str | Path, frames: int) -> None:
    """The video decodes without an error and has exactly `frames` frames."""
    found = decoded_frames(path)
    if found != frames:
        raise BackendError(f"{path}: decodes to {found} frames, the plan has {frames}")


def record_file(path: str | Path) -> Path:
    """Write `<path>.json` with the file's size and sha256 (after the file itself: a kill between the two
    leaves the record missing or stale, and the file is made again)."""
    path = Path(path)
    record = record_path(path)
    stat = path.stat()
    sha256 = sha256_file(path)
    write_atomic(record, json.dumps({"file": path.name, "bytes": stat.st_size, "sha256": sha256},
                                    sort_keys=True) + "\n")
    # the modification time goes to a hidden cache of its own: the record stays the same bytes in every build
    write_atomic(stat_cache_path(path), json.dumps({"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                                    "sha256": sha256}) + "\n")
    return record


def stat_cache_path(path: str | Path) -> Path:
    """`.<name>.stat`: the size and modification time the file had when its sha256 was taken."""
    path = Path(path)
    return path.with_name(f".{path.name}.stat")


def forget_record(path: str | Path) -> None:
    for sidecar in (record_path(path), stat_cache_path(path)):
        Path(sidecar).unlink(missing_ok=True)


def record_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


def matches_record(path: str | Path, trust_stat: bool = True) -> bool:
    """True when the file exists and has the size and sha256 recorded beside it.

    With `trust_stat` (the up-to-date check of every build, a no-op included), a file whose size and modification
    time are still the recorded ones is taken as unchanged without reading it, as git and make do: hashing every
    render of a long film on each `doit` would cost seconds. Stitching reads every byte (check_recorded).
    """
    path = Path(path)
    try:
        record = json.loads(record_path(path).read_text(encoding="utf-8"))
        stat = path.stat()
        if stat.st_size != record["bytes"]:
            return False
        if trust_stat and _stat_unchanged(path, stat, record["sha256"]):
            return True
        return sha256_file(path) == record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _stat_unchanged(path: Path, stat, sha256: str) -> bool:
    try:
        cached = json.loads(stat_cache_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return cached == {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def check_recorded(path: str | Path) -> None:
    """Raise unless the file's every byte is the recorded one; a mismatch also drops the record, so that the next
    build makes the file anew even where its size and modification time were kept."""
    if not matches_record(path, trust_stat=False):
        forget_record(path)
        raise BackendError(f"{path}: changed or damaged since it was made (its sha256 does not match "
                           f"{record_path(path).name}); run doit again to make it anew")
