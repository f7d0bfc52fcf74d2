"""Writing artifacts so that a killed build never leaves a half file that looks finished.

Every artifact is written next to its final path under a temporary name and renamed into place
(`os.replace` is atomic on POSIX), so a reader sees either the old file, the new one, or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ScriptAgentError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it to `path`, on failure remove it.

    The temporary name keeps the suffix, so tools that guess a format from it (ffmpeg, Pillow) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; artifacts get the usual permissions
        with open(tmp_path, "rb") as f:  # data reaches the disk before the name does
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: str | os.PathLike, content: str | bytes) -> None:
    with atomic_path(path) as tmp:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)


def write_if_changed(path: str | os.PathLike, content: str | bytes) -> bool:
    """Write `content`, leaving the file untouched when it already holds exactly that.

    Returns True when the file was (re)written. Untouched files keep their mtime, so doit's checks stay cheap.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def write_json_if_changed(path: str | os.PathLike, data) -> bool:
    """Write `data` as stable JSON, leaving the file untouched when its content would not change."""
    return write_if_changed(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


_REQUIRED = object()


def read_json(path: str | os.PathLike, default=_REQUIRED):
    """The JSON in `path`; `default` when there is no such file (without a default, a missing file raises)."""
    path = Path(path)
    if default is not _REQUIRED and not path.exists():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def templates_dir() -> Path:
    """The jinja2 templates: packaged inside the wheel, or the repository's top-level templates/ folder."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


# --- paths that stay inside the production folder ------------------------------------------------------------

def is_inside(root: str | os.PathLike, path: str | os.PathLike) -> bool:
    """True when `path` (relative to `root`, symlinks followed) resolves to a place inside `root`."""
    root = Path(root).resolve()
    return (root / path).resolve().is_relative_to(root)


def links_leaving(root: str | os.PathLike, folder: str | os.PathLike) -> list[Path]:
    """Symlinks under `root`/`folder` (the folder itself included) that point outside `root`, as relative paths.

    A production cloned from someone else must not make a build read or write outside its folder: a
    `build -> ~/.ssh` link, a `cast/face.png -> /etc/shadow` link.
    """
    root = Path(root).resolve()
    start = root / folder
    if not start.is_symlink() and not start.is_dir():
        return []
    if start.is_symlink():
        return [] if is_inside(root, start) else [Path(folder)]
    return sorted(Path(entry.path).relative_to(root) for entry in _entries_under(start)
                  if entry.is_symlink() and not is_inside(root, entry.path))


def _entries_under(folder: Path) -> Iterator[os.DirEntry]:
    """Every file, folder and link below `folder`, links not followed (os.scandir: no stat call per entry, which
    keeps a no-op build of a thousand-segment production fast).

    The render cache (`cache/` under a build) is walked only to its shard folders (cache/<kind>/<xx>): below them
    the cache writes nothing but new folders it renames into place, and reads only what it checks by sha256, so
    walking its thousands of entries on every `doit` would buy no safety."""
    pending = [(folder, None)]  # (folder, depth below a cache folder, or None outside the cache)
    while pending:
        current, depth = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                yield entry
                if not entry.is_dir(follow_symlinks=False):
                    continue
                below = 0 if depth is None and entry.name == "cache" and current == folder else \
                    None if depth is None else depth + 1
                if below is None or below < 2:
                    pending.append((Path(entry.path), below))


# --- one build at a time, and what a killed build left behind -------------------------------------------------

LOCK_FILE = ".lock"
LOCK_OWNER = ".lock.owner"
# atomic_path's temporary names: .<stem>.<8 random chars>.tmp<suffix>
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?$")
_held_locks: dict[Path, object] = {}


class BuildLocked(ScriptAgentError):
    """Another process is building (or cleaning) the same production."""


def hold_build_lock(build: str | os.PathLike) -> None:
    """Take the production's build lock for the rest of this process, or raise BuildLocked at once.

    The lock is an OS file lock (flock): the system drops it when the process ends, even when it is killed,
    so a crashed build never leaves a stale lock behind. Taking it again in the same process is a no-op.
    """
    from filelock import FileLock, Timeout

    build = Path(build)
    path = (build / LOCK_FILE).resolve()
    if path in _held_locks:
        return
    build.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        try:
            owner = (build / LOCK_OWNER).read_text(encoding="utf-8").strip()
        except OSError:
            owner = "owner unknown"
        raise BuildLocked(f"{os.path.relpath(path)}: another doit is building this production ({owner}); wait for "
                          "it to finish or stop it, then run doit again") from None
    _held_locks[path] = lock
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    write_atomic(build / LOCK_OWNER, f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n")


def release_build_lock(build: str | os.PathLike) -> None:
    lock = _held_locks.pop((Path(build) / LOCK_FILE).resolve(), None)
    if lock is not None:
        (Path(build) / LOCK_OWNER).unlink(missing_ok=True)
        lock.release()


@contextlib.contextmanager
def build_lock(build: str | os.PathLike) -> Iterator[None]:
    """Hold the build lock for a block (kept if this process already held it)."""
    already = (Path(build) / LOCK_FILE).resolve() in _held_locks
    hold_build_lock(build)
    try:
        yield
    finally:
        if not already:
            release_build_lock(build)


def remove_temporaries(folder: str | os.PathLike, build: str = "build") -> list[Path]:
    """Delete the temporary files a killed build left (they were never renamed into place, so nothing took
    them for finished artifacts). Only safe while holding the build lock: a running build owns its own."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    with os.scandir(folder) as top:
        candidates = [entry for entry in top if TEMPORARY.match(entry.name)]
    if (folder / build).is_dir():
        candidates += [entry for entry in _entries_under(folder / build) if TEMPORARY.match(entry.name)]
    removed = []
    for entry in candidates:
        if entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def prepare_build(folder: str | os.PathLike, build: str = "build") -> None:
    """Before a command changes a production's build: nothing under build/ links out of the production folder,
    this process holds the build lock, and the temporary files of a killed build are gone."""
    leaving = links_leaving(folder, build)
    if leaving:
        raise ScriptAgentError(f"{leaving[0]}: a symlink to outside the production folder; remove it (a build "
                               "writes only inside its production folder)")
    hold_build_lock(Path(folder) / build)
    remove_temporaries(folder, build)


def reference_problem(folder: str | os.PathLike, reference: str) -> tuple[str, str] | None:
    """What is wrong with a cast reference image, as (message, hint), or None when it is a readable image
    inside the production folder (a symlink that leads out of it is refused like a `../` path)."""
    path = Path(folder) / reference
    try:
        if not path.is_file():
            return f"reference image '{reference}' not found", "put the image there or remove the key"
        if not is_inside(folder, reference):
            return (f"'{reference}' links to outside the production folder",
                    "copy the image into the production folder")
    except (OSError, ValueError) as error:  # a NUL byte, a name too long, a loop of links
        return f"'{reference}' is not a usable path ({error})", "use a path like cast/name.png"
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
    except Exception as error:  # Pillow raises many kinds: unidentified, truncated, decompression bomb
        return f"'{reference}' is not an image Pillow can read ({error})", "use a PNG or JPEG"
    return None
