"""The `transformers` backend: a local causal language model (a Hugging Face id or a checkpoint folder, the
project's own SFT/GRPO output included), prompted through the model's chat template.

The model is loaded once per process and kept (one at a time: two 7B models rarely fit beside each other), so
repair rounds and retries reuse it.

A PEFT adapter (a folder or id whose adapter_config.json names `base_model_name_or_path`, like the paper's
released XD-MU/ScriptAgent) is loaded on its base model (or `config.base_model`) and merged into it. A
Qwen2.5-Omni base is loaded as its text-generating part, the thinker (Qwen2_5OmniThinkerForConditionalGeneration):
the talker and vocoder are never loaded. An adapter trained on the whole Omni model under transformers 4 (as
ms-swift does) names the thinker's modules `thinker.model.layers...`; they are found in the thinker as transformers
5 names them (`model.language_model.layers...`), and only the modules it has weights for are adapted.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from pathlib import Path

from ..devices import resolve_device, resolve_dtype
from ..errors import BackendError, first_line
from .reply import Reply

OMNI_MODEL_TYPES = ("qwen2_5_omni", "qwen2_5_omni_thinker")  # loaded as the thinker: text in, text out
# How a module of the thinker is named by an adapter made on the whole Omni model under transformers 4, and now.
OMNI_RENAMES = ((r"^thinker\.", ""), (r"^model\.(?!language_model\.|visual\.|audio_tower\.)", "model.language_model."),
                (r"^(visual|audio_tower)\.", r"model.\1."))


def chat(messages: list[dict], config, *, seed: int | None = None, json_schema: dict | None = None,
         setting: str = "scripter") -> str:
    """The model's reply to `messages`. `config` needs model, device, dtype, trust_remote_code, temperature and
    max_new_tokens (TransformersScripterConfig has them). `json_schema` is ignored: nothing constrains decoding.
    """
    import torch
    import transformers

    tokenizer, model, device = load_model(config.model, config.device, config.dtype, config.trust_remote_code,
                                          setting, getattr(config, "base_model", None))
    try:
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True)
    except (ValueError, TypeError) as error:
        raise BackendError(f"{setting}.model: '{config.model}' cannot format a conversation: {first_line(error)} "
                           "(hint: use a chat/instruct model, one with a chat template)") from None
    inputs = inputs.to(device)
    prompt_tokens = inputs["input_ids"].shape[1]
    if seed is not None:
        transformers.set_seed(seed)
    sampling = {"do_sample": True, "temperature": config.temperature} if config.temperature > 0 else {
        "do_sample": False}
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    ends = end_tokens(tokenizer, model)
    progress = TokenProgress(config.max_new_tokens, f"{Path(config.model).name} writing")
    try:
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=config.max_new_tokens, pad_token_id=pad,
                                    eos_token_id=ends or None, streamer=progress, **sampling)
    finally:
        progress.end()
    tokens = output[0, prompt_tokens:].tolist()
    cut_short = len(tokens) >= config.max_new_tokens and not set(tokens[-1:]) & set(ends)
    return Reply.of(tokenizer.decode(tokens, skip_special_tokens=True), cut_short)


# The tokens that end an assistant's turn in common chat templates; a checkpoint whose generation config names
# only its base model's end of text would otherwise write past its turn until max_new_tokens.
TURN_ENDS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>")


def end_tokens(tokenizer, model) -> list[int]:
    """Every token id that ends the reply: the generation config's, the tokenizer's, and the chat's turn ends."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = list(configured) if isinstance(configured, (list, tuple)) else [configured]
    ids.append(tokenizer.eos_token_id)
    vocabulary = tokenizer.get_vocab()
    template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else ""
    ids += [vocabulary[token] for token in TURN_ENDS if token in vocabulary and token in template]
    return list(dict.fromkeys(i for i in ids if isinstance(i, int)))


@functools.lru_cache(maxsize=1)
def load_model(name: str, device: str, dtype: str, trust_remote_code: bool, setting: str = "scripter",
               base_model: str | None = None):
    """(tokenizer, model, torch device), loaded once per process for the same arguments. `name` may be a PEFT
    adapter: it is loaded on `base_model` or the base its adapter_config.json names, and merged."""
    import torch
    from transformers import AutoTokenizer

    device = resolve_device(device, f"{setting}.device")
    torch_dtype = resolve_dtype(dtype, device)
    say(setting, f"loading {name} on {device} ({str(torch_dtype).removeprefix('torch.')}); a large model takes a while")
    started = time.monotonic()
    adapter = hub_json(name, "adapter_config.json")
    base = (base_model or adapter.get("base_model_name_or_path")) if adapter is not None else name
    if not base:
        raise BackendError(f"{setting}.model: the adapter '{name}' names no base model (hint: set "
                           f"{setting}.base_model to the model it was trained on)")
    try:
        tokenizer_source = name if adapter is None or hub_json(name, "tokenizer_config.json") else base
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source, trust_remote_code=trust_remote_code)
        model = model_class(base, trust_remote_code).from_pretrained(base, dtype=torch_dtype,
                                                                     trust_remote_code=trust_remote_code)
    except (OSError, ValueError, ImportError, KeyError) as error:
        if adapter is not None:
            raise BackendError(f"{setting}.model: cannot load '{base}', the base model of the adapter '{name}': "
                               f"{first_line(error)} (hint: set {setting}.base_model to its Hugging Face id or a "
                               "folder, e.g. Qwen/Qwen2.5-Omni-7B for XD-MU/ScriptAgent)") from None
        raise BackendError(f"{setting}.model: cannot load '{name}': {first_line(error)} (hint: a Hugging Face id of "
                           "a causal language model, or a folder with config.json and the weights; without network "
                           "the model must already be in the Hugging Face cache)") from None
    if tokenizer.chat_template is None:  # a multimodal model may keep it with its processor (Qwen2.5-Omni)
        tokenizer.chat_template = (hub_json(tokenizer_source, "chat_template.json") or {}).get("chat_template")
    if adapter is not None:
        model = merge_adapter(model, name, base, setting)
    model.to(device).eval()
    say(setting, f"loaded in {time.monotonic() - started:.1f} s")
    return tokenizer, model, torch.device(device)


