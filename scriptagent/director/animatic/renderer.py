"""The animatic director backend: renders a segment (every shot part's pictures, transitions, weather and
overlays) into an mp4 and its first and last frames, and draws keyframes; frames go to ffmpeg from a thread of
their own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from ...errors import BackendError
from ...plan import Keyframe, Segment, SegmentShot
from ...schema import Anchoring, ScriptLine, Shot, Transition
from ...media import FrameWriter, load_rgb, save_png
from .figure import FacePaster
from .look import Grade
from .overlays import Overlays
from .set_design import SetDesign
from .shot_plan import ShotPlan
from .weather import Precipitation

RENDERER_VERSION = "animatic-4"  # raise when the same segment draws different pixels
SLATE_SHOWS_SHOT_IDS = True  # the slate writes the shot id on the frames: a renamed shot is a new picture
TRANSITION_SECONDS = 0.5


def _load_rgb(path: Path, size: tuple[int, int]) -> Image.Image:
    image = load_rgb(path)
    return image if image.size == tuple(size) else image.resize(tuple(size), Image.LANCZOS)


def _draw(plan: ShotPlan, weather: Precipitation | None, shot_frame: int) -> Image.Image:
    """One picture of a shot: the drawing (with its dutch tilt), the weather at that frame of the shot. It may be
    shared with other frames: do not draw on it."""
    picture = plan.picture(shot_frame)
    if weather:
        pixels = np.array(picture)
        weather.draw(pixels, shot_frame)
        picture = Image.fromarray(pixels)
    return picture


class AnimaticRenderer:
    """The default director backend: renders a Segment to an mp4 and its first and last frames, on the CPU."""

    version = RENDERER_VERSION
    slate_shows_shot_ids = SLATE_SHOWS_SHOT_IDS
    needs_opening_image = False  # it draws its own
    calibrated = False  # the CPU draws a segment in seconds: nothing to measure
    burns_subtitles = True  # style.subtitles: the lines under the picture

    @classmethod
    def keyframe_settings(cls, director: dict) -> dict:
        return {"backend": "animatic"}

    @classmethod
    def geometry(cls, director: dict, segment: Segment) -> tuple[str, int, int, tuple[int, int]]:
        return "animatic", segment.frames, segment.fps, tuple(segment.resolution)

    @classmethod
    def no_closing_image(cls, director: dict) -> str | None:
        return None  # it draws the closing picture into the last frame

    def __init__(self, config: dict):
        self.config = dict(config)
        self.crf = int(self.config.get("crf", 20))
        self._faces: dict[tuple, FacePaster] = {}

    def face(self, root: Path, reference: str, grade: Grade) -> FacePaster:
        """A cast reference image (relative to the production folder), graded like the film, loaded once."""
        path = Path(root) / reference
        if not path.is_file():
            raise BackendError(f"reference image '{reference}' not found in {root}")
        stat = path.stat()  # one renderer serves a whole build: a replaced image must not be served stale
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, repr(grade))
        if key not in self._faces:
            try:
                with Image.open(path) as opened:
                    image = grade.image(opened.convert("RGB"))
            except OSError as error:
                raise BackendError(f"cannot read reference image '{reference}': {error}") from error
            self._faces[key] = FacePaster(image)
        return self._faces[key]

    def keyframe(self, keyframe: Keyframe, root: Path, out: Path) -> None:
        """Draw a keyframe: the shot's composition where the segment starts, as a render would draw it, without
        mouths moving (the dialogue is not part of a keyframe) and without overlays."""
        width, height = keyframe.resolution
        design = SetDesign.from_text(keyframe.setting, keyframe.look, keyframe.seed)
        weather = Precipitation((width, height), keyframe.seed, snow=design.snow and not design.rain) \
            if (design.rain or design.snow) and not design.interior else None
        visual = keyframe.shot
        # the speakers decide whom the camera favours; a placeholder line stands for what they say
        shot = Shot(id=visual.id, duration=keyframe.shot_frames / keyframe.fps, shot_size=visual.shot_size,
                    angle=visual.angle, camera_movement=visual.camera_movement, description=visual.description,
                    characters=visual.characters, dialogue=[ScriptLine(speaker=s, line="...") for s in visual.speakers])
        shot_part = SegmentShot(shot=shot, scene_id=keyframe.scene_id, frames=1, shot_frames=keyframe.shot_frames,
                            offset_frames=keyframe.shot_frame)
        segment = Segment(id=keyframe.id, scene_id=keyframe.scene_id, setting=keyframe.setting,
                          frames=1, fps=keyframe.fps, resolution=keyframe.resolution, look=keyframe.look, slate=False,
                          subtitles=False, seed=keyframe.seed, anchoring=Anchoring.keyframe, shots=[shot_part],
                          cast=keyframe.cast, director=keyframe.director)
        plan = ShotPlan(self.face, segment, shot_part, Path(root), design, design.grade(keyframe.look))
        save_png(_draw(plan, weather, keyframe.shot_frame), out)

    def render(self, segment: Segment, root: Path, anchor: Path | None, video: Path, first_frame: Path,
               last_frame: Path, end_anchor: Path | None = None) -> None:
        """Draw the segment's frames into `video`; write the first and last pictures (no overlays) as PNGs.

        `anchor` is the previous segment's last frame (chain mode). When this segment continues a shot that the
        previous one began, its first frame is exactly the anchor; a dissolve at the segment start blends from it.
        In keyframe mode `anchor` is the segment's keyframe, its first picture, and `end_anchor` the keyframe of the
        next part of a split shot, its last picture.

        Frames are drawn here and handed to the encoder on a thread of its own; the PNGs are written while ffmpeg
        works. A render that fails leaves neither.
        """
        width, height = segment.resolution
        anchor_image = _load_rgb(Path(anchor), (width, height)) if anchor is not None else None
        end_image = _load_rgb(Path(end_anchor), (width, height)) if end_anchor is not None else None
        written: list[Path] = []
        try:
            with tqdm(total=segment.frames, desc=f"animatic {segment.id}", unit="frame", leave=False,
                      disable=None) as progress, \
                    FrameWriter(video, (width, height), segment.fps, crf=self.crf) as encoder, \
                    BackgroundWriter(encoder) as writer:
                picture = None
                for index, (picture, frame) in enumerate(self._frames(segment, Path(root), anchor_image, end_image)):
                    writer.write(frame)
                    if index == 0:  # saved while the encoder works on the frame
                        save_png(picture, first_frame)
                        written.append(Path(first_frame))
                    progress.update(1)
                save_png(picture, last_frame)  # while the encoder finishes its last frames
                written.append(Path(last_frame))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def _frames(self, segment: Segment, root: Path, anchor_image: Image.Image | None,
                end_image: Image.Image | None) -> Iterator[tuple[Image.Image, np.ndarray]]:
        """Each frame of the segment: its picture (no overlays; not to be drawn on) and the frame to encode."""
        width, height = segment.resolution
        design = SetDesign.from_text(segment.setting, segment.look, segment.seed)
        grade = design.grade(segment.look)
        # it does not rain indoors: an interior shows the rain on its window panes instead
        weather = Precipitation((width, height), segment.seed, snow=design.snow and not design.rain) \
            if (design.rain or design.snow) and not design.interior else None
        overlays = Overlays(segment)
        keyframed = segment.anchoring == Anchoring.keyframe
        continues_shot = anchor_image is not None and segment.shots and segment.shots[0].part > 1
        previous_picture = None if keyframed else anchor_image  # what a dissolve starts from
        frame_index = 0
        for shot_part in segment.shots:
            plan = ShotPlan(self.face, segment, shot_part, root, design, grade)
            shot = shot_part.shot
            converted: dict[tuple, tuple[Image.Image, np.ndarray]] = {}  # a held picture is converted once
            picture = None
            for j in range(shot_part.frames):
                shot_frame = shot_part.offset_frames + j
                t = shot_frame / segment.fps
                reusable = False  # a picture the plan keeps, shown again by other frames
                if frame_index == 0 and continues_shot:
                    picture = anchor_image  # first-last frame anchoring: start exactly where we left
                elif frame_index == segment.frames - 1 and end_image is not None:
                    picture = end_image  # keyframe mode: end where the next part of the shot starts
                else:
                    if frame_index == 0 and keyframed and anchor_image is not None:
                        picture = anchor_image  # keyframe mode: open on the keyframe
                    else:
                        picture = _draw(plan, weather, shot_frame)
                        reusable = weather is None
                    if t < TRANSITION_SECONDS and shot.transition != Transition.cut:
                        start = previous_picture if shot.transition == Transition.dissolve else None
                        start = start if start is not None else Image.new("RGB", (width, height))
                        picture = Image.blend(start, picture, t / TRANSITION_SECONDS)
                        reusable = False
                stamps = overlays.stamps(shot_part, t)
                key = (id(picture), stamps)
                held = converted.get(key)
                if held is None or held[0] is not picture:
                    frame = picture
                    if stamps:
                        frame = picture.copy()
                        overlays.paste(frame, shot_part, stamps)
                    held = (picture, np.asarray(frame))
                    if reusable:
                        if len(converted) >= plan.pictures_kept:
                            del converted[next(iter(converted))]
                        converted[key] = held
                yield held
                frame_index += 1
            previous_picture = picture


class BackgroundWriter:
    """Hands frames to a FrameWriter on a thread of its own, so the next frame is drawn while the encoder reads
    this one (a pipe write waits for ffmpeg). Frames keep their order; the first error is raised in the caller."""

    def __init__(self, writer: FrameWriter, depth: int = 4):
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(depth)
        self.error: BaseException | None = None
        self.discard = False
        self.thread = threading.Thread(target=self._run, name="animatic-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (frame := self.queue.get()) is not None:
            if self.error is None and not self.discard:
                try:
                    self.writer.write(frame)
                except BaseException as error:  # kept for the caller; later frames are dropped
                    self.error = error

    def write(self, frame: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def close(self, discard: bool = False) -> None:
        """Wait until every frame is written (or, with `discard`, drop those not written yet)."""
        self.discard = self.discard or discard
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and not discard:
            raise self.error

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.close(discard=exc_type is not None)
