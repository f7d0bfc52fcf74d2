"""Exterior places: a street, a road, a station platform, water (the sea, a river or harbour, a bridge over it,
a pool), woods, a park, a hillside, a field, a building across the way, open ground."""

from __future__ import annotations

import numpy as np

from .look import mix, shade
from .set_painter import SetPainter, base_at
from .set_scenery import far_hills, skyline, trees


def street(painter: SetPainter) -> None:
    """A row of buildings across the street, lit windows by night, the far pavement."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    depth, slot = 0.55, 1.4
    base = base_at(painter.horizon, depth)
    for k in c.slots(slot * depth):
        pick = painter.pick("building", k)
        left, width = k * slot * depth, slot * depth * pick.uniform(0.75, 1.0)
        top_y = base - pick.uniform(1.6, 3.4) * depth
        daylight_body = tuple(int(v) for v in pick.integers(120, 175, 3))
        body = shade((58, 62, 78), 0.5) if d.night else lit(daylight_body)
        c.rect(left, top_y, left + width, base, body)
        for row in range(int((base - top_y) / (0.28 * depth)) - 1):
            for column in range(int(width / (0.22 * depth))):
                lit_window = pick.random() < (0.35 if d.night else 0.0)
                colour = (236, 196, 120) if lit_window else shade(body, 0.7 if d.night else 0.8)
                wx, wy = left + 0.06 * depth + column * 0.22 * depth, top_y + 0.12 * depth + row * 0.28 * depth
                c.rect(wx, wy, wx + 0.1 * depth, wy + 0.14 * depth, colour)
    curb = base_at(painter.horizon, 0.8)
    c.rect(c.x0 - 1, base, c.x1 + 1, curb, lit((124, 122, 118)))  # the far pavement
    c.rect(c.x0 - 1, curb, c.x1 + 1, curb + 0.02, lit((170, 168, 160)))


def road(painter: SetPainter) -> None:
    """A road across the frame: verge, telegraph poles, kerbs, a dashed centre line."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    if d.has("city", "downtown", "town"):
        skyline(painter, 0.3, base_at(painter.horizon, 0.3))
    else:
        far_hills(painter, 0.18, mix(d.sky_stops()[2], shade(d.ground()[0], 0.7), 0.6))
    far_edge, near_edge = base_at(painter.horizon, 0.5), base_at(painter.horizon, 0.9)
    for k in c.slots(2.6, 0.4):
        x = 0.4 + k * 2.6
        c.rect(x - 0.015, far_edge - 1.6 * 0.45, x + 0.015, far_edge - 0.02, lit((80, 64, 48)))
        c.rect(x - 0.12, far_edge - 1.5 * 0.45, x + 0.12, far_edge - 1.47 * 0.45, lit((80, 64, 48)))
    c.rect(c.x0 - 1, far_edge, c.x1 + 1, near_edge, lit((66, 68, 74)))
    c.rect(c.x0 - 1, far_edge - 0.01, c.x1 + 1, far_edge + 0.01, lit((176, 176, 170)))
    c.rect(c.x0 - 1, near_edge - 0.015, c.x1 + 1, near_edge + 0.015, lit((176, 176, 170)))
    line = base_at(painter.horizon, 0.7)
    for k in c.slots(0.9):
        c.rect(k * 0.9, line - 0.008, k * 0.9 + 0.45, line + 0.008, lit((236, 230, 200)))


