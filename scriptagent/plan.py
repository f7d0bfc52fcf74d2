"""The plan's records: what one render, keyframe or spoken line reads (build/segments/<id>.json,
build/keyframes/<id>.json), made by the director from the script, and nothing more, so each file is exactly its
task's dependency."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from .layout import BuildLayout
from .schema import Anchoring, Angle, CameraMovement, Shot, ShotCharacter, ShotSize


class TimedLine(BaseModel):
    speaker: str
    name: str
    line: str
    start: float  # seconds from the start of the shot
    end: float


class SegmentShot(BaseModel):
    """A shot, or the part of it, that a segment shows."""

    shot: Shot
    scene_id: str
    frames: int  # frames of this part in the segment
    shot_frames: int  # frames of the whole shot
    offset_frames: int  # frames of the shot before this part (0 unless a continuation)
    part: int = 1
    parts: int = 1
    subtitles: list[TimedLine] = []


class SegmentCastMember(BaseModel):
    name: str
    appearance: str
    reference: str | None = None


class Segment(BaseModel):
    """Everything a renderer needs for one segment, and nothing more: its JSON file is the render's dependency."""

    id: str
    scene_id: str
    setting: str
    frames: int
    fps: int
    resolution: tuple[int, int]
    look: str
    slate: bool
    subtitles: bool
    seed: int
    anchoring: Anchoring
    anchor_segment: str | None = None  # the segment whose last frame conditions this one (chain mode)
    start_keyframe: str | None = None  # the keyframe this segment starts from (build/keyframes/<id>.png)
    end_keyframe: str | None = None  # the keyframe it ends on: the next part of the same shot starts there
    shots: list[SegmentShot]
    cast: dict[str, SegmentCastMember]
    director: dict  # the backend's settings, so a change re-renders
    renderer_version: str = ""
    # Where the segment starts in the film. Never written to its file: a render depends on its picture, not on
    # its place, so a shot lengthened earlier in the film changes nothing here (see film_segments).
    first_frame: int = Field(0, exclude=True)

    def render_data(self, ids_drawn: bool) -> dict:
        """What the picture depends on, for the render cache's key: everything but names and places (the segment,
        scene and shot ids, which anchor files it reads; their bytes enter the key instead), unless the renderer
        draws the shot ids (the animatic's slate)."""
        data = self.model_dump(mode="json", exclude={"id", "scene_id", "anchor_segment", "start_keyframe",
                                                      "end_keyframe"})
        for shot_part in data["shots"]:
            shot_part.pop("scene_id")
            if not ids_drawn:
                shot_part["shot"].pop("id")
        return data

    def part_starts(self) -> list[int]:
        """Where each of `shots` begins, in frames from the segment's first frame."""
        starts, position = [], 0
        for shot_part in self.shots:
            starts.append(position)
            position += shot_part.frames
        return starts


class KeyframeShot(BaseModel):
    """The fields of a shot that decide its opening picture: no dialogue text, no duration."""

    id: str
    shot_size: ShotSize
    angle: Angle
    camera_movement: CameraMovement
    description: str
    characters: list[ShotCharacter]
    speakers: list[str] = []  # on-screen speakers in order: the camera favours the first


class Keyframe(BaseModel):
    """What one keyframe picture reads, and nothing more: its JSON file is the keyframe task's dependency."""

    id: str  # the segment that starts from it
    scene_id: str
    setting: str
    shot: KeyframeShot
    shot_frame: int  # where in the shot: 0 opens it; a later part of a split shot opens further in
    shot_frames: int  # the shot's length in frames, 1 when shot_frame is 0 (the opening does not depend on it)
    fps: int
    resolution: tuple[int, int]
    look: str
    seed: int
    cast: dict[str, SegmentCastMember]
    director: dict  # only the settings the picture depends on
    renderer_version: str = ""

    def render_data(self) -> dict:
        """What the picture depends on, for the render cache's key: not its id or its scene's."""
        data = self.model_dump(mode="json", exclude={"id", "scene_id"})
        data["shot"].pop("id")
        return data


def planned_ids(build: BuildLayout) -> list[str]:
    """The segments of the last plan, in film order (OSError, ValueError, KeyError or TypeError: none, or damaged)."""
    return [segment["id"] for segment in json.loads(build.plan.read_text(encoding="utf-8"))["segments"]]


def plan_damage(build: BuildLayout) -> str | None:
    """What is wrong with the last plan's records (plan.json, findings.json, each segment's and keyframe's file):
    one line naming the first problem, or None (also when there is no plan yet: the plan task makes one)."""
    if not build.plan.exists():
        return None
    try:
        plan = json.loads(build.plan.read_text(encoding="utf-8"))
        ids = [segment["id"] for segment in plan["segments"]]
        whole = isinstance(plan["dialogue"], list) and plan["frames"] >= 0 and plan["seconds"] >= 0 \
            and all(isinstance(segment_id, str) for segment_id in ids)
    except (OSError, ValueError, KeyError, TypeError):
        whole = False
    if not whole:
        return f"{build.plan} was unreadable"
    problems = [] if isinstance(_read(_json, build.findings), list) else [_unreadable(build.findings)]
    for segment_id in ids:
        segment = _read(read_segment, build, segment_id)
        if segment is None or segment.id != segment_id:
            problems.append(_unreadable(build.segment(segment_id)))
            continue
        for keyframe_id in filter(None, (segment.start_keyframe, segment.end_keyframe)):
            keyframe = _read(read_keyframe, build, keyframe_id)
            if keyframe is None or keyframe.id != keyframe_id:
                problems.append(_unreadable(build.keyframe(keyframe_id, ".json")))
    if not problems:
        return None
    return problems[0] + (f" (and {len(problems) - 1} more of the plan's files)" if len(problems) > 1 else "")


def _read(reader, *args):
    try:
        return reader(*args)
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None


def _json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _unreadable(path) -> str:
    return f"{path} was {'unreadable' if path.exists() else 'missing'}"


def read_segment(build: BuildLayout, segment_id: str) -> Segment:
    return Segment.model_validate_json(build.segment(segment_id).read_text(encoding="utf-8"))


def read_keyframe(build: BuildLayout, keyframe_id: str) -> Keyframe:
    return Keyframe.model_validate_json(build.keyframe(keyframe_id, ".json").read_text(encoding="utf-8"))


def place_in_film(segments: list[Segment]) -> list[Segment]:
    """Set each segment's `first_frame`: the film is the segments one after another."""
    position = 0
    for segment in segments:
        segment.first_frame = position
        position += segment.frames
    return segments


def film_segments(build: BuildLayout, segment_ids: list[str]) -> list[Segment]:
    """The segments of the film in order, read from the plan's files, each with its `first_frame`."""
    return place_in_film([read_segment(build, segment_id) for segment_id in segment_ids])


def cast_references(cast: dict[str, SegmentCastMember]) -> list[str]:
    """The reference images of a segment's or keyframe's cast, each once, sorted."""
    return sorted({member.reference for member in cast.values() if member.reference})
