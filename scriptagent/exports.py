"""The cut for editing software that does not read OpenTimelineIO: build/film.fcpxml (Final Cut Pro XML 1.8, for
Final Cut Pro and DaVinci Resolve) and build/film.edl (a CMX 3600 edit decision list, for Premiere, Avid and
Resolve), written beside film.otio from the same timeline by OpenTimelineIO's adapter plugins
(otio-fcpx-xml-adapter, otio-cmx3600-adapter). Media paths are relative to build/, as film.otio's are.

Both carry the picture cut (one clip per shot, or per part of a split shot, from its render), the dialogue lines
as markers (locators) on their clips, each scene as a marker where it starts, and with speech each line's
recording at its place. What a format cannot hold is said in it: the EDL ends with `* NOTE:` comments.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
import wave
from pathlib import Path
from xml.etree import ElementTree

from .editorial import otio_timeline
from .errors import BackendError
from .files import write_atomic
from .layout import BuildLayout
from .plan import Segment

TIMECODE_RATES = (24, 25, 30, 48, 50, 60)  # whole frame rates SMPTE timecode counts in (OpenTimelineIO's)
REEL_LENGTH = 8  # CMX 3600 reel names: 8 characters, letters and digits
RESERVED_REELS = {"AX", "BL", "BLACK", "BARS"}  # auxiliary source, black, colour bars
MAX_EVENTS = 999  # CMX 3600 numbers events with three digits
TITLE_LENGTH = 70
COMMENT_LENGTH = 80
PACKAGES = {"fcpx_xml": "otio-fcpx-xml-adapter", "cmx_3600": "otio-cmx3600-adapter"}  # the adapter plugins


def write_cut(build: BuildLayout, plan: dict, segments: list[Segment], speech: bool) -> None:
    """build/film.otio, film.fcpxml and film.edl, each written atomically. `speech`: the film plays the recorded
    lines (build/speech/<line>.wav), which an audio track places."""
    import opentimelineio as otio

    timeline = otio_timeline(plan, segments, lambda s: build.render(s).relative_to(build.root),
                             (lambda i: build.line(i).relative_to(build.root)) if speech else None,
                             lambda i: wav_seconds(build.line(i)))
    write_atomic(build.timeline, otio.adapters.write_to_string(timeline, "otio_json"))
    write_atomic(build.fcpxml, fcpxml_text(timeline, plan))
    write_atomic(build.edl, edl_text(timeline, plan))


def adapter(name: str):
    """The module of an OpenTimelineIO adapter plugin, or an error that says which package to install."""
    import opentimelineio as otio

    try:
        return otio.adapters.from_name(name).module()
    except (otio.exceptions.NotSupportedError, KeyError, ImportError):
        raise BackendError(f"writing build/film.{'fcpxml' if name == 'fcpx_xml' else 'edl'} needs OpenTimelineIO's "
                           f"{name} adapter: pip install {PACKAGES.get(name, name)}") from None


def wav_seconds(path: Path) -> float:
    try:
        with wave.open(str(path), "rb") as source:
            return source.getnframes() / source.getframerate()
    except (OSError, EOFError, wave.Error) as error:
        raise BackendError(f"{path}: not a readable WAV recording ({error})") from None


def _plain(text: str, limit: int) -> str:
    """ASCII on one line, at most `limit` characters: what every EDL reader takes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())[:limit]


