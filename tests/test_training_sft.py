"""SFT and GRPO train as the models' authors intend (issue #18): float32 master weights, the loss on the script
only, and no example cut short. On tiny models built in code (tests/test_training.py), through the recipe code."""

from __future__ import annotations

import pytest

from test_training import DATA, build_tiny_causal_lm, sample_texts

from scriptagent.training.recipes import SFTRecipe


@pytest.fixture(scope="module")
def bf16_lm(tmp_path_factory):
    """A tiny chat model whose checkpoint is stored in bfloat16, as most released models are."""
    import torch
    from transformers import AutoModelForCausalLM

    folder = build_tiny_causal_lm(tmp_path_factory.mktemp("lm"), sample_texts())
    model = AutoModelForCausalLM.from_pretrained(folder).to(torch.bfloat16)
    model.save_pretrained(folder)
    return folder


def recipe(folder, tmp_path, **fields) -> SFTRecipe:
    return SFTRecipe(base_model=str(folder), data=str(DATA / "scriptbench.jsonl"), output_dir=str(tmp_path / "out"),
                     training={"max_steps": 1, "batch_size": 1, "device": "cpu"}, **{"max_length": 4096, **fields})


def test_a_bf16_checkpoint_trains_with_float32_master_weights(bf16_lm, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    from scriptagent.training.sft import sft_trainer

    assert next(AutoModelForCausalLM.from_pretrained(bf16_lm).parameters()).dtype == torch.bfloat16  # as stored
    trainer, _ = sft_trainer(recipe(bf16_lm, tmp_path))
    assert {parameter.dtype for parameter in trainer.model.parameters()} == {torch.float32}


def test_the_loss_covers_the_script_not_the_prompt(bf16_lm, tmp_path):
    from transformers import AutoTokenizer

    from scriptagent.training.sft import sft_trainer

    tokenizer = AutoTokenizer.from_pretrained(bf16_lm)
    trainer, _ = sft_trainer(recipe(bf16_lm, tmp_path))
    example = trainer.train_dataset[0]
    prompt = tokenizer.apply_chat_template(example["prompt"], tokenize=True, add_generation_prompt=True)
    prompt = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    assert example["input_ids"][:len(prompt)] == list(prompt)
    assert set(example["labels"][:len(prompt)]) == {-100}  # nothing of the prompt is learned
    learned = [token for token, label in zip(example["input_ids"], example["labels"]) if label != -100]
    assert learned == example["input_ids"][len(prompt):]  # all of the script is
    assert learned[-1] == tokenizer.convert_tokens_to_ids("<|im_end|>")  # including where it stops


def test_examples_longer_than_max_length_are_left_out_never_cut(bf16_lm, tmp_path, capsys):
    from transformers import AutoTokenizer

    from scriptagent.training.sft import sft_trainer

    tokenizer = AutoTokenizer.from_pretrained(bf16_lm)
    whole, _ = sft_trainer(recipe(bf16_lm, tmp_path))
    lengths = sorted(len(example["input_ids"]) for example in whole.train_dataset)
    limit = lengths[len(lengths) // 2]  # about half the examples are longer
    trainer, too_long = sft_trainer(recipe(bf16_lm, tmp_path, max_length=max(64, limit)))
    assert too_long == sum(length > max(64, limit) for length in lengths) > 0
    assert f"{too_long} example(s) longer than max_length" in capsys.readouterr().err
    for example in trainer.train_dataset:  # what is kept is whole: the script ends with the end of its turn
        assert len(example["input_ids"]) <= max(64, limit)
        assert tokenizer.convert_tokens_to_ids("<|im_end|>") in example["input_ids"][-2:]
