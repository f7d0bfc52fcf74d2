"""Interior sets: the furnishing of each kind of room in front of its back wall (windows, pictures, counters,
beds, sofas, desks, a ward, a station hall), an open door onto the outside, the inside of a car, bus or train."""

from __future__ import annotations

from .look import rng_for, shade
from .set_painter import WALL_DEPTH, SetPainter, base_at


def skirting_board(painter: SetPainter) -> None:
    """Along the foot of the back wall."""
    d, c = painter.design, painter.canvas
    base = base_at(painter.horizon, WALL_DEPTH)
    c.rect(c.x0 - 1, base - 0.025 * WALL_DEPTH, c.x1 + 1, base, shade(d.wall(), 0.55))


def room(painter: SetPainter, base: float, depth: float) -> None:
    """Windows and pictures; a kitchen's cabinets and counter; a bar's shelves of bottles."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    kitchen, bar = d.place == "kitchen", d.place == "bar"
    for k in c.slots(1.9 * depth, 0.35):
        left = 0.35 + k * 1.9 * depth
        if k % 2 == 0:
            painter.window(left, base - 1.45 * depth, left + 0.7 * depth, base - 0.62 * depth, ("window", k),
                           shade(d.wall(), 0.6))
        elif kitchen:  # upper cabinets
            c.rect(left, base - 1.6 * depth, left + 0.9 * depth, base - 1.15 * depth, lit((236, 232, 220)))
            c.line([(left + 0.45 * depth, base - 1.6 * depth), (left + 0.45 * depth, base - 1.15 * depth)],
                   lit((170, 164, 150)), 0.012)
        elif bar:  # shelves with bottles
            for shelf in (1.0, 1.3):
                sy = base - shelf * depth
                c.rect(left, sy, left + 1.0 * depth, sy + 0.025, lit((80, 52, 36)))
                pick = painter.pick("bottles", k, shelf)
                for b in range(7):
                    bx = left + 0.05 + b * 0.13 * depth
                    colour = [(40, 90, 50), (120, 60, 30), (200, 190, 170), (60, 40, 80)][pick.integers(4)]
                    c.rect(bx, sy - 0.16 * depth, bx + 0.06 * depth, sy, lit(colour))
        elif painter.clear(left, left + 0.55 * depth):  # a picture between windows
            pick = painter.pick("picture", k)
            c.rect(left + 0.1, base - 1.3 * depth, left + 0.55 * depth, base - 0.95 * depth, lit((70, 50, 36)))
            c.rect(left + 0.13, base - 1.27 * depth, left + 0.55 * depth - 0.03, base - 0.98 * depth,
                   lit(tuple(int(v) for v in pick.integers(60, 200, 3))))
    if kitchen or bar:  # a counter along the back wall
        top_colour = lit((90, 60, 40)) if bar else lit((200, 196, 186))
        c.rect(c.x0 - 1, base - 0.55 * depth, c.x1 + 1, base, lit((150, 120, 90) if kitchen else (90, 56, 38)))
        c.rect(c.x0 - 1, base - 0.58 * depth, c.x1 + 1, base - 0.53 * depth, top_colour)
        for k in c.slots(0.5 * depth):
            c.line([(k * 0.5 * depth, base - 0.5 * depth), (k * 0.5 * depth, base - 0.03)], lit((110, 86, 64)),
                   0.01)


def cafe(painter: SetPainter, base: float, depth: float) -> None:
    """Wide shop windows over a green wainscot, a chalk menu, a counter with its machine, pendant lamps."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    c.rect(c.x0 - 1, base - 0.42 * depth, c.x1 + 1, base, lit((46, 84, 66)))
    c.rect(c.x0 - 1, base - 0.45 * depth, c.x1 + 1, base - 0.42 * depth, lit((180, 150, 100)))
    for k in c.slots(2.6 * depth):
        left = k * 2.6 * depth
        if k % 3 == 1:  # the chalk menu over the counter, the machine on it
            c.rect(left + 0.2, base - 1.55 * depth, left + 1.3 * depth, base - 0.95 * depth, lit((40, 46, 42)))
            pick = painter.pick("menu", k)
            for row in range(5):
                y = base - (1.48 - row * 0.1) * depth
                c.line([(left + 0.28, y), (left + 0.28 + pick.uniform(0.25, 0.6) * depth, y)],
                       lit((226, 226, 214)), 0.008)
            c.rect(left + 0.05, base - 0.62 * depth, left + 2.2 * depth, base, lit((118, 78, 50)))
            c.rect(left + 0.05, base - 0.65 * depth, left + 2.2 * depth, base - 0.6 * depth, lit((210, 200, 184)))
            c.rect(left + 0.3, base - 0.92 * depth, left + 0.62 * depth, base - 0.65 * depth, lit((184, 188, 194)))
            c.rect(left + 1.2 * depth, base - 0.82 * depth, left + 1.9 * depth, base - 0.65 * depth,
                   lit((224, 214, 170)))  # the cake case
        else:
            painter.window(left + 0.15, base - 1.6 * depth, left + 2.3 * depth, base - 0.5 * depth, ("cafe", k),
                           lit((46, 84, 66)), bars=False)
            c.line([(left + 0.15, base - 1.3 * depth), (left + 2.3 * depth, base - 1.3 * depth)],
                   lit((46, 84, 66)), 0.02)
    for k in c.slots(1.7, 0.6):  # pendant lamps
        x, y = 0.6 + k * 1.7, base - 1.85 * depth
        c.line([(x, c.y0 - 1), (x, y)], (30, 30, 30), 0.006)
        c.polygon([(x - 0.03, y), (x + 0.03, y), (x + 0.1, y + 0.1), (x - 0.1, y + 0.1)], lit((40, 70, 60)))
        painter.glows.append((x, y + 0.12, 0.35, (255, 196, 120), 0.55 if d.night else 0.25, 1.0))


