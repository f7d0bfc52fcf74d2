"""Text drawn on the picture: burnt-in subtitles, the slate (shot id, size, angle, movement) and the name labels
under the figures."""

from __future__ import annotations

import functools
import math

from PIL import Image, ImageDraw, ImageFont

from ...plan import Segment, SegmentShot, TimedLine
from .look import Colour, font


def wrap_text(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and face.getlength(trial) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + [current] if current else lines


class Overlays:
    """Burnt-in subtitles and the slate: drawn on the video frames only, never on the first/last PNGs."""

    def __init__(self, segment: Segment):
        self.width, self.height = segment.resolution
        self.subtitles, self.slate = segment.subtitles, segment.slate
        self.subtitle_font = font(max(8, round(self.height * 0.055)))
        self.slate_font = font(max(7, round(self.height * 0.034)))
        self._wrapped: dict[tuple[str, str], list[str]] = {}
        self._stamps: dict[tuple, tuple[Image.Image, tuple[int, int]]] = {}

    @property
    def active(self) -> bool:
        return self.subtitles or self.slate

    def wrapped(self, line: TimedLine) -> list[str]:
        key = (line.name, line.line)
        if key not in self._wrapped:
            self._wrapped[key] = wrap_text(f"{line.name.upper()}: {line.line}", self.subtitle_font, self.width * 0.9)
        return self._wrapped[key]

    def _slate(self, shot_part: SegmentShot) -> tuple[Image.Image, tuple[int, int]]:
        shot = shot_part.shot
        text = " · ".join([shot.id, shot.shot_size.value, shot.angle.value, shot.camera_movement.value])
        if shot_part.parts > 1:
            text += f" · part {shot_part.part}/{shot_part.parts}"
        stamp = boxed_text([text], self.slate_font, (255, 236, 150), 150, centred=False)
        return stamp, (round(self.width * 0.01), round(self.height * 0.01))

    def _subtitle(self, lines: tuple[str, ...]) -> tuple[Image.Image, tuple[int, int]]:
        stamp = boxed_text(list(lines), self.subtitle_font, (255, 255, 255), 160, centred=True)
        return stamp, ((self.width - stamp.width) // 2, self.height - round(self.height * 0.03) - stamp.height)

    def stamps(self, shot_part: SegmentShot, t: float) -> tuple:
        """What is pasted at shot time t: the slate and the subtitles active then (keys of rendered stamps)."""
        stamps = []
        if self.slate:
            stamps.append(("slate", shot_part.shot.id, shot_part.part))
        if self.subtitles:
            lines = tuple(text for line in shot_part.subtitles if line.start <= t < line.end
                          for text in self.wrapped(line))
            if lines:
                stamps.append(("subtitle", lines))
        return tuple(stamps)

    def paste(self, image: Image.Image, shot_part: SegmentShot, stamps: tuple) -> None:
        """Paste stamps (from `stamps`); each is rendered once and reused."""
        for key in stamps:
            if key not in self._stamps:
                self._stamps[key] = self._slate(shot_part) if key[0] == "slate" else self._subtitle(key[1])
            stamp, position = self._stamps[key]
            image.paste(stamp, position, stamp)

    def draw(self, image: Image.Image, shot_part: SegmentShot, t: float) -> None:
        """Paste the slate and the subtitles active at shot time t."""
        self.paste(image, shot_part, self.stamps(shot_part, t))


def boxed_text(lines: list[str], face: ImageFont.FreeTypeFont, fill: Colour, box_alpha: int,
               centred: bool) -> Image.Image:
    """Lines of text on a translucent dark box, as an RGBA stamp to paste."""
    pad = max(2, face.size // 3)
    spacing = round(face.size * 1.25)
    width = math.ceil(max(face.getlength(text) for text in lines)) + 2 * pad
    height = spacing * len(lines) + pad + max(1, pad // 2)
    stamp = Image.new("RGBA", (width, height), (0, 0, 0, box_alpha))
    draw = ImageDraw.Draw(stamp)
    for index, text in enumerate(lines):
        x = width / 2 if centred else pad
        draw.text((x, pad + index * spacing), text, fill=fill + (255,), font=face, anchor="ma" if centred else "la")
    return stamp


@functools.lru_cache(maxsize=64)
def label_stamp(text: str, size: int) -> Image.Image:
    """A name label: light text with a dark outline on transparency, drawn once per name and size."""
    face = font(size)
    stroke = max(1, size // 8)
    left, top, right, bottom = face.getbbox(text, stroke_width=stroke)
    stamp = Image.new("RGBA", (right - left, bottom - top), (20, 20, 24, 0))
    ImageDraw.Draw(stamp).text((-left, -top), text, fill=(250, 248, 240, 255), font=face, stroke_width=stroke,
                               stroke_fill=(20, 20, 24, 255))
    return stamp
