"""Productions of many scenes (issue #15): the schema, the rule-based coverage of each scene (entrances, action
beats, voices off screen, transitions), language models asked one scene at a time, and builds that keep every edit
inside its scene."""

from __future__ import annotations

import json

import pytest

from chat_server import ChatServer
from conftest import cached, doit, executed, make_production, up_to_date

from scriptagent.schema import ActionBeat, DialogueLine, Production, TransitionBeat, read_heading
from scriptagent.scripter import write_script
from scriptagent.scripter.validators import validate_script

CAST = [{"id": "ana", "name": "Ana", "appearance": "long brown hair, yellow raincoat"},
        {"id": "ben", "name": "Ben", "appearance": "bald, green sweater"},
        {"id": "cleo", "name": "Cleo", "appearance": "grey bob, red scarf"}]
SCENES = [
    {"id": "cafe", "heading": "INT. CAFE - DAY", "description": "Rain streaks the window.", "present": ["ana"],
     "body": [{"action": "Ana stirs her coffee and checks the door."},
              {"ana": "You're late."},
              {"speaker": "ben", "line": "Traffic. I'm two minutes away.", "off_screen": True},
              {"transition": "dissolve"},
              {"action": "Ben walks in, shaking off the rain."},
              {"ben": "(sitting) Sorry. The bridge was closed."},
              {"ana": "Sit down."}]},
    {"id": "bridge", "heading": "EXT. GOLDEN GATE BRIDGE - DAWN",
     "body": [{"cleo": "(into her phone) They met. Both of them."},
              {"speaker": "ana", "line": "Who is this?", "off_screen": True},
              {"action": "Cleo hangs up and walks away."}]},
]


def production(scenes=SCENES) -> Production:
    return Production.model_validate({"title": "Two Places", "seed": 2, "cast": CAST, "scenes": scenes})


def test_a_scene_body_holds_lines_actions_and_transitions():
    cafe = production().scene_list[0]
    assert [type(item) for item in cafe.body] == [ActionBeat, DialogueLine, DialogueLine, TransitionBeat,
                                                   ActionBeat, DialogueLine, DialogueLine]
    assert cafe.body[2].off_screen and cafe.body[5].parenthetical == "sitting"
    assert cafe.setting == "INT. CAFE - DAY. Rain streaks the window."
    assert [line.line for line in production().lines][:2] == ["You're late.", "Traffic. I'm two minutes away."]
    heading = read_heading("EXT. GOLDEN GATE BRIDGE - DAWN")
    assert (heading.interior, heading.place, heading.time) == (False, "golden gate bridge", "dawn")
    assert read_heading("a night platform").interior is None


def test_the_one_scene_form_is_one_scene():
    one = Production.model_validate({"title": "T", "cast": CAST[:2], "setting": "a kitchen at dawn",
                                     "dialogue": [{"ana": "Hi."}, {"ben": "Hello."}]})
    assert [scene.id for scene in one.scene_list] == ["kitchen"] and len(one.lines) == 2
    with pytest.raises(ValueError, match="not both"):
        Production.model_validate({"title": "T", "cast": CAST, "setting": "x", "scenes": SCENES})


def test_each_scene_is_covered_on_its_own():
    prod = production()
    script = write_script(prod)
    assert not [f for f in validate_script(script, prod) if f.severity == "error"]
    cafe, bridge = script.scenes
    assert (cafe.id, bridge.id) == ("cafe", "bridge") and bridge.setting.startswith("EXT. GOLDEN GATE BRIDGE")
    assert [shot.id for shot in cafe.shots][:3] == ["cafe-01", "cafe-02", "cafe-03"]
    assert all(shot.id.startswith("bridge-") for shot in bridge.shots)
    # an establishing shot of each place; the film opens from black, the next scene cuts in
    assert cafe.shots[0].shot_size.value == "extreme-wide" and bridge.shots[0].shot_size.value == "extreme-wide"
    assert cafe.shots[0].transition.value == "fade-in" and bridge.shots[0].transition.value == "cut"

    def shot_saying(text):
        return next(s for scene in script.scenes for s in scene.shots for line in s.dialogue if line.line == text)

    # Ben is not in the cafe until he walks in; before, he is a voice on the phone over Ana's face
    phone = shot_saying("Traffic. I'm two minutes away.")
    assert phone.dialogue[0].off_screen and [c.id for c in phone.characters] == ["ana"]
    index = cafe.shots.index(phone)
    assert all("ben" not in [c.id for c in shot.characters] for shot in cafe.shots[:index + 1])
    entrance = cafe.shots[index + 1]
    assert not entrance.dialogue and "Ben walks in" in entrance.description
    assert entrance.transition.value == "dissolve" and [c.id for c in entrance.characters] == ["ben"]
    # action beats are shots without dialogue, timed from their length
    stir = cafe.shots[1]
    assert not stir.dialogue and "stirs her coffee" in stir.description and 1.5 <= stir.duration <= 6
    # the voice at the other end of the call is never a figure on the bridge
    assert all("ana" not in [c.id for c in shot.characters] for shot in bridge.shots)
    assert shot_saying("Who is this?").dialogue[0].off_screen
    # screen direction per scene: each character keeps one side within the cafe
    sides = {}
    for shot in cafe.shots:
        for character in shot.characters:
            if character.position.startswith(("left", "right")):
                assert sides.setdefault(character.id, character.position.split()[0]) == \
                    character.position.split()[0]
    assert set(sides) == {"ana", "ben"} and sides["ana"] != sides["ben"]  # facing each other across the table


