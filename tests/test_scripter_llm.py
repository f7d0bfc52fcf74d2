"""The language-model scripters' shared layer (reading replies, prompts, provenance) and the `transformers`
backend on a tiny random Qwen2 model built here, saved to a temp folder and loaded by path as a user's checkpoint
is. No downloads."""

from __future__ import annotations

import json
import re

import pytest

from conftest import SMALL_PRODUCTION, doit, make_production

from scriptagent.errors import BackendError, InputError
from scriptagent.lm.reply import ReplyParseError, parse_reply
from scriptagent.schema import Production, TransformersScripterConfig
from scriptagent.scripter import (make_scripter, render_script_file, script_header, script_inputs_digest,
                                  script_state)
from scriptagent.scripter.prompts import Prompts
from scriptagent.scripter.reply import SCRIPT_KEYS, review_reply
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.yamlio import dump_yaml, load_yaml_text

CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def small_production(**scripter) -> Production:
    production = Production.model_validate(load_yaml_text(SMALL_PRODUCTION.replace("ANCHORING", "chain"), "p"))
    return production.model_copy(update={"scripter": scripter["config"]}) if scripter else production


def good_script(production: Production):
    return RuleBasedScripter(production.scripter).write(production)


# --- reading replies ----------------------------------------------------------------------------------------

def test_replies_are_read_in_and_outside_fences():
    production = small_production()
    data = good_script(production).model_dump(mode="json")
    as_json = json.dumps(data)
    for reply in [as_json, f"Sure! Here it is:\n```json\n{as_json}\n```\nEnjoy.", f"```yaml\n{dump_yaml(data)}```",
                  f"<think>First the wide shot {{ ...</think>\n{as_json}", f"The script: {as_json} -- done",
                  json.dumps({"script": data})]:
        assert parse_reply(reply, SCRIPT_KEYS) == data
        assert review_reply(reply, production).ok
    assert parse_reply(json.dumps({"script": data})) == {"script": data}, "unwrapped only around what is expected"
    with pytest.raises(ReplyParseError, match=r"invalid JSON: .* at line 1, column"):
        parse_reply(as_json[:-40])
    with pytest.raises(ReplyParseError, match="no JSON object"):
        parse_reply("I cannot help with that.")


def test_review_names_what_to_fix_at_each_stage():
    production = small_production()
    data = good_script(production).model_dump(mode="json")
    assert review_reply("{", production).stage == "parse"

    data["scenes"][0]["shots"][1]["duration"] = 12
    schema = review_reply(json.dumps(data), production)
    assert schema.stage == "schema"
    assert schema.to_fix == ["scenes[0].shots[1].duration: Input should be less than or equal to 10"]

    data["scenes"][0]["shots"][1]["duration"] = 4
    line = next(line for scene in data["scenes"] for shot in scene["shots"] for line in shot["dialogue"])
    line["line"] = line["line"].replace("early", "so early")  # reworded: only a warning for a person's edit
    reworded = review_reply(json.dumps(data), production)
    assert reworded.stage == "validators" and len(reworded.to_fix) == 1
    assert re.match(r"\[dialogue\] shot sh\d+: dialogue line 1 differs from production.yaml", reworded.to_fix[0])


# --- prompts ------------------------------------------------------------------------------------------------

def test_prompts_carry_the_dialogue_exactly():
    production = small_production()
    prompts = Prompts()
    user = prompts.user(production)
    for line in production.dialogue:
        assert json.dumps(line.line, ensure_ascii=False) in user  # quoted as written: "You're" stays "You're"
    assert "(pouring coffee)" in user and "yellow raincoat" in user
    system = prompts.system(production)
    assert "over-the-shoulder" in system and "2.6 words" in system
    repair = prompts.repair(["first problem", "second problem"], production, 1, 3)
    assert "2 problems" in repair and "- first problem\n- second problem" in repair


def test_production_templates_override_and_render_sandboxed(tmp_path):
    production = small_production()
    default = Prompts(tmp_path)
    overrides = tmp_path / "templates" / "scripter"
    overrides.mkdir(parents=True)
    (overrides / "user.j2").write_text("Lines: {% for l in dialogue %}[{{ l.speaker }}] {% endfor %}")
    custom = Prompts(tmp_path)
    assert custom.user(production) == "Lines: [ana] [ben] [ana] [ben]\n"
    assert custom.system(production) == default.system(production)
    assert custom.digest() != default.digest()

    (overrides / "user.j2").write_text("{{ title.__class__.__mro__[1].__subclasses__() }}")
    unsafe = r"^templates/scripter/user\.j2: template: access to attribute '__class__' of 'str' object is unsafe"
    with pytest.raises(InputError, match=unsafe):
        Prompts(tmp_path).user(production)
    (overrides / "user.j2").write_text("line one\n{% for x in dialogue %}")
    with pytest.raises(InputError, match=r"^templates/scripter/user\.j2:2:1: template: Unexpected end of template"):
        Prompts(tmp_path).user(production)


