"""structure_reward: the GRPO reward for a reply as a script of a dialogue, read the way the build reads it."""

from __future__ import annotations

import json

import pytest

from conftest import SMALL_PRODUCTION

from scriptagent.schema import Production
from scriptagent.scripter.reward import WEIGHTS, structure_parts, structure_reward, structure_reward_func
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.yamlio import dump_yaml, load_yaml_text

PRODUCTION_YAML = SMALL_PRODUCTION.replace("ANCHORING", "chain")


@pytest.fixture(scope="module")
def replies() -> dict[str, str]:
    production = Production.model_validate(load_yaml_text(PRODUCTION_YAML, "production.yaml"))
    data = RuleBasedScripter(production.scripter).write(production).model_dump(mode="json")
    good = json.dumps(data)
    shots = [shot for scene in data["scenes"] for shot in scene["shots"]]
    speaking = [shot for shot in shots if shot["dialogue"]]
    speaking[0]["dialogue"] = []  # a lost line
    longest = max(speaking[1:], key=lambda shot: sum(len(line["line"]) for line in shot["dialogue"]))
    longest["duration"] = 2.0  # too short for its lines
    on_screen = next(shot for shot in speaking[2:] if not any(line["off_screen"] for line in shot["dialogue"]))
    on_screen["characters"] = []  # the speaker is not in the shot
    partly = json.dumps(data)
    shots[-1]["shot_size"] = "very-wide"  # no longer fits the schema
    invalid = f"```json\n{json.dumps(data)}\n```"
    return {"good": good, "partly broken": partly, "invalid schema": invalid, "cut off": good[:len(good) // 2],
            "garbage": "shot shot camera {{ ]] \x00 lorem"}


def test_good_beats_partly_broken_beats_garbage(replies):
    scores = {name: structure_reward(PRODUCTION_YAML, reply) for name, reply in replies.items()}
    assert scores["good"] == 1.0
    assert scores["good"] > scores["partly broken"] > scores["invalid schema"] > scores["cut off"] == 0.0
    assert scores["garbage"] == 0.0
    assert all(0.0 <= score <= 1.0 for score in scores.values())


def test_parts_show_what_went_wrong(replies):
    parts = structure_parts(PRODUCTION_YAML, replies["partly broken"])
    assert parts["parse"] == parts["schema"] == 1.0
    assert parts["dialogue"] < 1.0 and parts["scene"] < 1.0 and parts["durations"] < 1.0
    invalid = structure_parts(PRODUCTION_YAML, replies["invalid schema"])
    assert invalid["parse"] == 1.0 and 0.0 < invalid["schema"] < 0.5
    assert all(invalid[name] == 0.0 for name in WEIGHTS if name not in ("parse", "schema"))
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_the_same_script_scores_the_same_in_any_wrapping(replies):
    data = json.loads(replies["partly broken"])
    expected = structure_reward(PRODUCTION_YAML, replies["partly broken"])
    for reply in (f"```yaml\n{dump_yaml(data)}```", f"Here you go:\n```\n{json.dumps(data, indent=2)}\n```",
                  f"<think>wide first</think>{json.dumps(data)}"):
        assert structure_reward(PRODUCTION_YAML, reply) == expected


def test_dialogue_may_be_given_as_text_or_a_list(replies):
    listed = [{"ana": "You're up early."}, {"ben": "Terrified."}]
    text = "Ana: You're up early.\nBen: Terrified.\n"
    assert structure_reward(listed, replies["good"]) == structure_reward(text, replies["good"]) < 1.0


def test_trl_shaped_wrapper(replies):
    completions = [[{"role": "assistant", "content": replies[name]}] for name in ("good", "partly broken", "garbage")]
    rewards = structure_reward_func(completions, prompts=[[{"role": "user", "content": "..."}]] * 3,
                                    production=[PRODUCTION_YAML] * 3, completion_ids=[[1], [2], [3]])
    assert rewards == [structure_reward(PRODUCTION_YAML, replies[name])
                       for name in ("good", "partly broken", "garbage")]
    assert structure_reward_func([replies["good"]], dialogue=[PRODUCTION_YAML]) == [1.0]
    with pytest.raises(ValueError, match="`production` or `dialogue` column"):
        structure_reward_func([replies["good"]], prompts=["..."])