def office(painter: SetPainter, base: float, depth: float) -> None:
    """Windows with blinds, ceiling strip lights, desks with monitors, a filing cabinet."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    for k in c.slots(1.6 * depth, 0.2):
        left = 0.2 + k * 1.6 * depth
        if k % 4 == 3:
            c.rect(left, base - 0.95 * depth, left + 0.45 * depth, base, lit((140, 146, 152)))  # filing cabinet
            for drawer in (0.3, 0.6):
                c.line([(left, base - drawer * depth), (left + 0.45 * depth, base - drawer * depth)],
                       lit((100, 104, 110)), 0.01)
        else:
            painter.window(left, base - 1.6 * depth, left + 1.1 * depth, base - 0.7 * depth, ("office", k),
                           lit((150, 154, 160)), blinds=True)
    for k in c.slots(2.0, 0.4):  # strip lights along the ceiling
        x, y = 0.4 + k * 2.0, base - 2.45 * depth
        c.rect(x - 0.3, y - 0.02, x + 0.3, y + 0.02, (240, 242, 236))
        painter.glows.append((x, y, 0.5, (220, 230, 240), 0.35 if d.night else 0.12, 0.5))
    desk_depth = 0.8
    floor = base_at(painter.horizon, desk_depth)
    for k in c.slots(2.3, 1.1):
        x = 1.1 + k * 2.3 + painter.pick("desk", k).uniform(-0.2, 0.2)
        top = floor - 0.4 * desk_depth
        c.rect(x - 0.5, top, x + 0.5, top + 0.03, lit((176, 160, 132)))
        for leg in (-0.46, 0.44):
            c.rect(x + leg, top, x + leg + 0.025, floor, lit((90, 90, 96)))
        c.rect(x - 0.02, top - 0.08, x + 0.02, top, (40, 40, 44))
        c.rect(x - 0.2, top - 0.34, x + 0.2, top - 0.08, (30, 32, 36))
        c.rect(x - 0.18, top - 0.32, x + 0.18, top - 0.1, (70, 110, 160) if d.night else lit((120, 150, 180)))
        if d.night:
            painter.glows.append((x, top - 0.2, 0.3, (90, 140, 220), 0.25, 1.0))


def bedroom(painter: SetPainter, base: float, depth: float) -> None:
    """A bed against the wall with a lamp beside it, a curtained window; a hotel room's striped paper, its
    pair of lamps and its heavy curtains."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    hotel = d.place == "hotel"
    if hotel:
        stripe = shade(d.wall(), 0.88)
        for k in c.slots(0.24):
            c.rect(k * 0.24, c.y0 - 1, k * 0.24 + 0.07, base, stripe)
    spacing = 4.4
    for k in c.slots(spacing, 0.0, 3.0):
        x = k * spacing
        pick = painter.pick("bed", k)
        head = [(96, 60, 44), (60, 70, 96), (120, 96, 70), (70, 50, 60)][pick.integers(4)] if hotel else \
            [(150, 120, 90), (200, 200, 196), (110, 80, 60)][pick.integers(3)]
        width = 0.8 if hotel else 0.6
        c.rect(x - width * depth, base - 0.95 * depth, x + width * depth, base, lit(head))
        bed_depth = 0.8
        floor = base_at(painter.horizon, bed_depth)
        cover = (236, 232, 224) if hotel else \
            [(90, 120, 170), (170, 90, 90), (120, 150, 110), (200, 170, 110)][pick.integers(4)]
        c.rect(x - width * bed_depth, floor - 0.42 * bed_depth, x + width * bed_depth, floor, lit(cover))
        c.rect(x - width * bed_depth, floor - 0.2 * bed_depth, x + width * bed_depth, floor,
               lit(shade(cover, 0.85)))
        for side in (-1, 1):  # pillows
            c.ellipse(x + side * width * 0.45 * bed_depth, floor - 0.45 * bed_depth, 0.2 * bed_depth,
                      0.07 * bed_depth, lit((244, 242, 236)))
        for side in ((-1, 1) if hotel else (1,)):  # bedside tables with lamps
            tx = x + side * (width + 0.3) * depth
            c.rect(tx - 0.18 * depth, base - 0.45 * depth, tx + 0.18 * depth, base, lit((90, 60, 42)))
            c.rect(tx - 0.015, base - 0.68 * depth, tx + 0.015, base - 0.45 * depth, (60, 50, 40))
            c.polygon([(tx - 0.06, base - 0.8 * depth), (tx + 0.06, base - 0.8 * depth),
                       (tx + 0.1, base - 0.66 * depth), (tx - 0.1, base - 0.66 * depth)], (240, 220, 170))
            painter.glows.append((tx, base - 0.74 * depth, 0.4, (255, 196, 120), 0.6 if d.night else 0.18, 1.0))
        if hotel:  # a picture over the bed
            c.rect(x - 0.35 * depth, base - 1.55 * depth, x + 0.35 * depth, base - 1.15 * depth,
                   lit((150, 120, 60)))
            c.rect(x - 0.31 * depth, base - 1.51 * depth, x + 0.31 * depth, base - 1.19 * depth,
                   lit((120, 150, 160)))
        wx = x + spacing / 2 - 0.45
        curtain = [(130, 40, 50), (170, 140, 70), (60, 80, 70)][pick.integers(3)] if hotel else (236, 232, 220)
        painter.window(wx, base - 1.55 * depth, wx + 0.9, base - 0.6 * depth, ("bedroom", k), shade(d.wall(), 0.6),
                       curtain=lit(curtain))
        if not hotel:  # a wardrobe
            ax = x - spacing / 2 + 0.2
            c.rect(ax - 0.35 * depth, base - 1.5 * depth, ax + 0.35 * depth, base, lit((130, 96, 66)))
            c.line([(ax, base - 1.45 * depth), (ax, base - 0.05)], lit((90, 64, 44)), 0.01)


