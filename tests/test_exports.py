"""The cut for editors' software (exports.py): build/film.fcpxml and build/film.edl, read back with the same
OpenTimelineIO adapters that wrote them and with a plain XML parser / line parser, against the plan."""

from __future__ import annotations

import json
import re
import shutil
from fractions import Fraction
from xml.etree import ElementTree

import opentimelineio as otio
import pytest
from conftest import SMALL_PRODUCTION, doit, make_production

from scriptagent.exports import _reel, edl_text, timecode_rate

EVENT = re.compile(r"^(\d{3,})  (.{8}) (V|A)\s+C\s+(\d\d:\d\d:\d\d:\d\d) (\S+) (\S+) (\S+)$")


@pytest.fixture(scope="module", params=["silent", "spoken"])
def built(request, tmp_path_factory):
    if request.param == "spoken" and shutil.which("espeak-ng") is None:
        pytest.skip("the espeak-ng program is not installed")
    text = SMALL_PRODUCTION + ("voice: {backend: espeak, words_per_minute: 170}\n" if request.param == "spoken" else "")
    folder = make_production(tmp_path_factory.mktemp(request.param) / "film", text=text)
    doit(folder)
    build = folder / "build"
    return build, json.loads((build / "plan.json").read_text())


def cut_points(plan: dict) -> list[int]:
    """Where the film cuts, in frames: each shot's start and each render's (a split shot's part), and its end."""
    fps = plan["fps"]
    return sorted({round(shot["start"] * fps) for shot in plan["shots"]}
                  | {segment["first_frame"] for segment in plan["segments"]} | {plan["frames"]})


def seconds(value: str) -> Fraction:
    """An FCPXML time: '17/8s', '3s'."""
    return Fraction(value.removesuffix("s"))


def frames_of(timecode: str, rate: int) -> int:
    hours, minutes, secs, frames = (int(part) for part in timecode.split(":"))
    return ((hours * 60 + minutes) * 60 + secs) * rate + frames


def test_every_media_reference_of_the_timeline_has_its_range_at_the_films_rate(built):
    build, plan = built
    timeline = otio.adapters.read_from_file(str(build / "film.otio"))
    clips = [clip for track in timeline.tracks for clip in track.find_clips()]
    assert len(clips) >= len(cut_points(plan)) - 1
    for clip in clips:  # the recordings' too (the FCPXML adapter needs them)
        available = clip.media_reference.available_range
        assert available is not None and available.start_time.to_frames() == 0
        assert {clip.source_range.start_time.rate, clip.source_range.duration.rate, available.duration.rate} == \
            {plan["fps"]}
        assert clip.source_range.end_time_exclusive() <= available.end_time_exclusive()


def test_fcpxml_holds_the_plans_cut(built):
    build, plan = built
    fps, cuts = plan["fps"], cut_points(plan)
    root = ElementTree.parse(build / "film.fcpxml").getroot()  # well-formed
    assert root.tag == "fcpxml" and root.get("version") == "1.8"
    (fmt,) = root.findall("resources/format")
    assert seconds(fmt.get("frameDuration")) == Fraction(1, fps)
    assert (int(fmt.get("width")), int(fmt.get("height"))) == tuple(plan["resolution"])
    assets = {asset.get("id"): asset for asset in root.iter("asset")}
    sequence = root.find("project/sequence")
    assert seconds(sequence.get("duration")) * fps == plan["frames"]
    clips = list(sequence.find("spine"))
    assert [clip.tag for clip in clips] == ["clip"] * (len(cuts) - 1)
    assert [seconds(clip.get("offset")) * fps for clip in clips] == cuts[:-1]
    assert [seconds(clip.get("duration")) * fps for clip in clips] == [b - a for a, b in zip(cuts, cuts[1:])]
    for clip in clips:  # each from its render, inside it
        asset = assets[clip.find("video").get("ref")]
        assert re.fullmatch(r"renders/[a-z0-9_-]+\.mp4", asset.get("src")) and (build / asset.get("src")).is_file()
        assert seconds(clip.get("start", "0s")) + seconds(clip.get("duration")) <= seconds(asset.get("duration"))
    assert sum(len(clip.findall("marker")) for clip in clips) == len(plan["dialogue"])
    assert sum(len(clip.findall("chapter-marker")) for clip in clips) == len(plan["scenes"])
    lines = [(clip, line) for clip in clips for line in clip.findall("clip[@lane='-1']")]
    assert len(lines) == (len(plan["dialogue"]) if (build / "speech").is_dir() else 0)
    for (clip, line), spoken in zip(lines, plan["dialogue"]):  # each recording where the plan says it is said
        at = seconds(clip.get("offset")) + seconds(line.get("offset")) - seconds(clip.get("start", "0s"))
        assert (line.get("name"), at * fps) == (spoken["id"], round(spoken["start"] * fps))
        src = assets[line.find("gap/audio").get("ref")].get("src")
        assert src == f"speech/{spoken['id']}.wav" and (build / src).is_file()


