"""build/report.html in a real browser (headless Chromium through Playwright): the film plays with its captions, a
click on a shot plays from the shot's first frame and highlights it, and times read as timecode.

The page is opened as a file (file://), as an editor opens it from the build folder, and once more from a local
web server, where the captions come from film.vtt itself. Skipped only where Playwright's Python package or a
Chromium is missing; nothing is downloaded (the system's Chromium runs: Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading

import pytest

from conftest import SMALL_PRODUCTION, doit, make_production

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed "
                               "(pip install playwright; no `playwright install` needed: the system's Chromium runs)")
CHROMIUM = os.environ.get("SCRIPTAGENT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("no Chromium to run the report in (apt install chromium, or set SCRIPTAGENT_CHROMIUM)",
                allow_module_level=True)

TIMECODE = re.compile(r"^\d{2}:\d{2}:\d{2}:\d{2}$")
H264 = 'video/mp4; codecs="avc1.640028"'  # what media.py encodes: H.264 High profile


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    # the lines are not burned into the picture: the player's captions show them (see the test of burned-in ones)
    folder = make_production(tmp_path_factory.mktemp("browser") / "small",
                             text=SMALL_PRODUCTION.replace("  fps: 12\n", "  fps: 12\n  subtitles: false\n"))
    doit(folder)
    build = folder / "build"
    return build, json.loads((build / "plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"])
        yield chromium
        chromium.close()


def open_report(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("document.getElementById('film').readyState >= 1", timeout=15000)
    return page, errors


def needs_h264(page) -> None:
    """Playback needs an H.264 decoder, which some Chromium builds leave out: say so instead of failing on it."""
    if not page.evaluate(f"document.getElementById('film').canPlayType('{H264}')"):
        pytest.skip("this Chromium cannot decode H.264, so film.mp4 cannot play in it")


def cues(page) -> list[dict]:
    page.wait_for_function("(() => { const t = document.getElementById('film').textTracks[0];"
                           " return t && t.cues && t.cues.length > 0; })()", timeout=15000)
    return page.evaluate("Array.from(document.getElementById('film').textTracks[0].cues)"
                         ".map(c => ({start: c.startTime, end: c.endTime, text: c.text}))")


def seek_to(page, seconds: float) -> None:
    page.evaluate("""(t) => new Promise(done => { const v = document.getElementById('film');
        v.addEventListener('seeked', () => done(), {once: true}); v.currentTime = t; })""", seconds)


def test_film_plays_with_its_captions_from_a_file(built, browser):
    build, plan = built
    page, errors = open_report(browser, (build / "report.html").resolve().as_uri())
    needs_h264(page)
    page.wait_for_function("document.getElementById('film').readyState >= 2", timeout=15000)  # a frame decoded
    video = page.evaluate("(() => { const v = document.getElementById('film');"
                          " return {duration: v.duration, width: v.videoWidth, height: v.videoHeight,"
                          " poster: v.poster, error: v.error && v.error.code}; })()")
    assert video["error"] is None
    assert [video["width"], video["height"]] == plan["resolution"]
    assert abs(video["duration"] - plan["frames"] / plan["fps"]) <= 1 / plan["fps"]
    assert video["poster"].endswith("/poster.jpg") and (build / "poster.jpg").stat().st_size > 0

    # it plays: the clock moves and the picture with it
    page.evaluate("document.getElementById('film').play()")
    page.wait_for_function("document.getElementById('film').currentTime > 0.5", timeout=15000)
    assert not page.evaluate("document.getElementById('film').paused")
    page.evaluate("document.getElementById('film').pause()")

    # the captions are the plan's lines at the plan's times, shown (from file://, the cues the page carries)
    track = page.evaluate("(() => { const t = document.getElementById('film').textTracks[0];"
                          " return {kind: t.kind, mode: t.mode, language: t.language}; })()")
    assert track == {"kind": "captions", "mode": "showing", "language": "en"}
    loaded = cues(page)
    assert [cue["text"] for cue in loaded] == [f"{line['name']}: {line['line']}" for line in plan["dialogue"]]
    for cue, line in zip(loaded, plan["dialogue"]):
        assert abs(cue["start"] - line["start"]) < 0.002 and abs(cue["end"] - line["end"]) < 0.002
    for line in (plan["dialogue"][0], plan["dialogue"][-1]):  # at a line's time, its cue is the one showing
        seek_to(page, (line["start"] + line["end"]) / 2)
        active = page.evaluate("Array.from(document.getElementById('film').textTracks[0].activeCues).map(c => c.text)")
        assert active == [f"{line['name']}: {line['line']}"]
    assert errors == []
    page.close()


def test_a_click_on_a_shot_plays_the_film_from_its_first_frame(built, browser):
    build, plan = built
    page, errors = open_report(browser, (build / "report.html").resolve().as_uri())
    needs_h264(page)
    fps = plan["fps"]
    sections = page.evaluate("Array.from(document.querySelectorAll('section.shot')).map(s => {"
                             " const strip = s.querySelector('.strip[data-seek]'); return {id: s.id,"
                             " in: +strip.dataset.seek, out: +strip.dataset.out, shot: strip.dataset.shot}; })")
    assert len(sections) == sum(len(segment["shots"]) for segment in plan["segments"])
    assert [s["in"] for s in sections] == sorted(s["in"] for s in sections) and sections[0]["in"] == 0
    assert all(a["out"] == b["in"] for a, b in zip(sections, sections[1:])) and sections[-1]["out"] == plan["frames"]
    split = next(s for s in sections if s["id"].endswith("-p2"))  # the small production splits a shot in two
    for target in (sections[2], split, sections[-1]):
        page.locator(f'section.shot[id="{target["id"]}"] .strip img').nth(1).click()  # its middle still
        page.wait_for_function(f"document.getElementById('film').currentTime > {target['in'] / fps + 0.2}",
                               timeout=15000)  # it plays from there
        at = page.evaluate("document.getElementById('film').currentTime")
        page.evaluate("document.getElementById('film').pause()")
        assert target["in"] / fps <= at < target["out"] / fps + 1, (target, at)
        # the shot playing is highlighted, every part of it, and nothing else
        page.wait_for_function(f"document.querySelector('section.shot[id=\"{target['id']}\"]')"
                               ".classList.contains('current')", timeout=5000)
        highlighted = page.evaluate("Array.from(document.querySelectorAll('section.shot.current')).map(s => s.id)")
        assert highlighted == [s["id"] for s in sections if s["shot"] == target["shot"]]
    # scrolled down to the last shot, away from the player: the picture docks in a corner, still playing there
    assert page.evaluate("document.getElementById('player').classList.contains('docked')")
    assert page.evaluate("getComputedStyle(document.getElementById('film')).position") == "fixed"
    # a click seeks to the shot's first frame, within a frame (paused, so the clock stands still to be read)
    page.evaluate("document.getElementById('film').pause()")
    page.evaluate("""() => { const v = document.getElementById('film'); v.play = () => Promise.resolve(); }""")
    seeked = page.evaluate(f"""() => new Promise(done => {{ const v = document.getElementById('film');
        v.addEventListener('seeked', () => done(v.currentTime), {{once: true}});
        document.querySelector('section.shot[id="{split['id']}"] h3 button[data-seek]').click(); }})""")
    assert abs(seeked - split["in"] / fps) <= 1 / fps
    readout = page.locator("#now-tc").inner_text()
    assert TIMECODE.match(readout) and readout == timecode(split["in"], fps)
    assert page.locator("#now-shot").inner_text() == split["shot"]
    assert errors == []
    page.close()


def plot_label_overlaps(page) -> list:
    """Labels of the plot that run into each other as this browser draws them (its fonts, not an estimate)."""
    return page.evaluate("""() => { const rows = new Map(), overlaps = [];
        for (const text of document.querySelectorAll('#plot text')) {
            if (getComputedStyle(text).display === 'none') continue;  // a shot's id shown only under the pointer
            const box = text.getBBox(), row = Math.round(box.y);
            if (!rows.has(row)) rows.set(row, []);
            rows.get(row).push([box.x, box.x + box.width, text.textContent]);
        }
        for (const row of rows.values()) {
            row.sort((a, b) => a[0] - b[0]);
            for (let i = 1; i < row.length; i++) {
                if (row[i][0] < row[i - 1][1]) overlaps.push([row[i - 1][2], row[i][2]]);
            }
        }
        return overlaps; }""")


def timecode(frame: int, fps: int) -> str:
    seconds, frames = divmod(frame, fps)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frames:02d}"


def test_times_read_as_timecode(built, browser):
    build, plan = built
    page, errors = open_report(browser, (build / "report.html").resolve().as_uri())
    fps = plan["fps"]
    shown = page.evaluate("Array.from(document.querySelectorAll('.tc'))"
                          ".map(e => e.textContent.replace('▶', '').trim())")
    assert shown and all(TIMECODE.match(text) for text in shown), [t for t in shown if not TIMECODE.match(t)]
    lines = page.evaluate("Array.from(document.querySelectorAll('#dialogue ~ table button.tc'))"
                          ".map(a => a.textContent)")
    assert lines == [timecode(round(line["start"] * fps), fps) for line in plan["dialogue"]]
    assert timecode(plan["frames"], fps) in page.locator("h1 + p").inner_text()  # the film's length
    body = page.locator("body").inner_text()  # no time in seconds, but the script's own shot durations
    assert not re.findall(r"(?<!script )(?<![\d.])\d+(?:\.\d+)? s\b", body)
    assert plot_label_overlaps(page) == []
    assert errors == []
    page.close()


@pytest.fixture
def served(built):
    """The build folder on a local web server (a reviewer's `python -m http.server` in build/)."""
    build, _ = built
    handler = functools.partial(QuietHandler, directory=str(build))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_served_over_http_the_captions_come_from_film_vtt(built, browser, served):
    _, plan = built
    page, errors = open_report(browser, served + "report.html")
    assert len(cues(page)) == len(plan["dialogue"])
    assert page.evaluate("document.querySelector('#film track').src") == served + "film.vtt"  # not the page's copy
    assert errors == []
    page.close()


def test_a_scene_plays_from_the_table_of_contents(browser, tmp_path_factory):
    """Three scenes (test_scene_outputs' hand edit of the small production): a scene's in point in the table of
    contents plays from the scene's first frame, and the readout and the table say which scene is playing."""
    from test_scene_outputs import split_into_scenes

    folder = make_production(tmp_path_factory.mktemp("scenes") / "small")
    doit(folder)
    split_into_scenes(folder)
    doit(folder)
    build = folder / "build"
    plan = json.loads((build / "plan.json").read_text(encoding="utf-8"))
    assert len(plan["scenes"]) == 3
    page, errors = open_report(browser, (build / "report.html").resolve().as_uri())
    needs_h264(page)
    # the animatic burned the lines into this picture (style.subtitles): the captions are loaded but not shown over
    # them; the player's CC button shows them
    track = page.evaluate("(() => { const t = document.getElementById('film').textTracks[0];"
                          " return {mode: t.mode, cues: t.cues ? t.cues.length : 0}; })()")
    assert track == {"mode": "hidden", "cues": len(plan["dialogue"])}
    # the animatic burned the lines into this picture (style.subtitles): the captions are loaded but not shown over
    # them; the player's CC button shows them
    track = page.evaluate("(() => { const t = document.getElementById('film').textTracks[0];"
                          " return {mode: t.mode, cues: t.cues ? t.cues.length : 0}; })()")
    assert track == {"mode": "hidden", "cues": len(plan["dialogue"])}
    fps = plan["fps"]
    for number, scene in enumerate(plan["scenes"], 1):
        row = page.locator("table.toc tr[data-scene]").nth(number - 1)
        assert row.locator("button.tc").inner_text() == timecode(scene["first_frame"], fps)
        row.locator("button.tc").click()
        page.wait_for_function(f"document.getElementById('film').currentTime >= {scene['first_frame'] / fps}"
                               " && !document.getElementById('film').seeking", timeout=15000)
        page.evaluate("document.getElementById('film').pause()")
        page.wait_for_function(f"document.querySelector('table.toc tr[data-scene]:nth-of-type({number + 1})')"
                               ".classList.contains('current')", timeout=5000)  # after the header row
        assert page.locator("table.toc tr.current").count() == 1
        assert page.locator("#now-scene").inner_text() == f"{number} {scene['id']}"
        shown = page.locator("#now-tc").inner_text()
        assert TIMECODE.match(shown)
    assert page.locator("#playhead").get_attribute("visibility") == "visible"
    assert plot_label_overlaps(page) == []
    assert errors == []
    page.close()
