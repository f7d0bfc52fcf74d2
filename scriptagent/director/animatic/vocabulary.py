"""What the animatic draws for a word its hand lists do not know, as WordNet senses (lemma.pos.sense number in
WordNet 3.0) and the drawing decision each stands for. A word takes the decision of the nearest of these senses
above it (lexicon.kind_of): 'tailcoat' is formalwear, so a suit; 'surtout' is an overcoat, a coat, so a long top;
'parlour' is a living room; 'the Thames' is a river; a 'settle' is a seat."""

from __future__ import annotations

from .lexicon import Anchors, kind_of

# --- what a character wears and has ------------------------------------------------------------------------------
# roles: hair, long hair, beard, skip (named, but not drawn: brows, eyes, shoes, gloves), hat, scarf, glasses,
# top, long top, dress (a long top that is a dress), suit (top and trousers alike), legs, skirt, bag, umbrella
# a body word counts in its most frequent sense only ('wool' is a fabric before it is a fleece); clothing in any of
# its first three ('cloak' is 'anything that covers' before it is a loose outer garment)
BODY: Anchors = (
    ("hair.n.01", "hair"), ("hairdo.n.01", "hair"), ("braid.n.01", "long hair"), ("facial_hair.n.01", "beard"),
    ("eyebrow.n.01", "skip"), ("eyelash.n.01", "skip"), ("eye.n.01", "skip"),
)
GARMENTS: Anchors = (
    ("footwear.n.01", "skip"), ("footwear.n.02", "skip"), ("glove.n.02", "skip"), ("head_covering.n.01", "skip"),
    ("headdress.n.01", "hat"), ("scarf.n.01", "scarf"), ("spectacles.n.01", "glasses"),
    ("coat.n.01", "long top"), ("cloak.n.02", "long top"), ("robe.n.01", "long top"), ("gown.n.05", "long top"),
    ("jacket.n.01", "top"), ("vest.n.01", "top"), ("shirt.n.01", "top"), ("sweater.n.01", "top"),
    ("garment.n.01", "top"), ("clothing.n.01", "top"), ("uniform.n.01", "top"),
    ("dress.n.01", "dress"), ("suit.n.01", "suit"), ("formalwear.n.01", "suit"),
    ("trouser.n.01", "legs"), ("hosiery.n.01", "legs"), ("legging.n.01", "legs"), ("skirt.n.02", "skirt"),
    ("bag.n.04", "handbag"), ("bag.n.06", "suitcase"), ("bag.n.01", "bag"), ("umbrella.n.01", "umbrella"),
)

# --- how old a character is, from the noun that names them (its most frequent sense) -------------------------------
AGES: Anchors = (
    ("child.n.01", "child"), ("male_child.n.01", "child"), ("female_child.n.01", "child"), ("infant.n.01", "child"),
    ("adolescent.n.01", "teen"), ("juvenile.n.01", "teen"), ("oldster.n.01", "old"), ("grandparent.n.01", "old"),
    ("adult.n.01", "adult"), ("person.n.01", "adult"),
)

# --- where a scene is: 'interior place/exterior place' (either may be empty: a room has no outside, a field no
# inside); the places are the keys of set_design's INTERIOR_PLACES and EXTERIOR_PLACES, or room / open
PLACES: Anchors = (
    ("room.n.01", "room/"), ("living_room.n.01", "living/"), ("reception_room.n.01", "living/"),
    ("bedroom.n.01", "bedroom/"), ("kitchen.n.01", "kitchen/"), ("office.n.01", "office/building"),
    ("restaurant.n.01", "cafe/building"), ("bar.n.01", "bar/building"), ("hotel.n.01", "hotel/building"),
    ("hospital.n.01", "hospital/building"), ("ward.n.03", "hospital/"), ("railway_station.n.01", "station/station"),
    ("dwelling.n.01", "apartment/building"), ("shelter.n.01", "room/building"), ("building.n.01", "/building"),
    ("place_of_worship.n.01", "/building"), ("tower.n.01", "/building"), ("natural_elevation.n.01", "/hillside"),
    ("yard.n.02", "/park"), ("yard.n.03", "/park"), ("garden.n.01", "/park"), ("park.n.02", "/park"),
    ("cemetery.n.01", "/park"), ("wasteland.n.01", "/field"), ("plain.n.01", "/field"), ("field.n.01", "/field"),
    ("grassland.n.01", "/field"), ("hill.n.01", "/hillside"), ("mountain.n.01", "/hillside"),
    ("slope.n.01", "/hillside"), ("highland.n.01", "/hillside"), ("forest.n.01", "/forest"),
    ("forest.n.02", "/forest"), ("sea.n.01", "/sea"), ("ocean.n.01", "/sea"), ("shore.n.01", "/sea"),
    ("beach.n.01", "/sea"), ("body_of_water.n.01", "/river"), ("vessel.n.02", "/river"),
    ("street.n.01", "/street"), ("thoroughfare.n.01", "/road"), ("road.n.01", "/road"), ("city.n.01", "/street"),
    ("town.n.01", "/street"), ("bridge.n.01", "/bridge"),
)

# --- furniture a room's text names, drawn in it (set_furniture) ----------------------------------------------------
FURNITURE: Anchors = (
    ("piano.n.01", "piano"), ("musical_instrument.n.01", "furniture"), ("fireplace.n.01", "fireplace"),
    ("stove.n.01", "stove"), ("stove.n.02", "stove"), ("seat.n.03", "seat"), ("table.n.02", "table"),
    ("desk.n.01", "table"), ("bed.n.01", "bed"), ("bookcase.n.01", "bookcase"), ("clock.n.01", "clock"),
    ("furniture.n.01", "furniture"),
)

STOP = frozenset("a an the of and or in on at by to with for from into under over his her their its this that "
                 "there is are was were be been as it he she they one two some all any no not very".split())


def garment(word: str) -> str | None:
    """What a word of an appearance names: 'whiskers' -> beard, 'pigtail' -> long hair, 'surtout' -> long top,
    'tights' -> legs, 'bonnet' -> hat; None for words that name nothing drawn."""
    if word in STOP:
        return None
    return kind_of(word, BODY, main_sense=True) or kind_of(word, GARMENTS)


def age(word: str) -> str | None:
    """The age of a person noun's most frequent sense ('boy' -> child, 'footman' -> adult); None for others."""
    return kind_of(word, AGES, senses=1) if word not in STOP else None


def place(word: str) -> tuple[str, str] | None:
    """(interior place, exterior place) a setting word stands for, '' where it has none: 'parlour' -> ('living',
    ''), 'heath' -> ('', 'field'), 'countinghouse' -> ('office', 'building')."""
    found = kind_of(word, PLACES) if word not in STOP and len(word) > 2 else None
    return tuple(found.split("/")) if found else None


def furniture(word: str) -> str | None:
    return kind_of(word, FURNITURE, senses=1) if word not in STOP and len(word) > 2 else None
