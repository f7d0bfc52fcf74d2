"""build/report.html: a director's contact sheet of the build (first and last frame, scores, findings)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from .critic import boundary_continuity
from .files import templates_dir


def render_report(segment_ids: list[str], build: Path = Path("build")) -> str:
    plan = json.loads((build / "plan.json").read_text(encoding="utf-8"))
    findings = json.loads((build / "findings.json").read_text(encoding="utf-8"))
    scores = {i: json.loads((build / "scores" / f"{i}.json").read_text(encoding="utf-8")) for i in segment_ids}
    rows = []
    for index, entry in enumerate(plan["segments"]):
        previous = plan["segments"][index - 1]["id"] if index else None
        join = None
        if previous:
            join = boundary_continuity(build / "frames" / f"{previous}.last.png",
                                       build / "frames" / f"{entry['id']}.first.png")
        rows.append({**entry, "score": scores.get(entry["id"], {}), "join": join})
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("report.html.j2").render(plan=plan, rows=rows, findings=findings)
