"""The paper's released artifacts (issue #18): their script format read and written (round trips, a reply written by
hand after their README, replies that are not in it), the released ScriptAgent (a tiny random Qwen2.5-Omni thinker
and a tiny LoRA built here, loaded by path through the real loading code; and a loopback server answering in their
format), `scriptagent script --export released / --import FILE`, and their rubrics as a selectable set."""

from __future__ import annotations

import json
import time

import pytest

from chat_server import ChatServer
from conftest import SMALL_PRODUCTION, cli, doit, make_production
from critic_helpers import text_of

from scriptagent.critic.judge import RubricReplyError, read_rubric, rubric_schema
from scriptagent.critic.rubrics import RELEASED_FILM_RUBRIC, RELEASED_SCRIPT_RUBRIC
from scriptagent.schema import (Angle, CameraMovement, Character, Production, Scene, Script, ScriptLine, Shot,
                                ShotCharacter, ShotSize, TransformersScripterConfig, load_production)
from scriptagent.scripter import script_header, script_inputs_digest, script_state
from scriptagent.scripter.released import director_hazards, export_released, read_for, released_terms
from scriptagent.scripter.released_format import read_released, write_released
from scriptagent.scripter.reply import review_reply
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.yamlio import load_yaml_text

OMNI_SYSTEM = "You are Qwen, a virtual human developed by the Qwen Team"


def small_production(text: str = SMALL_PRODUCTION) -> Production:
    return Production.model_validate(load_yaml_text(text.replace("ANCHORING", "chain"), "p"))


def every_value_script() -> Script:
    """Shots with whole-second durations that use every shot size, angle, movement and transition once or more,
    off-screen lines, emotions, actions and expressions."""
    sizes, angles, movements = list(ShotSize), list(Angle), list(CameraMovement)
    transitions = ["fade-in"] + ["cut"] * 5 + ["dissolve"] + ["cut"] * 5
    lines = iter([("ana", "You're up early.", "warm"), ("ben", "Couldn't sleep.", ""),
                  ("ben", "Big day today, you know, the one we talked about for months.", "quietly; tired"),
                  ("ana", "Are you nervous?", ""), ("ben", "Terrified.", "a whisper")])
    shots = []
    for index, movement in enumerate(movements):
        size = sizes[index % len(sizes)]
        people = [ShotCharacter(id="ana", position="left third, facing right", action="pours tea",
                                expression="sleepy")]
        if size in (ShotSize.two_shot, ShotSize.over_the_shoulder) or index % 3 == 0:
            people.append(ShotCharacter(id="ben", position="right third, facing left"))
        dialogue = []
        if index in (1, 3, 5, 7, 9):
            speaker, line, emotion = next(lines)
            dialogue = [ScriptLine(speaker=speaker, line=line, emotion=emotion,
                                   off_screen=speaker not in {p.id for p in people})]
        shots.append(Shot(id=f"sh{index + 1:02d}", duration=float(2 + index % 5), shot_size=size,
                          angle=angles[index % len(angles)], camera_movement=movement,
                          description=f"Shot {index + 1} of the kitchen, steam rising from a cup.", characters=people,
                          dialogue=dialogue, transition=transitions[index]))
    characters = {"ana": Character(name="Ana", appearance="young woman, long brown hair, yellow raincoat"),
                  "ben": Character(name="Ben", appearance="man in his fifties, bald, green sweater")}
    return Script(title="Small Test", characters=characters,
                  scenes=[Scene(id="kitchen", setting="a small kitchen in the morning", shots=shots)])


# --- the format: writing and reading ---------------------------------------------------------------------------

def test_round_trip_keeps_shots_durations_dialogue_and_camera_words():
    script = every_value_script()
    text = write_released(script)
    assert "【Character Profiles】\nAna: young woman" in text and "【Blocking】\n1. Ana: left third" in text
    assert "1. [0seconds-2seconds] Extreme Wide Shot, Eye-Level Angle, Static Camera, Fade In." in text
    assert 'Ben (off screen): "Big day today, you know, the one we talked about for months." (quietly; tired)' in text
    cast = [type("Member", (), {"id": cid, "name": c.name, "appearance": c.appearance})()
            for cid, c in script.characters.items()]
    reading = read_released(text, cast, title="Small Test", scene_id="kitchen")
    assert reading.problems == []
    assert Script.model_validate(reading.data) == script
    assert director_hazards(text) == []


