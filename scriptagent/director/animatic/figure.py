"""Drawing people: a character as a standing figure (clothes, hair, face, expression, a talking mouth, a cast
reference pasted as the face) and the placeholder portrait a new production gets for its cast."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .look import FigureLook, font, mix, parse_appearance, rng_for, shade, words_of


def expression_marks(expression: str) -> tuple[float, float]:
    """(mouth curve -1 frown .. 1 smile, brow tilt -1 angry .. 1 worried/raised) from an expression word."""
    words = set(words_of(expression))
    curve = 1.0 if words & {"smiling", "smile", "amused", "warm", "half-smiling", "tender", "bright-eyed", "wry",
                            "happy", "laughing", "grinning", "joyful"} else \
        -1.0 if words & {"downcast", "tearful", "bitter", "angry", "furious", "cold", "sad", "frowning", "moved",
                         "grim", "upset"} else 0.0
    brow = -1.0 if words & {"angry", "furious", "defiant", "intense", "resolute", "cold", "determined"} else \
        1.0 if words & {"uncertain", "nervous", "pleading", "downcast", "tearful", "moved", "searching", "startled",
                        "aback", "surprised", "worried", "afraid", "bright-eyed"} else 0.0
    return curve, brow


class FacePaster:
    """A cast reference image as the face inside the head: cropped to the face, masked to a head-shaped oval
    (narrower than a circle, so little of the portrait's backdrop shows), resized once per size."""

    def __init__(self, image: Image.Image):
        width, height = image.size
        side = int(min(width, height) * 0.44)  # a head-and-shoulders portrait: the head fills its upper middle
        cx, cy = width // 2, int(height * 0.35)
        left = min(max(0, cx - side // 2), width - side)
        top = min(max(0, cy - side // 2), height - side)
        self.face = image.convert("RGB").crop((left, top, left + side, top + side))
        self._cache: dict[int, tuple[Image.Image, Image.Image]] = {}

    def sized(self, diameter: int) -> tuple[Image.Image, Image.Image]:
        if diameter not in self._cache:
            if len(self._cache) > 64:  # a long dolly visits many sizes; keep memory bounded
                self._cache.clear()
            mask = Image.new("L", (diameter * 4, diameter * 4), 0)
            big = diameter * 4
            ImageDraw.Draw(mask).ellipse((round(big * 0.1), 0, round(big * 0.9) - 1, big - 1), fill=255)
            self._cache[diameter] = (self.face.resize((diameter, diameter), Image.LANCZOS),
                                     mask.resize((diameter, diameter), Image.LANCZOS))  # antialiased edge
        return self._cache[diameter]


def draw_figure(image: Image.Image, draw: ImageDraw.ImageDraw, look: FigureLook, feet_x: float, feet_y: float,
                unit: float, facing: float = 0.0, mouth_open: float = 0.0, expression: str = "",
                face: FacePaster | None = None) -> None:
    """A standing character, feet at (feet_x, feet_y) pixels, `unit` pixels per figure height.

    Figure coordinates: u to the right, y down, feet at 0, top of the head at -1. Details that would be smaller
    than a pixel are skipped, so wide shots stay clean and close-ups gain eyes, brows and a nose.
    """
    def p(u, y):
        return feet_x + u * unit, feet_y + y * unit

    def box(u0, y0, u1, y1):
        (a, b), (c, d) = p(u0, y0), p(u1, y1)
        return (a, b, max(a, c), max(b, d))

    def poly(points, fill):
        draw.polygon([p(u, y) for u, y in points], fill=fill)

    def stroke(points, fill, width):
        draw.line([p(u, y) for u, y in points], fill=fill, width=max(1, round(width * unit)))

    # cull: nothing of the figure is in the frame
    left, top, right, bottom = box(-0.3, -1.35, 0.3, 0.02)
    if right < 0 or bottom < 0 or left > image.width or top > image.height:
        return
    hair, skin, top_colour = look.hair, look.skin, look.top
    curve, brow = expression_marks(expression)
    head_y, eye_y = -0.905, -0.915
    turn = facing * 0.014  # the face's features slide towards where they look

    if look.long_hair:
        draw.rounded_rectangle(box(-0.079, -0.96, 0.079, -0.74), radius=0.035 * unit, fill=hair)
    # legs and shoes
    hem = -0.24 if look.long_top else -0.44
    if look.dress:
        for side in (-1, 1):
            u0, u1 = sorted((side * 0.018, side * 0.05))
            draw.rectangle(box(u0, -0.32, u1, -0.03), fill=shade(skin, 0.8))
    else:
        for side in (-1, 1):
            poly([(side * 0.008, hem), (side * 0.075, hem), (side * 0.07, -0.03), (side * 0.012, -0.03)], look.legs)
    for side in (-1, 1):
        u0, u1 = sorted((side * 0.006, side * 0.09))
        draw.ellipse(box(u0, -0.045, u1, 0.0), fill=(26, 24, 26))
    # arms (behind the body's edge), hands, body
    sleeve = shade(top_colour, 0.82)
    for side in (-1, 1):
        poly([(side * 0.118, -0.805), (side * 0.162, -0.76), (side * 0.168, -0.47), (side * 0.128, -0.47)], sleeve)
        draw.ellipse(box(side * 0.148 - 0.022, -0.49, side * 0.148 + 0.022, -0.43), fill=skin)
    flare = 0.165 if look.dress else 0.142 if look.long_top else 0.122
    hem_body = -0.3 if look.dress else hem
    poly([(-0.125, -0.81), (0.125, -0.81), (flare, hem_body), (-flare, hem_body)], top_colour)
    for side in (-1, 1):  # rounded shoulders
        draw.ellipse(box(side * 0.108 - 0.036, -0.816, side * 0.108 + 0.036, -0.766), fill=top_colour)
    if look.long_top:
        stroke([(0.004, -0.74), (0.004, hem + 0.01)], shade(top_colour, 0.7), 0.005)
        poly([(-0.045, -0.81), (0.045, -0.81), (0.0, -0.7)], mix(top_colour, (236, 232, 224), 0.7))  # collar, shirt
        for side in (-1, 1):
            stroke([(side * 0.045, -0.81), (side * 0.012, -0.72)], shade(top_colour, 0.65), 0.006)
    if look.scarf:
        draw.rounded_rectangle(box(-0.062, -0.835, 0.062, -0.78), radius=0.02 * unit, fill=look.scarf)
        draw.rectangle(box(0.015, -0.8, 0.05, -0.64), fill=shade(look.scarf, 0.85))
    # neck, ears, head
    draw.rectangle(box(-0.024, -0.87, 0.024, -0.8), fill=shade(skin, 0.86))
    if face is None:
        if not look.long_hair:
            for side in (-1, 1):
                draw.ellipse(box(side * 0.058 - 0.013 - turn * 0.5, head_y - 0.017,
                                 side * 0.058 + 0.013 - turn * 0.5, head_y + 0.013), fill=shade(skin, 0.92))
        if not look.bald:
            draw.ellipse(box(-0.066, -0.995, 0.066, -0.855), fill=hair)
        draw.ellipse(box(-0.057 + turn * 0.3, head_y - 0.068, 0.057 + turn * 0.3, head_y + 0.068), fill=skin)
        if look.beard:
            draw.chord(box(-0.057 + turn * 0.3, head_y - 0.068, 0.057 + turn * 0.3, head_y + 0.068), 15, 165, fill=hair)
        if not look.bald:  # the fringe: the top of the hair shape over the forehead, parted towards the look
            shift = facing * 12
            draw.chord(box(-0.066, -0.995, 0.066, -0.855), 195 + shift, 345 + shift, fill=hair)
        _draw_face(draw, p, unit, look, turn, eye_y, mouth_open, curve, brow)
    else:
        diameter = max(2, round(0.15 * unit))
        picture, mask = face.sized(diameter)
        cx, cy = p(0.0, -0.92)
        image.paste(picture, (round(cx - diameter / 2), round(cy - diameter / 2)), mask)
        if mouth_open > 0.08:  # only the opening moves, over the portrait's own mouth
            mx, my = p(turn, -0.868)
            w, h = 0.012 * unit, (0.002 + 0.009 * mouth_open) * unit
            draw.ellipse((mx - w, my - h, mx + w, my + h), fill=(74, 26, 30))
    if look.hat:
        draw.rectangle(box(-0.05, -1.07, 0.05, -0.96), fill=look.hat)
        draw.rectangle(box(-0.088, -0.975, 0.088, -0.955), fill=shade(look.hat, 0.8))
    if look.prop in ("suitcase", "briefcase", "bag", "handbag", "book"):
        side = -1 if facing > 0 else 1  # carried on the side away from where they look
        width, height = {"suitcase": (0.16, 0.2), "briefcase": (0.13, 0.12), "book": (0.06, 0.08)}.get(
            look.prop, (0.1, 0.1))
        u0 = side * 0.148 - width / 2
        draw.rounded_rectangle(box(u0, -0.44, u0 + width, -0.44 + height), radius=0.01 * unit, fill=look.prop_colour)
        stroke([(u0 + width * 0.35, -0.445), (u0 + width * 0.65, -0.445)], shade(look.prop_colour, 0.6), 0.008)
    elif look.prop == "umbrella":
        side = 1 if facing >= 0 else -1
        stroke([(side * 0.148, -0.45), (side * 0.06, -1.16)], (40, 40, 44), 0.006)
        draw.pieslice(box(side * 0.06 - 0.26, -1.32, side * 0.06 + 0.26, -1.02), 180, 360, fill=look.prop_colour)


def _draw_face(draw, p, unit, look, turn, eye_y, mouth_open, curve, brow) -> None:
    """Eyes, brows, nose, mouth and glasses; the finer ones only when big enough to read."""
    ink = (36, 26, 24)
    line_width = max(1, round(0.004 * unit))
    eye_r = max(0.0065, 0.7 / unit)
    for side in (-1, 1):
        ex = side * 0.023 + turn
        x, y = p(ex, eye_y)
        if unit * 0.011 >= 2.5:  # eye whites and pupils in close shots
            w, h = 0.012 * unit, 0.0068 * unit
            draw.ellipse((x - w, y - h, x + w, y + h), fill=(240, 238, 232))
            r = 0.0062 * unit
            px = x + turn * 0.3 * unit
            draw.ellipse((px - r, y - r, px + r, y + r), fill=(84, 60, 44))  # iris
            draw.ellipse((px - r * 0.55, y - r * 0.55, px + r * 0.55, y + r * 0.55), fill=ink)
            if r >= 4:  # a catchlight keeps big eyes alive
                c = r * 0.22
                draw.ellipse((px + r * 0.2 - c, y - r * 0.35 - c, px + r * 0.2 + c, y - r * 0.35 + c),
                             fill=(250, 250, 250))
        else:
            r = eye_r * unit
            draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)
        if unit * 0.02 >= 3:  # brows: inner ends down for anger, up for worry
            brow_colour = shade(look.hair, 0.8)
            inner, outer = (ex - side * 0.011, eye_y - 0.019 + brow * -0.006), (ex + side * 0.013, eye_y - 0.021)
            draw.line([p(*inner), p(*outer)], fill=brow_colour, width=line_width)
        if look.glasses:
            (a, b), (c, d) = p(ex - 0.017, eye_y - 0.012), p(ex + 0.017, eye_y + 0.012)
            draw.rectangle((a, b, c, d), outline=(30, 30, 34), width=line_width)
    if look.glasses:
        draw.line([p(-0.006 + turn, eye_y), p(0.006 + turn, eye_y)], fill=(30, 30, 34), width=line_width)
    if unit * 0.02 >= 3:  # the nose points where they look
        nose = shade(look.skin, 0.72)
        draw.line([p(turn * 1.3, -0.905), p(turn * 2.0, -0.888), p(turn * 1.2 - 0.006, -0.884)], fill=nose,
                  width=line_width)
    mx, my = p(turn * 0.9, -0.868)
    w = 0.016 * unit
    lips = shade(mix(look.skin, (150, 50, 50), 0.5), 0.85)
    if mouth_open > 0.08:
        h = (0.003 + 0.011 * mouth_open) * unit
        draw.ellipse((mx - w * 0.8, my - h, mx + w * 0.8, my + h), fill=(74, 26, 30))
    elif curve and unit * 0.02 >= 3:
        h = 0.008 * unit
        bbox = (mx - w, my - h * 1.5, mx + w, my + h * 0.5) if curve > 0 else \
            (mx - w, my - h * 0.5, mx + w, my + h * 1.5)
        draw.arc(bbox, 20 if curve > 0 else 200, 160 if curve > 0 else 340, fill=lips, width=line_width)
    else:
        draw.line([(mx - w * 0.8, my), (mx + w * 0.8, my)], fill=lips, width=line_width)


def mouth_openness(t: float, phase: float = 0.0) -> float:
    """A talking rhythm: two beating syllable rates, 0 closed .. 1 open."""
    value = 0.55 * math.sin(2 * math.pi * 4.3 * t + phase) + 0.45 * math.sin(2 * math.pi * 2.1 * t + 1.3 * phase)
    return max(0.0, value)


def draw_portrait(name: str, appearance: str, size: int = 256) -> Image.Image:
    """A stylised head-and-shoulders portrait to stand in for a cast reference image. Deterministic."""
    scale = 2  # drawn at twice the size and reduced: smooth edges
    side = size * scale
    look = parse_appearance(name, appearance)
    pick = rng_for("portrait", name)
    backdrop = tuple(int(c) for c in pick.integers(70, 170, 3))
    ramp = np.linspace(1.15, 0.7, side, dtype=np.float32)[:, None, None]
    pixels = np.clip(np.array(backdrop, np.float32)[None, None, :] * ramp, 0, 255)
    image = Image.fromarray(np.broadcast_to(pixels, (side, side, 3)).round().astype(np.uint8))
    draw = ImageDraw.Draw(image)
    unit = side * 0.2 / 0.07  # the head is ~40% of the portrait's height
    head_centre = 0.36 * side
    draw_figure(image, draw, look, side / 2, head_centre + 0.92 * unit, unit, facing=0.0)
    # the initial on a badge, so two placeholder portraits are easy to tell apart
    radius = side * 0.1
    cx, cy = side - radius * 1.4, side - radius * 1.4
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(245, 242, 232), outline=(40, 40, 40),
                 width=max(1, side // 128))
    initial = (name.strip()[:1] or "?").upper()
    draw.text((cx, cy), initial, fill=(40, 40, 40), font=font(int(radius * 1.3)), anchor="mm")
    return image.resize((size, size), Image.LANCZOS)
