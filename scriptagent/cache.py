"""A content-addressed store of finished artifacts (renders, keyframes, speech), as ccache or Bazel's action cache.

Before a task makes an artifact it computes the artifact's key: a digest of everything the maker reads (the
segment's shots, cast looks, the bytes of its anchor image and reference pictures, the backend settings, the
seed), never where the artifact sits in the film. When the store holds that key, its files are placed as the
task's targets (a hard link, or a copy across file systems) and the maker does not run. So undoing an edit,
`git checkout` of an older script.yaml, a renumbered shot or another production with the same shot renders nothing.

Layout: `<root>/<kind>/<key[:2]>/<key>/` holding the files and `manifest.json` (each file's size and sha256). An
entry appears by renaming a finished temporary folder into place, so a killed build never leaves a half entry;
a placed file's sha256 is checked against the manifest, so a damaged entry is removed and made anew, never used.
The store is bounded (`SCRIPTAGENT_CACHE_SIZE`, default 20G): the least recently used entries go first.

The root is `build/cache/` of the production, or `$SCRIPTAGENT_CACHE` (a folder several productions share).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem
from .layout import BuildLayout
from .files import sha256_file

CACHE_ENV = "SCRIPTAGENT_CACHE"
SIZE_ENV = "SCRIPTAGENT_CACHE_SIZE"
DEFAULT_MAX_BYTES = 20 * 1024 ** 3
MANIFEST = "manifest.json"
STALE_TEMPORARY_SECONDS = 3600  # a temporary folder this old belongs to a build that was killed
KEY = re.compile(r"^[0-9a-f]{64}$")
UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def parse_size(text: str) -> int:
    """'500M', '20G', '1.5T' or a number of bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.I)
    if not match:
        raise InputError(Problem(SIZE_ENV, f"'{text}' is not a size", hint="e.g. 500M, 20G or a number of bytes"))
    return int(float(match[1]) * UNITS[match[2].upper()])


def artifact_key(kind: str, data, files: list[Path | str] = ()) -> str:
    """The key of an artifact: `kind`, the JSON of what its maker reads, and the bytes of the files it reads."""
    digest = hashlib.sha256()
    digest.update(kind.encode() + b"\0")
    digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode() + b"\0")
    for path in files:
        digest.update(sha256_file(path).encode() + b"\0")
    return digest.hexdigest()


@dataclass
class Entry:
    kind: str
    key: str
    path: Path
    bytes: int
    used: float  # when it was last stored or placed (the manifest's modification time)


class ArtifactCache:
    def __init__(self, root: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes

    @classmethod
    def for_build(cls, build: BuildLayout) -> ArtifactCache:
        """The cache a build uses: $SCRIPTAGENT_CACHE, else `<build>/cache`."""
        root = os.environ.get(CACHE_ENV) or build.cache
        size = os.environ.get(SIZE_ENV)
        return cls(root, parse_size(size) if size else DEFAULT_MAX_BYTES)

    def _entry_path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key

    def holds(self, kind: str, key: str, names: list[str] | None = None) -> bool:
        """Whether a usable entry is there: every file (of `names`, default all) has its recorded size and sha256.
        An entry that fails is removed (and made anew by whoever asked), so a damaged cache can cost a render but
        never yields a wrong file."""
        entry = self._entry_path(kind, key)
        try:
            files = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))["files"]
            for name in files if names is None else names:
                source = entry / name
                if source.stat().st_size != files[name]["bytes"] or sha256_file(source) != files[name]["sha256"]:
                    raise ValueError(f"{source}: damaged")
            return True
        except FileNotFoundError:
            if entry.exists():  # a file of the entry is missing
                shutil.rmtree(entry, ignore_errors=True)
            return False
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(entry, ignore_errors=True)
            return False

    def place(self, kind: str, key: str, targets: dict[str, Path]) -> bool:
        """Put the entry's files at `targets` (name in the entry -> path), checked first; False when there is no
        usable entry."""
        entry = self._entry_path(kind, key)
        if not self.holds(kind, key, list(targets)):
            return False
        for name, target in targets.items():
            _link_or_copy(entry / name, Path(target))
        os.utime(entry / MANIFEST)  # recently used: evicted last
        return True

    def place_or_make(self, kind: str, key: str, targets: dict[str, Path], make) -> None:
        """Place the entry at `targets`, or call `make()` to write them and keep them under `key`."""
        if not self.place(kind, key, targets):
            make()
            self.store(kind, key, targets)

    def store(self, kind: str, key: str, sources: dict[str, Path]) -> None:
        """Keep `sources` (name in the entry -> file) under `key`; an entry already there is kept as it is."""
        final = self._entry_path(kind, key)
        if (final / MANIFEST).is_file():
            return
        temporaries = self.root / "tmp"
        temporaries.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{key[:12]}-", dir=temporaries))
        try:
            files = {}
            for name, source in sources.items():
                _link_or_copy(Path(source), folder / name)
                files[name] = {"bytes": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
            (folder / MANIFEST).write_text(json.dumps({"kind": kind, "files": files}, sort_keys=True) + "\n",
                                           encoding="utf-8")
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():  # a damaged or half-removed entry: replaced by this complete one
                shutil.rmtree(final, ignore_errors=True)
            try:
                os.rename(folder, final)
            except OSError:  # another build stored the same key first: theirs is as good
                pass
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.evict()

    def entries(self) -> list[Entry]:
        found = []
        if not self.root.is_dir():
            return found
        for kind in sorted(p for p in self.root.iterdir() if p.is_dir() and p.name != "tmp"):
            for manifest in kind.glob(f"*/*/{MANIFEST}"):
                if not KEY.match(manifest.parent.name):
                    continue
                try:
                    size = sum(f.stat().st_size for f in manifest.parent.iterdir())
                    found.append(Entry(kind.name, manifest.parent.name, manifest.parent, size,
                                       manifest.stat().st_mtime))
                except OSError:
                    continue  # removed meanwhile by another build's eviction
        return found

    def evict(self, max_bytes: int | None = None) -> list[Entry]:
        """Remove least recently used entries until the store fits `max_bytes`; also the temporaries of killed
        builds. Returns what was removed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        entries = sorted(self.entries(), key=lambda e: e.used)
        total = sum(e.bytes for e in entries)
        removed = []
        while entries and total > limit:
            entry = entries.pop(0)
            shutil.rmtree(entry.path, ignore_errors=True)
            total -= entry.bytes
            removed.append(entry)
        temporaries = self.root / "tmp"
        if temporaries.is_dir():
            now = time.time()
            for folder in temporaries.iterdir():
                try:
                    if now - folder.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                        shutil.rmtree(folder, ignore_errors=True)
                except OSError:
                    pass
        return removed


def _link_or_copy(source: Path, target: Path) -> None:
    """Place `source` at `target` atomically: a hard link (no copy, no extra space), or a copy across devices.

    Sharing the inode is safe because every artifact is written to a temporary name and renamed, never changed
    in place; and a file damaged in place anyway is caught by its sha256 when the cache next places it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    os.unlink(temporary)
    try:
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def human_size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"
