"""Reading an MP4 file's tracks without decoding them: where each sample's bytes lie, their sizes and durations,
the keyframes, the edit list, and for H.264 video the picture size and decoder configuration (avcC).

The stitch proves with it that a film holds exactly its renders' frames (integrity.check_stitched): reading the
sample tables of a film and its renders takes milliseconds, where decoding the film again took most of the stitch.
Only what ffmpeg's mp4 muxer writes is read (ISO BMFF boxes: stsd, stts, stss, stsc, stsz, stco/co64, elst).
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import os
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import BackendError

SPS, PPS = 7, 8  # H.264 NAL unit types of the sequence and picture parameter sets
VISUAL_ENTRY_HEADER = 78  # bytes of a visual sample entry before its child boxes (avcC)


class Mp4Error(BackendError):
    """The file is not an MP4 that this reader understands (or is cut short)."""


class SampleEntry(NamedTuple):
    """One sample description (stsd): the codec, the picture size, and H.264's parameter sets."""

    codec: str
    width: int = 0
    height: int = 0
    nal_length: int = 4  # bytes of the length before each NAL unit in a sample
    sps: tuple[bytes, ...] = ()
    pps: tuple[bytes, ...] = ()


@dataclass
class Track:
    """One track's sample table, sample by sample (lists as long as the track has samples)."""

    kind: str  # the handler: 'vide', 'soun', ...
    timescale: int  # ticks per second of the sample durations
    sizes: list[int]
    offsets: list[int]  # where each sample's bytes start in the file
    durations: list[int]  # in timescale ticks
    keyframes: set[int] | None  # sample indices (from 0); None: every sample is one
    descriptions: list[int]  # each sample's entry in `entries` (from 0)
    entries: list[SampleEntry]
    edits: list[tuple[int, int, float]] = field(default_factory=list)  # (duration, media time, rate) per entry

    def is_keyframe(self, index: int) -> bool:
        return self.keyframes is None or index in self.keyframes

    def end(self) -> int:
        """Where the track's last byte ends in the file."""
        return max(map(operator.add, self.offsets, self.sizes), default=0)


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box between `start` and `end`."""
    found, at, unpack = [], start, struct.unpack_from
    while at + 8 <= end:
        size, kind = unpack(">I4s", data, at)
        header = 8
        if size == 1:
            size, header = unpack(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise Mp4Error(f"box '{kind.decode('latin-1')}' runs past its parent")
        found.append((kind, at + header, at + size))
        at += size
    return found


def _children(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    found: dict[bytes, tuple[int, int]] = {}
    for kind, begin, finish in _boxes(data, start, end):
        found.setdefault(kind, (begin, finish))
    return found


def _read_moov(path: str, data: bytes | None = None) -> bytes:
    """The moov box's bytes, found by walking the top-level boxes (it may come before or after mdat); from `data`,
    the file's bytes, when given."""
    with contextlib.ExitStack() as stack:
        if data is None:
            source = stack.enter_context(open(path, "rb"))
            total = os.fstat(source.fileno()).st_size

            def read(at: int, count: int) -> bytes:
                source.seek(at)
                return source.read(count)
        else:
            total = len(data)

            def read(at: int, count: int) -> bytes:
                return data[at:at + count]
        at = 0
        while at + 8 <= total:
            header = read(at, 16)
            size, kind = struct.unpack_from(">I4s", header)
            length = 8
            if size == 1 and len(header) == 16:
                size, length = struct.unpack_from(">Q", header, 8)[0], 16
            elif size == 0:
                size = total - at
            if size < length:
                break
            if kind == b"moov":
                if at + size > total:
                    raise Mp4Error(f"{path}: cut short (its moov box ends past the end of the file)")
                return read(at, size)
            at += size
    raise Mp4Error(f"{path}: no moov box (not an MP4 file, or cut short)")


def _table(data: bytes, begin: int, width: int, fmt: str) -> list:
    """A full box's table: a 32-bit entry count after version and flags, then `count` entries of `fmt`."""
    (count,) = struct.unpack_from(">I", data, begin + 4)
    if begin + 8 + count * width > len(data):
        raise Mp4Error("a sample table runs past its box")
    return list(struct.iter_unpack(">" + fmt, data[begin + 8:begin + 8 + count * width]))


def _entry(data: bytes, begin: int, end: int) -> SampleEntry:
    codec = data[begin - 4:begin].decode("latin-1")  # (a sample entry's type)
    if end - begin < VISUAL_ENTRY_HEADER:
        return SampleEntry(codec)
    width, height = struct.unpack_from(">HH", data, begin + 24)
    boxes = _children(data, begin + VISUAL_ENTRY_HEADER, end) if codec in ("avc1", "avc3") else {}
    if b"avcC" not in boxes:
        return SampleEntry(codec, width, height)
    start, finish = boxes[b"avcC"]
    config = data[start:finish]
    nal_length, at, sets = (config[4] & 3) + 1, 5, []
    for mask in (0x1F, 0xFF):  # the SPS count shares its byte with reserved bits; the PPS count does not
        count, at = config[at] & mask, at + 1
        units = []
        for _ in range(count):
            (length,) = struct.unpack_from(">H", config, at)
            units.append(bytes(config[at + 2:at + 2 + length]))
            at += 2 + length
        sets.append(tuple(units))
    return SampleEntry(codec, width, height, nal_length, sets[0], sets[1])


