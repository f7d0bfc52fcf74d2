"""Speech: each dialogue line of the script spoken by its character's voice, one WAV file per line.

    script.yaml ─> speech:<line> ─> build/speech/<line>.wav ─> plan (measured lengths time the lines) ─> stitch

A line's task depends only on its text and its voice (the backend's settings and the speaker's `voice`), so
editing one line re-synthesises one line. When speech is on, the plan times every line by its recording and
lengthens a shot whose lines do not fit (with a warning); the stitch mixes the recordings into film.mp4.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..registry import VOICES, backend_class
from ..errors import ScriptAgentError
from ..files import atomic_path
from ..layout import SCRIPT_FILE
from ..schema import MAX_SHOT_SECONDS, Production, Script

MIX_RATE = 48000  # the film's soundtrack: every recording is resampled to this rate


def line_id(shot_id: str, index: int) -> str:
    """The id of the index-th (0-based) line of a shot: `sh03.1`. Stable while the shot keeps its lines."""
    return f"{shot_id}.{index + 1}"


@dataclass(frozen=True)
class SpeechLine:
    id: str
    speaker: str
    text: str
    voice: str  # the speaker's voice ('' : the backend's default)


def speech_lines(production: Production, script: Script) -> list[SpeechLine]:
    voices = {member.id: member.voice or "" for member in production.cast}
    return [SpeechLine(line_id(shot.id, index), line.speaker, line.line, voices.get(line.speaker, ""))
            for _, shot in script.shots() for index, line in enumerate(shot.dialogue)]


def active_voice(production: Production, notice=True) -> dict | None:
    """The voice settings a build speaks with, or None for a silent film. An espeak production on a machine
    without espeak-ng is silent with a one-line notice when it says `if_missing: silent`, an error otherwise."""
    config = production.voice
    if config.backend == "none":
        return None
    if config.backend == "espeak" and shutil.which("espeak-ng") is None:
        if config.if_missing == "silent":
            if notice:
                print("voice: espeak-ng is not installed, so this film is silent (install it: apt install "
                      "espeak-ng, or brew install espeak-ng)", file=sys.stderr)
            return None
        raise ScriptAgentError("voice.backend: espeak needs the espeak-ng program (hint: apt install espeak-ng, or "
                               "brew install espeak-ng; or set voice.if_missing: silent)")
    return config.model_dump(mode="json")


class Voice(Protocol):
    """What a voice backend is: built from its settings, it speaks one line with one voice, as float samples in
    [-1, 1] and their rate (written as a WAV by `synthesize`)."""

    def __init__(self, config: dict): ...

    def speak(self, text: str, voice: str) -> tuple[object, int]: ...


def voice_class(name: str) -> type[Voice]:
    return backend_class(VOICES, name, "voice.backend", also_known=("none",))


@functools.lru_cache(maxsize=2)
def _cached_voice(config_json: str):
    config = json.loads(config_json)
    return voice_class(config["backend"])(config)


def synthesize(config: dict, text: str, voice: str, out: Path) -> None:
    """Speak `text` with `voice` into the WAV file `out` (16-bit mono), written atomically."""
    samples, rate = _cached_voice(json.dumps(config, sort_keys=True)).speak(text, voice)
    write_wav(out, samples, rate)


def write_wav(path: Path, samples, rate: int) -> None:
    import numpy as np  # lazy: the task graph imports this module and must start fast

    pcm = (np.clip(np.asarray(samples, np.float32), -1, 1) * 32767).round().astype("<i2")
    with atomic_path(path) as temporary, wave.open(str(temporary), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple:
    """(mono float32 samples in [-1, 1], sample rate) of a 16-bit PCM WAV file."""
    import numpy as np

    with wave.open(str(path), "rb") as source:
        if source.getsampwidth() != 2:
            raise ScriptAgentError(f"{path}: only 16-bit PCM WAV is supported")
        rate, channels = source.getframerate(), source.getnchannels()
        data = np.frombuffer(source.readframes(source.getnframes()), "<i2").astype(np.float32) / 32767
    return data.reshape(-1, channels).mean(axis=1), rate


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / source.getframerate()


# --- timing: the recordings decide when lines are said and how long shots last ---------------------------------

def fit_shots_to_speech(script: Script, spoken: dict[str, float]) -> tuple[Script, list[str]]:
    """The script with every shot long enough for its recorded lines (lead-in, lines, gaps, tail), and a
    warning for each shot that was lengthened. The user's script.yaml is not touched: the plan uses this copy."""
    from ..timing import GAP_SECONDS, LEAD_IN_SECONDS, TAIL_SECONDS

    warnings = []
    script = script.model_copy(deep=True)
    for _, shot in script.shots():
        lengths = [spoken[line_id(shot.id, i)] for i in range(len(shot.dialogue))]
        if not lengths:
            continue
        needed = LEAD_IN_SECONDS + sum(lengths) + GAP_SECONDS * (len(lengths) - 1) + TAIL_SECONDS
        if needed > shot.duration + 1e-6:
            longer = min(MAX_SHOT_SECONDS, math.ceil(round(needed * 10, 6)) / 10)
            warnings.append(f"{SCRIPT_FILE}: shot {shot.id}: its spoken lines need {needed:.2f} s, so the plan "
                            f"lengthens it from {shot.duration:g} s to {longer:g} s"
                            + (" (the longest a shot may be; the speech runs over the cut)"
                               if longer < needed else ""))
            shot.duration = longer
    return script, warnings



