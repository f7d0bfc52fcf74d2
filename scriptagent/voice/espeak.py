"""Speech by espeak-ng, the open-source formant synthesizer: no model weights, instant, many languages."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BackendError


class EspeakVoice:
    def __init__(self, config: dict):
        self.program = shutil.which("espeak-ng")
        if self.program is None:
            raise BackendError("voice: espeak-ng is not installed (hint: apt install espeak-ng, or brew install "
                               "espeak-ng)")
        self.default_voice = config.get("voice", "en-us")
        self.words_per_minute = int(config.get("words_per_minute", 150))

    def speak(self, text: str, voice: str):
        from . import read_wav

        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "line.wav"
            # The text goes through stdin, so a line starting with '-' is never read as an option.
            result = subprocess.run([self.program, "-v", voice or self.default_voice, "-s", str(self.words_per_minute),
                                     "-w", str(out)], input=text.encode("utf-8"), capture_output=True)
            if result.returncode != 0 or not out.is_file():
                message = result.stderr.decode("utf-8", "replace").strip() or f"exit {result.returncode}"
                raise BackendError(f"espeak-ng failed with voice '{voice or self.default_voice}': {message} (hint: "
                                   "`espeak-ng --voices` lists the voices)")
            return read_wav(out)