def station(painter: SetPainter) -> None:
    """A platform edge over the tracks, its yellow line; a train standing there when the setting says so."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    edge = base_at(painter.horizon, 0.9)
    track = base_at(painter.horizon, 0.6)
    if d.has("city", "downtown", "town"):
        skyline(painter, 0.3, track)
    c.rect(c.x0 - 1, track, c.x1 + 1, edge, (26, 24, 24) if d.night else lit((70, 64, 60)))
    for rail in (0.35, 0.7):
        ry = track + (edge - track) * rail
        c.rect(c.x0 - 1, ry, c.x1 + 1, ry + 0.012, lit((140, 140, 146)))
    c.rect(c.x0 - 1, edge, c.x1 + 1, edge + 0.025, lit((200, 196, 186)))
    c.rect(c.x0 - 1, edge + 0.045, c.x1 + 1, edge + 0.07, shade((232, 196, 40), max(d.dim, 0.6)))
    if d.has("train", "trains"):
        depth = 0.6
        bottom, height = track - 0.02, 0.95 * depth
        body = (150, 154, 162) if not d.night else (72, 76, 86)
        c.rect(c.x0 - 1, bottom - height, c.x1 + 1, bottom, body)
        c.rect(c.x0 - 1, bottom - height - 0.03, c.x1 + 1, bottom - height + 0.04, shade(body, 0.7))
        c.rect(c.x0 - 1, bottom - 0.3 * depth, c.x1 + 1, bottom - 0.24 * depth, (150, 34, 40))
        for k in c.slots(0.42 * depth):
            wx = k * 0.42 * depth
            if k % 6 == 0:  # a door
                c.rect(wx, bottom - 0.86 * depth, wx + 0.28 * depth, bottom - 0.02, shade(body, 0.8))
                c.line([(wx + 0.14 * depth, bottom - 0.86 * depth), (wx + 0.14 * depth, bottom - 0.02)],
                       shade(body, 0.5), 0.008)
                continue
            window = (218, 198, 146) if d.night else (70, 84, 100)
            c.rect(wx + 0.04, bottom - 0.8 * depth, wx + 0.36 * depth, bottom - 0.48 * depth, window)
            if d.night:
                painter.glows.append((wx + 0.2 * depth, bottom - 0.64 * depth, 0.22, (255, 200, 120), 0.18, 0.6))


def open_water(painter: SetPainter, far: float, near: float) -> None:
    """Open water between two world rows, with ripples catching the light of the sky."""
    d, c = painter.design, painter.canvas
    water = d.water()
    c.rect(c.x0 - 1, far, c.x1 + 1, near, water)
    ripple = mix(water, d.sky_stops()[2], 0.45)
    for k in c.slots(0.7):
        pick = painter.pick("ripple", k)
        for _ in range(3):
            y = pick.uniform(far + 0.01, near - 0.01)
            x = k * 0.7 + pick.uniform(0, 0.5)
            length = 0.08 + 0.4 * (y - far) / max(1e-6, near - far)
            c.rect(x, y, x + length, y + 0.006 + 0.01 * (y - far) / max(1e-6, near - far), ripple)


def sea(painter: SetPainter) -> None:
    """Water to the horizon breaking on a beach, the low sun's path on it."""
    d, c = painter.design, painter.canvas
    shore = base_at(painter.horizon, 0.66)
    open_water(painter, painter.horizon, shore)
    for offset in (0.0, 0.05):
        c.rect(c.x0 - 1, shore - 0.012 - offset, c.x1 + 1, shore + 0.008 - offset,
               mix(d.water(), painter.lit((236, 240, 240)), 0.8 - offset * 8))
    if d.time in ("dawn", "dusk") and not (d.rain or d.fog):
        sx = painter.pick("sun").uniform(-1.8, 1.8)
        painter.glows.append((sx, (painter.horizon + shore) / 2, 0.2, (255, 170, 100), 0.5, 2.4))


