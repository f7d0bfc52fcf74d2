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
    shot_parts = sum(len(segment["shots"]) for segment in plan["segments"])
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 3 * shot_parts
    assert all(src.startswith("data:image/jpeg;base64,") for src in images)  # embedded: no file beside it needed
    for line in plan["dialogue"]:
        assert line["line"].replace("'", "&#39;") in html
    # the boundary-continuity plot has a dot per join inside a scene
    film = json.loads((build / "scores" / "_film.json").read_text())
    assert html.count("<circle") == len(film["joins"]) > 0
    assert "boundary_continuity" in html and "format compliance" in html
    # one scene: a table of contents of one entry, linking to the section that holds every shot
    scene = plan["scenes"][0]
    assert re.findall(r'<table class="toc">.*?</table>', html, re.S)[0].count('<a href="#scene-') == 1
    assert f'<a href="#scene-{scene["id"]}">{scene["id"]}</a>' in html
    section = html.split(f'<section class="scene" id="scene-{scene["id"]}">', 1)[1]
    assert all(f'<section class="shot" id="{shot_id}">' in section for shot_id in script_shots)


def test_report_plot_stays_readable_for_a_long_film():
    """120 shots in 30 scenes: every scene has its band, and no two labels along the plot overlap."""
    from types import SimpleNamespace

    from scriptagent.report import CHAR_WIDTH, timeline_plot

    rows = [{"shot": SimpleNamespace(id=f"sh{n + 1:03d}"), "part": 1, "start": 3.0 * n, "end": 3.0 * (n + 1),
             "scores": {"vsa": 0.3}} for n in range(120)]
    scenes = [{"number": k + 1, "id": f"scene-{k + 1:02d}", "setting": "INT. CAFE - DAY", "anchor": f"scene-s{k}",
               "start": 12.0 * k, "end": 12.0 * (k + 1)} for k in range(30)]
    plot = timeline_plot(rows, {"joins": []}, 360.0, scenes)
    assert [band["anchor"] for band in plot["bands"]] == [scene["anchor"] for scene in scenes]
    assert len(plot["cuts"]) == 120

    def spans(items, x, label):
        return [(item[x], item[x] + CHAR_WIDTH * len(item[label])) for item in items if item[label]]

    for placed in (spans(plot["cuts"], "x", "label"), spans(plot["bands"], "x1", "label")):
        assert placed  # some labels are drawn, and they follow one another without overlapping
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(placed, placed[1:]))
        assert all(end <= plot["width"] for _, end in placed)
    for band, scene in zip(plot["bands"], scenes):  # a band's label is its number (and id) and fits inside it
        assert band["label"] in (f"{scene['number']} {scene['id']}", str(scene["number"]))
        assert CHAR_WIDTH * len(band["label"]) <= band["width"] and scene["setting"] in band["title"]


def test_report_streams_its_images_instead_of_holding_the_page(small):
    """A long film's report must not sit whole in memory: each thumbnail is read as the page reaches it."""
    import tracemalloc

    from scriptagent.layout import BuildLayout
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
        write_report([segment["id"] for segment in plan["segments"]], page, BuildLayout(build))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    page_bytes = page.stat().st_size
    assert page_bytes > len(thumbs) * thumb_bytes
    # a few copies of one image (bytes, base64, escaped text) at a time; the page itself is several times that
    assert peak < 8 * thumb_bytes < page_bytes / 3, f"{peak} bytes held for a {page_bytes}-byte page"