def _track(data: bytes, begin: int, end: int) -> Track:
    trak = _children(data, begin, end)
    mdia = _children(data, *trak[b"mdia"])
    stbl = _children(data, *_children(data, *mdia[b"minf"])[b"stbl"])
    start, _ = mdia[b"mdhd"]
    timescale = struct.unpack_from(">I", data, start + (20 if data[start] == 1 else 12))[0]
    kind = data[mdia[b"hdlr"][0] + 8:mdia[b"hdlr"][0] + 12].decode("latin-1")

    stsd_begin, stsd_end = stbl[b"stsd"]
    entries = [_entry(data, b, e) for _, b, e in _boxes(data, stsd_begin + 8, stsd_end)]
    begin_sz = stbl[b"stsz"][0]
    uniform, count = struct.unpack_from(">II", data, begin_sz + 4)
    sizes = [uniform] * count if uniform else \
        list(struct.unpack_from(f">{count}I", data, begin_sz + 12)) if begin_sz + 12 + 4 * count <= len(data) else None
    if sizes is None:
        raise Mp4Error("the sample size table runs past its box")
    timing = _table(data, stbl[b"stts"][0], 8, "II")
    durations = [timing[0][1]] * timing[0][0] if len(timing) == 1 else \
        [delta for number, delta in timing for _ in range(number)]
    keyframes = {number - 1 for (number,) in _table(data, stbl[b"stss"][0], 4, "I")} if b"stss" in stbl else None
    chunks = [offset for (offset,) in (_table(data, stbl[b"co64"][0], 8, "Q") if b"co64" in stbl
                                        else _table(data, stbl[b"stco"][0], 4, "I"))]
    runs = _table(data, stbl[b"stsc"][0], 12, "III")  # (first chunk from 1, samples per chunk, entry from 1)
    starts = list(itertools.accumulate(sizes, initial=0))  # each sample's place if the samples were one run
    offsets, descriptions, sample = [], [], 0
    for k, (first, per_chunk, entry) in enumerate(runs):
        last = runs[k + 1][0] - 1 if k + 1 < len(runs) else len(chunks)
        for chunk in range(first - 1, min(last, len(chunks))):
            end = min(sample + per_chunk, count)
            if end - sample == 1:
                offsets.append(chunks[chunk])
            else:
                shift = chunks[chunk] - starts[sample]
                offsets += [start + shift for start in starts[sample:end]]
            descriptions += [entry - 1] * (end - sample)
            sample = end
    if len(offsets) != count or len(durations) != count or any(not 0 < e <= len(entries) for _, _, e in runs):
        raise Mp4Error(f"a {kind} track's sample tables disagree ({count} sizes, {len(durations)} durations, "
                       f"{len(offsets)} placed in chunks)")
    edits = []
    if b"edts" in trak and b"elst" in (edts := _children(data, *trak[b"edts"])):
        start, _ = edts[b"elst"]
        layout = "QqhH" if data[start] == 1 else "IihH"
        edits = [(duration, media_time, rate + fraction / 65536)
                 for duration, media_time, rate, fraction in
                 _table(data, start, struct.calcsize(">" + layout), layout)]
    return Track(kind, timescale, sizes, offsets, durations, keyframes, descriptions, entries, edits)


def tracks(path: str | os.PathLike, data: bytes | None = None) -> list[Track]:
    """Every track of an MP4 file, in file order (read from `data`, the file's bytes, when given)."""
    path = os.fspath(path)
    if data is None and not os.path.isfile(path):
        raise Mp4Error(f"{path}: no such file")
    moov = _read_moov(path, data)
    try:
        return [_track(moov, begin, end) for kind, begin, end in _boxes(moov, 8, len(moov)) if kind == b"trak"]
    except (KeyError, struct.error, IndexError, UnicodeDecodeError) as error:
        raise Mp4Error(f"{path}: an MP4 file this reader cannot follow ({type(error).__name__}: {error})") from None
    except Mp4Error as error:
        raise Mp4Error(f"{path}: {error}") from None


def video_track(path: str | os.PathLike, data: bytes | None = None) -> Track:
    """The first video track."""
    for track in tracks(path, data):
        if track.kind == "vide":
            return track
    raise Mp4Error(f"{path}: no video track")


def nal_units(sample: bytes, length_size: int = 4) -> list[bytes]:
    """The NAL units of an H.264 sample in MP4 form (each after its big-endian length); Mp4Error when the
    lengths do not add up to the sample."""
    units, at = [], 0
    while at < len(sample):
        if at + length_size > len(sample):
            raise Mp4Error("a NAL unit's length is cut short")
        length = int.from_bytes(sample[at:at + length_size], "big")
        at += length_size
        if length == 0 or at + length > len(sample):
            raise Mp4Error("a NAL unit runs past its sample")
        units.append(bytes(sample[at:at + length]))
        at += length
    return units


def nal_type(unit: bytes) -> int:
    return unit[0] & 0x1F