def bridge(painter: SetPainter) -> None:
    """A suspension bridge across the water: towers, cables, the deck; red-orange when it is the Golden
    Gate; seen from the promenade on the near shore."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    far_hills(painter, 0.22, mix(d.sky_stops()[2], (60, 76, 70) if not d.night else (10, 12, 20), 0.6))
    near = base_at(h, 0.88)
    open_water(painter, h, near)
    depth = 0.3
    water_line = base_at(h, depth)
    deck = water_line - 0.5
    colour = (196, 74, 44) if d.has("golden", "gate", "orange", "red") else (112, 120, 132)
    colour = painter.lit(colour) if d.time == "day" else mix(painter.lit(colour), (24, 20, 30), 0.45)
    spacing = 5.6
    for k in c.slots(spacing, 0.0, 3.5):  # two towers and their cables per span
        x = k * spacing
        for tower in (x - 1.6, x + 1.6):
            c.rect(tower - 0.09, water_line - 1.9, tower - 0.05, water_line, colour)
            c.rect(tower + 0.05, water_line - 1.9, tower + 0.09, water_line, colour)
            for beam in (1.85, 1.4, 0.95):
                c.rect(tower - 0.09, water_line - beam, tower + 0.09, water_line - beam + 0.04, colour)
            if d.night:
                painter.glows.append((tower, water_line - 1.92, 0.06, (255, 60, 40), 0.9, 1.0))
        top = water_line - 1.85
        xs = np.linspace(x - 1.6, x + 1.6, 25)
        sag = deck - 0.04 - (deck - 0.04 - top) * ((xs - x) / 1.6) ** 2
        c.line(list(zip(xs, sag)), colour, 0.012)
        for hx, hy in zip(xs[1:-1:2], sag[1:-1:2]):
            c.line([(hx, hy), (hx, deck)], colour, 0.004)
        for side in (-1, 1):  # down to the anchorages
            c.line([(x + side * 1.6, top), (x + side * 2.8, deck)], colour, 0.012)
    c.rect(c.x0 - 1, deck, c.x1 + 1, deck + 0.05, colour)
    c.rect(c.x0 - 1, deck + 0.05, c.x1 + 1, deck + 0.09, shade(colour, 0.7))
    if d.night:
        for k in c.slots(0.35):
            painter.glows.append((k * 0.35, deck - 0.02, 0.05, (255, 210, 140), 0.6, 1.0))
    # the promenade the actors stand on, behind its railing
    c.rect(c.x0 - 1, near, c.x1 + 1, near + 0.02, painter.lit((190, 186, 178)))
    rail = base_at(h, 0.92)
    c.line([(c.x0 - 1, rail - 0.42 * 0.92), (c.x1 + 1, rail - 0.42 * 0.92)], painter.lit((70, 74, 80)), 0.015)
    for k in c.slots(0.5):
        c.line([(k * 0.5, rail - 0.42 * 0.92), (k * 0.5, rail)], painter.lit((70, 74, 80)), 0.01)


def river(painter: SetPainter) -> None:
    """A far bank (trees, or a town across a harbour) over the water, boats at a harbour, the near quay."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    bank = base_at(h, 0.24)
    harbour = d.has("harbor", "harbour", "marina", "port", "dock", "docks", "wharf", "pier", "quay", "boat",
                    "ship", "yacht", "ferry", "trawler", "sailboat", "jetty")
    if harbour or d.has("city", "town", "downtown"):
        skyline(painter, 0.24, bank)
    else:
        far_hills(painter, 0.15, mix(d.sky_stops()[2], (50, 70, 50), 0.55))
        trees(painter, [(0.24, 0.3)], "bank")
    c.rect(c.x0 - 1, h, c.x1 + 1, bank, painter.lit((70, 84, 60)) if not harbour else painter.lit((96, 96, 100)))
    near = base_at(h, 0.86)
    open_water(painter, bank, near)
    if harbour:
        for k in c.slots(2.4, 0.0, 1.5):
            pick = painter.pick("boat", k)
            x, depth = k * 2.4 + pick.uniform(0, 1.0), pick.uniform(0.45, 0.6)
            waterline = base_at(h, depth)
            hull = [(200, 200, 204), (160, 40, 40), (40, 60, 100)][pick.integers(3)]
            c.polygon([(x - 0.6 * depth, waterline - 0.2 * depth), (x + 0.6 * depth, waterline - 0.2 * depth),
                       (x + 0.45 * depth, waterline), (x - 0.45 * depth, waterline)], painter.lit(hull))
            c.rect(x - 0.25 * depth, waterline - 0.4 * depth, x + 0.15 * depth, waterline - 0.2 * depth,
                   painter.lit((230, 230, 226)))
            c.line([(x, waterline - 0.4 * depth), (x, waterline - 1.4 * depth)], painter.lit((60, 60, 64)), 0.008)
        for k in c.slots(0.6):  # the pier's posts
            c.rect(k * 0.6 - 0.02, near - 0.3, k * 0.6 + 0.02, near, painter.lit((90, 70, 50)))
    c.rect(c.x0 - 1, near, c.x1 + 1, near + 0.03, painter.lit((170, 166, 158)))