def spoken_timings(lengths: list[float], shot_duration: float) -> list[tuple[float, float]]:
    """Shot-local (start, end) of recorded lines: after the lead-in, one after another with the usual gaps."""
    from ..timing import GAP_SECONDS, LEAD_IN_SECONDS

    timings, clock = [], LEAD_IN_SECONDS
    for length in lengths:
        timings.append((min(clock, shot_duration), min(shot_duration, clock + length)))
        clock += length + GAP_SECONDS
    return timings


# --- the soundtrack ---------------------------------------------------------------------------------------------

def mix(lines: list[dict], recording, seconds: float, out: Path) -> None:
    """Write the film's dialogue track to `out`: each plan line's recording (`recording(line_id)`) placed at its
    start, resampled to MIX_RATE, the track exactly `seconds` long."""
    import numpy as np

    track = np.zeros(round(seconds * MIX_RATE), np.float32)
    for line in lines:
        samples, rate = read_wav(recording(line["id"]))
        if rate != MIX_RATE and len(samples):
            count = round(len(samples) * MIX_RATE / rate)
            samples = np.interp(np.arange(count) * rate / MIX_RATE, np.arange(len(samples)), samples)
        start = round(line["start"] * MIX_RATE)
        piece = samples[:max(0, len(track) - start)]
        track[start:start + len(piece)] += piece
    write_wav(out, track, MIX_RATE)


def without_estimated_timing(findings: list, production: Production) -> list:
    """With speech on, how long a shot must be for its lines comes from the recordings (fit_shots_to_speech),
    not from the validators' words-per-second estimate: their findings on shot durations are dropped."""
    if active_voice(production, notice=False) is None:
        return findings
    return [finding for finding in findings if finding.path[-1:] != ("duration",)]


def recorded_lengths(production: Production, script: Script, speech_folder: Path) -> dict[str, float] | None:
    """The recorded length of every line of the script (by line id), or None when speech is off or a line has
    not been recorded yet (`doit` records them)."""
    if active_voice(production, notice=False) is None:
        return None
    paths = {line.id: speech_folder / f"{line.id}.wav" for line in speech_lines(production, script)}
    if not all(path.is_file() for path in paths.values()):
        return None
    return {line_id: wav_seconds(path) for line_id, path in paths.items()}
