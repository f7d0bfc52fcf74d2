"""The paper's two rubrics (each dimension scored 1-5 with a one-sentence reason), the released CriticAgent's two
(critic.judge.rubrics: released; 0-5), and the rule-based scores.

The dimension texts below are what the judge reads (templates/critic/*.j2 lay them out); the keys are what the
scores are filed under, so the templates, the reply check and the report agree.
"""

from __future__ import annotations

SCRIPT_RUBRIC = {
    "format_compliance": "Every shot has the required fields in the expected form: shot size, angle, camera "
                         "movement, a duration of at most 10 s, a description, the characters in frame with their "
                         "positions, and the dialogue with its speakers.",
    "content_completeness": "Every line of the source dialogue appears, in order, spoken by the right character; "
                            "nothing the scene needs is lost.",
    "narrative_coherence": "The shots follow one another logically and the story reads clearly from shot to shot.",
    "character_consistency": "Characters keep their appearance, position and screen side consistently across "
                             "shots; nobody appears or vanishes without reason.",
    "dramatic_tension": "Shot sizes, angles, movement and pacing build and release tension where the dialogue "
                        "does.",
    "visual_imagery": "Descriptions are concrete and visual (light, space, gesture, props): a camera could "
                      "film them.",
}

FILM_RUBRIC = {
    "script_faithfulness": "The frames show what each shot's script says: the right characters, place and action.",
    "narrative_coherence": "The film tells the scene's story clearly; the shots connect into one continuous scene.",
    "visual_appeal": "Composition, light and colour are pleasing and consistent with the requested look.",
    "physical_plausibility": "Bodies, objects and motion obey physics; no melting, warping or impossible poses.",
    "camera_articulation": "Shot sizes, angles and camera movements match the script and read as deliberate.",
    "body_language_and_blocking": "Characters stand, face and move where the script puts them; gestures and "
                                  "expressions fit the lines.",
    "pacing_and_timing": "Each shot lasts as long as its content needs; cuts land on the dialogue's beats.",
    "visual_descriptive_fidelity": "Details of the descriptions (clothes, props, setting, light) are visible "
                                   "and right.",
}

RUBRICS = {"script": SCRIPT_RUBRIC, "film": FILM_RUBRIC}

# The rubrics of the authors' released CriticAgent (their critic_agent_script.py and critic_agent_video.py), in our
# words: scored 0-5, decimals allowed, as they score them. Their script rubric judges their sectioned format, so the
# judge is shown the script in it (scripter/released_format.py).
RELEASED_SCRIPT_RUBRIC = {
    "format_compliance": "The script follows the structured format: 【Dialogue】 with shot-by-shot entries, each "
                         "with a time code, camera movement and shot type and what happens; 【Character Profiles】 "
                         "with each character's look and manner; 【Scene Description】 with setting and "
                         "atmosphere; 【Blocking】 with where characters stand and move.",
    "shot_division_rationality": "The dialogue is divided into shots at sensible points: breaks follow narrative "
                                 "beats, turns of speech and emotional shifts, neither too fragmented nor too long.",
    "content_completeness": "The script adds the visual detail filming needs that the dialogue lacks: characters, "
                            "setting, actions, camera work, timing.",
    "narrative_coherence": "The shots follow one another logically; blocking, positions and transitions keep the "
                           "visual story consistent with the dialogue.",
}
RELEASED_FILM_RUBRIC = {
    "audio_visual_synchronization": "Visual events (gestures, actions, cuts) happen when the sound and the "
                                    "script's timing say they do.",
    "emotional_consistency": "Light, colour, faces and atmosphere carry the emotion and its intensity that the "
                             "script describes.",
    "rhythm_coordination": "The pace of movement and cutting follows the rhythm of the speech: quicker for "
                           "intense exchanges, calmer for quiet ones.",
    "voice_lip_sync": "When a character speaks, the lips move in time with the line, without visible lead or lag.",
}


class Scale:
    """The range a rubric set scores in, and whether a score may have decimals."""

    def __init__(self, low: int, high: int, integer: bool):
        self.low, self.high, self.integer = low, high, integer

    def describe(self) -> str:
        return f"{'an integer' if self.integer else 'a number'} from {self.low} to {self.high}"


RUBRIC_SETS = {
    "published": ({"script": SCRIPT_RUBRIC, "film": FILM_RUBRIC}, Scale(1, 5, integer=True)),
    "released": ({"script": RELEASED_SCRIPT_RUBRIC, "film": RELEASED_FILM_RUBRIC}, Scale(0, 5, integer=False)),
}


def rubric_set(name: str | None) -> tuple[dict[str, dict[str, str]], Scale]:
    """({'script': rubric, 'film': rubric}, scale) of a rubric set (critic.judge.rubrics)."""
    return RUBRIC_SETS[name or "published"]

# The validators' findings behind each rule-based score.
CONTENT_VALIDATORS = ("dialogue",)
FORMAT_VALIDATORS = ("appearance", "scene", "position")
# A warning is a craft choice a person may keep: on the rubric's linear 1-5 scale it counts half an error. (The
# scripter's training reward, scripter/reward.py, weighs a warning a quarter of an error in a different formula,
# 1 / (1 + errors + w * warnings) per validator: two scales, two weights.)
RUBRIC_WARNING_WEIGHT = 0.5


def _penalty(findings: list[dict], validators: tuple[str, ...]) -> float:
    return sum(1.0 if f["severity"] == "error" else RUBRIC_WARNING_WEIGHT
               for f in findings if f["validator"] in validators)


def rule_based_script_scores(findings: list[dict], shots: int, lines: int) -> dict:
    """Format compliance and content completeness on the rubric's 1-5 scale, from the four validators.

    content_completeness = 1 + 4 * max(0, 1 - penalty(dialogue) / lines of dialogue)
    format_compliance    = 1 + 4 * max(0, 1 - penalty(appearance, scene, position) / shots)
    where an error weighs 1 and a warning 0.5: a script without findings scores 5 on both.
    """
    def scale(penalty: float, count: int) -> float:
        return round(1 + 4 * max(0.0, 1 - penalty / max(count, 1)), 3)

    content = _penalty(findings, CONTENT_VALIDATORS)
    structure = _penalty(findings, FORMAT_VALIDATORS)
    counts = {validator: sum(f["validator"] == validator for f in findings)
              for validator in CONTENT_VALIDATORS + FORMAT_VALIDATORS}
    return {
        "content_completeness": {"score": scale(content, lines),
                                 "reason": f"{counts['dialogue']} dialogue findings over {lines} lines"},
        "format_compliance": {"score": scale(structure, shots),
                              "reason": ", ".join(f"{counts[v]} {v}" for v in FORMAT_VALIDATORS)
                                        + f" findings over {shots} shots"},
    }
