"""ffmpeg helpers: deterministic H.264 encoding, decoding, probing, stitching and PNG writing.

Everything goes through the ffmpeg binary that ships with imageio-ffmpeg, so no system ffmpeg is needed.
Outputs are byte-deterministic (same frames -> same file, whatever else runs in parallel): one encoder thread,
bitexact muxing, no metadata. That lets the build compare renders by hash and keeps caches stable.
Every file is written beside its target under a temporary name and renamed on success.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import imageio_ffmpeg
import numpy as np
from PIL import Image

from .errors import BackendError
from .files import atomic_path

# No encoder version string, creation time or other metadata: the bytes depend only on the pictures.
BITEXACT_FLAGS = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]
STDERR_LINES = 12  # how much of ffmpeg's complaint an error message carries
T = TypeVar("T")


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _stderr_tail(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_LINES:]) or "(ffmpeg printed nothing)"


def _run_ffmpeg(args: list[str], what: str, meanwhile: Callable[[], T] | None = None) -> T | None:
    """Run ffmpeg; with `meanwhile`, call it while ffmpeg works and return what it returns (ffmpeg is stopped
    when it raises)."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    if meanwhile is None:
        result = subprocess.run(command, capture_output=True)
        code, complaint = result.returncode, result.stderr
    else:
        with tempfile.TemporaryFile() as errors:  # a file, so a full pipe never blocks ffmpeg
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            try:
                answer = meanwhile()
            except BaseException:
                process.kill()
                process.wait()
                raise
            code = process.wait()
            errors.seek(0)
            complaint = errors.read()
    if code != 0:
        raise BackendError(f"ffmpeg failed to {what} (exit {code}):\n{_stderr_tail(complaint)}")
    return None if meanwhile is None else answer


class FrameWriter:
    """Stream RGB frames into an H.264 mp4; only one frame is ever held in memory.

        with FrameWriter("seg.mp4", size=(640, 360), fps=24) as writer:
            for frame in frames:          # HxWx3 uint8
                writer.write(frame)

    The file appears at `path` only when the block ends without an exception and ffmpeg succeeded.
    """

    def __init__(self, path: str | os.PathLike, size: tuple[int, int], fps: int | float, crf: int = 20):
        self.path = Path(path)
        self.width, self.height = int(size[0]), int(size[1])
        self.fps = fps
        self.crf = int(crf)
        self.frames_written = 0
        self._stack: contextlib.ExitStack | None = None
        self._process: subprocess.Popen | None = None
        self._stderr = None

    def _command(self, output: Path) -> list[str]:
        return [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{self.width}x{self.height}",
            "-framerate", str(self.fps), "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(self.crf),
            # Tagged BT.709 so that players and our own decoder agree on the colours at any resolution.
            "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
                   "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv",
            # One thread: multi-threaded x264 output depends on scheduling. No B-frames: every segment's
            # packets start at pts 0 with no edit list, so `concat -c copy` timing adds up exactly.
            "-threads", "1", "-bf", "0",
            *BITEXACT_FLAGS, "-movflags", "+faststart", "-f", "mp4", str(output),
        ]

    def __enter__(self) -> FrameWriter:
        stack = contextlib.ExitStack()
        try:
            temporary = stack.enter_context(atomic_path(self.path))
            self._stderr = stack.enter_context(tempfile.TemporaryFile())  # a file, so a full pipe never blocks
            self._process = subprocess.Popen(self._command(temporary), stdin=subprocess.PIPE,
                                             stdout=subprocess.DEVNULL, stderr=self._stderr)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def write(self, frame: np.ndarray) -> None:
        if self._process is None:
            raise RuntimeError("FrameWriter.write outside its `with` block")
        frame = np.asarray(frame)
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame is {frame.shape} {frame.dtype}, expected "
                             f"({self.height}, {self.width}, 3) uint8")
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).data)
        except (BrokenPipeError, ValueError):  # ffmpeg has exited: report why
            self._process.stdin = None
            self._process.wait()
            raise self._error() from None
        self.frames_written += 1

    def _error(self) -> BackendError:
        self._stderr.seek(0)
        return BackendError(f"ffmpeg failed to encode {self.path.name} (exit {self._process.returncode}):\n"
                            f"{_stderr_tail(self._stderr.read())}")

    def _finish(self) -> None:
        self._process.stdin.close()
        if self._process.wait() != 0:
            raise self._error()
        if self.frames_written == 0:
            raise BackendError(f"no frames were written to {self.path.name}")

    def _abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(OSError):
            if self._process.stdin:
                self._process.stdin.close()
        self._process.wait()

    def __exit__(self, exc_type, exc, traceback) -> bool:
        stack, self._stack = self._stack, None
        if exc_type is None:
            try:
                self._finish()
            except BaseException as error:
                self._abort()
                stack.__exit__(type(error), error, error.__traceback__)  # removes the temporary file
                raise
        else:
            self._abort()
        return bool(stack.__exit__(exc_type, exc, traceback))