def test_fcpxml_reads_back_with_its_adapter(built):
    build, plan = built
    fps, cuts = plan["fps"], cut_points(plan)
    timeline = otio.adapters.read_from_file(str(build / "film.fcpxml"))
    original = otio.adapters.read_from_file(str(build / "film.otio"))
    (video,) = timeline.video_tracks()
    clips = list(video.find_clips())
    assert [clip.name for clip in clips] == [clip.name for clip in original.video_tracks()[0].find_clips()]
    assert [video.range_of_child(clip).start_time.to_frames() for clip in clips] == cuts[:-1]
    assert video.duration().to_frames() == plan["frames"] and video.duration().rate == fps
    assert all((build / clip.media_reference.target_url).is_file() for clip in clips)
    spoken = [clip for track in timeline.audio_tracks() for clip in track.find_clips()]
    assert [clip.name for clip in spoken] == ([line["id"] for line in plan["dialogue"]]
                                              if (build / "speech").is_dir() else [])


def test_edl_holds_the_plans_cut(built):
    build, plan = built
    fps, cuts = plan["fps"], cut_points(plan)
    rate, exact = timecode_rate(fps)
    assert exact and rate % fps == 0
    scale = rate // fps
    text = (build / "film.edl").read_text(encoding="ascii")  # plain ASCII
    lines = text.splitlines()
    assert lines[:2] == [f"TITLE: {plan['title']}", "FCM: NON-DROP FRAME"]
    events, comments = [], {}
    for line in lines[2:]:
        if match := EVENT.match(line):
            events.append(match.groups())
        elif line:
            assert line.startswith("* "), line
            comments.setdefault(len(events), []).append(line)
    assert [int(event[0]) for event in events] == list(range(1, len(events) + 1))
    pictures = [event for event in events if event[2] == "V"]
    sounds = [event for event in events if event[2] == "A"]
    assert events == pictures + sounds and len(pictures) == len(cuts) - 1

    def span(event) -> tuple[int, int, int, int]:
        return tuple(frames_of(timecode, rate) for timecode in event[3:])

    record = [span(event)[2:] for event in pictures]
    assert [start for start, _ in record] == [cut * scale for cut in cuts[:-1]]
    assert all(out == following for (_, out), (following, _) in zip(record, record[1:]))  # continuous
    assert record[-1][1] == plan["frames"] * scale
    files = {}
    for number, event in enumerate(events, 1):
        source_in, source_out, record_in, record_out = span(event)
        assert source_out - source_in == record_out - record_in > 0
        reel = event[1].rstrip()
        assert re.fullmatch(r"[A-Z0-9]{1,8}", reel) and reel not in {"AX", "BL", "BLACK", "BARS"}
        notes = comments[number]
        (name,) = [note for note in notes if note.startswith("* FROM CLIP NAME:  ")]
        assert re.fullmatch(r"\* FROM CLIP NAME:  [a-z0-9_-]+(\.\d+)?", name)  # a shot's id (a line's: .n)
        (path,) = [note.removeprefix("* FROM CLIP: ") for note in notes if note.startswith("* FROM CLIP: ")]
        assert f"* SOURCE FILE: {path}" in notes and (build / path).is_file()
        assert path.startswith("renders/" if event[2] == "V" else "speech/")
        assert files.setdefault(reel, path) == path  # one reel, one file
    assert len(set(files.values())) == len(files)
    assert len(sounds) == (len(plan["dialogue"]) if (build / "speech").is_dir() else 0)
    for event, line in zip(sounds, plan["dialogue"]):
        assert span(event)[2] == round(line["start"] * fps) * scale
    notes = [line for line in lines if line.startswith("* NOTE: ")]
    assert "CMX 3600 HOLDS ONE PICTURE TRACK" in notes[0] and lines[-len(notes):] == notes
    assert any(f"TIMECODE AT {rate} FPS" in note for note in notes) == (rate != fps)


