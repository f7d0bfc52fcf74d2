"""A local vision-language chat: an image-text-to-text model sees the images that go with the prompt.

A model that transformers cannot load as image-text-to-text is a text model: it still answers text, through the
transformers chat, but it cannot look at images, which is then an error.
"""

from __future__ import annotations

import functools
import io

from ..errors import BackendError, first_line


def vlm_chat(messages: list[dict], images: list[bytes], config, seed: int, *, setting: str) -> str:
    """The model's reply to `messages`; `images` (JPEG bytes) go with the first user message. `config` needs what
    the transformers chat needs (model, device, dtype, trust_remote_code, temperature, max_new_tokens)."""
    import torch
    import transformers
    from PIL import Image

    loaded = load_vlm(config.model, config.device, config.dtype, config.trust_remote_code, setting)
    if loaded is None:
        if images:
            raise BackendError(f"{setting}.model: '{config.model}' is not an image-text-to-text model, and it must "
                               "see the images (hint: use a vision-language model, or an openai server with one)")
        from .transformers_chat import chat
        return chat(messages, config, seed=seed, setting=setting)
    processor, model, device = loaded
    first_user = next(i for i, m in enumerate(messages) if m["role"] == "user")
    conversation = []
    for index, message in enumerate(messages):
        parts = [{"type": "image"} for _ in images] if index == first_user else []
        parts.append({"type": "text", "text": message["content"]})
        conversation.append({"role": message["role"], "content": parts})
    prompt = processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
    pictures = [Image.open(io.BytesIO(jpeg)).convert("RGB") for jpeg in images]
    inputs = processor(text=prompt, images=pictures or None, return_tensors="pt").to(device)
    transformers.set_seed(seed)
    sampling = {"do_sample": True, "temperature": config.temperature} if config.temperature > 0 else \
        {"do_sample": False}
    with torch.inference_mode():
        output = model.generate(**inputs, max_new_tokens=config.max_new_tokens, **sampling)
    tokenizer = getattr(processor, "tokenizer", processor)
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


@functools.lru_cache(maxsize=1)
def load_vlm(name: str, device: str, dtype: str, trust_remote_code: bool, setting: str):
    """(processor, model, device) for an image-text-to-text model, None for another kind of model."""
    from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

    from ..devices import resolve_device, resolve_dtype

    try:
        config = AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        first = first_line(error)
        raise BackendError(f"{setting}.model: cannot load '{name}': {first} (hint: a Hugging Face id or a local "
                           "folder; offline, the model must already be in the Hugging Face cache)") from None
    if type(config) not in AutoModelForImageTextToText._model_mapping:
        return None
    device = resolve_device(device, f"{setting}.device")
    model = AutoModelForImageTextToText.from_pretrained(name, dtype=resolve_dtype(dtype, device),
                                                        trust_remote_code=trust_remote_code).to(device).eval()
    processor = AutoProcessor.from_pretrained(name, trust_remote_code=trust_remote_code)
    return processor, model, device
