"""The drawing surface of a set: world units on a picture (WorldCanvas), the painter that every set piece draws
with (its backdrop of sky over ground or wall over floor, windows and what they show, standard lamps) and the
soft light added after the shapes."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .look import Colour, mix, rng_for, shade
from .set_design import SetDesign

WALL_DEPTH = 0.7  # figure scale of an interior's back wall: it stands a little behind the actors


class WorldCanvas:
    """ImageDraw in world units: (x0, y0) is the image's top-left world point, ppu its pixels per unit."""

    def __init__(self, image: Image.Image, x0: float, y0: float, ppu: float):
        self.image, self.draw = image, ImageDraw.Draw(image)
        self.x0, self.y0, self.ppu = x0, y0, ppu
        self.x1 = x0 + image.width / ppu
        self.y1 = y0 + image.height / ppu

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.ppu, (y - self.y0) * self.ppu

    def rect(self, x0, y0, x1, y1, fill) -> None:
        (a, b), (c, d) = self.point(x0, y0), self.point(x1, y1)
        if c >= 0 and d >= 0 and a < self.image.width and b < self.image.height:
            self.draw.rectangle((a, b, max(a, c - 1), max(b, d - 1)), fill=fill)

    def ellipse(self, cx, cy, rx, ry, fill) -> None:
        (a, b), (c, d) = self.point(cx - rx, cy - ry), self.point(cx + rx, cy + ry)
        if c >= 0 and d >= 0 and a < self.image.width and b < self.image.height:
            self.draw.ellipse((a, b, max(a, c), max(b, d)), fill=fill)

    def polygon(self, points, fill) -> None:
        self.draw.polygon([self.point(x, y) for x, y in points], fill=fill)

    def line(self, points, fill, width: float) -> None:
        self.draw.line([self.point(x, y) for x, y in points], fill=fill, width=max(1, round(width * self.ppu)))

    def slots(self, spacing: float, offset: float = 0.0, margin: float = 1.0) -> range:
        """Indices k of elements placed at offset + k * spacing that can reach into the image."""
        first = math.floor((self.x0 - margin - offset) / spacing)
        return range(first, math.ceil((self.x1 + margin - offset) / spacing) + 1)

    def gradient(self, x0, y0, x1, y1, top: Colour, bottom: Colour, bands: int = 6) -> None:
        """A vertical gradient in flat bands (a window's view, a screen)."""
        for band in range(bands):
            ya, yb = y0 + (y1 - y0) * band / bands, y0 + (y1 - y0) * (band + 1) / bands
            self.rect(x0, ya, x1, yb, mix(top, bottom, band / max(1, bands - 1)))


def base_at(horizon: float, depth: float) -> float:
    """World y of the floor under something at `depth` (figure scale): perspective towards the horizon."""
    return horizon * (1 - depth)


def add_glow(pixels: np.ndarray, canvas: WorldCanvas, x: float, y: float, radius: float, colour: Colour,
             strength: float, stretch_y: float = 1.0) -> None:
    """Additive soft light (a lamp's halo, its reflection on a wet floor) onto a uint8 image, in place."""
    cx, cy = canvas.point(x, y)
    rx, ry = radius * canvas.ppu, radius * canvas.ppu * stretch_y
    left, right = max(0, int(cx - 2.5 * rx)), min(pixels.shape[1], int(cx + 2.5 * rx) + 1)
    top, bottom = max(0, int(cy - 2.5 * ry)), min(pixels.shape[0], int(cy + 2.5 * ry) + 1)
    if left >= right or top >= bottom:
        return
    dx = (np.arange(left, right, dtype=np.float32) - cx) / rx
    dy = (np.arange(top, bottom, dtype=np.float32) - cy) / ry
    weight = np.exp(-2.2 * (dy[:, None] ** 2 + dx[None, :] ** 2)) * strength
    patch = pixels[top:bottom, left:right].astype(np.float32) + weight[..., None] * np.array(colour, np.float32)
    pixels[top:bottom, left:right] = np.clip(patch, 0, 255).round().astype(np.uint8)


