"""Text-to-speech through transformers: VITS models such as Meta's MMS-TTS (facebook/mms-tts-eng), by Hub id or
local folder. A cast member's `voice` is the speaker number of a multi-speaker model (empty: speaker 0)."""

from __future__ import annotations

from pathlib import Path

from ..errors import BackendError


class TransformersVoice:
    def __init__(self, config: dict):
        import torch
        from transformers import AutoTokenizer, VitsModel

        self.torch = torch
        source = config["model"]
        if Path(source).exists():
            source = str(Path(source).resolve())
        device = config.get("device", "auto")
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        remote = bool(config.get("trust_remote_code", False))
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=remote)
            self.model = VitsModel.from_pretrained(source, trust_remote_code=remote).to(self.device).eval()
        except OSError as error:
            raise BackendError(f"voice.model: cannot load '{config['model']}': {str(error).splitlines()[0]} (hint: a "
                               "Hugging Face id such as facebook/mms-tts-eng, or a folder with the model)") from None
        self.seed = int(config.get("seed", 0))

    def speak(self, text: str, voice: str):
        torch = self.torch
        speaker = int(voice) if voice.strip().isdigit() else None
        if voice.strip() and speaker is None:
            raise BackendError(f"voice '{voice}': a transformers voice is a speaker number (0, 1, ...)")
        inputs = self.tokenizer(text, return_tensors="pt").to(self.device)
        if inputs["input_ids"].shape[-1] == 0:
            raise BackendError(f"the voice model's tokenizer keeps nothing of {text!r} (another language?)")
        torch.manual_seed(self.seed)  # VITS samples durations and noise: the same line gives the same audio
        with torch.no_grad():
            waveform = self.model(**inputs, speaker_id=speaker).waveform[0]
        return waveform.float().cpu().numpy(), int(self.model.config.sampling_rate)