def test_fractional_durations_come_back_to_the_second():
    production = small_production()
    script = RuleBasedScripter(production.scripter).write(production)
    back = Script.model_validate(read_for(production, write_released(script)).data)
    pairs = list(zip(script.scenes[0].shots, back.scenes[0].shots))
    assert len(pairs) == len(script.scenes[0].shots) == len(back.scenes[0].shots)
    for ours, read in pairs:  # rounded up to the second (less 0.1 s): never too short for the lines
        assert read.duration == int(read.duration) >= 1 and ours.duration - 0.1 <= read.duration < ours.duration + 1
        assert (read.dialogue, read.shot_size, read.angle, read.camera_movement, read.characters) == (
            ours.dialogue, ours.shot_size, ours.angle, ours.camera_movement, ours.characters)
    assert review_reply(write_released(script), production, "released").ok


README_STYLE = """\
Here is the shooting script.

【Character Description】
Alice: A young woman with long brown hair, wearing a blue dress.
Bob: An elderly man with white beard, in formal suit.

【Scene Description】
A sunny afternoon in a beautiful garden with blooming flowers.

【Character Positions】
1. Alice stands on the left, Bob on the right
2. Both move to the center
3. Alice sits on the bench in the center, Bob stands nearby on the right

【Dialogue】
1. Alice: "What a beautiful day!" (smiling and looking around)
2. Bob: "Indeed, reminds me of my youth." (nostalgic expression)
3. Alice: "Tell me more!" (sitting down, eager to listen)
"""

GARDEN = """\
title: Garden
cast:
  - {id: alice, name: Alice, appearance: "A young woman with long brown hair, wearing a blue dress."}
  - {id: bob, name: Bob}
setting: a garden
dialogue:
  - alice: "What a beautiful day!"
  - bob: "Indeed, reminds me of my youth."
  - alice: "Tell me more!"
"""


def test_a_reply_written_by_hand_after_their_readme_is_a_valid_script():
    production = small_production(GARDEN)
    review = review_reply(README_STYLE, production, "released")
    assert review.ok, review.to_fix
    script = review.script
    assert script.characters["bob"].appearance == "An elderly man with white beard, in formal suit."  # the profile
    assert script.scenes[0].setting == "A sunny afternoon in a beautiful garden with blooming flowers."
    first, second, third = script.scenes[0].shots
    assert [(c.id, c.position) for c in first.characters] == [("alice", "stands on the left"), ("bob", "on the right")]
    assert first.shot_size == ShotSize.two_shot and first.angle == Angle.eye_level  # from the head count
    assert first.dialogue == [ScriptLine(speaker="alice", line="What a beautiful day!",
                                         emotion="smiling and looking around")]
    assert [(c.id, c.position) for c in second.characters] == [("bob", "on the right")]  # speaks, kept his place
    assert second.shot_size == ShotSize.medium and 1.5 <= second.duration <= 4  # timed from its words
    assert [c.position for c in third.characters] == ["sits on the bench in the center", "stands nearby on the right"]


MODEL_STYLE = """\
<think>The user gave a dialogue; I will write the script.</think>
【CHARACTER PROFILES】：
1. Ana: a young woman, 1.65 m, long brown hair, yellow raincoat; lively.
2. Ben: a man in his fifties, bald, green sweater; tired.
【SCENE DESCRIPTION】：A small kitchen at dawn, grey light through the blinds.
【BLOCKING】：
1. Ana stands at the window on the left, facing Ben; Ben sits at the table on the right
2. Ben at the table, right
【DIALOGUE】：
1. [0seconds-4seconds] Wide shot, slow push-in, high angle. Grey light; Ana at the window. Ana: "You're up early." (sly)
Ben (pouring coffee): "Couldn't sleep."
2. [4seconds-10seconds] Close-up, handheld camera effect. Ben stares into his cup.
Ben: Big day today, you know, the one we talked about for months.
Ana (O.S.): "Are you nervous?"
Shot Type: Close-up
Ben: "Terrified." (barely audible)
"""


