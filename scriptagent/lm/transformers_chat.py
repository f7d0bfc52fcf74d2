"""The `transformers` backend: a local causal language model (a Hugging Face id or a checkpoint folder, the
project's own SFT/GRPO output included), prompted through the model's chat template.

The model is loaded once per process and kept (one at a time: two 7B models rarely fit beside each other), so
repair rounds and retries reuse it.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

from ..devices import resolve_device, resolve_dtype
from ..errors import BackendError, first_line


def chat(messages: list[dict], config, *, seed: int | None = None, json_schema: dict | None = None,
         setting: str = "scripter") -> str:
    """The model's reply to `messages`. `config` needs model, device, dtype, trust_remote_code, temperature and
    max_new_tokens (TransformersScripterConfig has them). `json_schema` is ignored: nothing constrains decoding.
    """
    import torch
    import transformers

    tokenizer, model, device = load_model(config.model, config.device, config.dtype, config.trust_remote_code,
                                          setting)
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
    progress = TokenProgress(config.max_new_tokens, f"{Path(config.model).name} writing")
    try:
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=config.max_new_tokens, pad_token_id=pad,
                                    streamer=progress, **sampling)
    finally:
        progress.end()
    return tokenizer.decode(output[0, prompt_tokens:], skip_special_tokens=True)


@functools.lru_cache(maxsize=1)
def load_model(name: str, device: str, dtype: str, trust_remote_code: bool, setting: str = "scripter"):
    """(tokenizer, model, torch device), loaded once per process for the same arguments."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = resolve_device(device, f"{setting}.device")
    torch_dtype = resolve_dtype(dtype, device)
    say(setting, f"loading {name} on {device} ({str(torch_dtype).removeprefix('torch.')}); a large model takes a while")
    started = time.monotonic()
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(name, dtype=torch_dtype, trust_remote_code=trust_remote_code)
    except (OSError, ValueError, ImportError, KeyError) as error:
        raise BackendError(f"{setting}.model: cannot load '{name}': {first_line(error)} (hint: a Hugging Face id of "
                           "a causal language model, or a folder with config.json and the weights; without network "
                           "the model must already be in the Hugging Face cache)") from None
    model.to(device).eval()
    say(setting, f"loaded in {time.monotonic() - started:.1f} s")
    return tokenizer, model, torch.device(device)


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