def living(painter: SetPainter, base: float, depth: float) -> None:
    """A sofa under a curtained window, a bookshelf or a television, a door; a lamp for the night."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    pick = painter.pick("living")
    sofa_colour = [(120, 60, 50), (70, 90, 120), (90, 110, 80), (150, 130, 100), (80, 70, 90)][pick.integers(5)]
    tv = d.has("tv", "television", "screen")
    spacing = 4.0
    for k in c.slots(spacing, 0.0, 2.5):
        x = k * spacing
        painter.window(x - 0.5, base - 1.55 * depth, x + 0.5, base - 0.65 * depth, ("living", k),
                       shade(d.wall(), 0.6), curtain=lit(shade(sofa_colour, 1.4)))
        sofa_depth = 0.78
        floor = base_at(painter.horizon, sofa_depth)
        s = sofa_depth
        c.rect(x - 0.8 * s, floor - 0.58 * s, x + 0.8 * s, floor - 0.1 * s, lit(shade(sofa_colour, 0.85)))
        c.rect(x - 0.8 * s, floor - 0.34 * s, x + 0.8 * s, floor - 0.06 * s, lit(sofa_colour))
        for side in (-1, 1):
            c.rect(x + side * 0.8 * s - 0.08 * s, floor - 0.44 * s, x + side * 0.8 * s + 0.08 * s, floor - 0.06 * s,
                   lit(shade(sofa_colour, 0.75)))
        side_x = x + spacing / 2
        if tv:  # a television on a low stand; at night its screen lights the room
            c.rect(side_x - 0.4 * depth, base - 0.3 * depth, side_x + 0.4 * depth, base, lit((60, 46, 36)))
            c.rect(side_x - 0.36 * depth, base - 0.78 * depth, side_x + 0.36 * depth, base - 0.32 * depth,
                   (18, 18, 20))
            screen = (120, 170, 220) if d.night else lit((60, 80, 100))
            c.rect(side_x - 0.33 * depth, base - 0.75 * depth, side_x + 0.33 * depth, base - 0.35 * depth, screen)
            if d.night:
                painter.glows.append((side_x, base - 0.55 * depth, 0.7, (110, 150, 255), 0.45, 1.0))
        else:  # a bookshelf
            c.rect(side_x - 0.45 * depth, base - 1.5 * depth, side_x + 0.45 * depth, base, lit((110, 76, 50)))
            for shelf in range(4):
                sy = base - (1.42 - shelf * 0.34) * depth
                shelf_pick = painter.pick("books", k, shelf)
                bx = side_x - 0.4 * depth
                while bx < side_x + 0.36 * depth:
                    width = shelf_pick.uniform(0.03, 0.06) * depth
                    colour = tuple(int(v) for v in shelf_pick.integers(50, 200, 3))
                    c.rect(bx, sy + shelf_pick.uniform(0, 0.06) * depth, bx + width, sy + 0.3 * depth, lit(colour))
                    bx += width + 0.005
        if d.place == "apartment":  # the front door
            dx = x - spacing / 2 + 0.2
            c.rect(dx - 0.36 * depth, base - 1.45 * depth, dx + 0.36 * depth, base, shade(d.wall(), 0.62))
            c.rect(dx - 0.3 * depth, base - 1.4 * depth, dx + 0.3 * depth, base, lit((150, 110, 76)))
            c.ellipse(dx + 0.22 * depth, base - 0.7 * depth, 0.02, 0.02, lit((210, 190, 120)))
    if d.night or d.has("lamp", "lamps", "lamplight"):
        for k in c.slots(spacing, 1.2, 2.5):
            painter.lamp(1.2 + k * spacing, base_at(painter.horizon, 0.8), 0.8)


def hospital(painter: SetPainter, base: float, depth: float) -> None:
    """Pale green walls, a bed with rails, a drip stand, a monitor, a curtain on its track, windows with
    blinds."""
    c, lit = painter.canvas, painter.lit
    c.rect(c.x0 - 1, base - 0.5 * depth, c.x1 + 1, base - 0.47 * depth, lit((150, 190, 176)))  # a rail
    spacing = 3.6
    for k in c.slots(spacing, 0.0, 2.5):
        x = k * spacing
        painter.window(x + 1.0, base - 1.55 * depth, x + 1.9, base - 0.75 * depth, ("hospital", k),
                       lit((220, 224, 222)), blinds=True)
        c.line([(x - 1.4, base - 1.9 * depth), (x + 0.9, base - 1.9 * depth)], (150, 150, 156), 0.012)
        c.rect(x - 1.4, base - 1.88 * depth, x - 0.9, base - 0.1 * depth, lit((150, 186, 206)))  # the curtain
        for fold in range(1, 4):
            fx = x - 1.4 + fold * 0.125
            c.line([(fx, base - 1.86 * depth), (fx, base - 0.12 * depth)], lit((126, 162, 184)), 0.01)
        bed_depth = 0.8
        floor = base_at(painter.horizon, bed_depth)
        s = bed_depth
        c.rect(x - 0.7 * s, floor - 0.5 * s, x + 0.7 * s, floor - 0.38 * s, lit((210, 224, 236)))  # mattress
        c.polygon([(x - 0.7 * s, floor - 0.5 * s), (x - 0.7 * s, floor - 0.72 * s),
                   (x - 0.45 * s, floor - 0.5 * s)],
                  lit((210, 224, 236)))
        c.line([(x - 0.6 * s, floor - 0.6 * s), (x + 0.6 * s, floor - 0.6 * s)], lit((170, 174, 180)), 0.015)
        for leg in (-0.66, 0.64):
            c.rect(x + leg * s, floor - 0.38 * s, x + (leg + 0.03) * s, floor, lit((160, 164, 170)))
        sx = x + 0.95
        c.line([(sx, floor - 1.25 * s), (sx, floor)], lit((170, 174, 180)), 0.012)  # the drip
        c.rect(sx - 0.05, floor - 1.22 * s, sx + 0.05, floor - 1.08 * s, (220, 232, 236))
        c.rect(x - 0.5, base - 1.35 * depth, x - 0.05, base - 1.05 * depth, (34, 38, 40))  # the monitor
        trace = [(x - 0.47 + i * 0.04, base - (1.2 + (0.06 if i % 4 == 2 else 0.0)) * depth) for i in range(11)]
        c.line(trace, (90, 230, 120), 0.008)


def station_hall(painter: SetPainter, base: float, depth: float) -> None:
    """Tall arched windows, a departures board, a clock, benches."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    for k in c.slots(2.0 * depth, 0.3):
        left = 0.3 + k * 2.0 * depth
        x0, x1, top = left, left + 1.1 * depth, base - 2.2 * depth
        c.ellipse((x0 + x1) / 2, top, (x1 - x0) / 2 + 0.04, (x1 - x0) / 2 + 0.04, lit((90, 86, 80)))
        c.rect(x0 - 0.04, top, x1 + 0.04, base - 0.5 * depth, lit((90, 86, 80)))
        c.ellipse((x0 + x1) / 2, top, (x1 - x0) / 2, (x1 - x0) / 2,
                  d.sky_stops()[0] if not d.night else (10, 14, 30))
        painter.window(x0, top, x1, base - 0.55 * depth, ("hall", k), lit((90, 86, 80)))
    board_x = rng_for(painter.design.seed, "board").uniform(-1.0, 1.0)
    c.rect(board_x - 0.9 * depth, base - 1.75 * depth, board_x + 0.9 * depth, base - 1.15 * depth, (22, 22, 24))
    for row in range(5):
        y = base - (1.68 - row * 0.1) * depth
        c.line([(board_x - 0.8 * depth, y), (board_x + 0.8 * depth, y)], (236, 170, 60), 0.012)
    c.ellipse(board_x, base - 2.0 * depth, 0.14, 0.14, (240, 236, 226))
    c.line([(board_x, base - 2.0 * depth), (board_x, base - 2.0 * depth - 0.1)], (20, 20, 20), 0.012)
    c.line([(board_x, base - 2.0 * depth), (board_x + 0.07, base - 2.0 * depth)], (20, 20, 20), 0.012)
    floor = base_at(painter.horizon, 0.82)
    for k in c.slots(2.6, 1.3):
        x = 1.3 + k * 2.6
        c.rect(x - 0.5, floor - 0.36 * 0.82, x + 0.5, floor - 0.3 * 0.82, lit((110, 74, 48)))
        c.rect(x - 0.5, floor - 0.24 * 0.82, x + 0.5, floor - 0.2 * 0.82, lit((110, 74, 48)))
        for leg in (-0.45, 0.42):
            c.rect(x + leg, floor - 0.2 * 0.82, x + leg + 0.03, floor, (50, 50, 54))
    for k in c.slots(2.4, 0.5):
        painter.glows.append((0.5 + k * 2.4, base - 2.3 * depth, 0.6, (255, 220, 170), 0.4 if d.night else 0.12, 0.6))


