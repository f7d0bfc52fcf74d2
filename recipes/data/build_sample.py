"""Builds the sample training data from dialogues.yaml (run from the repository root):

    python recipes/data/build_sample.py

- scriptbench.jsonl: one instance per dialogue. The target script is the rule-based scripter's, with the
  dialogue's `edits` applied; every target must pass the four validators without an error.
- ratings.jsonl: each target (rated 5 on every rubric dimension, a little less where it is plain) and three
  variants of it with 1 to 3 known defects injected, rated by the rubric penalties below. These ratings are
  written for this project by rule so that the sample is reproducible; replace them with your experts' scores.

The overall score leans on the worst dimension, as a reviewer's does: (mean + min) / 2, rounded to a half point.
Output is deterministic (fixed seed).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from ruamel.yaml import YAML

from scriptagent.schema import (Angle, CameraMovement, Production, RuleBasedScripterConfig, Script, Shot, ShotCharacter,
                                ShotSize)
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.scripter.validators import validate_script
from scriptagent.training.data import RUBRIC_DIMENSIONS, Instance, Rating, to_json_line

HERE = Path(__file__).parent
SEED = 7
VARIANTS_PER_SCRIPT = 3


# --- defects: each returns a damaged copy of the script and the rubric points it costs -----------------------

def _shots(script: Script) -> list[Shot]:
    return [shot for scene in script.scenes for shot in scene.shots]


def drop_one_line(script: Script, rng: random.Random):
    spoken = [shot for shot in _shots(script) if shot.dialogue]
    shot = rng.choice(spoken)
    shot.dialogue.pop(rng.randrange(len(shot.dialogue)))
    return {"content_completeness": 2, "narrative_coherence": 1}


def drop_half_the_lines(script: Script, rng: random.Random):
    lines = [(shot, line) for shot in _shots(script) for line in shot.dialogue]
    for shot, line in rng.sample(lines, max(2, len(lines) // 2)):
        shot.dialogue.remove(line)
    return {"content_completeness": 4, "narrative_coherence": 2, "format_compliance": 1}


def flat_coverage(script: Script, rng: random.Random):
    for shot in _shots(script):
        shot.shot_size, shot.angle, shot.camera_movement = ShotSize.medium, Angle.eye_level, CameraMovement.static
    return {"dramatic_tension": 2, "visual_imagery": 2}


def generic_descriptions(script: Script, rng: random.Random):
    for index, shot in enumerate(_shots(script), start=1):
        shot.description = rng.choice(["A shot.", f"Shot {index}.", "The characters talk.", "Same as before."])
        for character in shot.characters:
            character.action = character.expression = ""
    return {"visual_imagery": 3, "narrative_coherence": 1, "character_consistency": 1}


def speaker_out_of_frame(script: Script, rng: random.Random):
    # the speaker vanishes from shots that show them talking (not marked off-screen): a renderer cannot cast it
    candidates = [shot for shot in _shots(script) if shot.dialogue and len(shot.characters) > 1]
    for shot in rng.sample(candidates, min(len(candidates), 2)) if candidates else []:
        speakers = {line.speaker for line in shot.dialogue}
        shot.characters = [c for c in shot.characters if c.id not in speakers] or shot.characters
    return {"character_consistency": 2, "format_compliance": 1}


def crossed_line(script: Script, rng: random.Random):
    # characters swap sides of the frame from shot to shot: the 180-degree rule broken
    for shot in _shots(script)[1::2]:
        for character in shot.characters:
            if character.position.startswith("left"):
                character.position = "right third, facing left"
            elif character.position.startswith("right"):
                character.position = "left third, facing right"
    return {"character_consistency": 2, "visual_imagery": 1}


def one_long_take(script: Script, rng: random.Random):
    shots = _shots(script)
    lines = [line for shot in shots for line in shot.dialogue]
    characters = {c.id: ShotCharacter(id=c.id, position=c.position.split(",")[0] if c.position else "center")
                  for shot in shots for c in shot.characters}
    scene = script.scenes[0]
    scene.shots = [Shot(id="sh01", duration=10.0, shot_size=ShotSize.wide, description="Everyone talks.",
                        characters=list(characters.values())[:3], dialogue=lines)]
    return {"dramatic_tension": 3, "visual_imagery": 3, "format_compliance": 2, "narrative_coherence": 1}


def scrambled_order(script: Script, rng: random.Random):
    for scene in script.scenes:
        middle = scene.shots[1:-1]
        rng.shuffle(middle)
        scene.shots[1:-1] = middle
    return {"narrative_coherence": 3, "content_completeness": 1, "dramatic_tension": 1}


def wrong_emotions(script: Script, rng: random.Random):
    for shot in _shots(script):
        for line in shot.dialogue:
            line.emotion = rng.choice(["bored", "cheerful", "sleepy"])
    return {"dramatic_tension": 2, "character_consistency": 1}


DEFECTS = [drop_one_line, drop_half_the_lines, flat_coverage, generic_descriptions, speaker_out_of_frame,
           crossed_line, one_long_take, scrambled_order, wrong_emotions]


def rate(penalties: dict[str, int], base: dict[str, int]) -> tuple[float, dict[str, float]]:
    rubric = {name: float(max(1, base.get(name, 5) - penalties.get(name, 0))) for name in RUBRIC_DIMENSIONS}
    values = list(rubric.values())
    overall = (sum(values) / len(values) + min(values)) / 2
    return max(1.0, min(5.0, round(overall * 2) / 2)), rubric


def base_rubric(script: Script) -> dict[str, int]:
    """What the good script itself earns: plain coverage (every shot static, no low/high angle) loses a point."""
    shots = _shots(script)
    moving = sum(shot.camera_movement != CameraMovement.static for shot in shots)
    angled = sum(shot.angle != Angle.eye_level for shot in shots)
    return {"visual_imagery": 5 if moving >= 2 else 4, "dramatic_tension": 5 if angled or moving >= 2 else 4}


# --- building --------------------------------------------------------------------------------------------

def apply_edits(script: Script, edits: list[dict]) -> Script:
    data = script.model_dump(mode="json")
    shots = {shot["id"]: shot for scene in data["scenes"] for shot in scene["shots"]}
    for edit in edits:
        shots[edit["shot"]].update(edit["set"])
    return Script.model_validate(data)


def build_instance(item: dict) -> Instance:
    production = Production(title=item["title"], cast=item["characters"], setting=item["setting"],
                            dialogue=item["dialogue"])
    script = apply_edits(RuleBasedScripter(RuleBasedScripterConfig()).write(production), item.get("edits", []))
    errors = [f for f in validate_script(script, production) if f.severity == "error"]
    if errors:
        sys.exit(f"{item['id']}: the target script fails the validators: {errors[0].message}")
    return Instance(id=item["id"], split=item["split"], title=item["title"], setting=item["setting"],
                    characters=production.cast, dialogue=production.dialogue, script=script)


def ratings_for(instance: Instance, rng: random.Random) -> list[Rating]:
    base = base_rubric(instance.script)
    score, rubric = rate({}, base)
    ratings = [Rating(id=f"{instance.id}-0", split=instance.split, score=score, rubric=rubric,
                      setting=instance.setting, dialogue=instance.dialogue, script=instance.script)]
    for number in range(1, VARIANTS_PER_SCRIPT + 1):
        script = instance.script.model_copy(deep=True)
        penalties: dict[str, int] = {}
        for defect in rng.sample(DEFECTS, number):  # variant n carries n defects: a spread of quality
            for name, points in defect(script, rng).items():
                penalties[name] = penalties.get(name, 0) + points
        score, rubric = rate(penalties, base)
        ratings.append(Rating(id=f"{instance.id}-{number}", split=instance.split, score=score, rubric=rubric,
                              setting=instance.setting, dialogue=instance.dialogue,
                              script=Script.model_validate(script.model_dump())))
    return ratings


def main() -> None:
    items = YAML(typ="safe").load((HERE / "dialogues.yaml").read_text(encoding="utf-8"))
    rng = random.Random(SEED)
    instances = [build_instance(item) for item in items]
    ratings = [rating for instance in instances for rating in ratings_for(instance, rng)]
    (HERE / "scriptbench.jsonl").write_text("".join(to_json_line(i) + "\n" for i in instances), encoding="utf-8")
    (HERE / "ratings.jsonl").write_text("".join(to_json_line(r) + "\n" for r in ratings), encoding="utf-8")
    scores = sorted({r.score for r in ratings})
    print(f"{len(instances)} instances, {len(ratings)} ratings (scores {scores[0]}..{scores[-1]}, "
          f"{len(scores)} distinct)")


if __name__ == "__main__":
    main()
