"""structure_reward: how good a model's reply is as a script of a given dialogue, as one number in [0, 1].

The reply is read exactly as the build reads it (scriptagent.scripter.reply), so training rewards what the build
accepts. Parts, each in [0, 1], and their weights:

    parse       0.10  the reply holds a JSON object or YAML mapping (in or outside a code fence)
    schema      0.20  it is a valid Script; otherwise half credit for the share of its shots that are valid Shots
    dialogue    0.125 \\
    appearance  0.125  | the four validators, each 1 / (1 + errors + 0.25 * warnings); 0 without a valid Script
    scene       0.125  |
    position    0.125 /
    durations   0.20  share of shots whose duration fits their lines: at least MIN_SHOT_SECONDS, long enough for
                      the lines (the validators' tolerance), and at most LINGER_SECONDS longer than they need
                      (a shot without lines: at most SILENT_SHOT_SECONDS)

`structure_reward_func` is the same function in trl's reward shape, `f(completions, **kwargs) -> list[float]`;
the dialogue arrives as a dataset column, `production` or `dialogue`.

A completion that cannot be read scores 0, whatever it holds (nesting 100,000 deep, megabytes, a completion that is
not text): a reward function that raised would stop a GRPO run. Reading is linear in the completion's length
(scriptagent.lm.reply).
"""

from __future__ import annotations

from pydantic import ValidationError

from ..lm.reply import ReplyParseError, parse_reply
from ..schema import Production, Script, Shot
from ..timing import MIN_SHOT_SECONDS, dialogue_seconds, shot_seconds
from .dialogue import production_from
from .reply import SCRIPT_KEYS
from .validators import ERROR, TIMING_TOLERANCE, VALIDATORS

WEIGHTS = {"parse": 0.10, "schema": 0.20, "dialogue": 0.125, "appearance": 0.125, "scene": 0.125,
           "position": 0.125, "durations": 0.20}
REWARD_WARNING_WEIGHT = 0.25  # a warning costs a quarter of an error
LINGER_SECONDS = 2.0  # a dialogue shot may hold this much past what its lines need (a beat, a look)
SILENT_SHOT_SECONDS = 6.0  # establishing, reaction and closing shots without lines


def structure_parts(dialogue, reply_text: str) -> dict[str, float]:
    """Each part of the reward, in [0, 1] (see the module's docstring)."""
    production = production_from(dialogue)
    parts = dict.fromkeys(WEIGHTS, 0.0)
    try:
        data = parse_reply(reply_text, SCRIPT_KEYS)
    except ReplyParseError:
        return parts
    parts["parse"] = 1.0
    try:
        script = Script.model_validate(data)
    except ValidationError:
        parts["schema"] = 0.5 * _share_of_valid_shots(data)
        return parts
    parts["schema"] = 1.0
    for name, check in VALIDATORS.items():
        findings = check(script, production)
        errors = sum(finding.severity == ERROR for finding in findings)
        parts[name] = 1.0 / (1.0 + errors + REWARD_WARNING_WEIGHT * (len(findings) - errors))
    parts["durations"] = _share_of_timed_shots(script, production)
    return parts


def structure_reward(dialogue, reply_text: str) -> float:
    """The weighted sum of `structure_parts`: 0 for garbage, 1 for a script with no findings and fitting shots.

    `dialogue` is a Production, a production.yaml-like mapping or its YAML text, a list of `speaker: line` items,
    or `Speaker: line` text (scriptagent.scripter.dialogue.production_from).
    """
    parts = structure_parts(dialogue, reply_text)
    return round(sum(WEIGHTS[name] * value for name, value in parts.items()), 6)


def structure_reward_func(completions: list, **kwargs) -> list[float]:
    """structure_reward in trl's reward-function shape.

    `completions` are strings, or conversations (lists of {"role", "content"} messages, the last one the model's).
    The dialogues come from the dataset column `production` (or `dialogue`), one per completion.
    """
    dialogues = kwargs.get("production", kwargs.get("dialogue"))
    if dialogues is None:
        raise ValueError("structure_reward_func needs a `production` or `dialogue` column in the dataset")
    if len(dialogues) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(dialogues)} dialogues")
    return [structure_reward(dialogue, completion_text(completion))
            for dialogue, completion in zip(dialogues, completions)]


def completion_text(completion) -> str:
    """The text of a completion: a string, or the content of the last message of a conversation (or of one
    message); "" for anything else, which then scores 0."""
    if isinstance(completion, str):
        return completion
    message = completion[-1] if isinstance(completion, list | tuple) and completion else completion
    if isinstance(message, str):
        return message
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # multimodal content parts
        return "".join(part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    return content if isinstance(content, str) else ""


def _share_of_valid_shots(data: dict) -> float:
    scenes = data.get("scenes")
    shots = [shot for scene in scenes if isinstance(scene, dict) and isinstance(scene.get("shots"), list)
             for shot in scene["shots"]] if isinstance(scenes, list) else []
    if not shots:
        return 0.0
    valid = 0
    for shot in shots:
        try:
            Shot.model_validate(shot)
            valid += 1
        except ValidationError:
            pass
    return valid / len(shots)


def _share_of_timed_shots(script: Script, production: Production) -> float:
    words_per_second = production.scripter.words_per_second
    shots = [shot for _, shot in script.shots()]
    fitting = 0
    for shot in shots:
        lines = [line.line for line in shot.dialogue]
        if lines:
            longest = shot_seconds(lines, words_per_second) + LINGER_SECONDS
            fits = dialogue_seconds(lines, words_per_second) <= shot.duration * TIMING_TOLERANCE
            fitting += fits and MIN_SHOT_SECONDS <= shot.duration <= longest
        else:
            fitting += MIN_SHOT_SECONDS <= shot.duration <= SILENT_SHOT_SECONDS
    return fitting / len(shots)
