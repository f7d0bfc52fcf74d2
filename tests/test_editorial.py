"""Subtitles (film.srt, film.vtt) and the OpenTimelineIO cut (film.otio), checked against the script and plan."""

from __future__ import annotations

import json
from collections import defaultdict

import opentimelineio as otio
import srt
from ruamel.yaml import YAML

from conftest import doit


def test_timeline_clips_follow_the_script_and_subtitles_agree(small):
    doit(small)
    build = small / "build"
    script = YAML(typ="safe").load((small / "script.yaml").read_text())
    plan = json.loads((build / "plan.json").read_text())
    fps = plan["fps"]
    timeline = otio.adapters.read_from_file(str(build / "film.otio"))
    clips = list(timeline.video_tracks()[0].find_clips())

    # one clip per shot (a shot split across renders: one per part), named by the shot id, in script order
    shots = [shot for scene in script["scenes"] for shot in scene["shots"]]
    assert list(dict.fromkeys(clip.name for clip in clips)) == [shot["id"] for shot in shots]
    frames_by_shot = defaultdict(int)
    for clip in clips:
        frames_by_shot[clip.name] += clip.source_range.duration.to_frames()
        render = build / clip.media_reference.target_url  # relative to build/
        assert render.is_file()
        available = clip.media_reference.available_range
        assert clip.source_range.end_time_exclusive() <= available.end_time_exclusive()
    for shot in shots:  # durations from the script, within the half frame each cut is rounded by
        assert abs(frames_by_shot[shot["id"]] / fps - shot["duration"]) <= 1 / fps
    assert timeline.duration().to_frames() == plan["frames"]

    # a marker per dialogue line, on its shot's clip, inside the clip
    markers = [(clip.name, marker) for clip in clips for marker in clip.markers]
    lines = [(shot["id"], line) for shot in shots for line in shot.get("dialogue", [])]
    assert [(name, m.name.split(": ", 1)[1]) for name, m in markers] == [(s, line["line"]) for s, line in lines]
    for clip in clips:
        for marker in clip.markers:
            assert clip.source_range.contains(marker.marked_range.start_time)

    # a marker per scene on the video track, over the whole film here (one scene); it survives a round trip
    again = otio.adapters.read_from_string(otio.adapters.write_to_string(timeline, "otio_json"))
    for cut in (timeline, again):
        (scene_marker,) = cut.video_tracks()[0].markers
        scene = script["scenes"][0]
        assert scene_marker.name == f"{scene['id']}: {scene['setting']}"
        assert scene_marker.metadata["scriptagent"] == {"scene": scene["id"]}
        assert scene_marker.marked_range.start_time.to_frames() == 0
        assert scene_marker.marked_range.duration.to_frames() == plan["frames"]

    # film.srt and film.vtt: the same cues at the plan's times
    cues = list(srt.parse((build / "film.srt").read_text()))
    assert [(round(c.start.total_seconds(), 3), round(c.end.total_seconds(), 3)) for c in cues] == \
        [(line["start"], line["end"]) for line in plan["dialogue"]]
    vtt = (build / "film.vtt").read_text()
    assert vtt.startswith("WEBVTT\n\n")
    vtt_times = [line.split(" --> ") for line in vtt.splitlines() if " --> " in line]
    assert [(a.replace(".", ","), b.replace(".", ",")) for a, b in vtt_times] == \
        [(srt.timedelta_to_srt_timestamp(c.start), srt.timedelta_to_srt_timestamp(c.end)) for c in cues]