def door(painter: SetPainter) -> None:
    """I/E: an open door in the back wall onto the outside."""
    d, c = painter.design, painter.canvas
    depth = WALL_DEPTH
    base = base_at(painter.horizon, depth)
    x = painter.pick("door").uniform(-0.7, 0.7)
    x0, x1, top = x - 0.42 * depth, x + 0.42 * depth, base - 1.55 * depth
    painter.door_span = (x0 - 0.05, x1 + 0.35 * depth)
    c.rect(x0 - 0.05, top - 0.05, x1 + 0.05, base, shade(d.wall(), 0.5))
    painter.view_outside(x0, top, x1, base - 0.35 * depth, ("door",))
    c.rect(x0, base - 0.35 * depth, x1, base, shade((120, 126, 110), 0.34 if d.night else 0.9))
    c.polygon([(x1, top), (x1 + 0.3 * depth, top + 0.1 * depth), (x1 + 0.3 * depth, base + 0.05 * depth),
               (x1, base)], shade(painter.lit((150, 110, 76)), 0.9))


# the kinds of room that furnish (and light) themselves their own way; any other is a `room`, with standard lamps
FURNISHINGS = {"cafe": cafe, "office": office, "hotel": bedroom, "bedroom": bedroom, "living": living,
               "apartment": living, "hospital": hospital, "station": station_hall}