def test_a_reply_in_the_style_of_the_released_model():
    production = small_production()
    review = review_reply(MODEL_STYLE, production, "released")
    assert review.ok, review.to_fix
    first, second = review.script.scenes[0].shots
    assert (first.duration, first.shot_size, first.angle, first.camera_movement) == (
        4, ShotSize.wide, Angle.high, CameraMovement.dolly_in)
    assert first.description == "Grey light; Ana at the window."
    assert [(line.speaker, line.line, line.emotion) for line in first.dialogue] == [
        ("ana", "You're up early.", "sly"), ("ben", "Couldn't sleep.", "pouring coffee")]
    assert [(c.id, c.position) for c in first.characters] == [
        ("ana", "stands at the window on the left, facing Ben"), ("ben", "sits at the table on the right")]
    assert (second.duration, second.shot_size, second.camera_movement) == (6, ShotSize.close_up,
                                                                           CameraMovement.handheld)
    assert [(line.speaker, line.off_screen) for line in second.dialogue] == [("ben", False), ("ana", True),
                                                                            ("ben", False)]
    assert [c.id for c in second.characters] == ["ben"]
    assert second.description == "Ben stares into his cup."
    # production.yaml's appearance wins over the model's profile (the validators demand it)
    assert review.script.characters["ana"].appearance == "young woman, long brown hair, yellow raincoat"


@pytest.mark.parametrize("words, field, value", [
    ("Extreme long shot", "shot_size", "extreme-wide"), ("medium long shot", "shot_size", "full"),
    ("Medium close up", "shot_size", "medium-close-up"), ("ECU. Extreme close-up", "shot_size", "extreme-close-up"),
    ("OTS shot", "shot_size", "over-the-shoulder"), ("establishing shot", "shot_size", "wide"),
    ("bird's eye view", "angle", "overhead"), ("Dutch angle", "angle", "dutch"), ("low-angle", "angle", "low"),
    ("pull back slowly", "camera_movement", "dolly-out"), ("Camera pans to the left", "camera_movement", "pan-left"),
    ("a slow pan", "camera_movement", "pan-right"), ("crane up", "camera_movement", "tilt-up"),
    ("Arc Shot around them", "camera_movement", "tracking-right"), ("trucks left", "camera_movement", "tracking-left"),
    ("zooms out", "camera_movement", "zoom-out"), ("Dissolve to the street", "transition", "dissolve"),
])
def test_their_camera_words_map_to_ours(words, field, value):
    reading = read_released(f"【Dialogue】\n1. [0s-3s] {words}. The street.", title="t")
    assert reading.problems == []
    assert reading.data["scenes"][0]["shots"][0][field] == value


@pytest.mark.parametrize("reply, problem", [
    ("", "the reply is empty"),
    ("I'm sorry, I can't write that.", "no numbered shots under 【Dialogue】"),
    ('{"scenes": []}', "no numbered shots under 【Dialogue】"),
    ("【Dialogue】\n1. [0seconds-12seconds] Wide Shot. Rain.",
     "node 1: [0seconds-12seconds] lasts 12 s, but a shot lasts at most 10 s (split it into two nodes)"),
    ("【Dialogue】\n1. [5seconds-5seconds] Wide Shot. Rain.", "node 1: the time span [5seconds-5seconds] ends before"),
])
def test_a_reply_not_in_the_format_is_a_problem_for_the_repair_loop(reply, problem):
    review = review_reply(reply, small_production(), "released")
    assert review.stage == "parse" and problem in review.to_fix[0]