def _scenes_on_clips(timeline, fcpxml: bool) -> None:
    """Move the video track's scene markers onto the clip where each scene starts (neither format keeps a
    track's markers), green; for FCPXML one frame long, and the lines' markers purple (plain markers there, where
    the adapter makes red ones to-do items)."""
    import opentimelineio as otio

    video = timeline.video_tracks()[0]
    for clip in video.find_clips() if fcpxml else ():
        for marker in clip.markers:
            marker.color = otio.schema.MarkerColor.PURPLE
    clips = list(video.find_clips())  # the video track holds only clips, one after another
    starts = list(itertools.accumulate((clip.duration().to_frames() for clip in clips), initial=0))
    for marker in list(video.markers):
        start = marker.marked_range.start_time.to_frames()
        k = bisect.bisect_right(starts, start) - 1
        if 0 <= k < len(clips):
            clip = clips[k]
            at = clip.source_range.start_time + otio.opentime.RationalTime(start - starts[k], clip.duration().rate)
            clip.markers.insert(0, otio.schema.Marker(
                name=marker.name, color=otio.schema.MarkerColor.GREEN, metadata=marker.metadata,
                marked_range=otio.opentime.TimeRange(at, otio.opentime.RationalTime(1 if fcpxml else 0, at.rate))))
    video.markers.clear()


# --- Final Cut Pro XML -----------------------------------------------------------------------------------------

def fcpxml_text(timeline, plan: dict) -> str:
    """FCPXML 1.8 by the fcpx_xml adapter (sped up, and for any fps: _indexed_writer), completed: the format's
    picture size, the sequence's timecode, scenes as chapter markers, lines as plain markers, no empty ids."""
    width, height = plan["resolution"]
    cut = timeline.deepcopy()
    _scenes_on_clips(cut, fcpxml=True)
    root = ElementTree.fromstring(_indexed_writer()(cut).to_xml().encode("utf-8"))
    for element in root.iter("format"):
        element.set("width", str(width))
        element.set("height", str(height))
        if not element.get("name"):
            element.attrib.pop("name", None)
    for element in root.iter():
        if element.get("uid") == "":
            element.attrib.pop("uid")
    for element in root.iter("sequence"):
        element.set("tcStart", "0s")
        element.set("tcFormat", "NDF")
    for element in root.iter("asset"):
        if element.get("hasAudio") == "1" and element.get("hasVideo") == "0":
            element.set("audioSources", "1")
            element.set("audioChannels", "1")
    for element in root.iter("marker"):
        if element.attrib.pop("completed", None) == "1":  # green: a scene (the adapter's to-do marker, done)
            element.tag = "chapter-marker"
    ElementTree.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n' + \
        ElementTree.tostring(root, encoding="unicode") + "\n"


def _indexed_writer():
    """The fcpx_xml adapter's writer (its FcpxOtio) with its look-ups indexed. As written it searches the growing
    document for every clip it adds, and the spine for every audio clip (seconds for 100 lines, minutes for a
    feature); these overrides give the same answers from dictionaries filled as the document grows."""
    module = adapter("fcpx_xml")

    class Writer(module.FcpxOtio):
        def _indexed(self, parent, tag: str, key: str, value):
            """parent.find(f"./{tag}[@{key}='{value}']"), for a parent whose children are only ever added."""
            seen, table = self.__dict__.setdefault("_index", {}).setdefault((id(parent), tag, key), [0, {}])
            for child in parent[seen:]:
                if child.tag == tag:
                    table.setdefault(child.get(key), child)
            self._index[(id(parent), tag, key)][0] = len(parent)
            return table.get(value)

        @staticmethod
        def _framerate_to_frame_duration(framerate):  # the adapter knows 8 rates: a film has any whole fps
            return f"100/{round(float(framerate) * 100)}s"

        def _find_or_create_format_from(self, item):
            if item.schema_name() not in ("Track", "Stack"):
                return super()._find_or_create_format_from(item)
            formats = self.__dict__.setdefault("_formats", {})  # a track's duration is a sum over its items
            if id(item) not in formats:
                formats[id(item)] = super()._find_or_create_format_from(item)
            return formats[id(item)]

        def _asset_by_path(self, path):
            return self._indexed(self.resource_element, "asset", "src", path)

        def _asset_by_id(self, asset_id):
            return self._indexed(self.resource_element, "asset", "id", asset_id)

        def _format_by_id(self, format_id):
            return self._indexed(self.resource_element, "format", "id", format_id)

        def _format_by_frame_rate(self, frame_rate):
            return self._indexed(self.resource_element, "format", "frameDuration",
                                 self._framerate_to_frame_duration(frame_rate))

        def _asset_clip_by_name(self, name):
            return self._indexed(self.event_resource, "asset-clip", "name", name)

        def _frame_rate_from_element(self, element, default_format_id):
            format_id = default_format_id
            if element.tag == "clip":
                gap = element.find("./gap")
                ref = gap.find("./audio").get("ref") if gap is not None else element.find("./video").get("ref")
                format_id = self._asset_by_id(ref).get("format")
            elif element.tag == "asset-clip":
                format_id = self._asset_by_id(element.get("ref")).get("format")
            elif element.tag == "ref-clip":
                return super()._frame_rate_from_element(element, default_format_id)
            total, rate = self._format_by_id(format_id).get("frameDuration").split("/")
            return int(float(rate.replace("s", "")) / float(total))

        def _find_parent_element(self, spine, trimmed_range, format_id):
            """The spine's item playing at `trimmed_range` (a time), by bisection over the spine's items."""
            key = (id(spine), len(spine))
            if self.__dict__.get("_spine_key") != key:
                items = [item for item in spine if item.tag in ("clip", "asset-clip", "gap", "ref-clip")
                         and item.get("lane") is None and not (item.tag == "gap" and item.find("./audio") is not None)]
                spans = []
                for item in items:
                    rate = self._frame_rate_from_element(item, format_id)
                    start = module.to_rational_time(item.get("offset"), rate)
                    spans.append((start, start + module.to_rational_time(item.get("duration"), rate), item))
                self._spine_key, self._spans = key, spans
                self._starts = [start.to_seconds() for start, _, _ in spans]
            k = bisect.bisect_right(self._starts, trimmed_range.to_seconds() + 1e-9) - 1
            if k >= 0 and self._spans[k][1] > trimmed_range:
                return self._spans[k][2]
            return None

    return Writer


