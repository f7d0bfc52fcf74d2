"""Writing artifacts so that a killed build never leaves a half file that looks finished.

Every artifact is written next to its final path under a temporary name and renamed into place
(`os.replace` is atomic on POSIX), so a reader sees either the old file, the new one, or none.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, Problem, ScriptAgentError, first_line


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
    except Exception as error:
        if getattr(error, "filename", None) is None and environment_fault(error) is not None:
            error.filename = str(path)  # a write refused by a full disk (or ffmpeg's) names no file: this is the one
        raise
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
    try:  # a read-only folder or a full disk: one line saying so (environment_fault), not a traceback
        build.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            try:
                owner = (build / LOCK_OWNER).read_text(encoding="utf-8").strip()
            except OSError:
                owner = "owner unknown"
            raise BuildLocked(f"{os.path.relpath(path)}: another doit is building this production ({owner}); wait "
                              "for it to finish or stop it, then run doit again") from None
        _held_locks[path] = lock
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        try:  # who holds it, for the message of a second build: not worth stopping a build on a full disk
            write_atomic(build / LOCK_OWNER, f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n")
        except OSError as error:
            if error.errno not in NO_SPACE:
                raise
    except OSError as error:
        raise environment_fault(error, build.parent) or error from None


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
    """Delete what a killed build left half-written; only while holding the build lock (a build owns its own)."""
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
    staging = folder / build / "cache" / "tmp"  # entries the build's own cache was storing when it was killed
    for leftover in staging.iterdir() if staging.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    return removed


def prepare_build(folder: str | os.PathLike, build: str = "build") -> None:
    """Before a command changes a production's build: nothing under build/ links out of the production folder,
    this process holds the build lock, and the temporary files of a killed build are gone."""
    leaving = links_leaving(folder, build)
    if leaving:
        raise ScriptAgentError(f"{leaving[0]}: a symlink to outside the production folder; remove it (a build "
                               "writes only inside its production folder)")
    hold_build_lock(Path(folder) / build)
    try:
        remove_temporaries(folder, build)
    except OSError as error:
        raise environment_fault(error, folder) or error from None


# --- what the machine refuses: a read-only folder, a full disk --------------------------------------------------

NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
NO_SPACE_TEXT, NO_WRITE_TEXT = ("No space left on device", "Disk quota exceeded", "database or disk is full"), \
    ("Read-only file system",)  # ffmpeg's and sqlite's words for them
FINAL_NAME = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}\.tmp(?P<suffix>\.[A-Za-z0-9]+)?$")  # TEMPORARY's parts


class EnvironmentFault(ScriptAgentError):
    """The machine refused a write (a full disk, a read-only folder): nothing to fix in the production."""


def no_space(what: str) -> EnvironmentFault:
    return EnvironmentFault(f"no space left on device writing {what}: free space (hint: `scriptagent cache prune "
                            "--max-size 5G` or delete build/cache)")


def not_writable(folder: str | os.PathLike, what: str = "build/") -> EnvironmentFault:
    return EnvironmentFault(f"{os.path.abspath(folder)}: cannot write {what} (read-only file system or no "
                            "permission) (hint: make it writable, e.g. `chmod -R u+w` or mount it read-write, or "
                            "copy the production to a folder you can write)")


def environment_fault(error: BaseException, folder: str | os.PathLike = ".") -> EnvironmentFault | None:
    """The one line for an error the machine caused, found anywhere in `error`'s chain (an OSError a backend
    wrapped, sqlite's "database or disk is full", ffmpeg's "No space left on device"), or None."""
    chain = []
    while error is not None and all(error is not seen for seen in chain):
        chain.append(error)
        error = error.__cause__ or error.__context__
    # the file being written: a copy's or a rename's destination (filename2), else the one named
    filename = next((getattr(c, "filename2", None) or c.filename for c in chain if getattr(c, "filename", None)), "")
    for cause in chain:
        if isinstance(cause, EnvironmentFault):
            return cause
        code = cause.errno if isinstance(cause, OSError) else None
        name = getattr(cause, "sqlite_errorname", "")  # sqlite3.Error (Python 3.11+)
        if code in NO_SPACE or name == "SQLITE_FULL" or any(text in str(cause) for text in NO_SPACE_TEXT):
            return no_space(_shown(filename, folder, ".doit.db" if name else None))
        if code in NOT_WRITABLE or name.startswith("SQLITE_READONLY") or any(w in str(cause) for w in NO_WRITE_TEXT):
            shown = _shown(filename, folder)
            return not_writable(folder, "build/" if shown.startswith("build") else shown)
    return None


def _shown(filename, folder: str | os.PathLike, in_build: str | None = None) -> str:
    """A path as the user knows it: relative to the production, a temporary by its final name (build/film.mp4)."""
    if not filename:
        return f"build/{in_build}" if in_build else "build/"
    path = Path(os.fsdecode(filename))
    with contextlib.suppress(OSError, ValueError):
        path = path.resolve().relative_to(Path(folder).resolve())
    final = FINAL_NAME.match(path.name)
    shown = str(path.with_name(final["stem"] + (final["suffix"] or "")) if final else path)
    return "build/" if shown == "build" else shown


# --- reading a production's files: inside its folder (no link out), a regular file (no FIFO), at most a limit ----

MAX_IMAGE_BYTES = 256 * 2 ** 20  # a reference image: the uncompressed size of the largest one allowed
# 8192²: above a 61-MP photo and an 8K frame, below Pillow's bomb warning (89 MP); a 17 KB PNG can declare 12,000².
MAX_PIXELS = 8192 * 8192
FILE_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket"}  # or a device


class Unreadable(Exception):
    def __init__(self, reason: str, hint: str = "", missing: bool = False):  # reason: without the file's name
        super().__init__(reason)
        self.reason, self.hint, self.missing = reason, hint, missing


def open_regular(folder: str | os.PathLike | None, relative: str | os.PathLike, limit: int) -> int:
    """A descriptor to read `folder`/`relative` (inside `folder`; with None, a file named on the command line), or
    Unreadable. Opened without blocking (a FIFO) nor following a last link swapped in after the check."""
    path = Path(relative)
    try:
        if folder is not None and (path.is_absolute() or ".." in path.parts):
            raise Unreadable("outside the production folder", "put the file in the production folder")
        target = path if folder is None else (Path(folder).resolve() / path).resolve()
        if folder is not None and not target.is_relative_to(Path(folder).resolve()):
            raise Unreadable("a symlink to outside the production folder", "copy the file into the production folder")
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(target, flags | (getattr(os, "O_NOFOLLOW", 0) if folder is not None else 0))
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL byte in the name
        raise Unreadable("file not found", missing=True) from None
    except (OSError, RuntimeError) as error:  # a name too long, a loop of links, no permission
        raise Unreadable(f"cannot open it ({getattr(error, 'strerror', None) or error})") from None
    info = os.fstat(fd)
    kind = None if stat.S_ISREG(info.st_mode) else FILE_KINDS.get(stat.S_IFMT(info.st_mode), "a device")
    if kind or info.st_size > limit:
        os.close(fd)
        raise Unreadable(f"{kind}, not a regular file", "put the file itself there") if kind else \
            Unreadable(f"file is {info.st_size} bytes, more than the {limit} allowed")
    return fd


def read_inside(folder: str | os.PathLike | None, relative: str | os.PathLike, limit: int, display: str | None = None,
                prefix: str = "", hint: str = "") -> bytes:
    """The bytes of `folder`/`relative` by open_regular's rules; a problem is an InputError naming `display` (default:
    `relative`), its message after `prefix`, with `hint` where the problem has none."""
    try:
        with os.fdopen(open_regular(folder, relative, limit), "rb") as file:
            data = file.read(limit + 1)
        if len(data) > limit:  # it grew since it was checked
            raise Unreadable(f"file is more than the {limit} bytes allowed")
    except (Unreadable, OSError) as error:
        reason = error.reason if isinstance(error, Unreadable) else f"cannot read it ({error.strerror or error})"
        raise InputError(Problem(display or str(relative), prefix + reason,
                                 hint=getattr(error, "hint", "") or hint)) from None
    return data


def reference_problem(folder: str | os.PathLike, reference: str) -> tuple[str, str] | None:
    """What is wrong with a cast reference image, as (message, hint), or None when it is an image Pillow can read,
    by open_regular's rules, of at most MAX_IMAGE_BYTES and (its header says) MAX_PIXELS pixels."""
    from PIL import Image

    try:
        fd = open_regular(folder, reference, MAX_IMAGE_BYTES)
    except Unreadable as refused:
        if refused.missing:
            return f"reference image '{reference}' not found", "put the image there or remove the key"
        if refused.reason.startswith("a symlink to outside"):
            return f"'{reference}' links to outside the production folder", "copy the image into the production folder"
        return f"'{reference}': {refused.reason}", refused.hint or "use a PNG or JPEG"
    with os.fdopen(fd, "rb") as file, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # an error here, never printed
        try:
            with Image.open(file) as image:  # reads the header only
                if (pixels := image.size[0] * image.size[1]) <= MAX_PIXELS:
                    image.verify()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:  # Pillow's own check, >89 MP
            pixels = int((re.findall(r"\((\d+) pixels\)", str(error)) or [MAX_PIXELS + 1])[0])
        except Exception as error:  # Pillow raises many kinds: unidentified, truncated
            said = first_line(error).replace(repr(file), repr(reference))  # Pillow names the file it was given
            return f"'{reference}' is not an image Pillow can read ({said})", "use a PNG or JPEG"
    if pixels > MAX_PIXELS:
        return (f"'{reference}' has {pixels} pixels, more than the {MAX_PIXELS} allowed",
                "scale it down: a reference needs no more than the film's resolution")
    return None