class SceneModel:
    """A language model on loopback that answers each scene's prompt with that scene's script."""

    def __init__(self, prod: Production):
        self.scripts = {scene.id: write_script(prod.scene_production(scene)) for scene in prod.scene_list}

    def __call__(self, body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        setting = prompt.split("Setting: ", 1)[1].split("\n", 1)[0]
        script = next(s for s in self.scripts.values() if s.scenes[0].setting == setting)
        return script.model_dump_json()


def test_a_language_model_is_asked_one_scene_at_a_time():
    prod = production()
    with ChatServer(SceneModel(prod)) as server:
        config = {"backend": "openai", "base_url": server.url, "model": "test-model", "retries": 0}
        lm = prod.model_copy(update={"scripter": Production.model_validate(
            {**prod.model_dump(mode="json", exclude_none=True), "scripter": config}).scripter})
        script = write_script(lm)
        prompts = [request["messages"][-1]["content"] for request in server.requests]
    assert len(prompts) == 2  # one per scene, none holding the other scene's lines
    assert "Who is this?" not in prompts[0] and "You're late." not in prompts[1]
    assert "[action: film it as a shot without dialogue] Ana stirs her coffee" in prompts[0]
    assert "(off screen: heard, not seen)" in prompts[0]
    assert [scene.id for scene in script.scenes] == ["cafe", "bridge"]
    assert len({shot.id for _, shot in script.shots()}) == len(script.shots())
    assert not [f for f in validate_script(script, prod) if f.severity == "error"]


def scenes_production_text(scenes=SCENES) -> str:
    data = {"title": "Two Places", "seed": 2, "cast": CAST, "scenes": scenes,
            "style": {"resolution": [96, 54], "fps": 8},
            "director": {"backend": "animatic", "max_segment_seconds": 4, "anchoring": "ANCHORING"},
            "critic": {"metrics": ["structure"], "judge": "none"}}
    return json.dumps(data)  # JSON is YAML


@pytest.mark.parametrize("anchoring", ["chain", "keyframe", "none"])
def test_an_edit_in_one_scene_renders_nothing_in_another(tmp_path, anchoring):
    folder = make_production(tmp_path / "p", anchoring, scenes_production_text())
    doit(folder)
    plan = json.loads((folder / "build" / "plan.json").read_text())
    cafe = {s["id"] for s in plan["segments"] if s["id"].startswith("cafe")}
    assert cafe and len(cafe) < len(plan["segments"])
    edited = json.loads(json.dumps(SCENES))
    edited[1]["body"][0] = {"cleo": "(into her phone) They met. Both of them, at last."}
    (folder / "production.yaml").write_text(scenes_production_text(edited).replace("ANCHORING", anchoring))
    output = doit(folder).stdout
    renders = [t for t in executed(output) if t.startswith("render:")]
    assert renders and all(t.split(":")[1].startswith("bridge") for t in renders)


STREET = {"id": "street", "heading": "EXT. STREET - NIGHT", "body": [{"ben": "Goodnight, then."}]}


@pytest.mark.parametrize("anchoring", ["chain", "none"])
def test_a_moved_scene_renders_nothing(tmp_path, anchoring):
    folder = make_production(tmp_path / "p", anchoring, scenes_production_text(SCENES + [STREET]))
    doit(folder)
    before = {s["id"] for s in json.loads((folder / "build" / "plan.json").read_text())["segments"]}
    swapped = [SCENES[0], STREET, SCENES[1]]  # the last two scenes change places
    (folder / "production.yaml").write_text(scenes_production_text(swapped).replace("ANCHORING", anchoring))
    output = doit(folder).stdout
    assert not [t for t in executed(output) if t.startswith("render:")]
    assert {s["id"] for s in json.loads((folder / "build" / "plan.json").read_text())["segments"]} == before
    # the segments' files are unchanged, so doit finds every render up to date: not even the cache is asked
    assert sorted(t for t in up_to_date(output) if t.startswith("render:")) == sorted(f"render:{i}" for i in before)
    assert not cached(output)