def read_frames(path: str | os.PathLike) -> Iterator[np.ndarray]:
    """Decode a video into HxWx3 uint8 RGB frames, one at a time."""
    if not Path(path).is_file():
        raise BackendError(f"cannot read {path}: no such file")
    try:
        reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration) as error:
        raise BackendError(f"ffmpeg cannot read {path}: {error}") from error
    width, height = meta["size"]
    try:
        for data in reader:
            yield np.frombuffer(data, np.uint8).reshape(height, width, 3)
    except (OSError, RuntimeError) as error:
        raise BackendError(f"ffmpeg failed while reading {path}: {error}") from error
    finally:
        reader.close()  # stops ffmpeg when the caller stops early


def probe(path: str | os.PathLike) -> tuple[int, float]:
    """(frame count, seconds) of a video, by decoding its packet headers."""
    if not Path(path).is_file():
        raise BackendError(f"cannot probe {path}: no such file")
    try:
        frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    except (OSError, RuntimeError) as error:
        raise BackendError(f"ffmpeg cannot probe {path}: {error}") from error
    return int(frames), float(seconds)


def _concat_entry(path: Path) -> str:
    # concat demuxer syntax: single-quoted, a quote written as '\''
    return "file '" + os.path.abspath(path).replace("'", "'\\''") + "'\n"


def stitch(videos: list[str | os.PathLike], out: str | os.PathLike, audio: str | os.PathLike | None = None,
           meanwhile: Callable[[], T] | None = None, atomic: bool = True) -> T | None:
    """Concatenate mp4s made by FrameWriter (same size, fps and codec) without re-encoding the video; with
    `audio` (a WAV file as long as the film), add it as an AAC soundtrack. `meanwhile` is called while ffmpeg
    joins them (the stitch reads its renders then): what it returns is returned; if it raises, nothing is made.
    `atomic=False`: `out` is already a temporary of the caller's (files.atomic_path), written directly."""
    videos = [Path(video) for video in videos]
    if not videos:
        raise ValueError("stitch needs at least one video")
    for video in videos:
        if not video.is_file():
            raise BackendError(f"cannot stitch {video}: no such file")
    out = Path(out)
    with atomic_path(out) if atomic else contextlib.nullcontext(out) as temporary, \
            tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "list.txt"
        listing.write_text("".join(_concat_entry(video) for video in videos), encoding="utf-8")
        # -xerror: without it a part that cannot be read is skipped with a warning and the film is short
        sound_in = ["-i", str(audio)] if audio else []
        sound_out = ["-map", "1:a", "-c:a", "aac", "-b:a", "128k", "-flags:a", "+bitexact", "-threads", "1"] \
            if audio else []
        return _run_ffmpeg(["-xerror", "-f", "concat", "-safe", "0", "-i", str(listing), *sound_in, "-map", "0:v",
                            "-c:v", "copy", *sound_out, *BITEXACT_FLAGS, "-movflags", "+faststart", "-f", "mp4",
                            str(temporary)], f"stitch {len(videos)} videos into {out.name}", meanwhile)


def load_rgb(path: str | os.PathLike) -> Image.Image:
    """A picture (a keyframe, an anchor frame, a reference image) as RGB; one that cannot be read is one line."""
    try:
        with Image.open(path) as opened:
            return opened.convert("RGB")
    except OSError as error:
        raise BackendError(f"cannot read image {path}: {error}") from error


def save_png(frame: np.ndarray | Image.Image, path: str | os.PathLike) -> None:
    """Write an RGB picture as PNG, atomically. Pillow writes no timestamps, so the bytes are deterministic."""
    image = frame if isinstance(frame, Image.Image) else Image.fromarray(np.ascontiguousarray(frame, np.uint8))
    with atomic_path(path) as temporary:
        image.convert("RGB").save(temporary, format="PNG")
