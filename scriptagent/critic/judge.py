"""The rubric judge: asks a language model (a vision model for films) to score the paper's rubrics.

    system.j2 + script_rubric.j2 | film_rubric.j2 (+ frames) ─> model ─> reply ─> check ─> scores
                                  ^                                                  │ not a valid rubric
                                  └─────────────── retry.j2 <────────────────────────┘ (reply_retries times)

The models are asked through the shared language-model clients (`scriptagent.lm.chat`: openai, transformers),
so a judge is configured like a scripter. Films go with their frames: as image parts to an OpenAI-compatible
server, or through an image-text-to-text model for transformers (scriptagent.lm.vlm).

A rubric is only ever what the model said: every dimension present, a score on the set's scale (1-5 integers for
the paper's, 0-5 numbers for the released CriticAgent's: critic.judge.rubrics) and a reason. A reply that is not
is sent back with the problem; after the last retry, or when the model cannot be reached, the rubric is reported
as skipped with the reason and what to do, never filled in. The released set has its own templates
(templates/critic/released_*.j2); its script rubric judges their format, so the script is shown in it.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from ..errors import ScriptAgentError
from ..files import templates_dir
from ..layout import STRIP, BuildLayout
from ..plan import Segment
from ..schema import CriticConfig, Production
from .clip import Skipped
from .rubrics import rubric_set


class RubricReplyError(ValueError):
    """A reply that is not a complete, valid rubric."""


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(templates_dir() / "critic")), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=False)


def render(name: str, **context) -> str:
    return _environment().get_template(name).render(**context).strip() + "\n"


def rubric_schema(kind: str, rubrics: str = "published") -> dict:
    """The JSON schema of a valid reply (servers that support structured output are held to it)."""
    sets, scale = rubric_set(rubrics)
    score = {"type": "integer" if scale.integer else "number", "minimum": scale.low, "maximum": scale.high}
    entry = {"type": "object", "properties": {"score": score, "reason": {"type": "string"}},
             "required": ["score", "reason"], "additionalProperties": False}
    return {"type": "object", "properties": {name: entry for name in sets[kind]},
            "required": list(sets[kind]), "additionalProperties": False}


def read_rubric(reply: str, kind: str, rubrics: str = "published") -> dict:
    """{dimension: {"score": on the set's scale, "reason": str}} from a reply, or RubricReplyError saying what is
    wrong."""
    from ..lm.reply import ReplyParseError, parse_reply

    sets, scale = rubric_set(rubrics)
    rubric = sets[kind]
    try:
        data = parse_reply(reply)
    except ReplyParseError as error:
        raise RubricReplyError(f"no JSON object in it ({error})") from None
    if len(data) == 1 and isinstance(next(iter(data.values())), dict) and next(iter(data)) not in rubric:
        data = next(iter(data.values()))  # {"scores": {...}}: models like to name what they return
    problems, scores = [], {}
    for name in rubric:
        entry = data.get(name)
        if not isinstance(entry, dict):
            problems.append(f"'{name}' is missing" if entry is None else f"'{name}' must be an object")
            continue
        score, reason = entry.get("score"), entry.get("reason")
        if isinstance(score, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", score) and (
                not scale.integer or score.strip().isdigit()):
            score = float(score)
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        number = int if scale.integer else (int, float)
        if isinstance(score, bool) or not isinstance(score, number) or not scale.low <= score <= scale.high:
            problems.append(f"'{name}.score' must be {scale.describe()}, not {json.dumps(score)}")
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(f"'{name}.reason' must be a sentence")
        else:
            scores[name] = {"score": score, "reason": " ".join(reason.split())}
    if problems:
        raise RubricReplyError("; ".join(problems))
    return scores


def _image_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def template_prefix(rubrics: str) -> str:
    """The released set's templates are released_*.j2 beside the paper's."""
    return "" if rubrics == "published" else f"{rubrics}_"


def ask(messages: list[dict], images: list[bytes], config, seed: int, kind: str, rubrics: str = "published") -> str:
    """The model's reply; `images` (JPEG bytes) go with the first user message."""
    from ..lm import chat

    if config.backend == "transformers":
        from ..lm.vlm import vlm_chat
        return vlm_chat(messages, images, config, seed, setting="critic.judge")
    if images:
        first_user = next(i for i, m in enumerate(messages) if m["role"] == "user")
        parts = [{"type": "text", "text": messages[first_user]["content"]}]
        parts += [{"type": "image_url", "image_url": {"url": _image_url(jpeg)}} for jpeg in images]
        messages = [*messages[:first_user], {"role": "user", "content": parts}, *messages[first_user + 1:]]
    return chat(messages, config, seed=seed, json_schema=rubric_schema(kind, rubrics), setting="critic.judge")


def run_rubric(kind: str, prompt: str, images: list[bytes], config, seed: int) -> dict:
    """Ask for the rubric until a reply is valid (reply_retries more times); the result or why there is none."""
    rubrics = getattr(config, "rubrics", "published")
    sets, scale = rubric_set(rubrics)
    rubric, prefix = sets[kind], template_prefix(rubrics)
    opening = [{"role": "system", "content": render(f"{prefix}system.j2", kind=kind, rubric=rubric, scale=scale)},
               {"role": "user", "content": prompt}]
    messages, problem = opening, ""
    tries = config.reply_retries + 1
    for attempt in range(tries):
        try:
            reply = ask(messages, images, config, seed + attempt, kind, rubrics)
        except ScriptAgentError as error:
            return {"skipped": Skipped(f"the judge failed: {error}",
                                       "check critic.judge (model, server, key); the other scores stand").as_json()}
        try:
            scores = read_rubric(reply, kind, rubrics)
        except RubricReplyError as error:
            problem = str(error)
            # only the last reply goes back: the conversation stays the same length however many tries it takes
            messages = opening + [{"role": "assistant", "content": reply},
                                  {"role": "user", "content": render(f"{prefix}retry.j2", problem=problem,
                                                                     rubric=rubric, scale=scale)}]
            continue
        return {"model": config.model, "tries": attempt + 1, "images": len(images), "scores": scores,
                "mean": round(sum(s["score"] for s in scores.values()) / len(scores), 3),
                **({"rubrics": rubrics} if rubrics != "published" else {})}
    replies = f"{tries} repl{'y' if tries == 1 else 'ies'}"
    return {"skipped": Skipped(f"no valid {kind} rubric in {replies} from {config.model}; the last: {problem}",
                               "use a stronger model, or raise critic.judge.reply_retries").as_json()}


# --- the script -----------------------------------------------------------------------------------------------

def judge_script(script_text: str, production: Production) -> dict:
    names = {member.id: member.name for member in production.cast}
    dialogue = [{"name": names.get(line.speaker, line.speaker), "line": line.line,
                 "parenthetical": line.parenthetical} for line in production.lines]
    # no provenance noise: the header's comment lines, and each shot's `# made ... from ...` note
    body = "\n".join(re.sub(r"\s+# made [0-9a-f]+( from [0-9a-f -]+)?$", "", line)
                     for line in script_text.splitlines() if not line.startswith("#"))
    rubrics = getattr(production.critic.judge, "rubrics", "published")
    if rubrics == "released":  # their rubric judges their format: the script as their ScriptAgent writes it
        from ..schema import Script
        from ..scripter.released import export_released
        from ..yamlio import load_yaml_text

        try:
            body = export_released(Script.model_validate(load_yaml_text(script_text, "script.yaml")))
        except (ValueError, ScriptAgentError):  # not a valid script (the build checks it first): shown as it is
            pass
    prompt = render(f"{template_prefix(rubrics)}script_rubric.j2", title=production.title, dialogue=dialogue,
                    setting=production.setting_summary, cast=[m.model_dump() for m in production.cast],
                    script=body.strip(), rubric=rubric_set(rubrics)[0]["script"])
    return run_rubric("script", prompt, [], production.critic.judge, production.seed)


# --- the film -------------------------------------------------------------------------------------------------

def film_shots(segments: list[Segment]) -> list[dict]:
    """The script of the shots the segments show, with their times in the film (a split shot once)."""
    shots: dict[str, dict] = {}
    for segment in segments:
        for offset, shot_part in zip(segment.part_starts(), segment.shots):
            shot = shot_part.shot
            start = (segment.first_frame + offset - shot_part.offset_frames) / segment.fps
            if shot.id not in shots:
                names = {cid: member.name for cid, member in segment.cast.items()}
                shots[shot.id] = {
                    "id": shot.id, "start": start, "end": start + shot_part.shot_frames / segment.fps,
                    "shot_size": shot.shot_size.value, "angle": shot.angle.value,
                    "camera_movement": shot.camera_movement.value, "description": shot.description,
                    "characters": [{"name": names.get(c.id, c.id), "position": c.position, "action": c.action,
                                    "expression": c.expression} for c in shot.characters],
                    "dialogue": [{"name": names.get(line.speaker, line.speaker), "line": line.line,
                                  "emotion": line.emotion, "off_screen": line.off_screen} for line in shot.dialogue]}
    return list(shots.values())


def pick_frames(segments: list[Segment], limit: int) -> list[tuple[Segment, int, str]]:
    """Which thumbnails to show the judge: first/middle/last of every shot if they fit, else middles, else some."""
    shot_parts = [(segment, k) for segment in segments for k in range(len(segment.shots))]
    if 3 * len(shot_parts) <= limit:
        return [(segment, k, which) for segment, k in shot_parts for which in STRIP]
    if len(shot_parts) > limit:
        step = len(shot_parts) / limit
        shot_parts = [shot_parts[int(i * step)] for i in range(limit)]
    return [(segment, k, "middle") for segment, k in shot_parts]


def frame_time(segment: Segment, k: int, which: str) -> float:
    start = segment.first_frame + segment.part_starts()[k]
    frames = segment.shots[k].frames
    offset = {"first": 0, "middle": (frames - 1) // 2, "last": frames - 1}[which]
    return (start + offset) / segment.fps


def film_prompt(segments: list[Segment], frames: list[tuple[Segment, int, str]], title: str | None,
                rubrics: str = "published") -> str:
    """The film rubric's prompt; without a title it presents the segments as an excerpt (a retake)."""
    seconds = sum(s.frames for s in segments) / segments[0].fps
    images = [{"shot": segment.shots[k].shot.id, "which": which, "time": frame_time(segment, k, which)}
              for segment, k, which in frames]
    return render("film_rubric.j2", title=title, seconds=seconds, look=segments[0].look,
                  setting=segments[0].setting, shots=film_shots(segments), images=images,
                  rubric=rubric_set(rubrics)[0]["film"])


def judge_film(build: BuildLayout, segments: list[Segment], production: Production) -> dict:
    """The film rubric over the whole film, with thumbnails from the score tasks."""
    config = production.critic.judge
    frames = pick_frames(segments, config.max_images)
    images = [build.thumb(segment.id, k, which).read_bytes() for segment, k, which in frames]
    return run_rubric("film", film_prompt(segments, frames, production.title, getattr(config, "rubrics", "published")),
                      images, config, production.seed)


def judge_take(segment: Segment, video: Path, critic: CriticConfig) -> float | Skipped:
    """A retake's score: the mean of the film rubric over this one segment, from its own frames."""
    from .scoring import measure_render
    from .stills import still

    strip = measure_render(segment, video, CriticConfig(metrics=[])).strip
    frames = [(s, k, which) for s, k, which in pick_frames([segment], critic.judge.max_images)
              if strip[k].get(which) is not None]
    images = [still(strip[k][which], segment.resolution) for _, k, which in frames]
    prompt = film_prompt([segment], frames, None, getattr(critic.judge, "rubrics", "published"))
    result = run_rubric("film", prompt, images, critic.judge, segment.seed)
    if "skipped" in result:
        return Skipped(**result["skipped"])
    return result["mean"]
