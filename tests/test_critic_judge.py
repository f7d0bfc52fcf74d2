"""The rubric judge against an OpenAI-compatible server on loopback, through a real build."""

from __future__ import annotations

import json
import re

from chat_server import ChatServer
from conftest import SMALL_PRODUCTION, doit, executed, make_production
from critic_helpers import images_of, text_of

from scriptagent.critic.judge import RubricReplyError, read_rubric
from scriptagent.critic.rubrics import FILM_RUBRIC, SCRIPT_RUBRIC

import pytest


def valid_reply(rubric: dict, score: int) -> str:
    return json.dumps({name: {"score": score, "reason": f"{name} is fine in shot sh02."} for name in rubric})


def test_judge_retries_a_malformed_reply_and_files_the_valid_one(tmp_path):
    seen: dict[str, int] = {}

    def reply(request):
        kind = "film" if "a short film" in text_of(request["messages"][0]) else "script"
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] == 1:  # first answer: not JSON, and a score out of range
            return "Here are my scores: format_compliance: 9/10, lovely!"
        return valid_reply(FILM_RUBRIC if kind == "film" else SCRIPT_RUBRIC, 4 if kind == "film" else 3)

    with ChatServer(reply) as server:
        text = SMALL_PRODUCTION.replace("ANCHORING", "chain") + (
            f"critic: {{metrics: [structure, continuity], judge: {{backend: openai, model: judge-vl, "
            f"base_url: '{server.url}', max_images: 30}}}}\n")
        folder = make_production(tmp_path / "p", text=text)
        doit(folder)

    film = json.loads((folder / "build" / "scores" / "_film.json").read_text())
    script = json.loads((folder / "build" / "scores" / "_script.json").read_text())
    assert film["rubric"]["tries"] == 2 and script["rubric"]["tries"] == 2
    assert {name: entry["score"] for name, entry in film["rubric"]["scores"].items()} == dict.fromkeys(FILM_RUBRIC, 4)
    assert film["rubric"]["scores"]["pacing_and_timing"]["reason"] == "pacing_and_timing is fine in shot sh02."
    assert film["rubric"]["mean"] == 4 and script["rubric"]["mean"] == 3
    assert set(script["rubric"]["scores"]) == set(SCRIPT_RUBRIC)

    film_requests = [r for r in server.requests if "a short film" in text_of(r["messages"][0])]
    assert len(film_requests) == 2 and len(server.requests) == 4
    # the frames travel as images: first, middle and last of every shot in the film (they fit in max_images)
    plan = json.loads((folder / "build" / "plan.json").read_text())
    shot_parts = sum(len(s["shots"]) for s in plan["segments"])
    first_ask = film_requests[0]["messages"][1]
    assert len(images_of(first_ask)) == 3 * shot_parts
    assert all(url.startswith("data:image/jpeg;base64,") for url in images_of(first_ask))
    for shot in plan["shots"]:
        assert f"shot {shot['id']}, middle frame" in text_of(first_ask)
    # the retry shows the model its bad reply and what was wrong with it
    retry = film_requests[1]["messages"]
    assert retry[2] == {"role": "assistant", "content": "Here are my scores: format_compliance: 9/10, lovely!"}
    assert "could not be used" in text_of(retry[3]) and "script_faithfulness" in text_of(retry[3])
    assert len(images_of(retry[1])) == 3 * shot_parts
    report = (folder / "build" / "report.html").read_text()
    assert "pacing_and_timing is fine in shot sh02." in report and "Film rubric (judge)" in report


def test_judge_that_never_answers_well_is_skipped_not_invented(tmp_path):
    with ChatServer(lambda request: '{"script_faithfulness": {"score": 7, "reason": "great"}}') as server:
        text = SMALL_PRODUCTION.replace("ANCHORING", "none") + (
            f"critic: {{metrics: [continuity], judge: {{backend: openai, model: m, base_url: '{server.url}', "
            "reply_retries: 1}}\n")
        folder = make_production(tmp_path / "p", text=text)
        result = doit(folder)
    film = json.loads((folder / "build" / "scores" / "_film.json").read_text())
    assert "scores" not in film["rubric"]
    assert "no valid film rubric in 2 replies" in film["rubric"]["skipped"]["reason"]
    assert "not 7" in film["rubric"]["skipped"]["reason"]
    assert film["rubric"]["skipped"]["fix"]
    assert {"score:film", "report"} <= set(executed(result.stdout))


def test_unreachable_judge_is_reported_as_skipped(tmp_path):
    with ChatServer(lambda request: "") as server:
        base_url = server.url  # closed when the block ends: nothing listens there any more
    text = SMALL_PRODUCTION.replace("ANCHORING", "none") + (
        f"critic: {{metrics: [structure], judge: {{backend: openai, model: m, base_url: '{base_url}', retries: 0, "
        "timeout: 5}}\n")
    folder = make_production(tmp_path / "p", text=text)
    doit(folder)
    script = json.loads((folder / "build" / "scores" / "_script.json").read_text())
    assert "cannot reach" in script["rubric"]["skipped"]["reason"]
    assert "check critic.judge.base_url" in script["rubric"]["skipped"]["reason"], "the judge's own setting"
    assert script["rule_based"]["content_completeness"]["score"] == 5.0