# --- CMX 3600 EDL ----------------------------------------------------------------------------------------------

def timecode_rate(fps: int) -> tuple[int, bool]:
    """The timecode rate the EDL counts in: the smallest SMPTE rate that is a whole multiple of the film's fps
    (each film frame a whole number of timecode frames), else the nearest one (times rounded); and whether
    the times are exact."""
    exact = next((rate for rate in TIMECODE_RATES if rate % fps == 0), None)
    return (exact, True) if exact else (min(TIMECODE_RATES, key=lambda rate: (abs(rate - fps), rate)), False)


def _reel(name: str, used: set[str]) -> str:
    """A reel name CMX 3600 holds: up to 8 capital letters and digits from `name`, unique in this list."""
    base = re.sub(r"[^A-Z0-9]", "", name.upper())[:REEL_LENGTH] or "R"
    reel, number = base, 1
    while reel in used or reel in RESERVED_REELS:
        suffix = str(number)
        reel, number = base[:REEL_LENGTH - len(suffix)] + suffix, number + 1
    used.add(reel)
    return reel


def _retimed(track, fps: int, rate: int, reels: dict, used: set[str]):
    """A copy of `track` in `rate` timecode frames, its cut points the film's rounded to them (exact when `rate`
    is a multiple of fps), each clip with its reel name and source file."""
    import opentimelineio as otio

    def at(frames: float) -> int:
        return round(frames * rate / fps)

    def time(frames: int):
        return otio.opentime.RationalTime(frames, rate)

    copy, position = otio.schema.Track(name=track.name, kind=track.kind), 0
    for child in track:
        length = child.duration().to_frames()
        start, end = at(position), at(position + length)
        position += length
        if not isinstance(child, otio.schema.Clip):
            copy.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(time(0), time(end - start))))
            continue
        url = child.media_reference.target_url
        if url not in reels:
            reels[url] = _reel(Path(url).stem, used)
        source = at(child.source_range.start_time.to_frames())
        available = child.media_reference.available_range
        clip = otio.schema.Clip(
            name=_plain(child.name, COMMENT_LENGTH),
            media_reference=otio.schema.ExternalReference(target_url=url, available_range=otio.opentime.TimeRange(
                time(0), time(max(math.ceil(available.duration.to_frames() * rate / fps), source + end - start)))),
            source_range=otio.opentime.TimeRange(time(source), time(end - start)),
            metadata={"cmx_3600": {"reel": reels[url], "comments": [f"SOURCE FILE: {url}"]}})
        for marker in child.markers:
            clip.markers.append(otio.schema.Marker(
                name=_plain(marker.name, COMMENT_LENGTH), color=marker.color,
                marked_range=otio.opentime.TimeRange(time(at(marker.marked_range.start_time.to_frames())), time(0))))
        copy.append(clip)
    return copy