def test_edl_reads_back_with_its_adapter(built):
    build, plan = built
    fps, cuts = plan["fps"], cut_points(plan)
    rate, _ = timecode_rate(fps)
    timeline = otio.adapters.read_from_file(str(build / "film.edl"), rate=rate)
    video = timeline.video_tracks()[0]
    clips = list(video.find_clips())
    assert [video.range_of_child(clip).start_time.to_frames() * fps // rate for clip in clips] == cuts[:-1]
    assert [clip.name for clip in clips] == \
        [clip.name for clip in otio.adapters.read_from_file(str(build / "film.otio")).video_tracks()[0].find_clips()]
    assert all((build / clip.media_reference.target_url).is_file() for clip in clips)
    spoken = [clip.name for track in timeline.audio_tracks() for clip in track.find_clips()]
    assert spoken == ([line["id"] for line in plan["dialogue"]] if (build / "speech").is_dir() else [])


def test_the_exports_are_stitch_targets_written_whole(built):
    build, _ = built
    assert not [path.name for path in build.iterdir() if path.name.startswith(".") and ".tmp" in path.name]
    listing = doit(build.parent, "info", "stitch").stdout
    assert "build/film.fcpxml" in listing and "build/film.edl" in listing


def test_timecode_rates_and_reel_names():
    assert [timecode_rate(fps) for fps in (24, 12, 8, 25, 5, 15, 30, 16, 48, 60)] == \
        [(24, True), (24, True), (24, True), (25, True), (25, True), (30, True), (30, True), (48, True), (48, True),
         (60, True)]
    assert timecode_rate(7) == (24, False) and timecode_rate(59) == (60, False)
    used: set[str] = set()
    assert [_reel(name, used) for name in ("sh01-p1", "sh01p1", "bl", "scene12-shot045-p2", "scene12-shot045-p3",
                                           "sh02.1", "---")] == \
        ["SH01P1", "SH01P11", "BL1", "SCENE12S", "SCENE121", "SH021", "R"]


def test_an_fps_without_timecode_rounds_cuts_and_says_so():
    fps = 7
    timeline = otio.schema.Timeline(name="Café – rate")  # a title beyond ASCII too
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for number, length in enumerate((5, 9, 3)):
        reference = otio.schema.ExternalReference(
            target_url=f"renders/s{number}.mp4",
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps),
                                                    otio.opentime.RationalTime(length, fps)))
        track.append(otio.schema.Clip(name=f"s{number}", media_reference=reference,
                                      source_range=reference.available_range))
    text = edl_text(timeline, {"fps": fps})
    assert text.startswith("TITLE: Cafe rate\nFCM: NON-DROP FRAME\n")
    record = [(frames_of(m.group(6), 24), frames_of(m.group(7), 24)) for m in map(EVENT.match, text.splitlines()) if m]
    assert record == [(0, 17), (17, 48), (48, 58)]  # cuts at 5, 14 and 17 frames of 7 fps, in 24 fps: rounded
    assert "CUTS ARE ROUNDED TO THE NEAREST TIMECODE FRAME" in text