def pool(painter: SetPainter) -> None:
    """A hedge and loungers behind a turquoise pool with a white rim."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    hedge = base_at(h, 0.42)
    c.rect(c.x0 - 1, hedge - 0.55 * 0.42, c.x1 + 1, hedge, painter.lit((52, 92, 56)))
    far, near = base_at(h, 0.52), base_at(h, 0.85)
    c.rect(c.x0 - 1, far - 0.02, c.x1 + 1, near + 0.02, painter.lit((236, 236, 230)))
    water = (40, 80, 120) if d.night else painter.lit((70, 180, 206))
    c.rect(c.x0 - 1, far, c.x1 + 1, near, water)
    for k in c.slots(0.6):
        pick = painter.pick("pool", k)
        y = pick.uniform(far + 0.02, near - 0.02)
        c.line([(k * 0.6, y), (k * 0.6 + 0.3, y + 0.01)], mix(water, (255, 255, 255), 0.4), 0.006)
    for k in c.slots(1.5, 0.3):
        x, floor = 0.3 + k * 1.5, base_at(h, 0.47)
        c.polygon([(x - 0.3, floor - 0.08), (x + 0.2, floor - 0.08), (x + 0.3, floor - 0.25),
                   (x + 0.34, floor - 0.22), (x + 0.26, floor - 0.04), (x - 0.3, floor - 0.04)],
                  painter.lit((240, 240, 236)))
    if d.night:
        for k in c.slots(1.8):
            painter.glows.append((k * 1.8, (far + near) / 2, 0.3, (80, 200, 255), 0.35, 0.5))


def forest(painter: SetPainter) -> None:
    far_hills(painter, 0.2, mix(painter.design.sky_stops()[2], (40, 70, 44), 0.6))
    trees(painter, [(0.35, 0.3), (0.5, 0.45), (0.78, 0.9)], "forest")


def park(painter: SetPainter) -> None:
    """Scattered trees, a path, a bench."""
    c, h = painter.canvas, painter.horizon
    trees(painter, [(0.45, 1.3), (0.72, 2.6)], "park", leaves=(60, 110, 56))
    far, near = base_at(h, 0.74), base_at(h, 0.82)
    c.rect(c.x0 - 1, far, c.x1 + 1, near, painter.lit((196, 180, 150)))
    for k in c.slots(3.4, 1.0):
        x, floor = 1.0 + k * 3.4, base_at(h, 0.76)
        for y in (0.34, 0.22):
            c.rect(x - 0.45, floor - y * 0.76, x + 0.45, floor - y * 0.76 + 0.03, painter.lit((110, 76, 48)))
        for leg in (-0.4, 0.38):
            c.rect(x + leg, floor - 0.22 * 0.76, x + leg + 0.025, floor, (40, 40, 44))


def hillside(painter: SetPainter) -> None:
    """A far range, a city or a valley below it, and the near hill rising across the frame, a lone tree."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    far_hills(painter, 0.35, mix(d.sky_stops()[2], (80, 96, 120), 0.45))
    if d.has("mountain", "mountains", "peak", "summit") and not d.night:
        far_hills(painter, 0.12, mix(d.sky_stops()[2], (236, 240, 246), 0.5), phase=1.7)
    if d.has("city", "town", "skyline", "valley"):
        skyline(painter, 0.12, base_at(h, 0.12))
    xs = np.linspace(c.x0 - 1, c.x1 + 1, 48)
    crest = base_at(h, 0.5) - 0.45 - 0.35 * np.tanh(xs * 0.4 + (painter.design.seed % 5 - 2) * 0.3) \
        - 0.06 * np.sin(xs * 1.7)
    far, _ = d.ground()
    c.polygon([(c.x0 - 1, base_at(h, 0.7))] + list(zip(xs, crest)) + [(c.x1 + 1, base_at(h, 0.7))],
              shade(far, 0.9))
    tree_x = painter.pick("lone tree").uniform(-1.5, 1.5)
    tree_y = float(np.interp(tree_x, xs, crest)) + 0.04
    c.rect(tree_x - 0.025, tree_y - 0.9, tree_x + 0.025, tree_y, painter.lit((70, 50, 36)))
    c.ellipse(tree_x, tree_y - 0.95, 0.32, 0.26, painter.lit((46, 84, 46)))


def field(painter: SetPainter) -> None:
    """Low far hills, furrows or crops in bands, a fence across the field."""
    d, c, h = painter.design, painter.canvas, painter.horizon
    far_hills(painter, 0.12, mix(d.sky_stops()[2], (90, 110, 80), 0.5))
    far, near = d.ground()
    depth = 0.2
    while depth < 1.1:
        step = 0.04 * (1 + 3 * depth)
        c.rect(c.x0 - 1, base_at(h, depth), c.x1 + 1, base_at(h, depth + step / 2), mix(far, near, 0.5 * depth))
        depth += step
    fence = base_at(h, 0.6)
    for k in c.slots(0.8):
        c.rect(k * 0.8 - 0.015, fence - 0.45 * 0.6, k * 0.8 + 0.015, fence, painter.lit((110, 84, 60)))
    for rail in (0.4, 0.22):
        c.line([(c.x0 - 1, fence - rail * 0.6), (c.x1 + 1, fence - rail * 0.6)], painter.lit((120, 92, 66)), 0.012)


