"""The veo director: Google's Veo (3.1) renders each segment, through the Gemini API (google-genai).

    render(segment, root, anchor, video, first_frame, last_frame, end_anchor)
        one clip per segment: from `anchor` (the previous segment's last frame in chain mode, else its keyframe) as
        its first frame, ending on `end_anchor` (keyframe mode's split shots) as its last; a segment that starts
        from no picture (the first of each scene in chain mode, every one with anchoring: none) is made from the
        prompt alone, with the reference images of the cast in frame (at most MAX_REFERENCES).

What Veo renders (geometry(), shown by `scriptagent plan`): 24 fps clips of 4, 6 or 8 s, the shortest that holds
the segment, and 8 s where Veo accepts nothing shorter (1080p, a last frame, reference images); 1280x720 or
1920x1080 (director.resolution), 16:9, or 9:16 for a portrait film (reference images: 16:9 only, so a portrait
film's segments get none). The clip is decoded and fitted to the film: its first seconds at their own speed, or,
where it must end on a closing picture, all of it resampled so that the first and last frames are kept; each frame
scaled to cover the film's size (cropped where the aspect differs). In chain mode the last frame is also kept at
Veo's size (BuildLayout.model_frame), and the next segment starts from that, so a long chain does not soften.

Sound: Veo makes its own. With director.audio `model` or `mix`, the clip's sound track (mono, 48 kHz) is written
beside the video (`video.with_suffix(".wav")`, build/renders/<segment>.wav), exactly as long as the segment; with
`speech` (the default) it is dropped. With director.speak_lines the prompt also gives the segment's lines for Veo
to speak (a setting of its own: `model` and `mix` make the same picture, only the stitch differs).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import BackendError, InputError, Problem
from ..layout import PRODUCTION_FILE, BuildLayout
from ..media import FrameWriter, ffmpeg_exe, load_rgb, probe, read_frames, save_png
from ..plan import Keyframe, Segment, SegmentCastMember
from .prompts import segment_prompt

RENDERER_VERSION = "veo-1"
VEO_FPS = 24
DURATIONS = (4, 6, 8)  # the clip lengths Veo 3.1 renders, in seconds
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}  # 16:9; 9:16 swaps them
MAX_REFERENCES = 3  # Veo 3.1 takes up to three asset images of people or things
REFERENCE_SIDE = 1024  # reference images are sent at most this large (a request holds them all)
SAMPLE_RATE = 48000
JPEG_QUALITY = 95
# Settings that change how the server is reached, never the picture: left out of the render cache's key, so raising
# the timeout after a failure does not render (and pay for) the finished clips again.
UNTRACKED_SETTINGS = ("api_key_env", "base_url", "poll_seconds", "timeout", "retries")


def references_for(director: dict, segment: Segment) -> list[SegmentCastMember]:
    """The cast whose reference images go with the segment's request: only where it starts from no picture (Veo
    takes reference images without a first or last frame, at 16:9), the cast in frame, at most MAX_REFERENCES."""
    width, height = segment.resolution
    if not director.get("reference_images", True) or segment.anchor_segment or segment.start_keyframe \
            or segment.end_keyframe or height > width:
        return []
    in_frame = dict.fromkeys(c.id for part in segment.shots for c in part.shot.characters)
    return [segment.cast[cid] for cid in in_frame if cid in segment.cast and segment.cast[cid].reference][
        :MAX_REFERENCES]


def clip_shape(director: dict, segment: Segment) -> tuple[int, str, tuple[int, int]]:
    """(seconds, aspect ratio, size) of the clip Veo renders for the segment."""
    seconds = segment.frames / segment.fps
    if seconds > DURATIONS[-1] + 1e-9:
        raise InputError(Problem(PRODUCTION_FILE, f"segment {segment.id} lasts {seconds:.2f} s, but Veo renders at "
                                 f"most {DURATIONS[-1]} s", field="director.max_segment_seconds",
                                 hint=f"set director.max_segment_seconds: {DURATIONS[-1]} or less"))
    references = references_for(director, segment)
    if director.get("resolution") == "1080p" or segment.end_keyframe or references:
        duration = DURATIONS[-1]
    else:
        duration = next(d for d in DURATIONS if d >= seconds - 1e-9)
    width, height = segment.resolution
    portrait = height > width and not references
    long_side, short_side = SIZES[director.get("resolution", "720p")]
    return duration, "9:16" if portrait else "16:9", (short_side, long_side) if portrait else (long_side, short_side)


def veo_prompt(segment: Segment, speak_lines: bool) -> str:
    """The shot text (templates/director/segment.j2); with `speak_lines` also the lines Veo is to speak."""
    prompt = segment_prompt(segment)
    if not speak_lines:
        return prompt
    said = []
    for part in segment.shots:
        begin, end = part.offset_frames / segment.fps, (part.offset_frames + part.frames) / segment.fps
        said += [f'{line.name} says: "{line.line}"' for line in part.subtitles if begin <= line.start < end]
    return " ".join([prompt, *said])


def cover(picture: np.ndarray | Image.Image, size: tuple[int, int]) -> np.ndarray:
    """The picture scaled to cover `size` and cropped to it around its centre (just scaled where aspects match)."""
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    width, height = size
    if image.size == (width, height):
        return np.asarray(image)
    scale = max(width / image.width, height / image.height)
    scaled = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    return np.asarray(image.resize(scaled, Image.LANCZOS).crop((left, top, left + width, top + height)))


def frame_picks(frames: int, fps: int, clip_frames: int, clip_fps: float, to_the_end: bool) -> np.ndarray:
    """Which clip frame each of the segment's `frames` shows: the clip's first seconds at their own speed, or (to
    the end, for a closing picture) all of it, its first and last frames kept."""
    if to_the_end:
        if frames == 1:
            return np.zeros(1, dtype=int)
        return np.rint(np.arange(frames) * (clip_frames - 1) / (frames - 1)).astype(int)
    return np.minimum(clip_frames - 1, np.floor(np.arange(frames) * clip_fps / fps + 1e-6).astype(int))


def jpeg_bytes(picture: np.ndarray | Image.Image) -> bytes:
    """A picture as Veo is sent it: JPEG at quality 95 without chroma subsampling (a 1080p first and last frame as
    PNG would take most of what one request may hold)."""
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(np.ascontiguousarray(picture, np.uint8))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buffer.getvalue()


def sound_track(clip: Path, seconds: float, speed: float, label: str) -> np.ndarray:
    """The clip's sound, mono at SAMPLE_RATE, played `speed` times as fast, cut or padded with silence to exactly
    `seconds`; silence (with a notice) where the clip has none."""
    tempo = []
    while speed > 1.0 + 1e-6 or speed < 1.0 - 1e-6:  # atempo takes 0.5 to 100 per filter
        step = min(max(speed, 0.5), 100.0)
        tempo.append(f"atempo={step:.6f}")
        speed /= step
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(clip), "-map", "0:a:0?",
               "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), *(["-af", ",".join(tempo)] if tempo else []),
               "-f", "s16le", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    said = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0 and "does not contain any stream" not in said:
        lines = [line for line in said.strip().splitlines() if line.strip()]
        raise BackendError(f"{label}: ffmpeg cannot read the clip's sound (exit {result.returncode}): "
                           f"{lines[-1] if lines else '(no message)'}")
    samples = np.frombuffer(result.stdout[:len(result.stdout) // 2 * 2], "<i2").astype(np.float32) / 32767
    if samples.size == 0:
        print(f"veo: {label}: the clip has no sound; its track is silent", file=sys.stderr)
    wanted = round(seconds * SAMPLE_RATE)
    return np.concatenate([samples[:wanted], np.zeros(max(0, wanted - samples.size), np.float32)])


class VeoRenderer:
    """Renders segments with Veo through the Gemini API; the animatic draws the keyframes they start from."""

    version = RENDERER_VERSION
    slate_shows_shot_ids = False  # a video model never sees shot ids
    needs_opening_image = False  # Veo starts a scene from the prompt (and the cast's reference images)
    calibrated = False  # hosted: nothing of this machine's to measure
    burns_subtitles = False  # a video model draws no text on purpose
    untracked_settings = UNTRACKED_SETTINGS

    @classmethod
    def keyframe_settings(cls, director: dict) -> dict:
        return {"backend": "animatic"}

    @classmethod
    def geometry(cls, director: dict, segment: Segment) -> tuple[str, int, int, tuple[int, int]]:
        seconds, _, size = clip_shape(director, segment)
        return director.get("model", "veo"), seconds * VEO_FPS, VEO_FPS, size

    @classmethod
    def no_closing_image(cls, director: dict) -> str | None:
        model = director.get("model", "")
        return None if model.startswith("veo-3.1") else f"'{model}' takes no last frame (Veo 3.1 does)"

    def __init__(self, config: dict):
        self.config = dict(config)
        self.crf = int(self.config.get("crf", 18))

    def keyframe(self, keyframe: Keyframe, root: Path, out: Path) -> None:
        from .animatic import AnimaticRenderer

        AnimaticRenderer({"backend": "animatic"}).keyframe(keyframe, root, out)

    def request(self, segment: Segment, root: Path, anchor: Path | None, end_anchor: Path | None) -> dict:
        """What is asked of Veo for the segment (pictures as JPEG bytes)."""
        seconds, aspect, size = clip_shape(self.config, segment)
        references = [] if anchor is not None else references_for(self.config, segment)
        pictures = []
        for member in references:
            image = load_rgb(Path(root) / member.reference)
            image.thumbnail((REFERENCE_SIDE, REFERENCE_SIDE), Image.LANCZOS)
            pictures.append(jpeg_bytes(image))
        return {"prompt": veo_prompt(segment, bool(segment.director.get("speak_lines"))), "duration": seconds,
                "aspect_ratio": aspect, "resolution": self.config.get("resolution", "720p"),
                "negative_prompt": self.config.get("negative_prompt") or None,
                "person_generation": self.config.get("person_generation"),
                "image": jpeg_bytes(self.opening_picture(segment, root, anchor, size)) if anchor is not None else None,
                "last_frame": jpeg_bytes(cover(load_rgb(end_anchor), size)) if end_anchor is not None else None,
                "reference_images": pictures}

    def opening_picture(self, segment: Segment, root: Path, anchor: Path, size: tuple[int, int]) -> np.ndarray:
        """The anchor at Veo's size; in a chain, made from the previous last frame as Veo made it, where it was kept
        and the anchor was fitted from exactly it (a render placed from the cache, or a retake, may have left none)."""
        picture, build = load_rgb(anchor), BuildLayout.of(root)
        if segment.anchor_segment and Path(anchor) == build.frame(segment.anchor_segment, "last") \
                and build.model_frame(segment.anchor_segment).is_file():
            kept = load_rgb(build.model_frame(segment.anchor_segment))
            if np.array_equal(cover(kept, picture.size), np.asarray(picture)):
                return cover(kept, size)
        return cover(picture, size)

    def render(self, segment: Segment, root: Path, anchor: Path | None, video: Path, first_frame: Path,
               last_frame: Path, end_anchor: Path | None = None) -> None:
        """Ask Veo for the segment's clip, wait for it, and write it as the segment's video and first and last
        frames (and its sound, with audio `model` or `mix`)."""
        from .veo_api import VeoClip

        label = f"segment {segment.id}"
        request = self.request(segment, root, anchor, end_anchor)
        with tempfile.TemporaryDirectory(prefix="scriptagent-veo-") as folder:
            clip = Path(folder) / "clip.mp4"
            VeoClip(self.config, label).render(request, clip)
            self.write(segment, clip, label, end_anchor is not None, Path(video), Path(first_frame), Path(last_frame),
                       BuildLayout.of(root))

    def write(self, segment: Segment, clip: Path, label: str, to_the_end: bool, video: Path, first_frame: Path,
              last_frame: Path, build: BuildLayout) -> None:
        """The clip fitted to the segment: its sound (where asked for), its frames, its first and last pictures."""
        try:
            clip_frames, clip_seconds = probe(clip)
        except BackendError as error:  # ffmpeg's whole complaint: its last line says what is wrong
            said = [line.strip() for line in str(error).splitlines() if line.strip()]
            raise BackendError(f"{label}: Veo sent a video that cannot be read ({said[-1] if said else error}) "
                               "(hint: check director.base_url)") from None
        if clip_frames < 1:
            raise BackendError(f"{label}: Veo sent a video without frames")
        clip_fps = clip_frames / clip_seconds if clip_seconds > 0 else VEO_FPS
        seconds = segment.frames / segment.fps
        sound = video.with_suffix(".wav")
        if segment.director.get("audio", "speech") != "speech":
            from ..voice import write_wav

            speed = (clip_frames / clip_fps) / seconds if to_the_end else 1.0
            write_wav(sound, sound_track(clip, seconds, speed, label), SAMPLE_RATE)
        else:
            sound.unlink(missing_ok=True)  # an earlier render's, with another setting
        picks = frame_picks(segment.frames, segment.fps, clip_frames, clip_fps, to_the_end)
        wanted, width, height = Counter(picks.tolist()), *segment.resolution
        first = last = model_last = None
        with FrameWriter(video, (width, height), segment.fps, crf=self.crf) as writer, \
                contextlib.closing(read_frames(clip)) as frames:
            for index, frame in enumerate(frames):
                if index in wanted:
                    picture = cover(frame, (width, height))
                    for _ in range(wanted[index]):
                        writer.write(picture)
                    first = picture if first is None else first
                    last, model_last = picture, frame
                if index >= picks[-1]:
                    break
            if writer.frames_written != segment.frames:
                raise BackendError(f"{label}: Veo's clip has fewer frames than it says ({clip_frames})")
        save_png(first, first_frame)
        save_png(last, last_frame)
        if last_frame == build.frame(segment.id, "last"):  # the build's own frame (not a take's, a bench's)
            build.model_frame(segment.id).unlink(missing_ok=True)
            if model_last.shape[:2] != (height, width) and segment.anchoring == "chain":
                save_png(model_last, build.model_frame(segment.id))  # the next segment starts from it
