"""build/report.html: one self-contained page naming every shot, with its strip, script fields and scores, and the
film on it to review the cut (tests/test_report_browser.py plays it in a browser)."""

from __future__ import annotations

import json
import re

from conftest import doit, executed, up_to_date


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


def test_report_plays_the_film_with_captions_and_seeks_by_shot(small):
    from PIL import Image

    from scriptagent.layout import BuildLayout
    from scriptagent.media import read_frames
    from scriptagent.report import poster_frame, timecode

    doit(small)
    build = small / "build"
    html = (build / "report.html").read_text()
    plan = json.loads((build / "plan.json").read_text())
    fps = plan["fps"]
    # the film, its captions (film.vtt, and a copy the page loads where the browser will not fetch it) and a poster
    video = re.search(r"<video ([^>]*)>\s*<track ([^>]*)>\s*</video>", html)
    assert 'src="film.mp4"' in video[1] and 'poster="poster.jpg"' in video[1] and f'data-fps="{fps}"' in video[1]
    assert all(attribute in video[2] for attribute in ('kind="captions"', 'srclang="en"', 'src="film.vtt"'))
    # the animatic burned the lines into the picture (style.subtitles): the captions start off, never twice on screen
    assert "default" not in video[2]
    carried = re.search(r'<script type="application/json" id="captions">(.*?)</script>', html, re.S)[1]
    assert json.loads(carried) == (build / "film.vtt").read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html  # nothing from outside: works offline and from file://
    # the poster is the film's own frame (the middle of the first shot), at the film's size
    segment_ids = [segment["id"] for segment in plan["segments"]]
    wanted = poster_frame(BuildLayout(build), segment_ids)
    first_shot = re.search(r'<div class="strip" data-seek="0" data-out="(\d+)"', html)
    assert 0 < wanted < int(first_shot[1])
    with Image.open(build / "poster.jpg") as poster:
        assert poster.format == "JPEG" and list(poster.size) == plan["resolution"]
        picture = poster.convert("RGB")
    frame = next(f for n, f in enumerate(read_frames(build / "film.mp4")) if n == wanted)
    assert abs(sum(picture.resize((1, 1), Image.BOX).getpixel((0, 0))) -
               sum(Image.fromarray(frame).resize((1, 1), Image.BOX).getpixel((0, 0)))) < 12
    # every shot part: its first and next-after-last film frames, a strip and a timecode that play from its first
    shots = re.findall(r'<section class="shot" id="([^"]+)">\s*<div>\s*'
                       r'<div class="strip" data-seek="(\d+)" data-out="(\d+)"', html)
    assert len(shots) == sum(len(segment["shots"]) for segment in plan["segments"])
    assert shots[0][1] == "0" and shots[-1][2] == str(plan["frames"])
    assert all(a[2] == b[1] for a, b in zip(shots, shots[1:]))  # the parts tile the film
    for shot_id, first, _ in shots:
        assert f'data-seek="{first}" title="play from here">▶ {timecode(int(first), fps)}</button>' in html, shot_id
    for line in plan["dialogue"]:  # each line's in point, as timecode, plays from it
        assert f'data-seek="{round(line["start"] * fps)}" title="play from here">' \
               f'{timecode(round(line["start"] * fps), fps)}</button>' in html
    assert not re.search(r"\d\.\d\d s\b", html.replace("script ", ""))  # no time in seconds (but the script's own)
    # the poster is the report task's: made again when it is missing, and up to date after
    (build / "poster.jpg").unlink()
    assert "report" in executed(doit(small).stdout) and (build / "poster.jpg").exists()
    assert "report" in up_to_date(doit(small).stdout)


def test_timecode_counts_frames_within_the_second():
    from scriptagent.report import timecode

    assert timecode(0, 24) == "00:00:00:00"
    assert timecode(78, 24) == "00:00:03:06"
    assert timecode(24 * 3723 + 23, 24) == "01:02:03:23"
    assert timecode(30 * 60 + 29, 29.97) == "00:01:00:29"  # non-drop, at the nominal rate
    assert timecode(11, 12) == "00:00:00:11" and timecode(12, 12) == "00:00:01:00"


def test_report_plot_stays_readable_for_a_long_film():
    """120 shots in 30 scenes: every scene has its band, and no two labels along the plot overlap."""
    from types import SimpleNamespace

    from scriptagent.report import CHAR_WIDTH, MONO_WIDTH, timeline_plot

    rows = [{"shot": SimpleNamespace(id=f"sh{n + 1:03d}"), "part": 1, "start": 3.0 * n, "end": 3.0 * (n + 1),
             "scores": {"vsa": 0.3}} for n in range(120)]
    scenes = [{"number": k + 1, "id": f"scene-{k + 1:02d}", "setting": "INT. CAFE - DAY", "anchor": f"scene-s{k}",
               "start": 12.0 * k, "end": 12.0 * (k + 1)} for k in range(30)]
    joins = [{"from": f"sh{n:03d}", "to": f"sh{n + 1:03d}", "time": 3.0 * n, "pixel": 0.5, "within_shot": False}
             for n in range(1, 120)]
    plot = timeline_plot(rows, {"joins": joins}, 360.0, scenes, fps=24)
    assert [band["anchor"] for band in plot["bands"]] == [scene["anchor"] for scene in scenes]
    assert len(plot["cuts"]) == 120
    # every shot's id shows while the pointer is on it, and a click plays from its first frame
    assert [cut["name"] for cut in plot["cuts"]] == [row["shot"].id for row in rows]
    assert [cut["seek"] for cut in plot["cuts"]] == [72 * n for n in range(120)]
    # 119 joins: dots small enough not to run into each other
    assert 2 * (plot["dot_r"] + plot["dot_stroke"] / 2) <= (plot["width"] - plot["left"] - plot["right"]) / 119
    # the time axis in timecode, its labels apart
    axis = [(plot["left"], plot["start_label"])] + [(t["x"] - MONO_WIDTH * 5.5, t["label"]) for t in plot["time_ticks"]]
    axis += [(plot["end_x"] - MONO_WIDTH * 11, plot["end_label"])]
    assert plot["end_label"] == "00:06:00:00" and len(axis) >= 3
    assert all(a + MONO_WIDTH * len(text) <= b for (a, text), (b, _) in zip(axis, axis[1:]))

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
