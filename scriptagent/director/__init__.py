"""DirectorAgent: splits the script into render segments and renders them with first-last frame anchoring.

Segments follow shot boundaries and fit `director.max_segment_seconds`; a longer shot is split into
continuation parts. A segment's id derives from its first shot's id, so edits elsewhere never rename it.
In `chain` mode (the paper's method) each segment is conditioned on the previous segment's last frame; the
chain restarts at every scene, since a new place should not inherit the last one's picture. In `keyframe` mode
every segment starts from a keyframe, its opening picture, made first from the shot's visual fields only (not its
dialogue), and a part of a split shot ends on the keyframe the next part starts from; so an edit re-renders only
the segments whose keyframes or own shots changed. Backends that cannot draw an opening picture themselves
(image-to-video models) get a keyframe for every segment that has no previous render to start from.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sys
from fractions import Fraction

from pathlib import Path
from typing import ClassVar, Protocol

from ..cache import artifact_key
from ..registry import RENDERERS, backend_class
from ..errors import InputError, Problem
from ..layout import SCRIPT_FILE
from ..plan import (Keyframe, KeyframeShot, Segment, SegmentCastMember, SegmentShot, TimedLine, cast_references,
                    place_in_film)
from ..schema import Anchoring, Production, Script
from ..timing import line_timings
from ..voice import line_id, spoken_timings

class Renderer(Protocol):
    """What a director backend is. What differs per backend is here, so nothing else asks for a backend by name.
    The class attributes and class methods are read while planning: they load no model."""

    version: ClassVar[str]  # raise it when the same segment draws different pixels (the render cache's key)
    slate_shows_shot_ids: ClassVar[bool]  # the picture shows shot ids: a renamed shot is a new picture
    needs_opening_image: ClassVar[bool]  # every segment starts from a picture (image-to-video models)
    calibrated: ClassVar[bool]  # its memory and time are measured by `scriptagent calibrate` (GPU models)
    burns_subtitles: ClassVar[bool]  # with style.subtitles, the lines are drawn into the picture

    def __init__(self, config: dict): ...

    @classmethod
    def keyframe_settings(cls, director: dict) -> dict:
        """The director settings a keyframe picture depends on, with the backend that draws it."""

    @classmethod
    def geometry(cls, director: dict, segment: Segment) -> tuple[str, int, int, tuple[int, int]]:
        """(model, frames the model renders, its frame rate, its size) for a segment, from config files only."""

    @classmethod
    def no_closing_image(cls, director: dict) -> str | None:
        """Why a segment cannot be made to end on a given picture (keyframe mode's split shots), or None."""

    def render(self, segment: Segment, root: Path, anchor: Path | None, video: Path, first_frame: Path,
               last_frame: Path, end_anchor: Path | None = None) -> None: ...

    def keyframe(self, keyframe: Keyframe, root: Path, out: Path) -> None: ...


def renderer_class(name: str) -> type[Renderer]:
    return backend_class(RENDERERS, name, "director.backend")


@functools.lru_cache(maxsize=4)
def _cached_renderer(name: str, config_json: str):
    return renderer_class(name)(json.loads(config_json))


def load_renderer(config: dict):
    """One renderer per backend configuration and process: model weights are loaded once, not per segment."""
    return _cached_renderer(config["backend"], json.dumps(config, sort_keys=True))


def slate_shows_ids(segment: Segment) -> bool:
    """Whether the segment's picture shows its shot ids (the animatic's slate), so a renamed shot must re-render."""
    return segment.slate and renderer_class(segment.director.get("backend", "animatic")).slate_shows_shot_ids


def render_key(segment: Segment, root: Path, anchor: Path | None, end_anchor: Path | None) -> str:
    """The render cache's key of a segment: what its picture depends on (see Segment.render_data) and the bytes of
    the images it reads (anchor, closing keyframe, cast references); never its place in the film."""
    references = cast_references(segment.cast)
    drawn = segment.render_data(slate_shows_ids(segment))
    for name in getattr(renderer_class(segment.director.get("backend", "animatic")), "untracked_settings", ()):
        drawn["director"].pop(name, None)  # how a hosted model is reached (its timeout, ...): not the picture
    data = {"segment": drawn, "references": references,
            "anchor": anchor is not None, "end_anchor": end_anchor is not None}
    if data["segment"]["director"].get("audio") == "mix":  # the same render as `model`: only the stitch differs
        data["segment"]["director"]["audio"] = "model"
    files = [path for path in (anchor, end_anchor) if path is not None] + [Path(root) / r for r in references]
    return artifact_key("render", data, files)


def keyframe_key(keyframe: Keyframe, root: Path) -> str:
    """The render cache's key of a keyframe picture: its visual fields, settings and cast references' bytes."""
    references = cast_references(keyframe.cast)
    return artifact_key("keyframe", {"keyframe": keyframe.render_data(), "references": references},
                        [Path(root) / r for r in references])


def render_geometry(director: dict, segment: Segment) -> tuple[str, int, int, tuple[int, int]]:
    return renderer_class(director.get("backend", "animatic")).geometry(director, segment)


def anchor_text(segment: Segment) -> str:
    """What a segment starts (and ends) from, for the plan table."""
    if segment.anchor_segment:
        return f"{segment.anchor_segment} (last frame)"
    if segment.start_keyframe:
        text = f"keyframe {segment.start_keyframe}"
        return text + f" -> {segment.end_keyframe}" if segment.end_keyframe else text
    return "-"


def plan_segments(production: Production, script: Script, spoken: dict[str, float] | None = None) -> list[Segment]:
    """The render segments of a script, in film order. `spoken`: the recorded length of each line (by line id)
    when speech is on; the lines are then timed by their recordings (see voice.fit_shots_to_speech)."""
    fps = production.style.fps
    director = production.director
    max_frames = max(1, math.floor(director.max_segment_seconds * fps + 1e-6))
    rate = production.scripter.words_per_second
    version = renderer_class(director.backend).version
    opening_images = renderer_class(director.backend).needs_opening_image
    check = getattr(renderer_class(director.backend), "settings_problem", None)  # a backend's own, before rendering
    if check and check(director.model_dump(mode="json")):
        raise InputError(check(director.model_dump(mode="json")))

    # 1. Frames per shot from the shot's own duration (exactly, as the decimal it is written as), so the film's
    #    length is the sum of its shots and lengthening one shot moves no frame of any other.
    parts_by_scene: list[tuple[str, str, list[list[SegmentShot]]]] = []
    for scene_index, scene in enumerate(script.scenes):
        groups: list[list[SegmentShot]] = []  # each group becomes one segment
        closed = True  # whether the last group takes no more shots
        for shot_index, shot in enumerate(scene.shots):
            frames = round(Fraction(str(shot.duration)) * fps)
            if frames < 1:
                raise InputError(Problem(SCRIPT_FILE, f"{shot.duration} s is shorter than one frame at {fps} fps",
                                         field=f"scenes[{scene_index}].shots[{shot_index}].duration"))
            timings = spoken_timings([spoken[line_id(shot.id, i)] for i in range(len(shot.dialogue))],
                                     shot.duration) if spoken is not None else line_timings(shot, rate)
            subtitles = [TimedLine(speaker=line.speaker, name=_name(script, line.speaker), line=line.line,
                                   start=round(start, 3), end=round(end, 3))
                         for line, (start, end) in zip(shot.dialogue, timings)]
            parts = math.ceil(frames / max_frames)
            bounds = [round(k * frames / parts) for k in range(parts + 1)]
            shot_parts = [SegmentShot(shot=shot, scene_id=scene.id, frames=bounds[k + 1] - bounds[k], shot_frames=frames,
                                  offset_frames=bounds[k], part=k + 1, parts=parts, subtitles=subtitles)
                      for k in range(parts)]
            # 2. Pack whole shots into the open segment while they fit; split shots stand alone. A segment also
            #    closes after a shot whose content says so (content-defined boundaries, as rsync chunks files), so
            #    after an edit the packing falls back into step at the next such shot: an edit changes only the
            #    segments around it, never every later one.
            open_group = None if closed or not groups else groups[-1]
            if (parts == 1 and director.pack_shots and open_group and open_group[-1].parts == 1
                    and sum(p.frames for p in open_group) + frames <= max_frames):
                open_group.append(shot_parts[0])
            else:
                groups.extend([shot_part] for shot_part in shot_parts)
            closed = parts > 1 or _closes_segment(shot)
        parts_by_scene.append((scene.id, scene.setting, groups))

    # 3. Segments with their anchor and exactly the data their render reads.
    segments: list[Segment] = []
    cast = {member.id: member for member in production.cast}
    for scene_id, setting, groups in parts_by_scene:
        previous_id = None
        for group in groups:
            head = group[0]
            segment_id = head.shot.id if head.parts == 1 else f"{head.shot.id}-p{head.part}"
            people = []
            for shot_part in group:
                people += [c.id for c in shot_part.shot.characters] + [line.speaker for line in shot_part.shot.dialogue]
            segment = Segment(
                id=segment_id, scene_id=scene_id, setting=setting, frames=sum(p.frames for p in group), fps=fps,
                resolution=production.style.resolution,
                look=production.style.look, slate=production.style.slate, subtitles=production.style.subtitles,
                seed=production.seed, anchoring=director.anchoring,
                anchor_segment=previous_id if director.anchoring == Anchoring.chain else None,
                start_keyframe=segment_id if (director.anchoring == Anchoring.keyframe or
                                              (opening_images and not (director.anchoring == Anchoring.chain
                                                                       and previous_id))) else None,
                shots=group,
                cast={cid: SegmentCastMember(name=_name(script, cid), appearance=_appearance(script, cid),
                                             reference=cast[cid].reference if cid in cast else None)
                      for cid in dict.fromkeys(people)},
                director=director.model_dump(mode="json"), renderer_version=version)
            segments.append(segment)
            previous_id = segment_id
    place_in_film(segments)  # for the plan's timeline only: segment files never hold it
    # 4. Keyframe mode: a split shot has no cut between its parts, so a part ends where the next one starts,
    #    when the model can be given a closing picture (else the part ends free, and depends on no second keyframe).
    continued = [(segment, following) for segment, following in zip(segments, segments[1:])
                 if following.shots[0].part > 1]
    if director.anchoring == Anchoring.keyframe and continued:
        reason = renderer_class(director.backend).no_closing_image(director.model_dump(mode="json"))
        if reason:
            print(f"director: {reason}; the parts of a split shot end free, not on the next part's keyframe",
                  file=sys.stderr)
        for segment, following in continued if not reason else []:
            segment.end_keyframe = following.start_keyframe
    return segments


def _closes_segment(shot) -> bool:
    """A content-defined segment boundary after about every second shot: from what the shot shows and says,
    not its id or duration, so renames and retimings never move it."""
    text = json.dumps([shot.description, [line.line for line in shot.dialogue]], ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()[0] % 2 == 0


def plan_keyframes(segments: list[Segment]) -> list[Keyframe]:
    """The keyframes the segments start from, each holding exactly what its picture depends on."""
    keyframes = []
    for segment in segments:
        if not segment.start_keyframe:
            continue
        shot_part = segment.shots[0]
        shot = shot_part.shot
        in_frame = [c.id for c in shot.characters]
        speakers = [line.speaker for line in shot.dialogue if not line.off_screen and line.speaker in in_frame]
        settings = renderer_class(segment.director["backend"]).keyframe_settings(segment.director)
        keyframes.append(Keyframe(
            id=segment.start_keyframe, scene_id=segment.scene_id, setting=segment.setting,
            shot=KeyframeShot(id=shot.id, shot_size=shot.shot_size, angle=shot.angle,
                              camera_movement=shot.camera_movement, description=shot.description,
                              characters=shot.characters, speakers=list(dict.fromkeys(speakers))),
            shot_frame=shot_part.offset_frames, shot_frames=shot_part.shot_frames if shot_part.offset_frames else 1,
            fps=segment.fps, resolution=segment.resolution, look=segment.look, seed=segment.seed,
            cast={cid: segment.cast[cid] for cid in in_frame if cid in segment.cast},
            director=settings, renderer_version=renderer_class(settings["backend"]).version))
    return keyframes


def _name(script: Script, cast_id: str) -> str:
    character = script.characters.get(cast_id)
    return character.name if character else cast_id


def _appearance(script: Script, cast_id: str) -> str:
    character = script.characters.get(cast_id)
    return character.appearance if character else ""


def plan_summary(production: Production, script: Script, segments: list[Segment]) -> dict:
    """build/plan.json: the segment table (each segment with its scene), the scenes, and the film timeline (scenes,
    shots and dialogue in film seconds)."""
    from ..editorial import film_scenes

    fps = production.style.fps
    shots, film_lines = [], []
    for segment in segments:
        for offset, shot_part in zip(segment.part_starts(), segment.shots):
            shot_start = (segment.first_frame + offset - shot_part.offset_frames) / fps
            if shot_part.part == 1:
                shots.append({"id": shot_part.shot.id, "scene": shot_part.scene_id, "start": round(shot_start, 4),
                              "duration": round(shot_part.shot_frames / fps, 4), "segment": segment.id})
                film_lines += [{"id": line_id(shot_part.shot.id, index), "shot": shot_part.shot.id, "speaker": line.speaker, "name": line.name, "line": line.line,
                                "start": round(shot_start + line.start, 3), "end": round(shot_start + line.end, 3)}
                               for index, line in enumerate(shot_part.subtitles)]
    total_frames = sum(segment.frames for segment in segments)
    return {
        "title": production.title,
        "fps": fps,
        "resolution": list(production.style.resolution),
        "frames": total_frames,
        "seconds": round(total_frames / fps, 4),
        "scenes": [{"id": scene["id"], "setting": scene["setting"], "start": round(scene["first_frame"] / fps, 4),
                    "duration": round(scene["frames"] / fps, 4), "first_frame": scene["first_frame"],
                    "frames": scene["frames"], "shots": scene["shots"], "segments": scene["segments"]}
                   for scene in film_scenes(segments)],
        "segments": [{"id": s.id, "scene": s.scene_id,
                      "shots": [p.shot.id if p.parts == 1 else f"{p.shot.id} ({p.part}/{p.parts})" for p in s.shots],
                      "frames": s.frames, "seconds": round(s.frames / fps, 4), "first_frame": s.first_frame,
                      "anchor": s.anchor_segment, "start_keyframe": s.start_keyframe,
                      "end_keyframe": s.end_keyframe} for s in segments],
        "shots": shots,
        "dialogue": film_lines,
    }