class SetPainter:
    """Draws one set over a picture of `size` pixels whose top-left corner is the world point `origin`, at `ppu`
    pixels per world unit: the backdrop, then the pieces of its place; the light is collected in `glows`."""

    def __init__(self, design: SetDesign, origin: tuple[float, float], ppu: float, size: tuple[int, int],
                 horizon: float):
        self.design, self.horizon = design, horizon
        self.glows: list[tuple] = []  # (x, y, radius, colour, strength, stretch): added after the shapes
        self.door_span: tuple[float, float] | None = None  # where an open door takes the back wall
        self.canvas = WorldCanvas(self._backdrop(origin, ppu, size), origin[0], origin[1], ppu)

    def lit(self, colour: Colour) -> Colour:
        return shade(colour, self.design.dim)

    def pick(self, *parts) -> np.random.Generator:
        return rng_for(self.design.seed, *parts)

    # -- things seen through windows and doors

    def view_outside(self, x0, y0, x1, y1, key) -> None:
        """What a window or a door shows: the sky of the hour over a far skyline (lit windows at night)."""
        d, c = self.design, self.canvas
        top, middle, low = d.sky_stops()
        skyline = y0 + (y1 - y0) * 0.62
        c.gradient(x0, y0, x1, skyline, mix(top, middle, 0.4), low, bands=4)
        body = (16, 20, 34) if d.night else mix(low, (70, 80, 96), 0.55)
        pick = self.pick("view", key)
        x = x0
        while x < x1:
            width = (x1 - x0) * pick.uniform(0.14, 0.3)
            top_y = skyline - (y1 - skyline) * pick.uniform(0.1, 0.9)
            c.rect(x, top_y, min(x1, x + width), y1, body)
            if d.night:
                for _ in range(3):
                    px, py = pick.uniform(x, min(x1, x + width)), pick.uniform(top_y, y1)
                    c.rect(px, py, px + 0.03, py + 0.04, (214, 180, 110))
            x += width * 1.05
        if d.rain or d.snow:
            pick = self.pick("pane-weather", key)
            for _ in range(7):
                px, py = pick.uniform(x0, x1), pick.uniform(y0, y1 - 0.08)
                if d.snow and not d.rain:
                    c.ellipse(px, py, 0.012, 0.012, (236, 236, 240))
                else:
                    c.line([(px, py), (px - 0.01, py + 0.08)], shade(low, 1.5), 0.007)

    def clear(self, x0: float, x1: float) -> bool:
        """Whether a stretch of the back wall is free of the open door."""
        return self.door_span is None or x1 < self.door_span[0] - 0.1 or x0 > self.door_span[1] + 0.1

    def window(self, x0, y0, x1, y1, key, frame: Colour, bars: bool = True, blinds: bool = False,
               curtain: Colour | None = None) -> None:
        c = self.canvas
        if not self.clear(x0 - (0.05 if curtain else 0), x1 + (0.05 if curtain else 0)):
            return
        c.rect(x0 - 0.03, y0 - 0.03, x1 + 0.03, y1 + 0.03, frame)
        self.view_outside(x0, y0, x1, y1, key)
        if blinds:
            slat = shade(frame, 1.15)
            for index in range(1, 9):
                y = y0 + (y1 - y0) * index / 9
                c.line([(x0, y), (x1, y)], slat, 0.012)
        elif bars:
            c.line([((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1)], frame, 0.02)
            c.line([(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)], frame, 0.02)
        if curtain:
            width = (x1 - x0) * 0.22
            for side in (x0 - 0.05, x1 + 0.05 - width):
                c.rect(side, y0 - 0.08, side + width, y1 + 0.1, curtain)
                c.line([(side + width / 2, y0 - 0.06), (side + width / 2, y1 + 0.08)], shade(curtain, 0.8), 0.01)

    def lamp(self, x, floor, depth, strength=None) -> None:
        """A standard lamp standing on the floor line `floor` at `depth`."""
        c = self.canvas
        c.rect(x - 0.012, floor - 0.95 * depth, x + 0.012, floor, (40, 36, 32))
        top, bottom = floor - 1.12 * depth, floor - 0.92 * depth
        c.polygon([(x - 0.07, top), (x + 0.07, top), (x + 0.11, bottom), (x - 0.11, bottom)], (238, 214, 160))
        self.glows.append((x, floor - 1.0 * depth, 0.55, (255, 190, 110),
                           strength if strength is not None else 0.55 if self.design.night else 0.2, 1.0))

    # -- the backdrop

    def _backdrop(self, origin: tuple[float, float], ppu: float, size: tuple[int, int]) -> Image.Image:
        """Sky over ground outdoors, wall over floor indoors, as per-row gradients."""
        d = self.design
        width, height = size
        rows = origin[1] + (np.arange(height, dtype=np.float32) + 0.5) / ppu  # world y of each pixel row
        far, near = (np.array(colour, np.float32) for colour in d.ground())
        if d.interior:
            floor_line = base_at(self.horizon, WALL_DEPTH)
            wall = np.array(d.wall(), np.float32)
            upper = np.clip((floor_line - rows) / 2.5, 0, 1)[:, None]  # walls darken towards the ceiling
            back = wall * (1 - 0.35 * upper)
            ramp = np.clip((rows - floor_line) / 1.4, 0, 1)[:, None]
            front = far + (near - far) * ramp
            column = np.where((rows < floor_line)[:, None], back, front)
        else:
            top, middle, low = (np.array(colour, np.float32) for colour in d.sky_stops())
            up = np.clip((self.horizon - rows) / 2.0, 0, 1)[:, None]
            sky = np.where(up < 0.35, low + (middle - low) * (up / 0.35),
                           middle + (top - middle) * ((up - 0.35) / 0.65))
            ramp = np.clip((rows - self.horizon) / max(0.3, 1.2 - self.horizon), 0, 1)[:, None] ** 0.7
            ground = far + (near - far) * ramp
            column = np.where((rows < self.horizon)[:, None], sky, ground)
        column = Image.fromarray(np.ascontiguousarray(column.round().astype(np.uint8)[:, None, :]))
        return column.resize((width, height), Image.NEAREST)  # every column alike
