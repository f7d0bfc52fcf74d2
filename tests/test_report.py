"""build/report.html: one self-contained page naming every shot, with its strip, script fields and scores."""

from __future__ import annotations

import json
import re

from conftest import doit


def test_report_is_a_self_contained_contact_sheet(small):
    doit(small)
    build = small / "build"
    html = (build / "report.html").read_text()
    plan = json.loads((build / "plan.json").read_text())
    script_shots = [shot["id"] for shot in plan["shots"]]

    for shot_id in script_shots:
        assert re.search(rf'<section class="shot" id="{shot_id}">', html), shot_id
        assert f"{shot_id}: VSA" not in html  # no VSA without a CLIP model (offline metrics only)
    pieces = sum(len(segment["shots"]) for segment in plan["segments"])
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 3 * pieces
    assert all(src.startswith("data:image/jpeg;base64,") for src in images)  # embedded: no file beside it needed
    for line in plan["dialogue"]:
        assert line["line"].replace("'", "&#39;") in html
    # the boundary-continuity plot has a dot per join inside a scene
    film = json.loads((build / "scores" / "_film.json").read_text())
    assert html.count("<circle") == len(film["joins"]) > 0
    assert "boundary_continuity" in html and "format compliance" in html


def test_report_streams_its_images_instead_of_holding_the_page(small):
    """A long film's report must not sit whole in memory: each thumbnail is read as the page reaches it."""
    import tracemalloc

    from scriptagent.report import write_report

    doit(small)
    build = small / "build"
    plan = json.loads((build / "plan.json").read_text())
    thumbs = sorted((build / "thumbs").rglob("*.jpg"))
    thumb_bytes = 1024 * 1024
    for thumb in thumbs:  # the report embeds bytes as they are, so large stand-ins make the page large
        thumb.write_bytes(bytes([0xFF, 0xD8]) + b"\0" * thumb_bytes)
    page = build / "streamed.html"
    tracemalloc.start()
    try:
        write_report([segment["id"] for segment in plan["segments"]], page, build)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    page_bytes = page.stat().st_size
    assert page_bytes > len(thumbs) * thumb_bytes
    # a few copies of one image (bytes, base64, escaped text) at a time; the page itself is several times that
    assert peak < 8 * thumb_bytes < page_bytes / 3, f"{peak} bytes held for a {page_bytes}-byte page"
