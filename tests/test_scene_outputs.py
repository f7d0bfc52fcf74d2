"""A film of several scenes, as the outputs that leave the build show it: plan.json's scenes, the report's table of
contents and scene sections, film.otio's scene markers and the `scriptagent plan` table.

The production is the small one of conftest (one setting), built once; its script.yaml is then edited by hand into
three scenes with their own ids and settings (the dialogue in the same order, so it still follows production.yaml)
and built again, as a user splitting a script into places would.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import opentimelineio as otio
import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from conftest import cli, doit, make_production
from scriptagent.report import timecode

# (id, setting, how many of the script's shots, in order) - the small production's rule-based script has 7 shots,
# the fourth split across two renders (max_segment_seconds: 3), so the cafe holds a split shot
SCENES = [("kitchen", "a small kitchen in the morning", 3),
          ("cafe", "a café at noon, rain on the steamed windows", 2),
          ("bridge", "EXT. OLD STONE BRIDGE - DAWN. Mist over the river", 2)]


def split_into_scenes(folder: Path) -> dict[str, list[str]]:
    """Edit script.yaml by hand: its one scene's shots, in order, become the SCENES. Returns scene id -> shot ids."""
    yaml = YAML()
    yaml.width = 4096
    path = folder / "script.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    assert len(data["scenes"]) == 1
    shots = list(data["scenes"][0]["shots"])
    assert len(shots) == sum(count for *_, count in SCENES), [shot["id"] for shot in shots]
    scenes, position = [], 0
    for scene_id, setting, count in SCENES:
        scene = CommentedMap(id=scene_id, setting=setting)
        scene["shots"] = shots[position:position + count]
        position += count
        scenes.append(scene)
    data["scenes"] = scenes
    with open(path, "w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return {scene["id"]: [shot["id"] for shot in scene["shots"]] for scene in scenes}


@pytest.fixture(scope="module")
def three_scenes(tmp_path_factory):
    folder = make_production(tmp_path_factory.mktemp("scenes") / "small")
    doit(folder)
    shots_by_scene = split_into_scenes(folder)
    doit(folder)
    return folder, shots_by_scene


def test_plan_lists_the_scenes_in_film_order(three_scenes):
    folder, shots_by_scene = three_scenes
    plan = json.loads((folder / "build" / "plan.json").read_text(encoding="utf-8"))
    scenes = plan["scenes"]
    assert [(s["id"], s["setting"]) for s in scenes] == [(i, setting) for i, setting, _ in SCENES]
    assert {s["id"]: s["shots"] for s in scenes} == shots_by_scene

    # the scenes tile the film: the first starts at 0, each where the last ends, together the film's length
    assert scenes[0]["start"] == 0
    assert all(a["start"] < b["start"] for a, b in zip(scenes, scenes[1:]))
    for a, b in zip(scenes, scenes[1:]):
        assert b["start"] == pytest.approx(a["start"] + a["duration"], abs=1e-3)
    assert sum(s["duration"] for s in scenes) == pytest.approx(plan["seconds"], abs=1e-3)

    # shots and segments are partitioned among the scenes, in film order
    assert [shot for s in scenes for shot in s["shots"]] == [shot["id"] for shot in plan["shots"]]
    assert [segment for s in scenes for segment in s["segments"]] == [segment["id"] for segment in plan["segments"]]
    scene_of_segment = {segment: s["id"] for s in scenes for segment in s["segments"]}
    assert all(segment["scene"] == scene_of_segment[segment["id"]] for segment in plan["segments"])
    assert [segment["scene"] for segment in plan["segments"] if segment["id"].startswith("sh04")] == ["cafe", "cafe"]
    scene_of_shot = {shot: s["id"] for s in scenes for shot in s["shots"]}
    assert all(shot["scene"] == scene_of_shot[shot["id"]] for shot in plan["shots"])
    # a scene starts where its first shot does
    first_shot = {shot["id"]: shot for shot in plan["shots"]}
    for scene in scenes:
        assert first_shot[scene["shots"][0]]["start"] == pytest.approx(scene["start"], abs=1e-3)


class ReportStructure(HTMLParser):
    """What a reader navigates by: the table of contents' links, the scene sections in order (with their text), and
    the shot sections inside each."""

    def __init__(self):
        super().__init__()
        self.toc_links: list[str] = []
        self.toc_rows: list[str] = []
        self.sections: list[str] = []  # scene anchors, in page order
        self.shots: dict[str, list[str]] = {}  # scene anchor -> shot section ids
        self.text: dict[str, str] = {}  # scene anchor -> its text
        self._in_toc = False
        self._row: list[str] | None = None
        self._stack: list[str | None] = []  # open <section>s: the scene anchor or None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "toc" in (attrs.get("class") or "").split():
            self._in_toc = True
        elif self._in_toc and tag == "tr":
            self._row = []
        elif self._in_toc and tag == "a" and attrs.get("href", "").startswith("#"):
            self.toc_links.append(attrs["href"][1:])
        elif tag == "section":
            classes = (attrs.get("class") or "").split()
            if "scene" in classes:
                self.sections.append(attrs["id"])
                self.shots[attrs["id"]] = []
                self.text[attrs["id"]] = ""
                self._stack.append(attrs["id"])
            else:
                self._stack.append(None)
                if "shot" in classes:
                    scenes = [anchor for anchor in self._stack if anchor]
                    assert scenes, f"shot section {attrs.get('id')} outside any scene section"
                    self.shots[scenes[-1]].append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "table" and self._in_toc:
            self._in_toc = False
        elif tag == "tr" and self._row is not None:
            self.toc_rows.append(" ".join(" ".join(self._row).split()))
            self._row = None
        elif tag == "section":
            self._stack.pop()

    def handle_data(self, data):
        if self._row is not None:
            self._row.append(data)
        scenes = [anchor for anchor in self._stack if anchor]
        if scenes:
            self.text[scenes[-1]] += data


def test_report_groups_the_shots_by_scene_under_a_table_of_contents(three_scenes):
    folder, shots_by_scene = three_scenes
    build = folder / "build"
    page = (build / "report.html").read_text(encoding="utf-8")
    plan = json.loads((build / "plan.json").read_text(encoding="utf-8"))
    report = ReportStructure()
    report.feed(page)

    # the table of contents: one row per scene (number, id, setting, in point and length as timecode, shots), each
    # linking to its section, in the order the sections come
    assert len(report.toc_links) == len(SCENES) == len(report.sections)
    assert report.toc_links == report.sections
    assert page.index('class="toc"') < page.index('<section class="scene"')  # at the top
    rows = report.toc_rows[1:]  # after the header row
    for number, (row, scene) in enumerate(zip(rows, plan["scenes"]), 1):
        assert row.split()[:2] == [str(number), scene["id"]], row
        assert scene["setting"] in row and timecode(scene["first_frame"], plan["fps"]) in row, row
        assert row.split()[-1] == str(len(scene["shots"])), row

    # each section opens with its scene and setting, then its shots in film order; every shot is under its scene
    for anchor, (scene_id, setting, _) in zip(report.sections, SCENES):
        assert scene_id in anchor
        text = " ".join(report.text[anchor].split())
        assert text.index(scene_id) < text.index(setting) < text.index(shots_by_scene[scene_id][0])
        pieces = [re.sub(r"-p\d+$", "", piece) for piece in report.shots[anchor]]
        assert list(dict.fromkeys(pieces)) == shots_by_scene[scene_id]
    assert report.shots[report.sections[1]] == ["sh04", "sh04-p2", "sh05"]  # a split shot: both parts, in order
    assert [piece for anchor in report.sections for piece in report.shots[anchor]] == \
        re.findall(r'<section class="shot" id="([^"]+)">', page)

    # what the report showed before stays: every piece's three frames, every line, the plot, the scores
    pieces = sum(len(segment["shots"]) for segment in plan["segments"])
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', page)) == 3 * pieces
    anchor_of_scene = dict(zip([i for i, _, _ in SCENES], report.sections))
    scene_of_shot = {shot: scene_id for scene_id, shots in shots_by_scene.items() for shot in shots}
    for line in plan["dialogue"]:  # each line under its shot's scene
        assert line["line"] in report.text[anchor_of_scene[scene_of_shot[line["shot"]]]]
    assert "<svg" in page and "boundary_continuity" in page and "format compliance" in page
    assert page.count('href="#scene-') >= 2 * len(SCENES)  # the plot's scene bands link to the sections too


def test_timeline_marks_each_scene_over_its_span(three_scenes):
    folder, shots_by_scene = three_scenes
    build = folder / "build"
    plan = json.loads((build / "plan.json").read_text(encoding="utf-8"))
    timeline = otio.adapters.read_from_file(str(build / "film.otio"))
    again = otio.adapters.read_from_string(otio.adapters.write_to_string(timeline, "otio_json"))
    assert otio.adapters.write_to_string(again, "otio_json") == otio.adapters.write_to_string(timeline, "otio_json")

    for cut in (timeline, again):  # as written, and after a round trip through the adapter
        video = cut.video_tracks()[0]
        markers = [m for m in video.markers if "scene" in m.metadata.get("scriptagent", {})]
        assert [m.metadata["scriptagent"]["scene"] for m in markers] == [i for i, _, _ in SCENES]
        assert [m.name for m in markers] == [f"{i}: {setting}" for i, setting, _ in SCENES]
        # the ranges tile the film
        ranges = [m.marked_range for m in markers]
        assert ranges[0].start_time.to_frames() == 0
        assert all(a.end_time_exclusive() == b.start_time for a, b in zip(ranges, ranges[1:]))
        assert ranges[-1].end_time_exclusive().to_frames() == plan["frames"] == cut.duration().to_frames()
        # each over exactly its scene's clips
        for marker in markers:
            scene_id = marker.metadata["scriptagent"]["scene"]
            spans = [video.range_of_child(clip) for clip in video.find_clips(shallow_search=True)
                     if clip.metadata["scriptagent"]["scene"] == scene_id]
            assert {clip.name for clip in video.find_clips(shallow_search=True)
                    if clip.metadata["scriptagent"]["scene"] == scene_id} == set(shots_by_scene[scene_id])
            assert marker.marked_range.start_time == spans[0].start_time
            assert marker.marked_range.end_time_exclusive() == spans[-1].end_time_exclusive()
        # the dialogue markers stay on the clips, one per line
        assert sum(len(clip.markers) for clip in video.find_clips()) == len(plan["dialogue"])


def test_plan_command_shows_each_segments_scene(three_scenes):
    folder, shots_by_scene = three_scenes
    plan = json.loads((folder / "build" / "plan.json").read_text(encoding="utf-8"))
    table = cli("plan", str(folder), cwd=folder.parent)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["segment", "shots"]
    assert "3 scenes" in lines[-1]
    # a heading per scene, in order, above its segments
    headings = [n for n, line in enumerate(lines) if line.startswith("# scene ")]
    assert [lines[n].split()[3].rstrip(":") for n in headings] == [i for i, _, _ in SCENES]
    assert [lines[n].split()[2] for n in headings] == ["1/3", "2/3", "3/3"]
    for (scene_id, setting, _), start, end in zip(SCENES, headings, headings[1:] + [len(lines) - 1]):
        assert setting in lines[start]
        assert [line.split()[0] for line in lines[start + 1:end]] == \
            next(s["segments"] for s in plan["scenes"] if s["id"] == scene_id)
