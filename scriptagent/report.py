"""build/report.html: the page an editor reviews the cut on, and the build as a director's contact sheet.

At the top the film (film.mp4 beside the page) with its captions (film.vtt) and a poster frame (build/poster.jpg),
and a readout of where the player is: timecode, shot, scene. Then a table of contents of the scenes (number, id,
setting, in point, length, shots), each linking to its section; the film's scores, both rubrics, and a plot of VSA
and boundary continuity along the film (inline SVG, the scenes marked on it); then scene by scene, in film order,
per shot a strip of its first, middle and last frame (embedded, so the page can be mailed or archived alone), its
script fields, its dialogue and its scores.

Every place in the film is shown as timecode, HH:MM:SS:FF at the film's frame rate. A click on a shot (its strip,
its timecode, its span in the plot), a scene's in point or a line of dialogue plays the film from there; while the
film plays, its shot and scene are highlighted, and the player docks in a corner when scrolled away. The script that
does it is inline (templates/report.js): the page works offline and from file://, where Chromium will not fetch
film.vtt beside the page (file: URLs are unique origins), so the page carries the same cues and loads them itself.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import jinja2

from .critic.metrics import by_place, film_notes, owner
from .editorial import film_scenes
from .errors import BackendError, first_line
from .files import atomic_path, read_json, templates_dir, write_if_changed
from .layout import STRIP, BuildLayout
from .plan import Segment, film_segments

PLOT = {"width": 900, "height": 252, "left": 44, "right": 12, "top": 38, "bottom": 30}
CHAR_WIDTH = 6.2  # about how wide a character of the plot's 11 px labels is, to keep labels from overlapping
LABEL_GAP = 6  # pixels between one label along the plot and the next
MONO_WIDTH = 6.7  # about how wide a character of the plot's 11 px monospace timecode is
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)  # seconds between the time axis' ticks
CAPTION_LANGUAGE = "en"  # the scripters write English (production.yaml has no language to read)
POSTER_QUALITY = 90


def timecode(frame: int, fps: float) -> str:
    """A frame of the film as timecode, HH:MM:SS:FF: FF counts the frames within a second at the film's rate (non-drop
    frame; a fractional rate counts at its nearest whole rate, as an NLE's non-drop timecode does)."""
    rate = max(1, round(fps))
    seconds, frames = divmod(max(0, int(frame)), rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def frame_at(seconds: float, fps: float) -> int:
    """The film frame a time falls on, as the editorial exports count them (editorial.otio_text)."""
    return round(seconds * fps)


def _data_uri(path: Path) -> str | None:
    if not path.exists():
        return None
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


UNEXPLAINED = {"reason": "not measured (no reason recorded)", "fix": "score it again"}


def film_metric_rows(film: dict) -> list[dict]:
    """The film's numbers in the comparisons' order, each with what it measures or why it was skipped."""
    metrics, skipped = film.get("metrics", {}), film.get("skipped", {})
    rows = []
    for name, note in film_notes().items():
        if name in metrics:
            why = None if metrics[name] is not None else \
                skipped.get(name) or skipped.get(owner(name) or name) or UNEXPLAINED
            rows.append({"name": name, "value": metrics[name], "note": note, "skipped": why})
    return rows


def shot_measures(measured: dict, segment_skipped: dict) -> list[dict]:
    """A shot part's numbers in the comparisons' order: {"label", "text"}, and "why" when skipped (for the shot
    part alone, or for its whole segment)."""
    rows = []
    for metric in by_place():
        present = [key for key in metric.shot_keys if key in measured]
        for key in present:
            value = measured[key]
            rows.append({"label": key.replace("_", " "), "why": None, "shot_only": False,
                         "text": ("yes" if value else "no") if isinstance(value, bool) else f"{value:.3f}"})
        why = measured.get("skipped", {}).get(metric.name) or segment_skipped.get(metric.name)
        if metric.shot_keys and not present and why:
            rows.append({"label": metric.name.replace("_", " "), "text": "skipped", "why": why,
                         "shot_only": metric.name in measured.get("skipped", {})})
    return rows


def shot_rows(build: BuildLayout, segments: list[Segment], scores: dict, film: dict) -> list[dict]:
    """One row per SegmentShot (a shot, or the part of a split shot), in film order."""
    joins = {join["to"]: join for join in film.get("joins", [])}
    alignment = film.get("alignment_shots", {})
    rows = []
    for segment in segments:
        names = {cid: member.name for cid, member in segment.cast.items()}
        score = scores.get(segment.id, {})
        measured = score.get("shots", [])
        for k, (start, shot_part) in enumerate(zip(segment.part_starts(), segment.shots)):
            frame, shot = segment.first_frame + start, shot_part.shot
            rows.append({
                "segment": segment.id, "scene": segment.scene_id, "first_in_segment": k == 0, "shot": shot,
                "part": shot_part.part, "parts": shot_part.parts, "start": frame / segment.fps,
                "end": (frame + shot_part.frames) / segment.fps, "in": frame, "out": frame + shot_part.frames,
                "names": names,
                "thumbs": {which: build.thumb(segment.id, k, which) for which in STRIP},
                "scores": measured[k] if k < len(measured) else {},
                "measures": shot_measures(measured[k] if k < len(measured) else {}, score.get("skipped", {})),
                "alignment": alignment.get(shot.id, {}),
                "join": joins.get(segment.id) if k == 0 else None,
                "takes": score.get("takes") if k == 0 else None,
                "complete": score.get("complete"),  # None: not scored
            })
    return rows


def scene_sections(segments: list[Segment], rows: list[dict]) -> list[dict]:
    """The film's scenes in order (see editorial.film_scenes), each with its time span, its page anchor and its
    shot rows (film order)."""
    scenes, anchors = film_scenes(segments), set()
    by_segment = {}
    for scene in scenes:
        anchor = f"scene-{scene['id']}"
        if anchor in anchors:  # a scene id used twice, apart: each section still gets its own anchor
            anchor += f"-{scene['number']}"
        anchors.add(anchor)
        scene.update(anchor=anchor, rows=[], start=scene["first_frame"] / scene["fps"],
                     end=(scene["first_frame"] + scene["frames"]) / scene["fps"],
                     seconds=scene["frames"] / scene["fps"])
        by_segment.update({segment_id: scene for segment_id in scene["segments"]})
    for row in rows:
        by_segment[row["segment"]]["rows"].append(row)
    return scenes


def _label(width: float, *choices: str) -> str:
    """The first of `choices` that fits in `width` pixels of the plot's labels, or ''."""
    return next((text for text in choices if CHAR_WIDTH * len(text) <= width), "")


def _shot_spans(rows: list[dict]) -> list[dict]:
    """The film's shots along it, a split shot once: its first part's row and where its last part ends."""
    spans: list[dict] = []
    for row in rows:
        if row["part"] == 1 or not spans:
            spans.append({"row": row, "end": row["end"]})
        else:
            spans[-1]["end"] = row["end"]
    return spans


def _time_ticks(seconds: float, fps: float, x, end_x: float) -> list[dict]:
    """Timecode along the time axis at a round step, as many as fit between the two ends' labels."""
    label = MONO_WIDTH * len(timecode(0, fps)) + 2 * LABEL_GAP
    room = end_x - PLOT["left"] - 2 * label  # the first and last labels are the film's ends
    most = max(0, int(room // (1.5 * label)))
    if not most:
        return []
    step = next((s for s in TICK_STEPS if seconds / s <= most + 1), None) or \
        TICK_STEPS[-1] * -(-seconds // (TICK_STEPS[-1] * (most + 1)))
    ticks, k = [], 1
    while k * step < seconds:
        tick_x = x(k * step)
        if PLOT["left"] + label <= tick_x - label / 2 and tick_x + label / 2 <= end_x - label:
            ticks.append({"x": tick_x, "label": timecode(frame_at(k * step, fps), fps)})
        k += 1
    return ticks


def timeline_plot(rows: list[dict], film: dict, seconds: float, scenes: list[dict] | None = None,
                  fps: float = 24) -> dict:
    """Coordinates for the SVG: VSA per shot as a step line, boundary continuity per join as dots (smaller where
    joins crowd), the scenes as bands along the top (numbered, linking to their sections), the cuts as dashed lines
    labelled with the shot id where there is room for it (a long film labels fewer, and every label stays readable;
    the others show while the pointer is on their shot), the time axis in timecode."""
    width, height = PLOT["width"], PLOT["height"]
    inner_w = width - PLOT["left"] - PLOT["right"]
    inner_h = height - PLOT["top"] - PLOT["bottom"]
    vsa_values = [row["scores"]["vsa"] for row in rows if "vsa" in row["scores"]]
    join_values = [join["pixel"] for join in film.get("joins", [])]
    low = min([0.0] + vsa_values + join_values)

    def x(t: float) -> float:
        return round(PLOT["left"] + inner_w * t / max(seconds, 1e-9), 1)

    def y(value: float) -> float:
        return round(PLOT["top"] + inner_h * (1 - (value - low) / (1 - low)), 1)

    def tc(t: float) -> str:
        return timecode(frame_at(t, fps), fps)

    steps = [{"x1": x(row["start"]), "x2": x(row["end"]), "y": y(row["scores"]["vsa"]),
              "title": f"{row['shot'].id}: VSA {row['scores']['vsa']:.3f}"} for row in rows if "vsa" in row["scores"]]
    joins = film.get("joins", [])
    dots = [{"x": x(join["time"]), "y": y(join["pixel"]), "within": join["within_shot"],
             "title": f"{join['from']} → {join['to']} at {tc(join['time'])}: boundary continuity {join['pixel']:.3f}"
                      + (" (inside a shot)" if join["within_shot"] else " (cut)")} for join in joins]
    # full size while joins are 15 px apart (about 55 of them), then smaller, so that neighbours stay apart
    radius = max(2.0, min(5.0, round(inner_w / max(1, len(joins)) / 3, 1)))
    cuts, free_from = [], float("-inf")  # a label is drawn only where the last one has ended
    for span in _shot_spans(rows):
        row = span["row"]
        cut_x, label = x(row["start"]), row["shot"].id
        label_end = cut_x + 2 + CHAR_WIDTH * len(label)
        shown = cut_x >= free_from and label_end <= width
        if shown:
            free_from = label_end + LABEL_GAP
        cuts.append({"x": cut_x, "width": round(max(x(span["end"]) - cut_x, 1.0), 1), "label": label if shown else "",
                     "name": label, "anchor": row["shot"].id, "seek": row.get("in", frame_at(row["start"], fps)),
                     "hover_x": min(cut_x + 2, width - CHAR_WIDTH * len(label)),
                     "title": f"{label} at {tc(row['start'])}: click to play from here"})
    bands = []
    for scene in scenes or []:
        x1, x2 = x(scene["start"]), x(scene["end"])
        bands.append({"x1": x1, "x2": x2, "width": round(x2 - x1, 1), "anchor": scene["anchor"],
                      "shade": scene["number"] % 2 == 0, "boundary": scene["number"] > 1,
                      "label": _label(x2 - x1 - 5, f"{scene['number']} {scene['id']}", str(scene["number"])),
                      "title": f"scene {scene['number']} {scene['id']}: {scene['setting']} "
                               f"({tc(scene['start'])}–{tc(scene['end'])})"})
    ticks = [{"y": y(v), "label": f"{round(v, 2):g}"} for v in (low, (low + 1) / 2, 1.0)]
    return {**PLOT, "steps": steps, "dots": dots, "dot_r": radius, "dot_stroke": round(min(2.0, radius / 2), 1),
            "cuts": cuts, "bands": bands, "ticks": ticks, "bottom_y": y(low), "end_x": x(seconds),
            "seconds": seconds, "inner_w": inner_w, "time_ticks": _time_ticks(seconds, fps, x, x(seconds)),
            "start_label": tc(0), "end_label": tc(seconds)}


def subtitles_burned_in(segments: list) -> bool:
    """Whether the picture already shows the lines (the animatic's style.subtitles): then the player's captions
    start off (the CC button shows them), never the same words twice on screen."""
    from .director import renderer_class

    return any(s.subtitles and renderer_class(s.director.get("backend", "animatic")).burns_subtitles for s in segments)


def render_report(segment_ids: list[str], build: BuildLayout = BuildLayout(),
                  links: dict | None = None) -> Iterator[str]:
    """The page in parts, so that a long film's report is never held whole in memory (thumbnails are read one at
    a time as the page reaches them). `links`: how the page names the film, its captions and its poster (by default
    as the page in the build folder does)."""
    plan = _read(build.plan, None)
    findings = _read(build.findings, [])
    segments = film_segments(build, segment_ids)
    scores = {i: _read(build.score(i), {}) for i in segment_ids}
    film = _read(build.film_score, {})
    script = _read(build.script_score, {})
    rows = shot_rows(build, segments, scores, film)
    scenes = scene_sections(segments, rows)
    scene_of_shot = {shot_id: scene for scene in scenes for shot_id in scene["shots"]}
    fps = plan["fps"]
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["tc"] = lambda seconds: timecode(frame_at(seconds, fps), fps)  # a place in the film
    environment.filters["frame"] = lambda seconds: frame_at(seconds, fps)
    environment.filters["frames_tc"] = lambda frames: timecode(frames, fps)  # a frame number or a length in frames
    return environment.get_template("report.html.j2").generate(
        plan=plan, scenes=scenes, scene_of_shot=scene_of_shot, findings=findings, film=film,
        script=script, film_metrics=film_metric_rows(film),
        plot=timeline_plot(rows, film, plan["seconds"], scenes, fps), data_uri=_data_uri,
        links=links or _links(build.report.parent, build), language=CAPTION_LANGUAGE,
        burned_in=subtitles_burned_in(segments),
        captions=_read_text(build.web_subtitles))


def _links(page_folder: Path, build: BuildLayout) -> dict:
    """The film, its captions and its poster as a page in `page_folder` names them (relative: the build folder
    moves, is served or is archived as a whole)."""
    def link(path: Path) -> str:
        return Path(os.path.relpath(path, page_folder)).as_posix()

    return {"film": link(build.film), "captions": link(build.web_subtitles), "poster": link(build.poster)}


def poster_frame(build: BuildLayout, segment_ids: list[str]) -> int:
    """The film frame the poster shows: the middle of the film's first shot (its first frame may be a fade in)."""
    if not segment_ids:
        return 0
    first = film_segments(build, segment_ids[:1])[0]
    return first.first_frame + first.shots[0].frames // 2


def write_poster(build: BuildLayout, segment_ids: list[str]) -> None:
    """build/poster.jpg: a still of the film (poster_frame), at the film's size, as the player shows it before it
    plays. Read from film.mp4 itself, so it is the picture the editor will see."""
    from PIL import Image

    from .media import read_frames

    wanted = poster_frame(build, segment_ids)
    frames = read_frames(build.film)
    try:
        picture = next(itertools.islice(frames, wanted, None), None)
    finally:
        frames.close()  # ffmpeg stops at the poster's frame
    if picture is None:
        raise BackendError(f"{build.film}: ends before frame {wanted}, the poster's; run doit again to stitch it anew")
    encoded = io.BytesIO()
    Image.fromarray(picture).save(encoded, "JPEG", quality=POSTER_QUALITY)
    write_if_changed(build.poster, encoded.getvalue())  # atomic; the same still is left as it is


def _read_text(path: Path) -> str:
    """A text file the page carries (the captions); '' when the build has none."""
    try:
        return path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, ValueError) as error:
        raise BackendError(f"{path}: unreadable ({type(error).__name__}: {first_line(error)}); run doit again to "
                           "make it anew") from None


def _read(path: Path, default):
    """A file the report shows: one line naming it when it cannot be read (the next `doit` makes it anew)."""
    try:
        return read_json(path, default)
    except (OSError, ValueError) as error:
        raise BackendError(f"{path}: unreadable ({type(error).__name__}: {first_line(error)}); run doit again to "
                           "make it anew") from None


def write_report(segment_ids: list[str], destination: Path, build: BuildLayout = BuildLayout()) -> None:
    """The page at `destination`, and the poster it shows (build/poster.jpg)."""
    write_poster(build, segment_ids)
    with atomic_path(destination) as tmp, open(tmp, "w", encoding="utf-8") as out:
        out.writelines(render_report(segment_ids, build, _links(Path(destination).parent, build)))
