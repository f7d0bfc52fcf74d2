"""What the build accepts: a video that decodes end to end with the planned frame count, and stays that way.

Every render is decoded in full once it is written (not only probed: a file can have a sound index and broken
pictures). Its sha256 is then recorded beside it (`<segment>.mp4.json`), and the render task is up to date
only while the file still has that hash: a truncated or corrupted segment is rendered again, never stitched.
(The up-to-date check skips the hashing while the file keeps the size and modification time it had when hashed;
the stitch always hashes.)
"""

from __future__ import annotations

import contextlib
import json
import operator
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .errors import BackendError
from .files import sha256_bytes, sha256_file, write_atomic

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


def recorded_tracks(paths: list[str | Path]) -> list:
    """Each render's video track (mp4.py), read from bytes checked against its record as check_recorded checks
    them (a mismatch drops the record and raises): what check_stitched compares the film with. The stitch calls
    it while ffmpeg joins the renders (media.stitch's `meanwhile`)."""
    from .mp4 import video_track

    found = []
    for path in paths:
        try:
            record = json.loads(record_path(path).read_text(encoding="utf-8"))
            with open(path, "rb") as source:
                data = source.read()
            intact = len(data) == record["bytes"] and sha256_bytes(data) == record["sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            intact = False
        if not intact:
            _refuse(path)
        found.append(video_track(path, data))
    return found


def check_stitched(film: str | Path, parts: list[str | Path], frames: int, fps: int,
                   part_tracks: list | None = None) -> None:
    """The film holds exactly its parts' frames, proven from the files' sample tables without decoding: `frames`
    video samples, part after part, each byte for byte the part's (ffmpeg may repeat a part's own parameter sets
    before a keyframe), a keyframe wherever a part has one, the decoder configuration and picture size each part
    was made with, every frame 1/fps s long with no edit skipping any, and every track's bytes inside the file.

    Each part was decoded in full with its planned frame count when it was made, and its bytes are checked against
    that record as it is stitched (recorded_tracks, check_recorded): so the film decodes to the parts' frames, as
    a full decode of it would show, in a fraction of the time. `part_tracks`: the parts' video tracks, already read
    (recorded_tracks). BackendError names the first difference."""
    from .mp4 import Mp4Error, tracks, video_track

    film = Path(film)
    try:
        every = tracks(film)
        whole = next((track for track in every if track.kind == "vide"), None)
        if whole is None:
            raise BackendError(f"{film}: no video track")
        if len(whole.sizes) != frames:
            raise BackendError(f"{film}: holds {len(whole.sizes)} frames, the plan has {frames}")
        if max(track.end() for track in every) > film.stat().st_size:
            raise BackendError(f"{film}: cut short (its sample tables point past its end)")
        steady = whole.timescale % fps == 0 and whole.durations.count(whole.timescale // fps) == frames
        wrong = None if steady else next(k for k, ticks in enumerate(whole.durations) if ticks * fps != whole.timescale)
        if wrong is not None:
            raise BackendError(f"{film}: frame {wrong} lasts {whole.durations[wrong]}/{whole.timescale} s, "
                               f"not 1/{fps} s")
        if any(media_time != 0 or rate != 1 for _, media_time, rate in whole.edits) or len(whole.edits) > 1:
            raise BackendError(f"{film}: an edit list skips or repeats frames ({whole.edits})")
        first = 0
        with open(film, "rb") as source:
            for k, part in enumerate(parts):
                with open(part, "rb") as render:  # one render: memory stays a render's, not the film's
                    own = render.read()
                track = part_tracks[k] if part_tracks else video_track(part, own)
                first = _same_frames(source, whole, first, os.path.basename(part), track, own, film)
        if first != frames:
            raise BackendError(f"{film}: holds {frames} frames, its parts {first}")
    except Mp4Error as error:
        raise BackendError(f"{film}: not the film of its parts: {error}") from None


def _same_frames(source, whole, first: int, name: str, part, own: bytes, film: Path) -> int:
    """Check the film's frames from `first` on against one part's (`own`: the part's bytes); where the next part
    starts."""
    from .mp4 import PPS, SPS, Mp4Error, nal_type, nal_units

    count = len(part.sizes)
    if first + count > len(whole.sizes):
        raise BackendError(f"{film}: ends inside {name} (frame {len(whole.sizes)} of the film)")
    film_entry, entry = whole.entries[whole.descriptions[first]], part.entries[part.descriptions[0]]
    if (film_entry.codec, film_entry.width, film_entry.height) != (entry.codec, entry.width, entry.height):
        raise BackendError(f"{film}: {name} is {entry.codec} {entry.width}x{entry.height}, the film "
                           f"{film_entry.codec} {film_entry.width}x{film_entry.height}")
    keyframes = range(count) if part.keyframes is None else part.keyframes
    missing = [k for k in keyframes if not whole.is_keyframe(first + k)]  # (ffmpeg may mark more: I-frames)
    if missing:
        raise BackendError(f"{film}: frame {first + missing[0]} is not a keyframe, as {name}'s frame "
                           f"{missing[0]} is")
    offsets, sizes = whole.offsets[first:first + count], whole.sizes[first:first + count]
    base = offsets[0] if count else 0
    source.seek(base)  # the film's bytes from this part's first frame to its last (one part's worth)
    data = source.read(max(map(operator.add, offsets, sizes), default=base) - base)
    allowed = {SPS: set(entry.sps), PPS: set(entry.pps)}  # what the part may be decoded with
    for k, (at, size, theirs_at, their_size) in enumerate(zip(offsets, sizes, part.offsets, part.sizes)):
        ours, theirs = data[at - base:at - base + size], own[theirs_at:theirs_at + their_size]
        if ours == theirs and k:
            continue
        try:  # the same pictures, with parameter sets added (or taken away)?
            film_units, part_units = nal_units(ours, film_entry.nal_length), nal_units(theirs, entry.nal_length)
        except Mp4Error as error:
            raise BackendError(f"{film}: frame {first + k} is not {name}'s frame {k} ({error})") from None
        carried = {kind: {u for u in part_units if nal_type(u) == kind} for kind in (SPS, PPS)}
        added = {kind: {u for u in film_units if nal_type(u) == kind} for kind in (SPS, PPS)}
        for kind in (SPS, PPS):
            allowed[kind] |= carried[kind]
        if [u for u in film_units if nal_type(u) not in added] != [u for u in part_units if nal_type(u) not in added] \
                or any(not added[kind] <= allowed[kind] for kind in added):
            raise BackendError(f"{film}: frame {first + k} is not {name}'s frame {k}")
        if k == 0:  # the parameter sets the part starts with: in its first frame, else in its sample entry
            for kind, in_film, in_part in ((SPS, film_entry.sps, entry.sps), (PPS, film_entry.pps, entry.pps)):
                if (added[kind] or set(in_film)) != (carried[kind] or set(in_part)):
                    raise BackendError(f"{film}: {name} starts with other decoder settings than it was made with")
    return first + count


def record_file(path: str | Path, inputs: str | None = None) -> Path:
    """Write `<path>.json` with the file's size and sha256 (after the file itself: a kill between the two
    leaves the record missing or stale, and the file is made again), and `inputs`: the digest of what it was made
    from (the render cache's key), so that a build whose state was lost keeps it (see kept)."""
    path = Path(path)
    record = record_path(path)
    stat = path.stat()
    sha256 = sha256_file(path)
    write_atomic(record, json.dumps({"file": path.name, "bytes": stat.st_size, "sha256": sha256}
                                    | ({"inputs": inputs} if inputs else {}), sort_keys=True) + "\n")
    # the modification time goes to a hidden cache of its own: the record stays the same bytes in every build
    note_file(path, stat=stat, sha256=sha256)
    return record


def note_file(path: str | Path, inputs: str | None = None, stat=None, sha256: str | None = None) -> None:
    """Write only the hidden `.<name>.stat` (size, modification time, sha256, and `inputs`): the record of a
    picture (a render's first and last frame, a keyframe), which a folder's `*.json` must not hold."""
    path = Path(path)
    stat = stat or path.stat()
    write_atomic(stat_cache_path(path), json.dumps({"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                                    "sha256": sha256 or sha256_file(path)}
                                                   | ({"inputs": inputs} if inputs else {})) + "\n")


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
    cached = _hidden_record(path)
    return cached is not None and {k: cached.get(k) for k in ("bytes", "mtime_ns", "sha256")} == \
        {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _hidden_record(path: Path) -> dict | None:
    try:
        cached = json.loads(stat_cache_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cached if isinstance(cached, dict) else None


def check_recorded(path: str | Path) -> None:
    """Raise unless the file's every byte is the recorded one; a mismatch also drops the record, so that the next
    build makes the file anew even where its size and modification time were kept."""
    if not matches_record(path, trust_stat=False):
        _refuse(path)


def _refuse(path: str | Path) -> None:
    forget_record(path)
    raise BackendError(f"{path}: changed or damaged since it was made (its sha256 does not match "
                       f"{record_path(path).name}); run doit again to make it anew")


# --- damaged artifacts: found by the tasks' up-to-date checks, made again -------------------------------------

def damage(path: str | Path, size: tuple[int, int] | None = None) -> str | None:
    """What is wrong with an artifact on disk, or None when it is as it was made (or missing: its task, whose
    target it is, makes it). A video must match its record; a picture its hidden record, or without one (made
    before pictures had records) be a PNG of `size`; a JSON file must hold an object; an .npz must unzip."""
    path = Path(path)
    if not path.exists():
        return None
    if path.suffix == ".mp4" or record_path(path).exists():
        return None if matches_record(path) else f"{path} does not match its record ({record_path(path).name})"
    if path.suffix in (".png", ".wav"):  # a render's frames and its model's sound
        cached = _hidden_record(path)
        if cached is not None:
            return None if matches_hidden_record(path, cached) else f"{path} changed since it was made"
        return picture_problem(path, size) if path.suffix == ".png" else None
    if path.suffix == ".npz":  # numpy's archive of arrays: a zip, every member's checksum checked
        try:
            with zipfile.ZipFile(path) as archive:
                return None if archive.testzip() is None else f"{path} is damaged (a bad checksum)"
        except (OSError, zipfile.BadZipFile) as error:
            return f"{path} was unreadable ({type(error).__name__})"
    if path.suffix == ".json":
        try:
            return None if isinstance(json.loads(path.read_text(encoding="utf-8")), dict) else \
                f"{path} does not hold a JSON object"
        except (OSError, ValueError) as error:
            return f"{path} was unreadable ({type(error).__name__})"
    return None


def matches_hidden_record(path: Path, cached: dict) -> bool:
    try:
        stat = path.stat()
        return stat.st_size == cached.get("bytes") and (
            _stat_unchanged(path, stat, cached.get("sha256")) or sha256_file(path) == cached.get("sha256"))
    except OSError:
        return False


def picture_problem(path: Path, size: tuple[int, int] | None) -> str | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            found = image.size
            image.verify()  # every chunk's checksum: a truncated or garbled PNG fails here
        if image.format != "PNG" or (size and tuple(found) != tuple(size)):
            return f"{path} is not a {size[0]}x{size[1]} PNG" if size else f"{path} is not a PNG"
    except Exception as error:  # Pillow raises many kinds: unidentified, truncated, a bad checksum
        return f"{path} is not a readable picture ({type(error).__name__})"
    return None


def intact(paths: list[str], size: list[int] | None = None, announce: str = "") -> bool:
    """A task's `uptodate` check: none of `paths` (its targets) is damaged (see damage). With `announce` (only
    while building), a damaged one is told on stderr as `repaired: <what>; <announce>`."""
    for path in paths:
        problem = damage(path, tuple(size) if size else None)
        if problem:
            if announce:
                print(f"repaired: {problem}; {announce}", file=sys.stderr)
            return False
        if announce and str(path).endswith(".png") and Path(path).exists() and _hidden_record(Path(path)) is None:
            with contextlib.suppress(OSError):  # a picture made before pictures had records: checked once
                note_file(path)
    return True


def kept(paths: list[str | Path], inputs: str) -> bool:
    """Whether the files a task makes are already those it would make now: the first one's record names `inputs`
    (the digest of what it is made from) and none is damaged or missing. A build whose state was lost or not
    saved (a full disk) then keeps its renders instead of making them again."""
    first = Path(paths[0])
    try:
        record = json.loads(record_path(first).read_text(encoding="utf-8")) if record_path(first).exists() \
            else _hidden_record(first)
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("inputs") == inputs and \
        all(Path(p).exists() and damage(p) is None for p in paths)
