"""Keyframe anchoring on the embedded animatic: keyframes are tasks of the graph, made from a shot's visual fields
only, and each segment starts from its keyframe, so an edit re-renders only the segments whose keyframes or own
shots changed (no cascade as in chain mode)."""

from __future__ import annotations

import json
import re

import numpy as np
from PIL import Image

from conftest import doit, executed, make_production
from conftest import edit_script, shot_in
from test_build import segment_ids

from scriptagent.director import plan_keyframes, plan_segments
from scriptagent.schema import Production, Script


def tasks_of(output: str, kind: str) -> list[str]:
    return [task.split(":", 1)[1] for task in executed(output) if task.startswith(f"{kind}:")]


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def segments_of(folder) -> list[dict]:
    return json.loads((folder / "build" / "plan.json").read_text())["segments"]


def test_keyframes_are_tasks_and_every_segment_starts_from_its_own(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="keyframe")
    first = doit(folder)
    listed = doit(folder, "list", "--all")
    segments = segments_of(folder)
    ids = [s["id"] for s in segments]
    assert sorted(tasks_of(first.stdout, "keyframe")) == sorted(ids)
    assert all(re.search(rf"^keyframe:{re.escape(i)}\b", listed.stdout, re.M) for i in ids)
    # keyframes come before any render: a GPU then holds one model at a time
    order = executed(first.stdout)
    assert max(order.index(f"keyframe:{i}") for i in ids) < min(order.index(f"render:{i}") for i in ids)

    build = folder / "build"
    split = [s for s in segments if s["end_keyframe"]]  # the first parts of split shots
    assert split, "the small production has a shot longer than max_segment_seconds"
    for segment in segments:
        opening = pixels(build / "frames" / f"{segment['id']}.first.png")
        keyframe = pixels(build / "keyframes" / f"{segment['id']}.png")
        head = json.loads((build / "segments" / f"{segment['id']}.json").read_text())["shots"][0]
        if head["shot"]["transition"] == "cut" or head["part"] > 1:  # a fade or dissolve opens on its blend
            assert np.array_equal(opening, keyframe), segment["id"]
    for segment in split:  # a split shot's first part ends exactly where its next part starts
        assert np.array_equal(pixels(build / "frames" / f"{segment['id']}.last.png"),
                              pixels(build / "keyframes" / f"{segment['end_keyframe']}.png"))


def test_dialogue_edit_reruns_no_keyframe_and_one_render(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="keyframe")
    doit(folder)
    edit_script(folder, lambda data: shot_in(data, "sh03")["dialogue"][0].__setitem__("line", "Couldn't sleep at all."))
    result = doit(folder)
    assert tasks_of(result.stdout, "keyframe") == []
    target = [s["id"] for s in segments_of(folder) if s["id"].startswith("sh03")]
    assert tasks_of(result.stdout, "render") == target and len(target) == 1


def test_picture_edit_reruns_its_keyframe_and_render_without_cascade(tmp_path):
    folder = make_production(tmp_path / "p", anchoring="keyframe")
    doit(folder)
    ids = segment_ids(folder)
    edit_script(folder, lambda data: shot_in(data, "sh02").__setitem__("shot_size", "close-up"))
    result = doit(folder)
    assert tasks_of(result.stdout, "keyframe") == ["sh02"]
    assert tasks_of(result.stdout, "render") == ["sh02"]  # chain mode would re-render every later segment
    assert "sh03" in ids


def test_keyframes_depend_on_the_picture_not_on_words_or_timing():
    data = {"title": "T", "cast": [{"id": "ana", "name": "Ana"}, {"id": "ben", "name": "Ben"}],
            "setting": "a kitchen", "dialogue": [{"ana": "Hi."}], "style": {"fps": 12, "resolution": [160, 90]},
            "director": {"backend": "animatic", "max_segment_seconds": 3, "anchoring": "keyframe"}}
    shots = [{"id": "sh01", "duration": 2.0, "shot_size": "medium", "description": "Ana talks.",
              "characters": [{"id": "ana", "position": "left third"}, {"id": "ben", "position": "right third"}],
              "dialogue": [{"speaker": "ana", "line": "Hello there."}]},
             {"id": "sh02", "duration": 5.0, "shot_size": "wide", "camera_movement": "pan-left",
              "description": "The kitchen.", "characters": []}]
    script = {"characters": {"ana": {"name": "Ana"}, "ben": {"name": "Ben"}},
              "scenes": [{"id": "kitchen", "setting": "a kitchen", "shots": shots}]}

    def keyframes(change=None):
        edited = json.loads(json.dumps(script))
        if change:
            change(edited["scenes"][0]["shots"])
        segments = plan_segments(Production.model_validate(data), Script.model_validate(edited))
        return {k.id: k.model_dump(mode="json") for k in plan_keyframes(segments)}

    before = keyframes()
    assert list(before) == ["sh01", "sh02-p1", "sh02-p2"]
    # words and the opening shot's length do not change any keyframe
    assert keyframes(lambda s: s[0]["dialogue"][0].update(line="Something else entirely.")) == before
    assert keyframes(lambda s: s[0].update(duration=2.5)) == before
    # who speaks does (the camera favours the speaker), and so does what is seen
    assert keyframes(lambda s: s[0]["dialogue"][0].update(speaker="ben"))["sh01"] != before["sh01"]
    changed = keyframes(lambda s: s[0]["characters"][0].update(position="far left"))
    assert changed["sh01"] != before["sh01"] and changed["sh02-p1"] == before["sh02-p1"]
    # a later part of a split shot opens where the camera is by then, so the shot's length matters there
    longer = keyframes(lambda s: s[1].update(duration=5.5))
    assert longer["sh02-p1"] == before["sh02-p1"] and longer["sh02-p2"] != before["sh02-p2"]
