"""DirectorAgent: splits the script into render segments and renders them with first-last frame anchoring.

Segments follow shot boundaries and fit `director.max_segment_seconds`; a longer shot is split into
continuation parts. A segment's id derives from its first shot's id, so edits elsewhere never rename it.
In `chain` mode (the paper's method) each segment is conditioned on the previous segment's last frame; the
chain restarts at every scene, since a new place should not inherit the last one's picture.
"""

from __future__ import annotations

import functools
import importlib
import json
import math

from ..errors import InputError, Problem, ScriptAgentError
from ..production import (SCRIPT_FILE, Anchoring, Production, Script, Segment, SegmentCastMember, SegmentShot,
                          TimedLine)
from ..timing import line_timings

# name -> "module:Class"; a backend is one file, imported only when used (heavy imports stay lazy)
BACKENDS = {
    "animatic": "scriptagent.director.animatic:AnimaticRenderer",
}


def renderer_class(name: str):
    if name not in BACKENDS:
        raise ScriptAgentError(f"director.backend: unknown '{name}' (known: {', '.join(BACKENDS)})")
    module_name, class_name = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


@functools.lru_cache(maxsize=4)
def _cached_renderer(name: str, config_json: str):
    return renderer_class(name)(json.loads(config_json))


def load_renderer(config: dict):
    """One renderer per backend configuration and process: model weights are loaded once, not per segment."""
    return _cached_renderer(config["backend"], json.dumps(config, sort_keys=True))


def renderer_version(name: str) -> str:
    module_name = BACKENDS[name].split(":")[0]
    return getattr(importlib.import_module(module_name), "RENDERER_VERSION", "")


def words_per_second(production: Production) -> float:
    return getattr(production.scripter, "words_per_second", 2.6)


def plan_segments(production: Production, script: Script) -> list[Segment]:
    """The render segments of a script, in film order."""
    fps = production.style.fps
    director = production.director
    max_frames = max(1, math.floor(director.max_segment_seconds * fps + 1e-6))
    rate = words_per_second(production)
    version = renderer_version(director.backend)

    # 1. Frames per shot from the cumulative timeline, so rounding never drifts: the film has
    #    round(total * fps) frames whatever the shot durations are.
    parts_by_scene: list[tuple[str, str, list[list[SegmentShot]]]] = []
    elapsed = 0.0
    for scene_index, scene in enumerate(script.scenes):
        groups: list[list[SegmentShot]] = []  # each group becomes one segment
        for shot_index, shot in enumerate(scene.shots):
            first = round(elapsed * fps)
            elapsed += shot.duration
            frames = round(elapsed * fps) - first
            if frames < 1:
                raise InputError(Problem(SCRIPT_FILE, f"{shot.duration} s is shorter than one frame at {fps} fps",
                                         field=f"scenes[{scene_index}].shots[{shot_index}].duration"))
            subtitles = [TimedLine(speaker=line.speaker, name=_name(script, line.speaker), line=line.line,
                                   start=round(start, 3), end=round(end, 3))
                         for line, (start, end) in zip(shot.dialogue, line_timings(shot, rate))]
            parts = math.ceil(frames / max_frames)
            bounds = [round(k * frames / parts) for k in range(parts + 1)]
            pieces = [SegmentShot(shot=shot, scene_id=scene.id, frames=bounds[k + 1] - bounds[k], shot_frames=frames,
                                  offset_frames=bounds[k], part=k + 1, parts=parts, subtitles=subtitles)
                      for k in range(parts)]
            # 2. Pack whole shots into the open segment while they fit; split shots stand alone.
            open_group = groups[-1] if groups else None
            if (parts == 1 and director.pack_shots and open_group and open_group[-1].parts == 1
                    and sum(p.frames for p in open_group) + frames <= max_frames):
                open_group.append(pieces[0])
            else:
                groups.extend([piece] for piece in pieces)
        parts_by_scene.append((scene.id, scene.setting, groups))

    # 3. Segments with their anchor and exactly the data their render reads.
    segments: list[Segment] = []
    first_frame = 0
    cast = {member.id: member for member in production.cast}
    for scene_id, setting, groups in parts_by_scene:
        previous_id = None
        for group in groups:
            head = group[0]
            segment_id = head.shot.id if head.parts == 1 else f"{head.shot.id}-p{head.part}"
            people = []
            for piece in group:
                people += [c.id for c in piece.shot.characters] + [line.speaker for line in piece.shot.dialogue]
            segment = Segment(
                id=segment_id, index=len(segments), scene_id=scene_id, setting=setting, first_frame=first_frame,
                frames=sum(p.frames for p in group), fps=fps, resolution=production.style.resolution,
                look=production.style.look, slate=production.style.slate, subtitles=production.style.subtitles,
                seed=production.seed, anchoring=director.anchoring,
                anchor_segment=previous_id if director.anchoring == Anchoring.chain else None,
                shots=group,
                cast={cid: SegmentCastMember(name=_name(script, cid), appearance=_appearance(script, cid),
                                             reference=cast[cid].reference if cid in cast else None)
                      for cid in dict.fromkeys(people)},
                director=director.model_dump(mode="json"), renderer_version=version)
            segments.append(segment)
            first_frame += segment.frames
            previous_id = segment_id
    return segments


def _name(script: Script, cast_id: str) -> str:
    character = script.characters.get(cast_id)
    return character.name if character else cast_id


def _appearance(script: Script, cast_id: str) -> str:
    character = script.characters.get(cast_id)
    return character.appearance if character else ""


def plan_summary(production: Production, script: Script, segments: list[Segment]) -> dict:
    """build/plan.json: the segment table and the film timeline (shots and dialogue in film seconds)."""
    fps = production.style.fps
    shots, film_lines = [], []
    for segment in segments:
        frame = segment.first_frame
        for piece in segment.shots:
            shot_start = (frame - piece.offset_frames) / fps
            if piece.part == 1:
                shots.append({"id": piece.shot.id, "scene": piece.scene_id, "start": round(shot_start, 4),
                              "duration": round(piece.shot_frames / fps, 4), "segment": segment.id})
                film_lines += [{"shot": piece.shot.id, "speaker": line.speaker, "name": line.name, "line": line.line,
                                "start": round(shot_start + line.start, 3), "end": round(shot_start + line.end, 3)}
                               for line in piece.subtitles]
            frame += piece.frames
    total_frames = sum(segment.frames for segment in segments)
    return {
        "title": production.title,
        "fps": fps,
        "resolution": list(production.style.resolution),
        "frames": total_frames,
        "seconds": round(total_frames / fps, 4),
        "segments": [{"id": s.id, "shots": [p.shot.id if p.parts == 1 else f"{p.shot.id} ({p.part}/{p.parts})"
                                            for p in s.shots],
                      "frames": s.frames, "seconds": round(s.frames / fps, 4), "first_frame": s.first_frame,
                      "anchor": s.anchor_segment} for s in segments],
        "shots": shots,
        "dialogue": film_lines,
    }
