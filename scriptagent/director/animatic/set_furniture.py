"""Furniture a room's text names (set_design.SetDesign.furniture, read through the lexicon: 'a piano', 'a settle by
the fire', 'the hearth'), each drawn standing in the room: an upright piano, a fireplace, a stove, an armchair, a
table, a bed, a bookcase, a long-case clock, or a plain cabinet for any other piece of furniture."""

from __future__ import annotations

from collections.abc import Callable

from .look import shade
from .set_painter import WALL_DEPTH, SetPainter, base_at

DEPTH = 0.8  # figure scale of the named pieces: just in front of the room's own furniture
SPACING = 5.2  # every piece repeats along the set (like the room's own furniture), each kind at its own offset
# what a kind of room already draws for itself
OWN = {"bedroom": {"bed"}, "hotel": {"bed"}, "living": {"seat", "bookcase"}, "apartment": {"seat", "bookcase"},
       "office": {"table"}}
PUBLIC = {"cafe", "bar", "office", "kitchen", "station", "hospital"}


def piano(p: SetPainter, x: float, floor: float, s: float) -> None:
    c, lit = p.canvas, p.lit
    wood = lit([(34, 22, 18), (20, 20, 22), (86, 52, 32)][p.pick("piano").integers(3)])
    c.rect(x - 0.42 * s, floor - 0.78 * s, x + 0.42 * s, floor - 0.08 * s, wood)  # the case
    c.rect(x - 0.45 * s, floor - 0.81 * s, x + 0.45 * s, floor - 0.77 * s, shade(wood, 1.3))  # the lid
    c.rect(x - 0.4 * s, floor - 0.47 * s, x + 0.4 * s, floor - 0.42 * s, lit((236, 232, 220)))  # the keys
    for k in range(14):
        kx = x - 0.38 * s + k * 0.057 * s
        c.line([(kx, floor - 0.47 * s), (kx, floor - 0.445 * s)], (24, 24, 26), 0.006)
    for side in (-1, 1):
        c.rect(x + side * 0.38 * s - 0.02, floor - 0.42 * s, x + side * 0.38 * s + 0.02, floor, shade(wood, 0.8))
    c.rect(x - 0.05 * s, floor - 0.05 * s, x + 0.05 * s, floor - 0.03 * s, lit((200, 170, 90)))  # the pedals


def fireplace(p: SetPainter, x: float, floor: float, s: float) -> None:
    """Against the back wall: a stone surround, the mantel shelf, the fire and its glow."""
    c, lit = p.canvas, p.lit
    s, floor = WALL_DEPTH, base_at(p.horizon, WALL_DEPTH)
    c.rect(x - 0.55 * s, floor - 0.8 * s, x + 0.55 * s, floor, lit((196, 184, 162)))
    c.rect(x - 0.65 * s, floor - 0.86 * s, x + 0.65 * s, floor - 0.8 * s, lit((120, 90, 66)))
    c.rect(x - 0.32 * s, floor - 0.52 * s, x + 0.32 * s, floor, (26, 18, 14))
    c.ellipse(x, floor - 0.1 * s, 0.2 * s, 0.1 * s, (250, 150, 50))
    c.ellipse(x, floor - 0.13 * s, 0.1 * s, 0.08 * s, (255, 220, 120))
    p.glows.append((x, floor - 0.15 * s, 0.6, (255, 150, 60), 0.6 if p.design.night else 0.3, 1.0))


def stove(p: SetPainter, x: float, floor: float, s: float) -> None:
    """A black iron stove with its pipe, a glow behind its door."""
    c = p.canvas
    iron = p.lit((38, 38, 42))
    c.rect(x - 0.25 * s, floor - 0.6 * s, x + 0.25 * s, floor - 0.06 * s, iron)
    c.rect(x - 0.28 * s, floor - 0.64 * s, x + 0.28 * s, floor - 0.58 * s, shade(iron, 1.3))
    c.rect(x - 0.04 * s, c.y0 - 1, x + 0.04 * s, floor - 0.64 * s, iron)  # the pipe
    c.rect(x - 0.12 * s, floor - 0.42 * s, x + 0.12 * s, floor - 0.22 * s, (230, 120, 40))
    p.glows.append((x, floor - 0.32 * s, 0.35, (255, 140, 50), 0.45 if p.design.night else 0.15, 1.0))
    for side in (-1, 1):
        c.rect(x + side * 0.2 * s - 0.015, floor - 0.06 * s, x + side * 0.2 * s + 0.015, floor, iron)


