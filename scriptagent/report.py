"""build/report.html: the build as a director's contact sheet, in one self-contained page.

At the top a table of contents of the scenes (number, id, setting, start, length, shots), each linking to its
section; then the film's scores, both rubrics, and a plot of VSA and boundary continuity along the film (inline SVG,
the scenes marked on it); then scene by scene, in film order, per shot a strip of its first, middle and last frame
(embedded, so the page can be mailed or archived alone), its script fields, its dialogue and its scores.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import jinja2

from .critic.metrics import by_place, film_notes, owner
from .editorial import clock, film_scenes
from .errors import BackendError, first_line
from .files import atomic_path, read_json, templates_dir
from .layout import STRIP, BuildLayout
from .plan import Segment, film_segments

PLOT = {"width": 900, "height": 252, "left": 44, "right": 12, "top": 38, "bottom": 30}
CHAR_WIDTH = 6.2  # about how wide a character of the plot's 11 px labels is, to keep labels from overlapping


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
                "end": (frame + shot_part.frames) / segment.fps, "names": names,
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


def timeline_plot(rows: list[dict], film: dict, seconds: float, scenes: list[dict] | None = None) -> dict:
    """Coordinates for the SVG: VSA per shot as a step line, boundary continuity per join as dots, the scenes as
    bands along the top (numbered, linking to their sections), the cuts as dashed lines labelled with the shot id
    where there is room for it (a long film labels fewer, and every label stays readable)."""
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

    steps = [{"x1": x(row["start"]), "x2": x(row["end"]), "y": y(row["scores"]["vsa"]),
              "title": f"{row['shot'].id}: VSA {row['scores']['vsa']:.3f}"} for row in rows if "vsa" in row["scores"]]
    dots = [{"x": x(join["time"]), "y": y(join["pixel"]), "within": join["within_shot"],
             "title": f"{join['from']} → {join['to']}: boundary continuity {join['pixel']:.3f}"
                      + (" (inside a shot)" if join["within_shot"] else " (cut)")} for join in film.get("joins", [])]
    cuts, free_from = [], float("-inf")  # a label is drawn only where the last one has ended
    for row in rows:
        if row["part"] != 1:
            continue
        cut_x, label = x(row["start"]), row["shot"].id
        shown = cut_x >= free_from and cut_x + 2 + CHAR_WIDTH * len(label) <= width
        if shown:
            free_from = cut_x + 2 + CHAR_WIDTH * len(label) + 4
        cuts.append({"x": cut_x, "label": label if shown else "", "title": f"{label} at {row['start']:.2f} s"})
    bands = []
    for scene in scenes or []:
        x1, x2 = x(scene["start"]), x(scene["end"])
        bands.append({"x1": x1, "x2": x2, "width": round(x2 - x1, 1), "anchor": scene["anchor"],
                      "shade": scene["number"] % 2 == 0, "boundary": scene["number"] > 1,
                      "label": _label(x2 - x1 - 5, f"{scene['number']} {scene['id']}", str(scene["number"])),
                      "title": f"scene {scene['number']} {scene['id']}: {scene['setting']} "
                               f"({clock(scene['start'])}–{clock(scene['end'])})"})
    ticks = [{"y": y(v), "label": f"{round(v, 2):g}"} for v in (low, (low + 1) / 2, 1.0)]
    return {**PLOT, "steps": steps, "dots": dots, "cuts": cuts, "bands": bands, "ticks": ticks, "bottom_y": y(low),
            "end_x": x(seconds), "seconds": seconds}


def render_report(segment_ids: list[str], build: BuildLayout = BuildLayout()) -> Iterator[str]:
    """The page in shot_parts, so that a long film's report is never held whole in memory (thumbnails are read one at
    a time as the page reaches them)."""
    plan = _read(build.plan, None)
    findings = _read(build.findings, [])
    segments = film_segments(build, segment_ids)
    scores = {i: _read(build.score(i), {}) for i in segment_ids}
    film = _read(build.film_score, {})
    script = _read(build.script_score, {})
    rows = shot_rows(build, segments, scores, film)
    scenes = scene_sections(segments, rows)
    scene_of_shot = {shot_id: scene for scene in scenes for shot_id in scene["shots"]}
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters["clock"] = clock
    return environment.get_template("report.html.j2").generate(
        plan=plan, scenes=scenes, scene_of_shot=scene_of_shot, findings=findings, film=film,
        script=script, film_metrics=film_metric_rows(film), plot=timeline_plot(rows, film, plan["seconds"], scenes),
        data_uri=_data_uri)


def _read(path: Path, default):
    """A file the report shows: one line naming it when it cannot be read (the next `doit` makes it anew)."""
    try:
        return read_json(path, default)
    except (OSError, ValueError) as error:
        raise BackendError(f"{path}: unreadable ({type(error).__name__}: {first_line(error)}); run doit again to "
                           "make it anew") from None


def write_report(segment_ids: list[str], destination: Path, build: BuildLayout = BuildLayout()) -> None:
    with atomic_path(destination) as tmp, open(tmp, "w", encoding="utf-8") as out:
        out.writelines(render_report(segment_ids, build))