def furnishing(painter: SetPainter) -> None:
    """The furniture of the room's kind, in front of its back wall."""
    FURNISHINGS.get(painter.design.place, room)(painter, base_at(painter.horizon, WALL_DEPTH), WALL_DEPTH)


def room_lamps(painter: SetPainter) -> None:
    """Standard lamps along a plain room."""
    c = painter.canvas
    for k in c.slots(3.3, 1.6):
        painter.lamp(1.6 + k * 3.3, base_at(painter.horizon, 0.8), 0.8)


def carriage(painter: SetPainter) -> None:
    """Inside a bus or a train carriage: a row of windows over rows of seats, poles or a luggage rack, ceiling
    lights."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    roof = lit(shade(d.wall(), 1.1))
    depth = 0.7
    base = base_at(painter.horizon, depth)
    top, bottom = base - 1.5 * depth, base - 0.8 * depth
    c.rect(c.x0 - 1, c.y0 - 1, c.x1 + 1, top - 0.35 * depth, roof)
    for k in c.slots(1.2 * depth):
        left = k * 1.2 * depth
        painter.window(left + 0.06, top, left + 1.2 * depth - 0.06, bottom, ("carriage", k),
                       lit((70, 72, 76)), bars=False)
    c.rect(c.x0 - 1, bottom + 0.03, c.x1 + 1, base, lit(shade(d.wall(), 0.8)))
    if d.vehicle == "train":  # the luggage rack
        c.rect(c.x0 - 1, top - 0.2 * depth, c.x1 + 1, top - 0.17 * depth, lit((150, 150, 156)))
    for k in c.slots(2.0, 0.5):  # ceiling lights
        x = 0.5 + k * 2.0
        c.rect(x - 0.4, top - 0.5 * depth, x + 0.4, top - 0.44 * depth, (240, 240, 230))
        painter.glows.append((x, top - 0.45 * depth, 0.45, (230, 236, 240), 0.3 if d.night else 0.1, 0.5))
    seat = (50, 70, 130) if d.vehicle == "bus" else (130, 50, 56)
    seat_depth = 0.85
    floor = base_at(painter.horizon, seat_depth)
    for k in c.slots(1.1):
        x = k * 1.1
        c.rect(x - 0.32, floor - 0.95 * seat_depth, x + 0.32, floor - 0.35 * seat_depth, lit(seat))
        c.rect(x - 0.32, floor - 0.95 * seat_depth, x + 0.32, floor - 0.88 * seat_depth, lit(shade(seat, 0.7)))
        if d.vehicle == "bus" and k % 2 == 0:
            c.line([(x + 0.5, c.y0 - 1), (x + 0.5, floor)], lit((220, 180, 40)), 0.025)


def car_interior(painter: SetPainter) -> None:
    """Inside a car or taxi: the far door's window over the seat."""
    d, c, lit = painter.design, painter.canvas, painter.lit
    roof = lit(shade(d.wall(), 1.1))
    depth = 0.8
    base = base_at(painter.horizon, depth)
    top, bottom = base - 1.5 * depth, base - 0.92 * depth
    c.rect(c.x0 - 1, c.y0 - 1, c.x1 + 1, top, roof)  # the roof lining
    for k in c.slots(2.2 * depth):
        left = k * 2.2 * depth
        painter.window(left + 0.12, top + 0.04, left + 2.2 * depth - 0.12, bottom, ("car", k), (30, 30, 32),
                       bars=False)
        c.rect(left - 0.12, top, left + 0.12, base, (30, 30, 32))  # the pillar between windows
    c.rect(c.x0 - 1, bottom, c.x1 + 1, base, lit(shade(d.wall(), 0.55)))  # the door
    if d.vehicle == "taxi":
        c.rect(c.x0 - 1, bottom + 0.02, c.x1 + 1, bottom + 0.05, lit((230, 186, 40)))
    seat_depth = 0.9
    floor = base_at(painter.horizon, seat_depth)
    seat = (34, 32, 32) if d.vehicle == "taxi" else lit((140, 120, 96))
    c.rect(c.x0 - 1, floor - 0.72 * seat_depth, c.x1 + 1, floor - 0.2 * seat_depth, seat)
    c.rect(c.x0 - 1, floor - 0.72 * seat_depth, c.x1 + 1, floor - 0.66 * seat_depth, shade(seat, 0.8))
    for k in c.slots(1.0 * seat_depth):
        x = k * seat_depth
        c.line([(x, floor - 0.7 * seat_depth), (x, floor - 0.22 * seat_depth)], shade(seat, 0.75), 0.01)
    if d.night:  # lights of the street going by
        for k in c.slots(2.2 * depth):
            pick = painter.pick("passing", k)
            for _ in range(2):
                painter.glows.append((k * 2.2 * depth + pick.uniform(0.3, 1.4), pick.uniform(top + 0.1, bottom - 0.1),
                                      0.12, [(255, 190, 110), (255, 90, 70), (140, 200, 255)][pick.integers(3)],
                                      0.5, 1.0))
