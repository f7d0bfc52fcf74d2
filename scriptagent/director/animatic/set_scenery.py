"""Outdoor scenery that many places share: the sky's pieces (stars, moon, sun, clouds), far hills, a far
skyline, rows of trees, street lamps and a vehicle standing by."""

from __future__ import annotations

import numpy as np

from .look import Colour, mix, shade
from .set_painter import SetPainter, base_at


def sky_pieces(painter: SetPainter) -> None:
    """Stars and the moon by night, the low sun at dawn and dusk, clouds by day (none under rain or fog)."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    if d.night:
        for k in c.slots(0.45):
            pick = painter.pick("stars", k)
            for _ in range(2):
                x, y = k * 0.45 + pick.uniform(0, 0.45), h - pick.uniform(0.3, 3.4)
                size = pick.uniform(0.004, 0.009)
                c.rect(x, y, x + size, y + size, shade((236, 236, 246), pick.uniform(0.5, 1.0)))
        mx = painter.pick("moon").uniform(-2.2, 2.2)
        c.ellipse(mx, h - 1.55, 0.1, 0.1, (232, 232, 214))
        painter.glows.append((mx, h - 1.55, 0.3, (120, 130, 160), 0.35, 1.0))
    elif d.time in ("dawn", "dusk"):
        sx = painter.pick("sun").uniform(-1.8, 1.8)
        sy = h - (0.06 if d.time == "dawn" else 0.16)
        colour = (255, 228, 176) if d.time == "dawn" else (255, 176, 104)
        painter.glows.append((sx, sy, 0.9, (255, 150, 90) if d.time == "dusk" else (255, 170, 140), 0.45, 0.55))
        c.ellipse(sx, sy, 0.13, 0.13, colour)
    else:
        for k in c.slots(2.9, 0.0, 1.5):
            pick = painter.pick("cloud", k)
            x, y = k * 2.9 + pick.uniform(0, 1.2), h - pick.uniform(1.1, 2.8)
            colour = mix(d.sky_stops()[1], (250, 250, 252), 0.75)
            for blob in range(4):
                c.ellipse(x + blob * 0.2 + pick.uniform(-0.05, 0.05), y + pick.uniform(-0.06, 0.04),
                          pick.uniform(0.16, 0.26), pick.uniform(0.07, 0.11), colour)


def far_hills(painter: SetPainter, height: float, colour: Colour, phase: float = 0.0) -> None:
    c, h = painter.canvas, painter.horizon
    xs = np.linspace(c.x0 - 1, c.x1 + 1, 64)
    crest = h - height - 0.6 * height * np.sin(xs * 0.9 + painter.design.seed % 7 + phase) \
        - 0.3 * height * np.sin(xs * 2.3 + phase)
    c.polygon([(c.x0 - 1, h + 0.01)] + list(zip(xs, crest)) + [(c.x1 + 1, h + 0.01)], colour)


def skyline(painter: SetPainter, depth: float, floor: float) -> None:
    """A far city: blocks of towers, lit windows by night."""
    d, c = painter.design, painter.canvas
    body = (20, 24, 38) if d.night else mix(d.sky_stops()[2], (90, 96, 110), 0.5)
    for k in c.slots(0.5 * depth):
        pick = painter.pick("skyline", k)
        left = k * 0.5 * depth
        top = floor - pick.uniform(0.4, 2.2) * depth
        c.rect(left, top, left + 0.5 * depth * pick.uniform(0.6, 1.0), floor, body)
        if d.night:
            for _ in range(4):
                px, py = left + pick.uniform(0.02, 0.4) * depth, pick.uniform(top + 0.02, floor - 0.02)
                c.rect(px, py, px + 0.012, py + 0.012, (236, 200, 130))


def trees(painter: SetPainter, layers: list[tuple[float, float]], key: str, leaves: Colour = (44, 86, 48)) -> None:
    """Rows of trees: (depth, spacing) for each row, far first."""
    c, lit = painter.canvas, painter.lit
    for layer, (depth, spacing) in enumerate(layers):
        base = base_at(painter.horizon, depth)
        near = layer / max(1, len(layers) - 1)
        for k in c.slots(spacing):
            pick = painter.pick(key, layer, k)
            tx, tall = k * spacing + pick.uniform(0, spacing * 0.6), pick.uniform(1.8, 2.8) * depth
            trunk = lit(shade((74, 54, 38), 0.8 + 0.2 * near))
            c.rect(tx - 0.04 * depth, base - tall, tx + 0.04 * depth, base, trunk)
            colour = lit(shade(leaves, 0.7 + 0.3 * near))
            if painter.design.snow:
                colour = mix(colour, lit((230, 234, 240)), 0.5)
            for _ in range(3):
                c.ellipse(tx + pick.uniform(-0.2, 0.2) * depth, base - tall + pick.uniform(0, 0.4) * depth,
                          pick.uniform(0.25, 0.4) * depth, pick.uniform(0.3, 0.45) * depth, colour)


def street_lamps(painter: SetPainter) -> None:
    """A row of street lamps along the far pavement; after dark they glow and light the ground below."""
    d, c = painter.design, painter.canvas
    sodium = d.has("sodium")
    depth = 0.85
    base = base_at(painter.horizon, depth)
    for k in c.slots(2.6, 0.9):
        lx = 0.9 + k * 2.6
        top_y = base - 1.9 * depth
        post = (34, 34, 38)
        c.rect(lx - 0.018 * depth, top_y, lx + 0.018 * depth, base, post)
        c.rect(lx - 0.04 * depth, base - 0.05 * depth, lx + 0.04 * depth, base, post)
        c.line([(lx, top_y), (lx + 0.16 * depth, top_y - 0.04 * depth)], post, 0.02 * depth)
        head = (255, 182, 86) if sodium else (248, 240, 214)
        lamp_x, lamp_y = lx + 0.17 * depth, top_y - 0.02 * depth
        c.ellipse(lamp_x, lamp_y, 0.05 * depth, 0.025 * depth, head if d.night else (200, 200, 200))
        if d.time != "day":
            colour = (255, 150, 50) if sodium else (255, 226, 180)
            painter.glows.append((lamp_x, lamp_y, 0.45, colour, 0.75, 1.0))
            painter.glows.append((lamp_x, base + 0.05, 0.7, colour, 0.28, 0.25))  # the pool of light below
            if d.rain:
                painter.glows.append((lamp_x, base + 0.35, 0.1, colour, 0.35, 4.0))  # its reflection, wet floor


def parked_vehicle(painter: SetPainter) -> None:
    """The scene's car, taxi, truck or bus standing side-on behind the actors, headlights on after dark."""
    d, c = painter.design, painter.canvas
    kind, x, depth = d.vehicle, painter.pick("vehicle").uniform(-1.2, 1.2), 0.62
    base = base_at(painter.horizon, depth)
    s = depth
    pick = painter.pick("paint")
    paint = {"taxi": (232, 186, 36), "bus": (190, 40, 40), "truck": (210, 210, 206)}.get(
        kind, [(150, 30, 36), (40, 60, 110), (200, 200, 204), (40, 40, 44), (70, 100, 80)][pick.integers(5)])
    paint, glass = painter.lit(paint), (30, 40, 56) if not d.night else (16, 20, 30)
    length = {"bus": 4.2, "truck": 3.0}.get(kind, 1.9)
    left, right = x - length * s / 2, x + length * s / 2
    if kind == "bus":
        c.rect(left, base - 1.25 * s, right, base - 0.12 * s, paint)
        for k in range(10):
            wx = left + 0.12 * s + k * (length - 0.3) * s / 10
            c.rect(wx, base - 1.1 * s, wx + (length - 0.5) * s / 10, base - 0.7 * s,
                   (226, 206, 150) if d.night else glass)
    elif kind == "truck":
        c.rect(left, base - 1.15 * s, right - 0.8 * s, base - 0.14 * s, paint)
        c.rect(right - 0.78 * s, base - 0.8 * s, right, base - 0.14 * s, painter.lit((60, 80, 120)))
        c.rect(right - 0.5 * s, base - 0.74 * s, right - 0.1 * s, base - 0.5 * s, glass)
    else:
        c.rect(left, base - 0.44 * s, right, base - 0.12 * s, paint)
        c.polygon([(left + 0.42 * s, base - 0.44 * s), (left + 0.62 * s, base - 0.7 * s),
                   (right - 0.58 * s, base - 0.7 * s), (right - 0.3 * s, base - 0.44 * s)], paint)
        c.polygon([(left + 0.5 * s, base - 0.45 * s), (left + 0.66 * s, base - 0.66 * s),
                   (right - 0.62 * s, base - 0.66 * s), (right - 0.38 * s, base - 0.45 * s)], glass)
        c.rect(x - 0.02 * s, base - 0.68 * s, x + 0.03 * s, base - 0.44 * s, paint)
        if kind == "taxi":
            c.rect(x - 0.14 * s, base - 0.8 * s, x + 0.14 * s, base - 0.7 * s, (250, 236, 180))
    for wheel in (left + 0.32 * length * s / 1.9, right - 0.32 * length * s / 1.9):
        c.ellipse(wheel, base - 0.12 * s, 0.12 * s, 0.12 * s, (20, 20, 22))
        c.ellipse(wheel, base - 0.12 * s, 0.05 * s, 0.05 * s, (130, 130, 136))
    if d.time != "day":
        painter.glows.append((right, base - 0.3 * s, 0.25, (255, 240, 200), 0.7, 0.6))
        painter.glows.append((left, base - 0.3 * s, 0.12, (255, 40, 30), 0.6, 0.8))
