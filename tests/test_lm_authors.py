"""Language models behave as their authors intend (issue #18): reasoning templates that open <think> in the
prompt, an example block before the answer, a reply cut at the token limit, a 400 that no response format fixes,
newer OpenAI models' max_completion_tokens, and a local chat model whose generation config lacks its turn's end."""

from __future__ import annotations

import json

import pytest

from chat_server import ChatServer
from conftest import SMALL_PRODUCTION, doit, make_production
from test_scripter_llm_openai import KEY, KEY_ENV, production_text, valid_script_json

from scriptagent.errors import BackendError
from scriptagent.lm.openai_chat import chat
from scriptagent.lm.reply import parse_reply
from scriptagent.schema import OpenAIScripterConfig

SCRIPT_KEYS = ("scenes",)


def test_reasoning_opened_in_the_prompt_is_dropped_up_to_its_closing_tag():
    """R1 distills and QwQ: the template opens <think> in the prompt, so the reply holds only `</think>`, and the
    reasoning may hold braces that would spoil reading the answer from the first `{` to the last `}`."""
    reply = 'The user wants {"scenes"}; first {think} about shots.\n</think>\n\n{"scenes": [{"id": "a"}]}'
    assert parse_reply(reply, SCRIPT_KEYS) == {"scenes": [{"id": "a"}]}


def test_an_example_block_before_the_answer_does_not_win():
    reply = ('The format is:\n```json\n{"scenes": [{"id": "<scene id>"}]}\n```\nHere is the script:\n'
             '```json\n{"title": "T", "scenes": [{"id": "kitchen"}]}\n```\n')
    assert parse_reply(reply, SCRIPT_KEYS) == {"title": "T", "scenes": [{"id": "kitchen"}]}
    assert parse_reply('```\n{"a": 1}\n```\n```\n{"b": 2}\n```') == {"a": 1}  # without expectations: the first


def config(url: str, **fields) -> OpenAIScripterConfig:
    return OpenAIScripterConfig(model="m", base_url=url, api_key_env=KEY_ENV, timeout=5, retries=0, **fields)


def test_a_reply_cut_at_the_token_limit_says_to_raise_max_new_tokens(tmp_path, monkeypatch):
    cut = valid_script_json(SMALL_PRODUCTION)[:300]
    with ChatServer([("cut", cut)] * 2) as server:
        assert chat([{"role": "user", "content": "hi"}], config(server.url)).cut_short
        folder = make_production(tmp_path / "p", text=production_text(server.url, repair_rounds=0))
        monkeypatch.setenv(KEY_ENV, KEY)
        result = doit(folder, "script", check=False)
    assert result.returncode == 2
    assert "it stopped at max_new_tokens before it ended" in result.stderr
    assert "raise scripter.max_new_tokens" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_400_no_response_format_fixes_is_asked_once(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    message = "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens."
    with ChatServer([("error", 400, message)] * 3) as server:
        with pytest.raises(BackendError, match="maximum context length"):
            chat([{"role": "user", "content": "hi"}], config(server.url), json_schema={"type": "object"})
        assert len(server.requests) == 1  # not again as json_object and as text


def test_a_400_about_the_response_format_tries_the_next_one(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    with ChatServer(["{}"], refuse_json_schema=True) as server:
        chat([{"role": "user", "content": "hi"}], config(server.url), json_schema={"type": "object"})
    assert [(r.get("response_format") or {}).get("type") for r in server.requests] == ["json_schema",
                                                                                        "json_object"]


def test_newer_openai_models_get_max_completion_tokens(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)

    def respond(body):
        if "max_tokens" in body:
            return ("error", 400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                  "Use 'max_completion_tokens' instead.")
        return json.dumps({"ok": body["max_completion_tokens"]})

    with ChatServer(respond) as server:
        reply = chat([{"role": "user", "content": "hi"}], config(server.url, max_new_tokens=321))
    assert json.loads(reply) == {"ok": 321}
    assert len(server.requests) == 2 and server.requests[1]["response_format"] == server.requests[0]["response_format"]


def test_a_local_model_stops_at_its_chat_turn_end(tmp_path):
    """A fine-tuned checkpoint whose generation config names only the base model's end of text: generation must
    also stop at the chat template's end of turn, and a reply that runs to the limit is marked cut short."""
    from test_training import build_tiny_causal_lm, sample_texts
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from scriptagent.lm.transformers_chat import end_tokens

    folder = build_tiny_causal_lm(tmp_path / "lm", sample_texts())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    turn_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids("<unk>")  # not the turn's end
    tokenizer.eos_token = "<pad>"
    assert turn_end in end_tokens(tokenizer, model)
    assert model.generation_config.eos_token_id in end_tokens(tokenizer, model)

    from scriptagent.lm import chat
    from scriptagent.schema import TransformersScripterConfig

    short = TransformersScripterConfig(model=str(folder), device="cpu", temperature=0, max_new_tokens=16)
    reply = chat([{"role": "user", "content": "Write the script."}], short)
    assert reply.cut_short  # a random model writes no end of turn in 16 tokens: the reply is marked cut short
