"""The editing room: subtitles (film.srt, film.vtt), the cut as an OpenTimelineIO timeline (film.otio), and the
film's scenes as spans of it (`film_scenes`, which plan.json, the report and `scriptagent plan` share).

Everything here reads the plan (build/plan.json, film-time dialogue) and the segment files (which render holds
which frames of which shot), so the subtitles, the timeline and the mixed speech all use the same times.
"""

from __future__ import annotations

from datetime import timedelta

from .plan import Segment


def film_scenes(segments: list[Segment]) -> list[dict]:
    """The film's scenes in film order, read from its segments (a segment never holds two scenes): per scene its
    `number` (1, 2, ...), `id`, `setting`, `first_frame` and `frames` in the film, `fps`, the `shots` it shows (ids,
    once each, a split shot too) and its `segments` (ids). The scenes tile the film: each starts where the last
    ends."""
    scenes: list[dict] = []
    for segment in segments:
        if not scenes or scenes[-1]["id"] != segment.scene_id:
            first = segment.first_frame if not scenes else scenes[-1]["first_frame"] + scenes[-1]["frames"]
            scenes.append({"number": len(scenes) + 1, "id": segment.scene_id, "setting": segment.setting,
                           "first_frame": first, "frames": 0, "fps": segment.fps, "shots": [], "segments": []})
        scene = scenes[-1]
        scene["frames"] += segment.frames
        scene["segments"].append(segment.id)
        scene["shots"] += [p.shot.id for p in segment.shots if p.shot.id not in scene["shots"]]
    return scenes


def clock(seconds: float) -> str:
    """A place in the film as minutes and seconds: 83.5 -> '1:23.50'."""
    minutes, rest = divmod(round(seconds * 100), 6000)
    return f"{minutes}:{rest / 100:05.2f}"


def _subtitles(lines: list[dict]):
    import srt

    return [srt.Subtitle(index=n, start=timedelta(seconds=line["start"]), end=timedelta(seconds=line["end"]),
                         content=f"{line['name']}: {line['line']}") for n, line in enumerate(lines, 1)]


def srt_text(lines: list[dict]) -> str:
    """SubRip subtitles of the plan's dialogue (film seconds), one cue per line: `Name: line`."""
    import srt

    return srt.compose(_subtitles(lines), reindex=False)


def vtt_text(lines: list[dict]) -> str:
    """WebVTT subtitles: the same cues as the SubRip file, with WebVTT's header and `.` before the milliseconds."""
    import srt

    cues = [f"{srt.timedelta_to_srt_timestamp(cue.start).replace(',', '.')} --> "
            f"{srt.timedelta_to_srt_timestamp(cue.end).replace(',', '.')}\n{cue.content}\n"
            for cue in _subtitles(lines)]
    return "WEBVTT\n\n" + "\n".join(cues)


def otio_text(plan: dict, segments: list[Segment], render_path, speech_path=None, speech_seconds=None) -> str:
    """The cut as OpenTimelineIO JSON (see otio_timeline)."""
    import opentimelineio as otio

    return otio.adapters.write_to_string(otio_timeline(plan, segments, render_path, speech_path, speech_seconds),
                                         "otio_json")


def otio_timeline(plan: dict, segments: list[Segment], render_path, speech_path=None, speech_seconds=None):
    """The cut as an OpenTimelineIO timeline: a video track with one clip per shot (per part for a shot split
    across renders), named by the shot id, whose source is its render and the frames of the shot in it; a marker
    per dialogue line on the clip where it starts; a marker per scene on the video track, over the scene's span
    (named `id: setting`, metadata {"scriptagent": {"scene": id}}). With speech, an audio track places each line's
    recording. Every time is in frames of the film's fps, and every media reference has its available range (a
    render's frames; a recording's length, `speech_seconds(line_id)`, rounded up to a frame).

    `render_path(segment_id)` and `speech_path(line_id)` give the media paths as the timeline should name them.
    """
    import math

    import opentimelineio as otio

    fps = plan["fps"]
    timeline = otio.schema.Timeline(name=plan["title"])
    timeline.global_start_time = otio.opentime.RationalTime(0, fps)
    video = otio.schema.Track(name="picture", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(video)
    lines_by_shot: dict[str, list[dict]] = {}
    for line in plan["dialogue"]:
        lines_by_shot.setdefault(line["shot"], []).append(line)

    def frames(seconds: float) -> int:
        return round(seconds * fps)

    for segment in segments:
        reference = otio.schema.ExternalReference(
            target_url=str(render_path(segment.id)),
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps),
                                                    otio.opentime.RationalTime(segment.frames, fps)))
        # offset: the shot_part's first frame in its render
        for offset, shot_part in zip(segment.part_starts(), segment.shots):
            clip = otio.schema.Clip(
                name=shot_part.shot.id, media_reference=reference.clone(),
                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(offset, fps),
                                                     otio.opentime.RationalTime(shot_part.frames, fps)),
                metadata={"scriptagent": {"shot": shot_part.shot.id, "scene": shot_part.scene_id, "segment": segment.id,
                                          "part": shot_part.part, "parts": shot_part.parts,
                                          "shot_size": shot_part.shot.shot_size.value}})
            film_start = segment.first_frame + offset  # this shot_part's first frame in the film
            for line in lines_by_shot.get(shot_part.shot.id, []):
                start = frames(line["start"]) - film_start
                if not 0 <= start < shot_part.frames:
                    continue  # the line starts in another part of the shot
                clip.markers.append(otio.schema.Marker(
                    name=f"{line['name']}: {line['line']}",
                    marked_range=otio.opentime.TimeRange(
                        otio.opentime.RationalTime(offset + start, fps),
                        otio.opentime.RationalTime(max(1, frames(line["end"]) - frames(line["start"])), fps)),
                    metadata={"scriptagent": {"line": line.get("id", ""), "speaker": line["speaker"]}}))
            video.append(clip)
    for scene in film_scenes(segments):  # on the track, in its time: where each scene starts in the film
        video.markers.append(otio.schema.Marker(
            name=f"{scene['id']}: {scene['setting']}",
            marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(scene["first_frame"], fps),
                                                 otio.opentime.RationalTime(scene["frames"], fps)),
            color=otio.schema.MarkerColor.GREEN,
            metadata={"scriptagent": {"scene": scene["id"]}}))
    if speech_path is not None:
        audio = otio.schema.Track(name="dialogue", kind=otio.schema.TrackKind.Audio)
        position = 0
        for line in plan["dialogue"]:
            start, length = frames(line["start"]), max(1, frames(line["end"]) - frames(line["start"]))
            if start > position:
                audio.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                    duration=otio.opentime.RationalTime(start - position, fps))))
            recorded = math.ceil(speech_seconds(line["id"]) * fps - 1e-6) if speech_seconds else length
            audio.append(otio.schema.Clip(
                name=line["id"], media_reference=otio.schema.ExternalReference(
                    target_url=str(speech_path(line["id"])),
                    available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps),
                                                            otio.opentime.RationalTime(max(recorded, length), fps))),
                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps),
                                                     otio.opentime.RationalTime(length, fps))))
            position = max(position, start) + length
        timeline.tracks.append(audio)
    return timeline
