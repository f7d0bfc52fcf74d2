"""Tiny stand-ins for the paper's released ScriptAgent (a PEFT LoRA on Qwen2.5-Omni-7B, XD-MU/ScriptAgent), built
here with random weights and saved to folders, so the real loading code reads them by path. No downloads."""

from __future__ import annotations

import json
from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
SAMPLE = ("【Character Profiles】 Ana: young woman. 【Scene Description】 a kitchen. 【Blocking】 1. Ana: left third. "
          "【Dialogue】 1. [0seconds-3seconds] Medium Shot, Eye-Level Angle, Static Camera. Ana: \"You're up early.\"")


def save_tokenizer(folder: Path, texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(texts + [SAMPLE], trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, chat_template=CHAT_TEMPLATE, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")
    fast.save_pretrained(folder)
    return fast


def save_tiny_thinker(folder: Path, texts: list[str]) -> Path:
    """A 2-layer Qwen2.5-Omni thinker (text, audio and vision towers, all tiny) and its tokenizer."""
    import torch
    from transformers import Qwen2_5OmniThinkerConfig, Qwen2_5OmniThinkerForConditionalGeneration

    tokenizer = save_tokenizer(folder, texts)
    top = len(tokenizer)
    config = Qwen2_5OmniThinkerConfig(
        text_config=dict(vocab_size=top + 8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1]},
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id),
        vision_config=dict(depth=1, hidden_size=16, intermediate_size=32, num_heads=2, out_hidden_size=32,
                           fullatt_block_indexes=[0]),
        audio_config=dict(encoder_layers=1, d_model=16, encoder_attention_heads=2, encoder_ffn_dim=32, output_dim=32,
                          num_mel_bins=8, max_source_positions=30, n_window=4),
        audio_token_index=top, image_token_index=top + 1, video_token_index=top + 2, audio_start_token_id=top + 3,
        audio_end_token_id=top + 4, user_token_id=top + 5, vision_start_token_id=top + 6, vision_end_token_id=top + 7)
    torch.manual_seed(0)
    Qwen2_5OmniThinkerForConditionalGeneration(config).save_pretrained(folder)
    return folder


def save_as_whole_omni(thinker: Path, folder: Path) -> Path:
    """The thinker saved as a whole Qwen2.5-Omni checkpoint is laid out under transformers 4 (config model_type
    qwen2_5_omni, weights under `thinker.`, the text model as `thinker.model`): how Qwen/Qwen2.5-Omni-7B is."""
    from safetensors.torch import load_file, save_file
    from transformers import AutoConfig, Qwen2_5OmniConfig

    folder.mkdir(parents=True, exist_ok=True)
    Qwen2_5OmniConfig(thinker_config=AutoConfig.from_pretrained(thinker).to_dict()).save_pretrained(folder)
    weights = load_file(thinker / "model.safetensors")
    save_file({"thinker." + v4_name(key): value for key, value in weights.items()}, folder / "model.safetensors",
              metadata={"format": "pt"})
    for path in thinker.iterdir():  # the tokenizer's files
        if path.name not in ("config.json", "model.safetensors", "generation_config.json"):
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


def v4_name(name: str) -> str:
    """A thinker module's name as transformers 4 had it (model.language_model.x -> model.x, model.visual -> visual)."""
    for new, old in (("model.language_model.", "model."), ("model.visual.", "visual."),
                     ("model.audio_tower.", "audio_tower.")):
        if name.startswith(new):
            return old + name[len(new):]
    return name


def save_lora(base: Path, folder: Path) -> Path:
    """A LoRA (r=4, non-zero B) on the thinker's attention q/v projections, saved by peft."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2_5OmniThinkerForConditionalGeneration

    model = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(base)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=r".*language_model\.layers\.\d+\.self_attn\.(q_proj|v_proj)",
                        init_lora_weights=False, task_type="CAUSAL_LM")
    torch.manual_seed(1)
    get_peft_model(model, config).save_pretrained(folder)
    return folder


def as_swift_adapter(adapter: Path, whole_omni: Path, folder: Path) -> Path:
    """The same adapter as ms-swift saves one trained on the whole Omni model under transformers 4: its weights
    named `base_model.model.thinker.model.layers...`, its targets a regex over those names, its base the whole
    model."""
    from safetensors.torch import load_file, save_file

    folder.mkdir(parents=True, exist_ok=True)
    weights = load_file(adapter / "adapter_model.safetensors")
    prefix = "base_model.model."
    save_file({prefix + "thinker." + v4_name(key.removeprefix(prefix)): value for key, value in weights.items()},
              folder / "adapter_model.safetensors", metadata={"format": "pt"})
    config = json.loads((adapter / "adapter_config.json").read_text())
    config.update(base_model_name_or_path=str(whole_omni),
                  target_modules=r"^(thinker\.model(?=\.).*\.(q_proj|v_proj))$")
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return folder