def building(painter: SetPainter) -> None:
    """One building seen from across the way: a church with its spire, a house under its roof, a shop, cafe
    or bar with its awning, or a block of windows; lit by night."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    depth = 0.6
    base = base_at(painter.horizon, depth)
    pick = painter.pick("facade")
    church, house = d.has("church", "chapel", "cathedral"), d.has("house", "farmhouse", "cottage", "cabin", "barn")
    shopfront = d.has("cafe", "café", "bar", "pub", "diner", "restaurant", "shop", "store", "bakery")
    x = pick.uniform(-0.6, 0.6)
    half, tall = (1.4, 1.9) if church or house else (1.8, pick.uniform(2.2, 3.2))
    wall = [(196, 180, 150), (170, 110, 90), (200, 196, 186), (150, 156, 160), (214, 200, 170)][pick.integers(5)]
    wall = shade((70, 72, 88), 0.7) if d.night else lit(wall)
    left, right, top = x - half * depth, x + half * depth, base - tall * depth
    if church or house:  # the roof, a spire on a church
        c.polygon([(left - 0.1 * depth, top), (x, top - (1.1 if church else 0.7) * depth),
                   (right + 0.1 * depth, top)], lit((96, 60, 50) if house else (110, 110, 118)))
        if church:
            c.rect(x - 0.18 * depth, top - 1.7 * depth, x + 0.18 * depth, top - 0.5 * depth, wall)
            c.polygon([(x - 0.22 * depth, top - 1.7 * depth), (x, top - 2.6 * depth),
                       (x + 0.22 * depth, top - 1.7 * depth)], lit((110, 110, 118)))
    c.rect(left, top, right, base, wall)
    window = (236, 200, 120) if d.night else lit((80, 100, 124))
    rows = max(1, int((tall - 1.0) / 0.55))
    for row in range(rows):
        for column in range(5):
            if column == 2 and row == 0:
                continue
            wx = left + (0.25 + column * (2 * half - 0.5) / 4.6) * depth
            wy = base - (1.35 + row * 0.55) * depth
            if church:
                c.ellipse(wx + 0.1 * depth, wy + 0.15 * depth, 0.1 * depth, 0.22 * depth, window)
            else:
                c.rect(wx, wy, wx + 0.26 * depth, wy + 0.34 * depth, window)
    c.rect(x - 0.24 * depth, base - 0.9 * depth, x + 0.24 * depth, base, lit((70, 46, 34)))  # the door
    if shopfront:
        c.rect(left + 0.2 * depth, base - 0.85 * depth, x - 0.35 * depth, base - 0.2 * depth, window)
        c.rect(x + 0.35 * depth, base - 0.85 * depth, right - 0.2 * depth, base - 0.2 * depth, window)
        awning = [(170, 40, 40), (40, 100, 70), (40, 60, 120)][pick.integers(3)]
        for stripe in range(12):
            sx = left + stripe * (right - left) / 12
            c.polygon([(sx, base - 1.05 * depth), (sx + (right - left) / 12, base - 1.05 * depth),
                       (sx + (right - left) / 12, base - 0.92 * depth), (sx, base - 0.92 * depth)],
                      lit(awning if stripe % 2 == 0 else (236, 232, 220)))
        if d.night:
            painter.glows.append((x, base - 0.5 * depth, 0.9, (255, 200, 130), 0.35, 0.5))
    curb = base_at(painter.horizon, 0.8)
    c.rect(c.x0 - 1, base, c.x1 + 1, curb, lit((124, 122, 118) if not (church or house) else (96, 128, 70)))


def open_ground(painter: SetPainter) -> None:
    d = painter.design
    if d.has("hills", "hill", "mountain", "mountains", "countryside", "field", "desert", "valley"):
        far_hills(painter, 0.25, mix(d.sky_stops()[2], shade(d.ground()[0], 0.8), 0.5))


# what each kind of place shows beyond the actors; any other is open ground
LANDSCAPES = {"street": street, "road": road, "station": station, "bridge": bridge, "sea": sea, "river": river,
              "pool": pool, "forest": forest, "park": park, "hillside": hillside, "field": field, "building": building}


def landscape(painter: SetPainter) -> None:
    """The place itself: what it shows behind the actors."""
    LANDSCAPES.get(painter.design.place, open_ground)(painter)
