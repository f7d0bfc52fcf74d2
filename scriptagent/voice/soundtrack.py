"""The video model's own sound (director.audio: model or mix), from each render to the film's soundtrack.

    render:<seg> ─> build/renders/<seg>.wav   the model's sound of that segment: mono, MIX_RATE, exactly the
                                              segment's frames / fps long (written by the renderer, atomically)
    stitch ─> the segments' sounds one after another, each at its place in the film:
              model: that track is the film's sound; mix: it plays under the speech, MODEL_GAIN_DB lower

`speech` (the default) is the dialogue recordings alone, and no render writes a sound file. A director backend
whose model makes sound (the diffusers pipeline ltx2; Veo) calls write_segment_sound; the stitch calls film_track.
"""

from __future__ import annotations

from pathlib import Path

from . import MIX_RATE, read_wav, write_wav

MODEL_GAIN_DB = -12.0  # mix: the model's sound under the speech (speech at full level), about a quarter in amplitude


def wants_model_sound(director: dict) -> bool:
    """Whether a segment's director settings ask for the model's sound (its render then writes <seg>.wav)."""
    return director.get("audio", "speech") != "speech"


def at_mix_rate(samples, rate: int, scale: float = 1.0):
    """Mono float32 samples at MIX_RATE, linearly interpolated; `scale` stretches time (2: twice as long)."""
    import numpy as np

    samples = np.asarray(samples, np.float32)
    if len(samples) == 0:
        return samples
    count = round(len(samples) * MIX_RATE * scale / rate)
    source = np.arange(count) * rate / (MIX_RATE * scale)
    return np.interp(source, np.arange(len(samples)), samples).astype(np.float32)


def write_segment_sound(path: Path, samples, rate: int, seconds: float, scale: float = 1.0) -> None:
    """A segment's sound as the stitch reads it: `samples` at `rate` (mono), time-scaled by `scale` (as the picture
    was when its frames were resampled to the film's rate, so that the two stay together), then cut or padded with
    silence to exactly `seconds` at MIX_RATE; written atomically."""
    import numpy as np

    track = np.zeros(round(seconds * MIX_RATE), np.float32)
    sound = at_mix_rate(samples, rate, scale)[:len(track)]
    track[:len(sound)] = sound
    write_wav(path, track, MIX_RATE)


def film_track(sounds: list[Path], frames: list[int], fps: float, out: Path, speech: Path | None = None,
               under: bool = False) -> None:
    """Write the film's soundtrack to `out`: each segment's sound (`sounds`, each segment `frames` long at `fps`)
    at its place, cut or padded to its length. `under` (mix): at MODEL_GAIN_DB, with `speech` (the dialogue track,
    when there is speech) at full level on top; the film's length is the speech track's where there is one."""
    import numpy as np

    bounds = np.rint(np.cumsum([0, *frames]) / fps * MIX_RATE).astype(int)
    track = np.zeros(int(bounds[-1]), np.float32)
    for path, start, end in zip(sounds, bounds, bounds[1:]):
        piece = at_mix_rate(*read_wav(path))[:end - start]
        track[start:start + len(piece)] = piece
    if under:
        track *= 10 ** (MODEL_GAIN_DB / 20)
    if speech is not None:
        voice = at_mix_rate(*read_wav(speech))
        track = np.pad(track, (0, max(0, len(voice) - len(track))))[:len(voice)] + voice
    write_wav(out, track, MIX_RATE)