def seat(p: SetPainter, x: float, floor: float, s: float) -> None:
    """An armchair; a plain wooden chair in a public room (a cafe, a bar, an office...)."""
    c, lit = p.canvas, p.lit
    if p.design.place in PUBLIC:
        wood = lit((112, 74, 46))
        c.rect(x - 0.2 * s, floor - 0.42 * s, x + 0.2 * s, floor - 0.37 * s, wood)
        c.rect(x + 0.16 * s, floor - 0.85 * s, x + 0.2 * s, floor, wood)  # the back and its leg
        c.rect(x - 0.2 * s, floor - 0.37 * s, x - 0.16 * s, floor, wood)
        c.rect(x + 0.02 * s, floor - 0.8 * s, x + 0.2 * s, floor - 0.74 * s, wood)
        return
    cloth = [(120, 50, 50), (60, 80, 110), (90, 100, 70), (140, 116, 84)][p.pick("seat").integers(4)]
    c.rect(x - 0.3 * s, floor - 0.75 * s, x + 0.3 * s, floor - 0.3 * s, lit(shade(cloth, 0.85)))  # the back
    c.rect(x - 0.34 * s, floor - 0.36 * s, x + 0.34 * s, floor - 0.1 * s, lit(cloth))  # the seat
    for side in (-1, 1):
        c.rect(x + side * 0.34 * s - 0.07 * s, floor - 0.5 * s, x + side * 0.34 * s + 0.07 * s, floor - 0.1 * s,
               lit(shade(cloth, 0.7)))
        c.rect(x + side * 0.3 * s - 0.015, floor - 0.1 * s, x + side * 0.3 * s + 0.015, floor, lit((70, 46, 30)))


def table(p: SetPainter, x: float, floor: float, s: float) -> None:
    c, lit = p.canvas, p.lit
    c.rect(x - 0.5 * s, floor - 0.48 * s, x + 0.5 * s, floor - 0.44 * s, lit((120, 80, 50)))
    for leg in (-0.45, 0.42):
        c.rect(x + leg * s, floor - 0.44 * s, x + (leg + 0.03) * s, floor, lit((96, 62, 40)))


def bed(p: SetPainter, x: float, floor: float, s: float) -> None:
    c, lit = p.canvas, p.lit
    c.rect(x - 0.55 * s, floor - 0.75 * s, x - 0.5 * s, floor, lit((110, 76, 50)))  # the head
    c.rect(x - 0.55 * s, floor - 0.36 * s, x + 0.55 * s, floor - 0.1 * s, lit((226, 222, 212)))
    c.rect(x - 0.3 * s, floor - 0.38 * s, x + 0.55 * s, floor - 0.12 * s, lit((120, 140, 170)))  # the cover
    c.ellipse(x - 0.4 * s, floor - 0.4 * s, 0.1 * s, 0.05 * s, lit((244, 242, 236)))


def bookcase(p: SetPainter, x: float, floor: float, s: float) -> None:
    c, lit = p.canvas, p.lit
    c.rect(x - 0.4 * s, floor - 1.4 * s, x + 0.4 * s, floor, lit((100, 68, 44)))
    for shelf in range(4):
        y = floor - (1.32 - shelf * 0.33) * s
        pick = p.pick("bookcase", shelf)
        bx = x - 0.36 * s
        while bx < x + 0.32 * s:
            width = pick.uniform(0.03, 0.06) * s
            c.rect(bx, y + pick.uniform(0, 0.06) * s, bx + width, y + 0.28 * s,
                   lit(tuple(int(v) for v in pick.integers(50, 200, 3))))
            bx += width + 0.005


def clock(p: SetPainter, x: float, floor: float, s: float) -> None:
    """A long-case clock."""
    c, lit = p.canvas, p.lit
    c.rect(x - 0.14 * s, floor - 1.5 * s, x + 0.14 * s, floor, lit((90, 56, 34)))
    c.ellipse(x, floor - 1.3 * s, 0.1 * s, 0.1 * s, lit((236, 230, 210)))
    c.line([(x, floor - 1.3 * s), (x + 0.05 * s, floor - 1.33 * s)], (20, 20, 20), 0.008)
    c.line([(x, floor - 1.3 * s), (x, floor - 1.38 * s)], (20, 20, 20), 0.008)
    c.ellipse(x, floor - 0.7 * s, 0.05 * s, 0.05 * s, lit((200, 170, 80)))  # the pendulum


def cabinet(p: SetPainter, x: float, floor: float, s: float) -> None:
    """Any other piece of furniture: a cabinet with two doors."""
    c, lit = p.canvas, p.lit
    wood = lit((110, 74, 48))
    c.rect(x - 0.4 * s, floor - 0.85 * s, x + 0.4 * s, floor - 0.05 * s, wood)
    c.line([(x, floor - 0.8 * s), (x, floor - 0.1 * s)], shade(wood, 0.7), 0.01)
    for side in (-1, 1):
        c.ellipse(x + side * 0.05 * s, floor - 0.45 * s, 0.015, 0.015, lit((210, 190, 120)))
        c.rect(x + side * 0.36 * s - 0.015, floor - 0.05 * s, x + side * 0.36 * s + 0.015, floor, shade(wood, 0.6))


PIECES: dict[str, Callable[[SetPainter, float, float, float], None]] = {
    "piano": piano, "fireplace": fireplace, "stove": stove, "seat": seat, "table": table, "bed": bed,
    "bookcase": bookcase, "clock": clock, "furniture": cabinet}


def named_furniture(painter: SetPainter) -> None:
    """Each piece the room's text names and its kind of room does not draw already, repeating along the set."""
    d, c = painter.design, painter.canvas
    kinds = [kind for kind in d.furniture if kind not in OWN.get(d.place, ())][:4]
    floor = base_at(painter.horizon, DEPTH)
    for index, kind in enumerate(kinds):
        offset = 1.3 + index * SPACING / max(1, len(kinds))
        for k in c.slots(SPACING, offset, 1.5):
            x = offset + k * SPACING
            if painter.clear(x - 0.6, x + 0.6):
                PIECES.get(kind, cabinet)(painter, x, floor, DEPTH)