# --- provenance -----------------------------------------------------------------------------------------------

def test_header_records_provenance_and_edits_are_still_detected():
    production = small_production()
    script = good_script(production)
    provenance = {"model": "my models/sft v2", "templates": "0123456789abcdef", "seed": 7, "repairs": 1}
    text = render_script_file(script, production, "transformers", provenance)
    header = script_header(text)
    assert header == {"backend": "transformers", "model": "my models/sft v2", "templates": "0123456789abcdef",
                      "seed": "7", "repairs": "1", "inputs": script_inputs_digest(production), "made": header["made"]}
    assert script_state(text) == ("pristine", script_inputs_digest(production))
    assert script_state(text.replace("You're up early.", "You are up early.")) == (
        "edited", script_inputs_digest(production))


# --- transformers: a tiny random Qwen2 ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 2-layer Qwen2 with random weights and a byte-level BPE tokenizer trained on this scripter's own prompts
    (so prompts stay about a thousand tokens), saved like any checkpoint."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    production = small_production()
    prompts = Prompts()
    texts = [prompts.system(production), prompts.user(production), prompts.repair(["a problem"], production, 1, 3)]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, chat_template=CHAT_TEMPLATE, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")
    config = Qwen2Config(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("models") / "tiny-qwen2"
    Qwen2ForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def test_random_model_build_fails_cleanly_after_the_repair_rounds(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = tmp_path / "p"
    folder.mkdir()
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "tiny").symlink_to(tiny_model)  # named relative to the production, as users do
    config = "{backend: transformers, model: ../checkpoints/tiny, device: cpu, max_new_tokens: 24, repair_rounds: 2}"
    make_production(folder, text=SMALL_PRODUCTION.replace("{backend: rule-based}", config))

    result = doit(folder, check=False)

    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "script.yaml: not written: the script from ../checkpoints/tiny still has" in output
    assert "after 2 repair rounds:" in output
    assert re.search(r"^  - \S.*", output, re.M), "the remaining problems are listed"
    assert result.stderr.count("scripter: loading") == 1, "loaded once for the three attempts"
    assert result.stderr.count("scripter: asking ../checkpoints/tiny") == 3
    assert "Traceback" not in output
    assert not (folder / "script.yaml").exists()


def test_chat_is_seeded_and_loads_the_model_once(tiny_model):
    from scriptagent.lm import chat, transformers_chat

    config = TransformersScripterConfig(model=str(tiny_model), device="cpu", temperature=1.0, max_new_tokens=16)
    messages = [{"role": "user", "content": "Write the script."}]
    transformers_chat.load_model.cache_clear()
    first = chat(messages, config, seed=11)
    assert chat(messages, config, seed=11) == first
    assert len({chat(messages, config, seed=seed) for seed in (1, 2, 3)} | {first}) > 1
    assert transformers_chat.load_model.cache_info().misses == 1


def test_transformers_errors_say_what_to_do(tmp_path, tiny_model):
    from scriptagent.lm import chat

    messages = [{"role": "user", "content": "hi"}]
    missing = TransformersScripterConfig(model=str(tmp_path / "nowhere"), device="cpu")
    with pytest.raises(BackendError, match=r"cannot load '.*nowhere'.*\(hint: a Hugging Face id"):
        chat(messages, missing)

    from transformers import AutoModelForCausalLM, AutoTokenizer
    plain = tmp_path / "no-template"
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(plain)
    AutoModelForCausalLM.from_pretrained(tiny_model).save_pretrained(plain)
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(BackendError, match=r"cannot format a conversation.*chat template"):
        chat(messages, missing.model_copy(update={"model": str(plain)}))


def test_scripter_resolves_checkpoints_relative_to_the_production(tmp_path, tiny_model):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mine").symlink_to(tiny_model)
    config = TransformersScripterConfig(model="models/mine")
    scripter = make_scripter(config, tmp_path)
    assert scripter.chat_config.model == str((tmp_path / "models" / "mine").resolve())
    hub_id = make_scripter(TransformersScripterConfig(model="Qwen/Qwen2.5-7B-Instruct"), tmp_path)
    assert hub_id.chat_config.model == "Qwen/Qwen2.5-7B-Instruct"