def hub_json(name: str, filename: str) -> dict | None:
    """A JSON file of a model folder, or of a Hub repository in the local cache (downloaded if allowed); None when
    there is none."""
    folder = Path(name)
    if folder.is_dir():
        path = folder / filename
    else:
        try:
            from transformers.utils import cached_file

            found = cached_file(name, filename, _raise_exceptions_for_missing_entries=False,
                                _raise_exceptions_for_connection_errors=False)
        except (OSError, ValueError, ImportError):
            return None
        path = Path(found) if found else None
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def adapter_base_type(name: str, base_model: str | None = None) -> str | None:
    """The model_type of the base model when `name` is a PEFT adapter (None when it is not one, or the base's
    config cannot be read): how the released ScriptAgent is recognised."""
    adapter = hub_json(name, "adapter_config.json")
    base = base_model or (adapter or {}).get("base_model_name_or_path")
    if adapter is None or not base:
        return None
    config = hub_json(base, "config.json") or {}
    return config.get("model_type")


def model_class(name: str, trust_remote_code: bool = False):
    """The class that generates text with the model `name`: Qwen2.5-Omni's thinker, or AutoModelForCausalLM."""
    if (hub_json(name, "config.json") or {}).get("model_type") in OMNI_MODEL_TYPES:
        from transformers import Qwen2_5OmniThinkerForConditionalGeneration

        return Qwen2_5OmniThinkerForConditionalGeneration
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM


def merge_adapter(model, name: str, base: str, setting: str):
    """`model` with the PEFT adapter `name` merged in. Each module the adapter has weights for is found in the model
    under its own name or as OMNI_RENAMES names it; the adapter targets exactly those modules."""
    try:
        from peft import PeftConfig, get_peft_model, set_peft_model_state_dict
        from peft.utils import load_peft_weights
    except ImportError:
        raise BackendError(f"{setting}.model: '{name}' is a PEFT adapter, and peft is not installed (hint: pip "
                           "install peft)") from None
    try:
        config = PeftConfig.from_pretrained(name)
        weights = load_peft_weights(name, device="cpu")
    except (OSError, ValueError) as error:
        raise BackendError(f"{setting}.model: cannot read the adapter '{name}': {first_line(error)}") from None
    modules = {module_name for module_name, _ in model.named_modules()}
    renamed, targets = {}, set()
    for key, value in weights.items():
        path, marker, rest = key.removeprefix("base_model.model.").partition(".lora_")
        if not marker:  # not a LoRA weight (modules_to_save): renamed the same way, checked by peft below
            renamed[f"base_model.model.{_renamed(path)}"] = value
            continue
        found = path if path in modules else _renamed(path)
        if found not in modules:
            raise BackendError(f"{setting}.model: the adapter '{name}' has weights for '{path}', which '{base}' "
                               f"does not have (hint: it was trained on another model; set {setting}.base_model)")
        targets.add(found)
        renamed[f"base_model.model.{found}{marker}{rest}"] = value
    if not targets:
        raise BackendError(f"{setting}.model: the adapter '{name}' holds no LoRA weights")
    config.target_modules = "^(?:" + "|".join(re.escape(target) for target in sorted(targets)) + ")$"
    config.layers_to_transform = config.layers_pattern = None  # the exact modules above say it all
    config.inference_mode = True
    peft_model = get_peft_model(model, config)
    result = set_peft_model_state_dict(peft_model, renamed)
    unexpected = [key for key in getattr(result, "unexpected_keys", []) if ".lora_" in key]
    if unexpected:
        raise BackendError(f"{setting}.model: the adapter '{name}' does not fit '{base}': {unexpected[0]} and "
                           f"{len(unexpected) - 1} more weights found no place")
    return peft_model.merge_and_unload()


def _renamed(path: str) -> str:
    for pattern, replacement in OMNI_RENAMES:
        path = re.sub(pattern, replacement, path)
    return path


def say(setting: str, message: str) -> None:
    """Progress on stderr, under the name of the settings in use (`scripter: loading ...`)."""
    print(f"{setting}: {message}", file=sys.stderr, flush=True)


class TokenProgress:
    """A `generate` streamer that only counts tokens: a progress bar on a terminal while a long reply is written."""

    def __init__(self, total: int, description: str):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=description, unit="tok", leave=False, disable=None, file=sys.stderr)
        self.prompt_seen = False

    def put(self, tokens) -> None:
        if not self.prompt_seen:  # generate() hands over the prompt first
            self.prompt_seen = True
            return
        self.bar.update(tokens.numel())

    def end(self) -> None:
        self.bar.close()