def test_hostile_replies_are_read_in_linear_time():
    production = small_production()
    for reply in ["【Dialogue】\n1. [1" + " " * 200_000 + "x", "【Dialogue】\n1. shot" + " " * 200_000 + "x",
                  "【Dialogue】\n1. Ana: " + "()" * 100_000, "【Dialogue】\n1. " + "Ana (" * 50_000,
                  "【Blocking】\n1. Ana" + ", " * 1000 + "x\n【Dialogue】\n1. hi", "【" * 200_000,
                  '【Dialogue】\n1. Ana: "' + '"' * 100_000, "x" * 1_000_000]:
        started = time.monotonic()
        review = review_reply(reply, production, "released")
        assert time.monotonic() - started < 5 and not review.ok


def test_problems_go_back_in_the_terms_of_their_format():
    assert released_terms("[scene] shot sh03: ben speaks on screen but is not in the shot (add ben to the shot's "
                          "characters or mark the line off_screen: true)") == (
        "[scene] node 3: ben speaks on screen but is not in the shot (add ben to the node's 【Blocking】 entry or "
        "write the speaker as 'Name (off screen)')")
    assert released_terms("scenes[0].shots[1].duration: too long") == "node 2 duration: too long"


def test_their_director_hazards_are_found():
    script = every_value_script()
    shot = script.scenes[0].shots[0].model_copy(update={"description": "The clock says 5.30 in 1990."})
    script = script.model_copy(update={"scenes": [script.scenes[0].model_copy(update={"shots": [shot]})]})
    hazards = director_hazards(write_released(script))
    assert len(hazards) == 2 and "start a new shot at '5.'" in hazards[0]


# --- the released ScriptAgent: a tiny LoRA on a tiny Qwen2.5-Omni thinker ----------------------------------------

@pytest.fixture(scope="module")
def released_model(tmp_path_factory):
    from released_helpers import as_swift_adapter, save_as_whole_omni, save_lora, save_tiny_thinker

    from scriptagent.scripter.prompts import Prompts, production_context

    root = tmp_path_factory.mktemp("released")
    context = {**production_context(small_production()), "problems": ["a problem"], "round": 1, "rounds": 3}
    texts = [Prompts()._render(name, context) for name in ("released_system.j2", "released_user.j2",
                                                            "released_repair.j2")]
    thinker = save_tiny_thinker(root / "thinker", texts)
    whole = save_as_whole_omni(thinker, root / "Qwen2.5-Omni-tiny")
    adapter = save_lora(thinker, root / "adapter")
    return {"thinker": thinker, "whole": whole, "adapter": adapter,
            "swift": as_swift_adapter(adapter, whole, root / "ScriptAgent")}


