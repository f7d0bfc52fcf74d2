"""The set of a scene, drawn from its design: the pieces it calls for, in a fixed order (later ones stand in
front), then their light, the fog and the film's grade."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from .look import Grade
from .set_design import SetDesign
from .set_exteriors import landscape
from .set_furniture import named_furniture
from .set_interiors import FURNISHINGS, car_interior, carriage, door, furnishing, room_lamps, skirting_board
from .set_painter import SetPainter, add_glow
from .set_scenery import parked_vehicle, sky_pieces, street_lamps

LAMP_WORDS = ("lamp", "lamps", "lamplight", "lamplit")
STREET_LAMP_WORDS = ("lamp", "lamps", "sodium", "streetlight", "streetlights", "lamppost", "lampposts", "lamplight")
# where a vehicle the scene names stands by, and where the street lamps burn after dark
VEHICLE_PLACES = ("street", "road", "open", "station", "bridge", "river", "building")
LAMPLIT_PLACES = ("street", "road", "park", "river", "bridge", "station", "building")


def _room(d: SetDesign) -> bool:
    return d.interior and d.place != "vehicle"


def _in_vehicle(d: SetDesign) -> bool:
    return d.interior and d.place == "vehicle"


def _lamplit_room(d: SetDesign) -> bool:
    """A plain room wants standard lamps at night or when it names them; the other kinds light themselves."""
    return _room(d) and d.place not in FURNISHINGS and (d.has(*LAMP_WORDS) or d.night)


def _vehicle_outside(d: SetDesign) -> bool:
    return not d.interior and d.vehicle not in (None, "train") and d.place in VEHICLE_PLACES


def _street_lamps(d: SetDesign) -> bool:
    return not d.interior and (d.has(*STREET_LAMP_WORDS) or (d.time != "day" and d.place in LAMPLIT_PLACES))


# (piece, whether a design has it, how it is drawn), drawn in this order: a later piece stands in front
SET_PIECES: tuple[tuple[str, Callable[[SetDesign], bool], Callable[[SetPainter], None]], ...] = (
    ("carriage", lambda d: _in_vehicle(d) and d.vehicle in ("bus", "train"), carriage),
    ("car interior", lambda d: _in_vehicle(d) and d.vehicle not in ("bus", "train"), car_interior),
    ("skirting board", _room, skirting_board),
    # before the furniture, so that the windows keep clear of the door and the furniture stands in front
    ("open door", lambda d: _room(d) and d.doorway, door),
    ("furnishing", _room, furnishing),
    ("named furniture", lambda d: _room(d) and bool(d.furniture), named_furniture),  # 'a piano', 'the hearth'
    ("room lamps", _lamplit_room, room_lamps),
    ("sky", lambda d: not d.interior and not (d.rain or d.fog), sky_pieces),
    ("landscape", lambda d: not d.interior, landscape),
    ("parked vehicle", _vehicle_outside, parked_vehicle),
    ("street lamps", _street_lamps, street_lamps),
)


def render_set(design: SetDesign, grade: Grade, origin: tuple[float, float], ppu: float, size: tuple[int, int],
               horizon: float) -> Image.Image:
    """The set (sky or walls, floor, set pieces, lamp light), graded, as a picture of `size` pixels whose top-left
    corner is the world point `origin`, at `ppu` pixels per world unit. Every piece stands at a fixed world place
    (a slot index), so every shot of the scene sees the same set."""
    painter = SetPainter(design, origin, ppu, size, horizon)
    for _piece, wanted, draw in SET_PIECES:
        if wanted(design):
            draw(painter)
    image = painter.canvas.image
    if painter.glows:  # light, added where it falls
        pixels = np.array(image)
        for x, y, radius, colour, strength, stretch in painter.glows:
            add_glow(pixels, painter.canvas, x, y, radius, colour, strength, stretch)
        image = Image.fromarray(pixels)
    if design.fog:
        haze = Image.new("RGB", image.size, design.sky_stops()[2] if not design.interior else design.wall())
        image = Image.blend(image, haze, 0.45 if not design.interior else 0.3)
    return grade.picture(image)