@pytest.mark.parametrize("reply, problem", [
    ("no json here", "no JSON object"),
    ('{"script_faithfulness": {"score": 3}}', "'script_faithfulness.reason' must be a sentence"),
    ('{"script_faithfulness": {"score": 0, "reason": "x"}}', "must be an integer from 1 to 5, not 0"),
    ('{"script_faithfulness": {"score": true, "reason": "x"}}', "not true"),
])
def test_read_rubric_names_what_is_wrong(reply, problem):
    with pytest.raises(RubricReplyError, match=problem.replace("(", r"\(")):
        read_rubric(reply, "film")


def test_read_rubric_accepts_fenced_and_wrapped_replies():
    body = {name: {"score": "5", "reason": "  Clear   and sharp. "} for name in FILM_RUBRIC}
    scores = read_rubric("Sure.\n```json\n" + json.dumps({"scores": body}) + "\n```", "film")
    assert scores["visual_appeal"] == {"score": 5, "reason": "Clear and sharp."}


def test_a_local_vision_model_judges_a_film_through_transformers(tmp_path, monkeypatch):
    """A tiny random LLaVA loaded by path: it sees the frames, answers nonsense, and the rubric is skipped."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from critic_helpers import save_tiny_text_model, save_tiny_vlm

    from scriptagent.critic.judge import run_rubric
    from scriptagent.lm import vlm
    from scriptagent.schema import TransformersJudgeConfig

    vlm_folder = save_tiny_vlm(tmp_path / "tiny-vlm")
    frames = [_jpeg((200, 30, 30)), _jpeg((30, 30, 200))]
    config = TransformersJudgeConfig(model=str(vlm_folder), device="cpu", max_new_tokens=16, reply_retries=1)
    result = run_rubric("film", "Score this film.", frames, config, seed=1)
    loaded = vlm.load_vlm(str(vlm_folder), "cpu", "auto", False, "critic.judge")  # an image-text-to-text model
    assert loaded is not None and loaded[1].config.model_type == "llava" and str(loaded[2]) == "cpu"
    assert result["skipped"]["reason"].startswith(f"no valid film rubric in 2 replies from {vlm_folder}")

    text_folder = save_tiny_text_model(tmp_path / "tiny-lm")
    text_config = TransformersJudgeConfig(model=str(text_folder), device="cpu", max_new_tokens=16, reply_retries=0)
    film = run_rubric("film", "Score this film.", frames, text_config, seed=1)
    assert vlm.load_vlm(str(text_folder), "cpu", "auto", False, "critic.judge") is None  # a text-only model
    assert "is not an image-text-to-text model" in film["skipped"]["reason"]
    script = run_rubric("script", "Score this script.", [], text_config, seed=1)  # text needs no eyes
    assert script["skipped"]["reason"].startswith("no valid script rubric in 1 reply from")


def _jpeg(colour) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_retakes_by_the_judge(tmp_path):
    """The critic in the loop: the judge marks each segment's first take down, so a second take is shot."""
    asked: dict[str, int] = {}

    def reply(request):
        prompt = text_of(request["messages"][1])
        if "excerpt of a film" not in prompt:  # the whole film or the script
            kind = "film" if "a short film" in text_of(request["messages"][0]) else "script"
            return valid_reply(FILM_RUBRIC if kind == "film" else SCRIPT_RUBRIC, 4)
        first_shot = re.search(r"^(sh\d+) \(", prompt, re.M).group(1)
        asked[first_shot] = asked.get(first_shot, 0) + 1
        return valid_reply(FILM_RUBRIC, 2 if asked[first_shot] == 1 else 5)

    with ChatServer(reply) as server:
        text = SMALL_PRODUCTION.replace("ANCHORING", "none").replace("max_segment_seconds: 3", "max_segment_seconds: 9") \
            + (f"critic: {{metrics: [continuity], judge: {{backend: openai, model: m, base_url: '{server.url}'}}, "
               "retake: {metric: judge, below: 3, max_takes: 3}}\n")
        folder = make_production(tmp_path / "p", text=text)
        doit(folder)
    summaries = [json.loads(p.read_text()) for p in (folder / "build" / "takes").glob("*/takes.json")]
    assert summaries and len(summaries) == len(asked)
    for summary in summaries:
        assert [(t["take"], t["score"]) for t in summary["takes"]] == [(1, 2.0), (2, 5.0)] and summary["chosen"] == 2
    excerpts = [r for r in server.requests if "excerpt of a film" in text_of(r["messages"][1])]
    assert all(images_of(r["messages"][1]) for r in excerpts)  # each take is judged on its own frames