def edl_text(timeline, plan: dict) -> str:
    """A CMX 3600 EDL by the cmx_3600 adapter (Avid style): the picture as V events, with speech each line's
    recording as an A event after them; reels of 8 letters and digits; `* FROM CLIP NAME:` the shot (or line),
    `* FROM CLIP:` and `* SOURCE FILE:` its file, `* LOC:` its lines and the scene it starts; NOTE comments at
    the end say what the list leaves out."""
    import opentimelineio as otio

    fps = plan["fps"]
    rate, exact = timecode_rate(fps)
    cut = timeline.deepcopy()
    _scenes_on_clips(cut, fcpxml=False)
    reels: dict[str, str] = {}
    used: set[str] = set()
    edl = otio.schema.Timeline(name=_plain(timeline.name, TITLE_LENGTH) or "film")
    edl.tracks.append(_retimed(cut.video_tracks()[0], fps, rate, reels, used))
    sound = [_retimed(track, fps, rate, reels, used) for track in cut.audio_tracks()[:1]]
    edl.tracks.extend(sound)
    module = adapter("cmx_3600")
    text = otio.adapters.write_to_string(edl, "cmx_3600", rate=rate, style="avid", reelname_len=REEL_LENGTH)
    text = text.replace("\n\n", "\nFCM: NON-DROP FRAME\n\n", 1)
    pictures = len(edl.tracks[0].find_clips())
    lines = len(sound[0].find_clips()) if sound else 0
    if lines:  # the adapter writes one track at a time: the sound's events follow the picture's, numbered on
        writer = module.EDLWriter(edl.tracks, rate, "avid", REEL_LENGTH)
        events = writer.get_content_for_track_at_index(1, title=None)
        text += re.sub(r"^(\d+)(?=  )", lambda m: f"{int(m.group(1)) + pictures:03d}", events, flags=re.MULTILINE)
    return text + "".join(f"* NOTE: {note}\n" for note in _notes(fps, rate, exact, pictures, lines, bool(sound)))


def _notes(fps: int, rate: int, exact: bool, pictures: int, lines: int, speech: bool) -> list[str]:
    notes = ["CMX 3600 HOLDS ONE PICTURE TRACK AND ITS SOUND. LEFT OUT HERE:",
             "EACH SCENE'S LENGTH (A SCENE IS A GREEN LOC ON ITS FIRST CLIP),",
             "THE LOCATORS' LENGTHS AND THE CLIPS' SCRIPTAGENT METADATA (SEE FILM.OTIO),"]
    notes.append("AND FILM.MP4'S MIXED SOUND: EACH RECORDED LINE IS AN A EVENT INSTEAD." if speech and lines else
                 "AND FILM.MP4'S SOUND, IF ANY: NO RECORDED LINES TO PLACE, THE PICTURE ONLY.")
    if rate != fps:
        notes.append(f"TIMECODE AT {rate} FPS: THE FILM'S {fps} FPS HAS NO SMPTE TIMECODE; " +
                     (f"EACH FILM FRAME IS {rate // fps} TIMECODE FRAMES." if exact else
                      "CUTS ARE ROUNDED TO THE NEAREST TIMECODE FRAME."))
    if pictures + lines > MAX_EVENTS:
        notes.append(f"{pictures + lines} EVENTS: NUMBERS PAST {MAX_EVENTS} HAVE FOUR DIGITS.")
    return notes