def test_the_adapter_is_loaded_on_its_base_and_merged(released_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from peft import PeftModel
    from transformers import Qwen2_5OmniThinkerForConditionalGeneration

    from scriptagent.lm import transformers_chat

    base = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(released_model["thinker"])
    reference = PeftModel.from_pretrained(base, released_model["adapter"]).merge_and_unload().state_dict()
    for adapter in ("adapter", "swift"):  # saved by peft on the thinker; as ms-swift saves one on the whole model
        transformers_chat.load_model.cache_clear()
        _, model, _ = transformers_chat.load_model(str(released_model[adapter]), "cpu", "float32", False)
        assert type(model).__name__ == "Qwen2_5OmniThinkerForConditionalGeneration"
        weights = model.state_dict()
        assert set(weights) == set(reference)
        assert all(weights[key].equal(reference[key]) for key in reference), adapter
    untouched = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(released_model["thinker"]).state_dict()
    assert any(not weights[key].equal(untouched[key]) for key in untouched), "the LoRA changed the weights"


def test_the_released_adapter_is_recognised_by_its_config(released_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from scriptagent.scripter.transformers_backend import TransformersScripter

    def scripter(**settings):
        return TransformersScripter(TransformersScripterConfig(device="cpu", **settings))

    assert scripter(model=str(released_model["swift"])).format == "released"
    assert scripter(model=str(released_model["adapter"])).format == "released"
    assert scripter(model=str(released_model["thinker"])).format == "json"  # a whole model, not the adapter
    assert scripter(model=str(released_model["swift"]), format="json").format == "json"
    production = small_production()
    opening = scripter(model=str(released_model["swift"])).opening(production)
    assert [m["role"] for m in opening] == ["system", "user"] and opening[0]["content"].startswith(OMNI_SYSTEM)
    assert opening[1]["content"] == ("Ana: You're up early.\nBen: (pouring coffee) Couldn't sleep. Big day today, you "
                                     "know, the one we talked about for months.\nAna: Are you nervous?\n"
                                     "Ben: Terrified.\n")


def test_a_build_with_the_released_adapter_fails_cleanly_after_the_repair_rounds(tmp_path, released_model,
                                                                                 monkeypatch):
    """The random LoRA writes nonsense: the problems go back in their format's terms; no traceback, no script."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "ScriptAgent").symlink_to(released_model["swift"])
    folder = make_production(tmp_path / "p", text=SMALL_PRODUCTION.replace(
        "{backend: rule-based}", "{backend: transformers, model: ../models/ScriptAgent, device: cpu, "
                                 "max_new_tokens: 24, repair_rounds: 1}"))
    result = cli("script", str(folder), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "after 1 repair round:" in output and "not in the released format" in output
    assert result.stderr.count("scripter: loading") == 1 and "Traceback" not in output
    assert not (folder / "script.yaml").exists()


def test_a_base_that_cannot_be_loaded_says_to_set_base_model(released_model, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from scriptagent.errors import BackendError
    from scriptagent.lm import chat

    config = TransformersScripterConfig(model=str(released_model["swift"]), device="cpu",
                                        base_model=str(tmp_path / "elsewhere"))
    with pytest.raises(BackendError, match=r"cannot load '.*elsewhere', the base model of the adapter .* \(hint: set "
                                           r"scripter\.base_model"):
        chat([{"role": "user", "content": "hi"}], config)


# --- the released format through a server, in a build ---------------------------------------------------------

def test_a_server_answering_in_their_format_makes_a_valid_script(tmp_path):
    production = small_production()
    good = write_released(RuleBasedScripter(production.scripter).write(production))
    lossy = good.replace('Ana: "Are you nervous?" (questioning)\n', "")
    assert lossy != good
    with ChatServer([lossy, good]) as server:
        folder = make_production(tmp_path / "p", text=SMALL_PRODUCTION.replace(
            "{backend: rule-based}", f"{{backend: openai, model: released, base_url: '{server.url}', format: released, "
                                     "retries: 0}"))
        result = cli("script", str(folder), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    first, repair = server.requests
    assert "response_format" not in first, "their model answers in text"
    assert first["messages"][0]["content"].startswith(OMNI_SYSTEM)
    assert first["messages"][1]["content"].startswith("Ana: You're up early.\nBen: (pouring coffee) Couldn't sleep.")
    assert repair["messages"][2] == {"role": "assistant", "content": lossy}
    assert "is missing" in text_of(repair["messages"][3]) and "【Dialogue】" in text_of(repair["messages"][3])
    text = (folder / "script.yaml").read_text()
    assert script_header(text)["format"] == "released" and script_state(text)[0] == "pristine"
    assert cli("validate", str(folder), cwd=tmp_path).returncode == 0


def test_new_settings_at_their_defaults_change_no_digest():
    production = small_production(SMALL_PRODUCTION.replace("{backend: rule-based}",
                                                           "{backend: transformers, model: some/model}"))
    explicit = small_production(SMALL_PRODUCTION.replace(
        "{backend: rule-based}", "{backend: transformers, model: some/model, format: auto}"))
    assert "format" not in production.scripter.model_dump() and "base_model" not in production.scripter.model_dump()
    assert script_inputs_digest(production) == script_inputs_digest(explicit)
    released = small_production(SMALL_PRODUCTION.replace(
        "{backend: rule-based}", "{backend: transformers, model: some/model, format: released}"))
    assert script_inputs_digest(released) != script_inputs_digest(production)


# --- scriptagent script --export released / --import FILE -----------------------------------------------------

SCENES = """\
title: Two Rooms
cast:
  - {id: ana, name: Ana, appearance: "young woman, yellow raincoat"}
  - {id: ben, name: Ben, appearance: "bald man, green sweater"}
scenes:
  - id: kitchen
    heading: "INT. KITCHEN - DAY"
    body:
      - ana: "You're up early."
      - ben: "Couldn't sleep."
  - id: porch
    heading: "EXT. PORCH - NIGHT"
    body:
      - ben: "Are you coming?"
      - ana: "In a minute."
scripter: {backend: rule-based}
director: {backend: animatic, max_segment_seconds: 3, anchoring: ANCHORING}
"""


def test_export_and_import_round_trip_through_the_command(tmp_path):
    folder = make_production(tmp_path / "p")
    assert cli("script", str(folder), cwd=tmp_path).returncode == 0
    original = load_yaml_text((folder / "script.yaml").read_text(), "script.yaml")
    exported = cli("script", str(folder), "--export", "released", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("【Character Profiles】\nAna: young woman") and "【Dialogue】\n1. [0seconds-" in \
        exported.stdout
    assert cli("script", str(folder), "--export", "released", "--out", str(tmp_path / "x.txt"),
               cwd=tmp_path).returncode == 0
    assert (tmp_path / "x.txt").read_text() == exported.stdout

    edited = tmp_path / "edited.txt"
    edited.write_text(exported.stdout.replace("Close-Up, Eye-Level Angle, Dolly In", "Close-Up, Low Angle, Zoom In"))
    imported = cli("script", str(folder), "--import", str(edited), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    text = (folder / "script.yaml").read_text()
    assert script_state(text)[0] == "edited", "an imported script is the user's: builds keep it"
    assert (folder / "script.yaml.bak").exists() and script_header(text)["backend"] == "import"
    script = Script.model_validate(load_yaml_text(text, "script.yaml"))
    assert [shot.id for shot in script.scenes[0].shots] == [s["id"] for s in original["scenes"][0]["shots"]]
    changed = [shot for shot in script.scenes[0].shots if shot.camera_movement == CameraMovement.zoom_in]
    assert len(changed) == 1 and changed[0].angle == Angle.low
    assert cli("validate", str(folder), cwd=tmp_path).returncode == 0
    doit(folder)
    assert (folder / "script.yaml").read_text() == text, "a build keeps an imported script"


def test_import_refuses_a_script_the_validators_reject(tmp_path):
    folder = make_production(tmp_path / "p")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text('【Dialogue】\n1. [0seconds-3seconds] Medium Shot. Ana: "Good morning."\n')
    result = cli("script", str(folder), "--import", str(wrong), cwd=tmp_path)
    assert result.returncode == 2 and "wrong.txt" in result.stderr and "[dialogue]" in result.stderr
    assert "Traceback" not in result.stderr and not (folder / "script.yaml").exists()
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("no script here")
    result = cli("script", str(folder), "--import", str(garbled), cwd=tmp_path)
    assert result.returncode == 2 and "not in the released format" in result.stderr


def test_many_scenes_export_as_marked_text_and_their_batch_jsonl(tmp_path):
    folder = make_production(tmp_path / "p", text=SCENES)
    assert cli("script", str(folder), cwd=tmp_path).returncode == 0
    script = Script.model_validate(load_yaml_text((folder / "script.yaml").read_text(), "script.yaml"))
    marked = export_released(script)
    assert marked.startswith("=== scene kitchen ===\n【Character Profiles】") and "=== scene porch ===" in marked
    assert cli("script", str(folder), "--export", "released", "--out", str(tmp_path / "batch.jsonl"),
               cwd=tmp_path).returncode == 0
    records = [json.loads(line) for line in (tmp_path / "batch.jsonl").read_text().splitlines()]
    assert [(r["index"], r["scene"]) for r in records] == [(1, "kitchen"), (2, "porch")]
    assert records[1]["response"] == write_released(script, 1)
    for source in ("batch.jsonl", "marked.txt"):
        (tmp_path / "marked.txt").write_text(marked)
        assert cli("script", str(folder), "--import", str(tmp_path / source), cwd=tmp_path).returncode == 0
        back = Script.model_validate(load_yaml_text((folder / "script.yaml").read_text(), "script.yaml"))
        assert [[s.id for s in scene.shots] for scene in back.scenes] == [[s.id for s in scene.shots]
                                                                           for scene in script.scenes]
        assert [[s.dialogue for s in scene.shots] for scene in back.scenes] == [[s.dialogue for s in scene.shots]
                                                                               for scene in script.scenes]
    one = tmp_path / "one.txt"
    one.write_text(write_released(script, 0))
    result = cli("script", str(folder), "--import", str(one), cwd=tmp_path)
    assert result.returncode == 2 and "it holds 1 scene, production.yaml 2" in result.stderr


# --- the released rubrics ----------------------------------------------------------------------------------------

def test_the_released_rubric_set_reads_scores_on_its_scale():
    body = {name: {"score": score, "reason": "Fine."} for name, score in zip(RELEASED_FILM_RUBRIC, [0, 4.5, "3.7", 5])}
    scores = read_rubric(json.dumps(body), "film", "released")
    assert [entry["score"] for entry in scores.values()] == [0, 4.5, 3.7, 5]
    with pytest.raises(RubricReplyError, match=r"must be a number from 0 to 5, not 5.5"):
        read_rubric(json.dumps({**body, "voice_lip_sync": {"score": 5.5, "reason": "x"}}), "film", "released")
    with pytest.raises(RubricReplyError, match="'script_faithfulness' is missing"):
        read_rubric(json.dumps(body), "film")  # the paper's set is the default
    schema = rubric_schema("script", "released")
    assert list(schema["properties"]) == list(RELEASED_SCRIPT_RUBRIC)
    assert schema["properties"]["format_compliance"]["properties"]["score"] == {"type": "number", "minimum": 0,
                                                                               "maximum": 5}


def test_a_build_judged_with_the_released_rubrics(tmp_path):
    prompts: dict[str, str] = {}

    def reply(request):
        kind = "film" if "reference script" in text_of(request["messages"][0]) else "script"
        prompts[kind] = text_of(request["messages"][1])
        rubric = RELEASED_FILM_RUBRIC if kind == "film" else RELEASED_SCRIPT_RUBRIC
        return json.dumps({name: {"score": 4.5, "reason": f"{name} holds."} for name in rubric})

    with ChatServer(reply) as server:
        text = SMALL_PRODUCTION.replace("ANCHORING", "chain") + (
            f"critic: {{metrics: [structure], judge: {{backend: openai, model: judge, base_url: '{server.url}', "
            "rubrics: released}}\n")
        folder = make_production(tmp_path / "p", text=text)
        doit(folder)
    film = json.loads((folder / "build" / "scores" / "_film.json").read_text())["rubric"]
    script = json.loads((folder / "build" / "scores" / "_script.json").read_text())["rubric"]
    assert set(film["scores"]) == set(RELEASED_FILM_RUBRIC) and film["mean"] == 4.5
    assert set(script["scores"]) == set(RELEASED_SCRIPT_RUBRIC) and script["rubrics"] == "released"
    assert "【Dialogue】\n1. [0seconds-" in prompts["script"], "their script rubric sees their format"
    assert "voice_lip_sync" in prompts["film"]
    assert load_production(folder).critic.judge.rubrics == "released"


def test_editing_a_released_template_makes_a_pristine_released_script_stale(tmp_path):
    """The provenance digest covers the templates the model is asked with: their own for format released."""
    from scriptagent.scripter.prompts import RELEASED_TEMPLATE_NAMES, TEMPLATE_NAMES, Prompts

    before = {names: Prompts(tmp_path).digest(names) for names in (TEMPLATE_NAMES, RELEASED_TEMPLATE_NAMES)}
    overrides = tmp_path / "templates" / "scripter"
    overrides.mkdir(parents=True)
    (overrides / "released_user.j2").write_text("Dialogue:\n{{ dialogue }}\n", encoding="utf-8")
    after = {names: Prompts(tmp_path).digest(names) for names in (TEMPLATE_NAMES, RELEASED_TEMPLATE_NAMES)}
    assert after[RELEASED_TEMPLATE_NAMES] != before[RELEASED_TEMPLATE_NAMES]
    assert after[TEMPLATE_NAMES] == before[TEMPLATE_NAMES]  # a json-format script did not read it
