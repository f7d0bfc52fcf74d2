"""The embedded animatic director: draws every shot as a moving storyboard on the CPU (numpy + Pillow, no torch).

It reads the same Segment a video model would and honours what the script asks for, so a director can judge
the cutting before paying for real renders: the set is drawn from the scene heading (INT./EXT./I/E, the place,
the time of day; or from free setting text), each character is a labelled figure coloured from their
appearance, the shot size and angle pick the camera, the camera move animates it, speakers move their mouths,
and transitions fade or dissolve.

How a frame is made:
  world   the stage, in figure heights: y grows downward, a mid-ground figure stands with its feet at y=0 and
          its head at y=-1; the eye line (the horizon at eye level) is at y=-0.915.
  camera  (cx, cy, view): the world point at the frame centre and how many world units the frame height spans.
  set     a place (a street, a bridge over the water, a hotel room, the inside of a car...) under the sky of its
          hour (blue by day, pink and orange at dawn, purple at dusk, dark with lights by night; interiors show
          the hour through their windows). Every piece stands at a fixed world place, seeded by the place, so
          every shot of a scene, and every scene at that place, shows the same set.
  layers  the set is drawn once per shot part: on the frame's own pixel grid when the camera holds still, else
          over the area the camera visits, at the sharpest scale it needs, and picked from per frame; figures
          are drawn as vectors at the frame's scale, so close-ups stay crisp; foreground shoulders (over the
          shoulder) are a soft screen-space layer; rain is a scrolling set of streaks.
  speed   a finished picture is kept by what it shows (cameras, mouth openings), so a held shot draws each of
          its few pictures once; frames go to ffmpeg from a thread of their own while the next one is drawn.
          Every random choice is seeded, so a render is reproducible to the byte.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from tqdm import tqdm

from ..errors import BackendError
from ..production import (Anchoring, Angle, CameraMovement, Keyframe, ScriptLine, Segment, SegmentShot, Shot,
                          ShotSize, TimedLine, Transition)
from .video import FrameWriter, save_png

RENDERER_VERSION = "animatic-3"  # raise when the same segment draws different pixels
SLATE_SHOWS_SHOT_IDS = True  # the slate writes the shot id on the frames: a renamed shot is a new picture

Colour = tuple[int, int, int]

EYE_LINE = -0.915  # world y of a mid-ground figure's eyes: the horizon of an eye-level camera
TRANSITION_SECONDS = 0.5
DUTCH_DEGREES = 5.0
MOUTH_STEPS = 5  # a talking mouth takes this many openings, so a held shot has few different pictures
PICTURES_KEPT = 12  # finished pictures a shot part keeps to reuse (fewer of big ones: see pictures_kept)

# Figure heights of the frame for shots framed on a character: (lowest visible, highest visible) above the feet.
FIGURE_FRAMING = {
    ShotSize.medium: (0.42, 1.10),
    ShotSize.two_shot: (0.42, 1.10),
    ShotSize.medium_close_up: (0.60, 1.08),
    ShotSize.close_up: (0.72, 1.04),
    ShotSize.extreme_close_up: (0.875, 0.965),
    ShotSize.over_the_shoulder: (0.56, 1.10),
}
# Shots framed on the stage: (world units the frame height spans, where the floor line sits, 0 top .. 1 bottom).
STAGE_FRAMING = {
    ShotSize.extreme_wide: (3.6, 0.78),
    ShotSize.wide: (2.3, 0.82),
    ShotSize.full: (1.3, 0.90),
}
# The camera's height shows as the horizon's place; high cameras also make people look smaller.
ANGLE_HORIZON = {Angle.eye_level: EYE_LINE, Angle.dutch: EYE_LINE, Angle.high: EYE_LINE - 0.45,
                 Angle.overhead: EYE_LINE - 1.2, Angle.low: -0.35}
ANGLE_FIGURE_SCALE = {Angle.high: 0.92, Angle.overhead: 0.84, Angle.low: 1.05}


def pictures_kept(width: int, height: int) -> int:
    """How many finished pictures (and as many frames) a shot keeps: about 40 MB of them, 2 to PICTURES_KEPT."""
    return max(2, min(PICTURES_KEPT, int(20e6 // (width * height * 3))))


# --- small deterministic helpers ----------------------------------------------------------------------------

def stable_int(*parts) -> int:
    """A seed from any values; unlike hash(), the same in every process."""
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "little")


def rng_for(*parts) -> np.random.Generator:
    return np.random.default_rng(stable_int(*parts))


def mix(a: Colour, b: Colour, amount: float) -> Colour:
    return tuple(int(round(x + (y - x) * amount)) for x, y in zip(a, b))


def shade(colour: Colour, factor: float) -> Colour:
    return tuple(int(max(0, min(255, round(c * factor)))) for c in colour)


def smoothstep(p: float) -> float:
    p = min(1.0, max(0.0, p))
    return p * p * (3 - 2 * p)


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())  # letters, accented ones too ('café')


@functools.lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(6, int(size)))


# --- colour grade ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    """The film look, applied to every colour once per shot (never per frame)."""

    saturation: float = 1.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @classmethod
    def from_text(cls, look: str, night: bool = False, sodium: bool = False) -> Grade:
        words = set(words_of(look))
        saturation, tint = 1.0, np.array([1.0, 1.0, 1.0])
        if words & {"noir", "monochrome", "grayscale", "greyscale"} or "black and white" in look.lower():
            saturation = 0.0
        elif words & {"desaturated", "muted", "faded", "bleach", "bleached", "washed"}:
            saturation = 0.6
        elif words & {"vivid", "saturated", "technicolor", "colourful", "colorful"}:
            saturation = 1.25
        if words & {"tungsten", "warm", "golden", "amber", "sepia", "candlelight"}:
            tint *= (1.05, 1.0, 0.9)
        if words & {"cold", "cool", "blue", "teal", "steel", "moonlit", "icy"}:
            tint *= (0.9, 0.98, 1.1)
        if night:
            tint *= (1.02, 0.99, 0.95) if sodium else (0.92, 0.96, 1.06)
        return cls(saturation, tuple(float(x) for x in tint))

    def array(self, rgb: np.ndarray) -> np.ndarray:
        """Graded copy of a float (..., 3) array in 0..255."""
        luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=rgb.dtype)
        out = luma[..., None] + (rgb - luma[..., None]) * self.saturation
        return np.clip(out * np.array(self.tint, dtype=rgb.dtype), 0, 255)

    def colour(self, colour: Colour, light: float = 1.0) -> Colour:
        graded = self.array(np.array(colour, dtype=np.float32) * light)
        return tuple(int(round(c)) for c in graded)

    def image(self, image: Image.Image) -> Image.Image:
        return self.picture(image)

    def picture(self, image: Image.Image) -> Image.Image:
        """A graded copy of an RGB picture (or the picture itself when the grade changes nothing), in integer
        passes: a blend with its own luma for the saturation, a lookup table for the tint."""
        if self.saturation != 1.0:
            image = Image.blend(image.convert("L").convert("RGB"), image, self.saturation)
        if self.tint != (1.0, 1.0, 1.0):
            image = image.point([min(255, round(value * factor)) for factor in self.tint for value in range(256)])
        return image


# --- appearance text -> figure colours ------------------------------------------------------------------------

COLOURS: dict[str, Colour] = {
    "black": (32, 32, 36), "white": (236, 236, 230), "grey": (130, 130, 134), "gray": (130, 130, 134),
    "silver": (188, 188, 194), "charcoal": (62, 64, 70), "red": (182, 36, 42), "crimson": (160, 22, 42),
    "scarlet": (204, 34, 30), "maroon": (112, 26, 36), "burgundy": (118, 30, 48), "wine": (110, 28, 46),
    "orange": (226, 122, 40), "rust": (170, 82, 40), "yellow": (232, 192, 44), "mustard": (200, 160, 42),
    "gold": (212, 172, 62), "golden": (212, 172, 62), "green": (52, 128, 72), "olive": (110, 114, 56),
    "emerald": (30, 140, 92), "teal": (32, 120, 122), "turquoise": (62, 178, 180), "blue": (46, 86, 172),
    "navy": (30, 40, 82), "denim": (72, 102, 150), "cobalt": (40, 72, 170), "purple": (112, 52, 142),
    "violet": (132, 82, 182), "lavender": (172, 152, 212), "pink": (226, 142, 172), "magenta": (190, 40, 140),
    "brown": (112, 72, 42), "tan": (190, 150, 102), "oilskin": (206, 166, 48), "leather": (66, 44, 32),
    "tweed": (122, 104, 80), "corduroy": (134, 96, 60), "beige": (212, 192, 160), "cream": (236, 226, 200),
    "ivory": (240, 234, 214), "khaki": (172, 162, 112), "camel": (192, 150, 96), "plum": (96, 42, 76),
}
HAIR_COLOURS: dict[str, Colour] = {  # the same words mean other shades on a head
    "black": (28, 26, 28), "brown": (96, 62, 38), "red": (168, 68, 36), "grey": (152, 152, 152),
    "gray": (152, 152, 152), "white": (226, 226, 220), "silver": (200, 200, 206), "blonde": (226, 196, 122),
    "blond": (226, 196, 122), "auburn": (132, 62, 36), "ginger": (194, 92, 40), "chestnut": (108, 62, 36),
    "brunette": (86, 56, 36), "redhead": (180, 72, 36), "golden": (220, 180, 90), "salt-and-pepper": (122, 122, 122),
}
SKIN_TONES: list[Colour] = [(241, 208, 184), (226, 184, 150), (204, 156, 116), (170, 120, 86), (128, 86, 60),
                            (96, 64, 46)]
HAIR_NOUNS = {"hair", "bob", "ponytail", "braid", "braids", "curls", "bun", "afro", "fringe", "mohawk",
              "dreadlocks", "locks", "haired", "hairdo"}
TOP_NOUNS = {"coat", "raincoat", "overcoat", "trench", "trenchcoat", "mac", "jacket", "blazer", "parka", "anorak",
             "sweater", "jumper", "cardigan", "hoodie", "shirt", "t-shirt", "tshirt", "blouse", "top", "dress",
             "suit", "uniform", "vest", "waistcoat", "robe", "gown", "tunic", "kimono", "turtleneck", "fleece",
             "pullover"}
LONG_TOPS = {"coat", "raincoat", "overcoat", "trench", "trenchcoat", "mac", "parka", "robe", "gown"}
LEG_NOUNS = {"trousers", "jeans", "pants", "slacks", "leggings", "shorts", "skirt", "chinos"}
BEARD_WORDS = {"beard", "bearded", "moustache", "mustache", "stubble", "goatee"}
HAT_NOUNS = {"hat", "cap", "beanie", "beret", "fedora", "helmet", "bowler", "trilby", "souwester", "stetson"}
PROPS = {"suitcase": (122, 82, 46), "briefcase": (52, 40, 34), "bag": (92, 64, 44), "handbag": (120, 40, 44),
         "umbrella": (30, 30, 36), "book": (140, 40, 40), "letters": (236, 228, 200), "envelope": (236, 228, 200)}
LONG_HAIR = {"long", "flowing", "shoulder-length", "waist-length", "braid", "braids", "ponytail", "plait", "plaits",
             "pigtails"}
OLD = re.compile(r"\bold (?:man|woman|lady|gentleman|timer|couple)\b|\belderly\b|\bageing\b|\baging\b|"
                 r"\bgrand(?:mother|father|ma|pa|dad|mum|mom)\b|\bgranny\b|\bin (?:his|her|their) "
                 r"(?:sixties|seventies|eighties|nineties)\b|\b[6-9]\d(?:-year-old| years old)\b|\b[6-9]0s\b")
CHILD = re.compile(r"\b(?:child|kid|toddler|little (?:boy|girl))\b|\b(?:[2-9]|1[0-2])(?:-year-old| years old)\b|"
                   r"\b(?:boy|girl) of (?:[2-9]|1[0-2]|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b")
DEFAULT_HAIR = [(40, 32, 28), (96, 62, 38), (132, 62, 36), (214, 184, 116), (70, 52, 40)]
DEFAULT_TOPS = [(60, 110, 120), (190, 150, 60), (120, 40, 50), (96, 104, 60), (70, 86, 140), (130, 90, 120)]


@dataclass(frozen=True)
class FigureLook:
    """What a character looks like, as drawing parameters."""

    hair: Colour  # also the colour of the beard and brows
    long_hair: bool
    top: Colour
    long_top: bool
    dress: bool
    legs: Colour
    skin: Colour
    beard: bool = False
    glasses: bool = False
    hat: Colour | None = None
    scarf: Colour | None = None
    prop: str | None = None
    prop_colour: Colour = (0, 0, 0)
    bald: bool = False
    height: float = 1.0  # a child is smaller

    def graded(self, grade: Grade, light: float) -> FigureLook:
        def g(colour):
            return None if colour is None else grade.colour(colour, light)

        return dataclasses.replace(self, hair=g(self.hair), top=g(self.top), legs=g(self.legs), skin=g(self.skin),
                                   hat=g(self.hat), scarf=g(self.scarf), prop_colour=g(self.prop_colour))


def _colour_in(words: list[str], table: dict[str, Colour]) -> Colour | None:
    """The first colour named in `words`, with 'dark'/'light' before it taken into account."""
    for index, word in enumerate(words):
        colour = table.get(word) or COLOURS.get(word)
        if colour is None:
            continue
        before = words[index - 1] if index else ""
        if before in ("dark", "deep"):
            colour = shade(colour, 0.6)
        elif before in ("light", "pale", "pastel", "bright"):
            colour = mix(colour, (255, 255, 255), 0.4)
        return colour
    return None


def parse_appearance(name: str, appearance: str) -> FigureLook:
    """'short black hair, red wool coat' -> black hair, red coat. Unnamed colours come from the name's hash,
    so a character always looks the same."""
    pick = rng_for("look", name)
    hair: Colour = DEFAULT_HAIR[pick.integers(len(DEFAULT_HAIR))]
    top = DEFAULT_TOPS[pick.integers(len(DEFAULT_TOPS))]
    skin = SKIN_TONES[pick.integers(4)]
    legs: Colour = (52, 52, 60)
    long_hair = long_top = dress = beard = glasses = hair_named = False
    hat = scarf = prop = None
    prop_colour: Colour = (0, 0, 0)
    text = appearance.lower().replace("-haired", " haired")
    text = re.sub(r"salt[- ]and[- ]pepper", "grey", text)
    text = re.sub(r"sou'?\s?wester", "souwester", text)
    clauses = re.split(r"[,;.]|\b(?:and|with|in|wearing|carrying|holding|under|over)\b", text)
    for clause in clauses:
        words = words_of(clause)
        if not words:
            continue
        found = set(words)
        if found & {"skin", "skinned", "complexion"}:
            if found & {"pale", "fair", "light"}:
                skin = SKIN_TONES[0]
            elif found & {"olive"}:
                skin = SKIN_TONES[2]
            elif found & {"tan", "tanned", "brown"}:
                skin = SKIN_TONES[3]
            elif found & {"dark", "deep", "black"}:
                skin = SKIN_TONES[5]
            continue
        if found & HAIR_NOUNS or found & {"blonde", "blond", "brunette", "redhead"}:
            hair = _colour_in(words, HAIR_COLOURS) or hair
            hair_named = True
            long_hair = long_hair or bool(found & LONG_HAIR)
        elif found & BEARD_WORDS and not hair_named:  # 'bald, grey beard': the beard tells the colour
            hair = _colour_in(words, HAIR_COLOURS) or hair
        if found & HAT_NOUNS:
            hat = _colour_in(words, COLOURS) or (40, 40, 46)
        elif "scarf" in found:
            scarf = _colour_in(words, COLOURS) or (170, 40, 40)
        elif found & LEG_NOUNS:
            legs = _colour_in(words, COLOURS) or (legs if "jeans" not in found else COLOURS["denim"])
            dress = dress or "skirt" in found
        elif found & TOP_NOUNS:
            top = _colour_in(words, COLOURS) or top
            long_top = long_top or bool(found & LONG_TOPS)
            dress = dress or "dress" in found
            if "suit" in found:
                legs = shade(top, 0.9)
        for noun in PROPS:
            if noun in found:
                prop, prop_colour = noun, _colour_in(words, COLOURS) or PROPS[noun]
        beard = beard or bool(found & BEARD_WORDS)
        glasses = glasses or bool(found & {"glasses", "spectacles", "bespectacled"})
    bald = bool(re.search(r"\bbald\b|shaved head|shaven head", text))
    if OLD.search(text) and not hair_named and not beard:  # the years show in unnamed hair
        hair = HAIR_COLOURS["white"] if re.search(r"eighties|nineties|\b[89]\d\b", text) else HAIR_COLOURS["grey"]
    height = 0.66 if CHILD.search(text) else 0.9 if re.search(r"\bteen(?:age|ager)?s?\b", text) else 1.0
    return FigureLook(hair=hair, long_hair=long_hair and not bald, top=top, long_top=long_top, dress=dress,
                      legs=legs, skin=skin, beard=beard, glasses=glasses, hat=hat, scarf=scarf, prop=prop,
                      prop_colour=prop_colour, bald=bald, height=height)


# --- position text -> placement -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    x: float | None  # screen fraction 0..1 in the shot's framing; None: not said
    depth: float  # figure scale: 1 mid-ground, >1 foreground, <1 background
    facing: float | None  # -1 left, 1 right, 0 camera, None: towards the others
    silhouette: bool  # back to camera / over the shoulder: a dark foreground shoulder


SILHOUETTE = re.compile(r"back to (?:the )?camera|over[- ]the[- ]shoulder|foreground,?\s*over\b|from behind|"
                        r"facing away|back turned")
FACING = re.compile(r"facing\s+(?:the\s+)?([a-z]+(?:\s+other)?)")
SCREEN_X = [  # checked in order: the specific phrases first
    (r"far[- ]left", 0.12), (r"far[- ]right", 0.88),
    (r"left of cent(?:er|re)|cent(?:er|re)[- ]left", 0.42), (r"right of cent(?:er|re)|cent(?:er|re)[- ]right", 0.58),
    (r"\bleft\b", 1 / 3), (r"\bright\b", 2 / 3), (r"\bcent(?:er|re)\b|\bmiddle\b", 0.5),
]


def parse_position(position: str) -> Placement:
    """'left third, facing right' -> x 1/3 facing right; 'foreground right, back to camera' -> a shoulder."""
    text = position.lower()
    silhouette = bool(SILHOUETTE.search(text))
    facing: float | None = None
    match = FACING.search(text)
    if match:
        target = match.group(1)
        facing = {"left": -1.0, "right": 1.0, "camera": 0.0, "lens": 0.0, "us": 0.0, "viewer": 0.0,
                  "forward": 0.0, "front": 0.0}.get(target)
        text = text[:match.start()] + text[match.end():]  # 'facing left' says nothing about where they stand
    x = next((value for pattern, value in SCREEN_X if re.search(pattern, text)), None)
    if re.search(r"far background|distance|distant", text):
        depth = 0.5
    elif "background" in text:
        depth = 0.72
    elif "foreground" in text:
        depth = 1.3
    else:
        depth = 1.0
    return Placement(x=x, depth=depth, facing=facing, silhouette=silhouette)


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


# --- setting text -> set design -------------------------------------------------------------------------------

# A scene heading: INT. / EXT. / INT./EXT. / I/E, the location, then ` - ` and the time of day; a description after.
HEADING = re.compile(r"^\s*(?P<kind>int\.?\s*/\s*ext|ext\.?\s*/\s*int|i\s*/\s*e|interior|exterior|int|ext|est)"
                     r"(?![a-z])\.?\s*(?P<rest>.*)$", re.I | re.S)
# ` - TIME` closing the heading: followed by a full stop and a space, a line break or the end of the text
TIME_PART = re.compile(r"\s+[-\u2013\u2014]+\s*(?P<time>[a-z][a-z' ]*?)\s*(?:\([^)]*\)\s*)?"
                       r"(?:\.(?=\s)|\.?\s*\n|\.?\s*$)", re.I)
TIME_WORDS = [  # checked in order
    ("night", {"night", "midnight", "nighttime", "night-time"}),
    ("dusk", {"dusk", "sunset", "evening", "twilight", "sundown", "magic"}),
    ("dawn", {"dawn", "sunrise", "daybreak", "first", "pre-dawn", "predawn"}),
    ("day", {"day", "daytime", "morning", "afternoon", "noon", "midday", "daylight", "lunchtime"}),
]
INTERIOR_WORDS = {"interior", "int", "room", "kitchen", "office", "bedroom", "bathroom", "apartment", "flat",
                  "bar", "pub", "cafe", "café", "restaurant", "hall", "hallway", "corridor", "studio", "inside",
                  "library", "classroom", "shop", "store", "diner", "lobby", "attic", "basement", "cabin",
                  "carriage", "hospital", "ward", "living", "house", "home", "loft", "motel", "hotel"}
EXTERIOR_WORDS = {"exterior", "ext", "outside", "outdoors", "street", "rooftop", "platform", "forest", "woods",
                  "beach", "park", "garden", "field", "road", "alley", "square", "harbour", "harbor", "pier",
                  "bridge", "river", "sea", "ocean", "lake", "hillside", "hill", "meadow", "highway", "shore"}
VEHICLES = {"car": "car", "sedan": "car", "limo": "car", "limousine": "car", "jeep": "car", "convertible": "car",
            "taxi": "taxi", "cab": "taxi", "taxicab": "taxi", "bus": "bus", "coach": "bus", "minibus": "bus",
            "train": "train", "tram": "train", "subway": "train", "carriage": "train", "compartment": "train",
            "truck": "truck", "van": "truck", "lorry": "truck", "pickup": "truck"}
# what a set shows, from the words of its location (the last one named wins: 'HOTEL BAR' is a bar)
INTERIOR_PLACES = {
    "vehicle": set(VEHICLES),
    "hospital": {"hospital", "ward", "clinic", "infirmary", "icu", "surgery"},
    "kitchen": {"kitchen", "kitchenette"},
    "bar": {"bar", "pub", "saloon", "tavern", "nightclub", "club"},
    "cafe": {"cafe", "café", "coffee", "coffeehouse", "diner", "restaurant", "bistro", "tearoom", "canteen",
             "cafeteria"},
    "office": {"office", "study", "bank", "precinct", "headquarters", "boardroom", "newsroom", "police", "agency"},
    "hotel": {"hotel", "motel", "inn", "suite"},
    "bedroom": {"bedroom", "dorm", "dormitory", "nursery"},
    "living": {"living", "lounge", "den", "parlour", "parlor", "sitting"},
    "apartment": {"apartment", "flat", "loft", "studio", "house", "home", "cabin", "cottage", "penthouse",
                  "farmhouse", "mansion", "villa", "bungalow"},
    "station": {"station", "terminal", "concourse", "airport", "platform", "metro"},
}
EXTERIOR_PLACES = {
    "road": {"road", "highway", "freeway", "motorway", "parking", "driveway", "gas", "lane"} | set(VEHICLES),
    "street": {"street", "city", "alley", "alleyway", "avenue", "boulevard", "square", "downtown", "town",
               "sidewalk", "pavement", "rooftop", "roof", "plaza", "neighborhood", "neighbourhood", "block",
               "corner", "crosswalk", "intersection", "market", "building"},
    "station": {"platform", "station", "railway", "railroad", "tracks", "depot"},
    "bridge": {"bridge"},
    "sea": {"sea", "ocean", "beach", "shore", "coast", "seaside", "cove", "bay", "seafront", "surf"},
    "river": {"river", "canal", "lake", "pond", "harbor", "harbour", "pier", "dock", "docks", "marina",
              "waterfront", "quay", "wharf", "port", "riverbank", "embankment", "boat", "ship", "yacht", "ferry",
              "trawler", "sailboat", "jetty"},
    "pool": {"pool", "poolside"},
    "building": {"house", "home", "church", "chapel", "cathedral", "school", "farmhouse", "cottage", "cabin",
                 "mansion", "villa", "hotel", "motel", "hospital", "office", "offices", "cafe", "café", "bar", "pub",
                 "diner", "restaurant", "shop", "store", "warehouse", "factory", "museum", "library", "theater",
                 "theatre", "cinema", "apartment", "apartments", "tenement", "barn", "porch", "bakery",
                 "precinct", "courthouse", "embassy", "palace", "castle", "club", "casino", "gallery"},
    "forest": {"forest", "woods", "wood", "jungle", "grove", "woodland"},
    "park": {"park", "garden", "gardens", "yard", "backyard", "lawn", "cemetery", "graveyard", "playground"},
    "hillside": {"hillside", "hill", "hills", "mountain", "mountains", "cliff", "cliffs", "valley", "ridge",
                 "slope", "summit", "peak", "hilltop", "mountainside"},
    "field": {"field", "fields", "meadow", "farm", "countryside", "prairie", "desert", "vineyard", "ranch",
              "farmland", "pasture", "plain", "plains"},
}
COMPOUNDS = [(r"\bpolice station\b", "precinct"), (r"\b(?:gas|petrol|service) station\b", "gas"),
             (r"\b(?:train|railway|bus|subway|tube) station\b", "station"), (r"\bcoffee shop\b", "cafe"),
             (r"\bhotel room\b", "hotel"), (r"\bliving room\b", "living"), (r"\bsitting room\b", "sitting"),
             (r"\bcar park\b|\bparking lot\b|\bparking garage\b", "parking"), (r"\bswimming pool\b", "pool")]


def time_of_day(text: str) -> str | None:
    """'DAWN' -> dawn, 'EARLY MORNING' -> day, 'SUNSET' -> dusk; None when it does not say ('LATER', 'CONTINUOUS')."""
    found = set(words_of(text))
    return next((time for time, words in TIME_WORDS if found & words), None)


def split_heading(setting: str) -> tuple[str, str, str | None, str] | None:
    """A scene heading's parts: 'EXT. GOLDEN GATE BRIDGE - DAWN. Fog rolls in.' -> ('EXT', 'GOLDEN GATE BRIDGE',
    'DAWN', 'Fog rolls in.'); the kind is INT, EXT or I/E. None for free text."""
    match = HEADING.match(setting)
    if not match:
        return None
    kind = re.sub(r"[\s.]", "", match["kind"]).upper()
    kind = {"INTERIOR": "INT", "EXTERIOR": "EXT", "EST": "EXT", "INT/EXT": "I/E", "EXT/INT": "I/E"}.get(kind, kind)
    rest = match["rest"]
    for part in TIME_PART.finditer(rest):
        if time_of_day(part["time"]) or re.fullmatch(r"(?:moments? |a moment |much |)later|continuous|cont'?d|same"
                                                     r"(?: time)?|present|flashback|day \d+", part["time"].lower()):
            return kind, rest[:part.start()].strip(), part["time"].strip(), rest[part.end():].strip()
    # no time of day: the heading is its first line, up to a full stop that starts a sentence in small letters
    line, _, after = rest.partition("\n")
    end = re.search(r"\.\s+(?=\S*[a-z])", line)
    location, description = (line[:end.start()], line[end.end():] + "\n" + after) if end else (line, after)
    return kind, location.strip(" ."), None, description.strip()


PLACE_BREAK = re.compile(r"\b(?:above|over|overlooking|near|by|beside|behind|across|below|under|underneath|"
                         r"outside|off|along|facing|of|at|in|on|opposite|next to|in front of|with)\b")


def _break_place(text: str) -> tuple[str, str]:
    """('hillside', 'the city') from 'hillside above the city'."""
    match = PLACE_BREAK.search(text)
    return (text[:match.start()], text[match.end():]) if match else (text, "")


def _last_place(words: list[str], places: dict[str, set[str]]) -> str | None:
    found = None
    for word in words:
        for place, names in places.items():
            if word in names:
                found = place
    return found


@dataclass(frozen=True)
class SetDesign:
    interior: bool
    time: str  # dawn, day, dusk, night
    words: frozenset[str]
    seed: int
    place: str = "room"  # what the set shows: a key of INTERIOR_PLACES or EXTERIOR_PLACES, 'room' or 'open'
    vehicle: str | None = None  # car, taxi, bus, train, truck: the one the scene is in (interior) or beside
    doorway: bool = False  # I/E outside a vehicle: an interior seen with its door open onto the outside

    @classmethod
    def from_text(cls, setting: str, look: str, seed: int) -> SetDesign:
        """The set of a scene from its heading ('INT. SCOTT'S APARTMENT - NIGHT. A TV flickers.') or from free
        text ('a night train platform in the rain'). The layout is seeded by the place (the heading without its
        time of day), so every scene at one place shows the same set, by day or by night."""
        words = frozenset(words_of(setting + " " + look))
        heading = split_heading(setting)
        location, description = (heading[1], heading[3]) if heading else (setting, "")
        text = location.lower()
        for pattern, word in COMPOUNDS:
            text = re.sub(pattern, word, text)
        # 'HILLSIDE ABOVE THE CITY' is a hillside: the place is named before such a word, the rest is scenery
        head, tail = _break_place(text)
        head_words, tail_words, described = words_of(head), words_of(tail), words_of(description)
        if heading:
            kind, _, time_text, _ = heading
            interior = kind != "EXT"
            vehicle_word = next((w for w in head_words + tail_words if w in VEHICLES), None)
            doorway = kind == "I/E" and vehicle_word is None
            time = time_of_day(time_text or "") or cls._time_from(set(words))  # LATER: the words tell
            layout = stable_int(seed, "I" if interior else "E", " ".join(words_of(text)))
        else:
            named = set(head_words) if set(head_words) & (INTERIOR_WORDS | EXTERIOR_WORDS) else set(words_of(text))
            interior = bool(named & INTERIOR_WORDS) and not named & EXTERIOR_WORDS
            vehicle_word, doorway = None, False
            time = cls._time_from(set(words))
            layout = stable_int(seed, setting)
        places = INTERIOR_PLACES if interior else EXTERIOR_PLACES
        place = _last_place(head_words, places) or _last_place(tail_words, places) or \
            _last_place(described, places) or ("room" if interior else "open")
        vehicle_word = vehicle_word or next((w for w in head_words + tail_words + described if w in VEHICLES), None)
        vehicle = VEHICLES[vehicle_word] if vehicle_word else None
        if interior and place != "vehicle":
            vehicle = None  # a car named in a room's description stays outside
        return cls(interior, time, words, layout, place, vehicle, doorway)

    @staticmethod
    def _time_from(words: set[str]) -> str:
        if words & {"night", "midnight", "nighttime", "moonlit", "dark", "late"} and "tonight" not in words:
            return "night"
        if words & {"dusk", "sunset", "evening", "twilight"}:
            return "dusk"
        if words & {"dawn", "sunrise", "daybreak"}:
            return "dawn"
        return "day"

    def has(self, *words: str) -> bool:
        return any(word in self.words for word in words)

    @property
    def night(self) -> bool:
        return self.time == "night"

    @property
    def rain(self) -> bool:
        return self.has("rain", "rainy", "raining", "storm", "drizzle", "downpour", "rainswept")

    @property
    def snow(self) -> bool:
        return self.has("snow", "snowing", "snowy", "blizzard")

    @property
    def fog(self) -> bool:
        return self.has("fog", "mist", "foggy", "misty", "haze", "hazy", "smoke", "smoky")

    @property
    def dim(self) -> float:
        """How bright the set is: night sets are dark (lamps then glow), interiors at night are lamp-lit."""
        if self.interior:
            return (0.5 if self.place == "vehicle" else 0.62) if self.night else 1.0
        return {"day": 1.0, "dawn": 0.72, "dusk": 0.7, "night": 0.34}[self.time] * (0.82 if self.rain else 1.0)

    @property
    def figure_light(self) -> float:
        light = {"day": 1.0, "dawn": 0.88, "dusk": 0.86, "night": 0.72 if not self.interior else 0.86}[self.time]
        return light * (0.92 if self.rain else 1.0)

    def grade(self, look: str) -> Grade:
        return Grade.from_text(look, night=self.night, sodium=self.has("sodium"))

    def sky_stops(self) -> tuple[Colour, Colour, Colour]:
        """(top, middle, horizon) colours of the sky: blue by day, pink and orange at dawn, purple at dusk."""
        top, middle, horizon = {
            "day": ((82, 138, 210), (136, 180, 228), (204, 224, 240)),
            "dawn": ((92, 98, 164), (220, 146, 170), (252, 190, 128)),
            "dusk": ((40, 30, 86), (128, 62, 126), (236, 118, 72)),
            "night": ((5, 8, 22), (12, 17, 40), (30, 38, 66))}[self.time]
        if self.rain or self.has("overcast", "grey", "gray", "cloudy") or self.fog:
            grey = shade((128, 132, 140), self.dim / (0.82 if self.rain else 1.0))
            top, middle, horizon = (mix(top, shade(grey, 0.8), 0.65), mix(middle, shade(grey, 0.9), 0.65),
                                    mix(horizon, grey, 0.65))
        return top, middle, horizon

    def sky(self) -> tuple[Colour, Colour]:
        """(top, horizon) colours of the sky."""
        top, _, horizon = self.sky_stops()
        return top, horizon

    def water(self) -> Colour:
        """Water takes the sky's colour over a deep blue."""
        if self.night:
            return (14, 24, 46)
        return mix(self.sky_stops()[1], (30, 82, 132), 0.62)

    def ground(self) -> tuple[Colour, Colour]:
        """(far, near) colours of the ground, or of the floor indoors."""
        if self.interior:
            far, near = {
                "office": ((96, 100, 116), (76, 80, 94)), "kitchen": ((176, 170, 160), (150, 144, 134)),
                "hospital": ((202, 206, 200), (172, 176, 170)), "cafe": ((156, 90, 64), (126, 70, 50)),
                "bar": ((92, 62, 44), (70, 46, 32)), "hotel": ((124, 44, 52), (96, 32, 40)),
                "bedroom": ((150, 110, 76), (120, 86, 58)), "station": ((164, 160, 150), (130, 126, 118)),
                "vehicle": ((44, 44, 48), (30, 30, 32)) if self.vehicle in ("car", "taxi", "truck")
                else ((96, 98, 102), (72, 74, 78)),
            }.get(self.place, ((132, 94, 66), (104, 72, 50)))
            return shade(far, self.dim), shade(near, self.dim)
        if self.snow:
            far, near = (226, 230, 236), (204, 210, 218)
        else:
            far, near = {
                "station": ((152, 150, 142), (112, 110, 104)), "street": ((98, 100, 108), (60, 62, 68)),
                "road": ((92, 94, 100), (58, 60, 64)), "forest": ((70, 96, 56), (44, 66, 38)),
                "park": ((104, 146, 76), (64, 104, 52)), "field": ((150, 150, 82), (98, 118, 56)),
                "hillside": ((110, 144, 78), (70, 108, 52)), "sea": ((226, 206, 162), (196, 172, 128)),
                "river": ((150, 146, 138), (110, 106, 100)), "bridge": ((150, 146, 138), (104, 100, 96)),
                "pool": ((210, 204, 190), (180, 174, 160)),
            }.get(self.place, ((142, 136, 116), (92, 90, 76)))
            if self.has("beach", "sand", "desert", "dunes") and self.place in ("field", "open", "sea"):
                far, near = (226, 206, 162), (196, 172, 128)
        dim = self.dim * (0.85 if self.rain else 1.0)
        return shade(far, dim), shade(near, dim)

    def wall(self) -> Colour:
        pick = rng_for(self.seed, "wall")
        colour = {
            "office": (192, 196, 202), "kitchen": (214, 210, 198), "bar": (126, 84, 62), "cafe": (224, 204, 166),
            "hotel": (178, 156, 120), "hospital": (206, 226, 216), "station": (180, 172, 156),
            "bedroom": [(196, 206, 222), (224, 202, 200), (206, 214, 190)][pick.integers(3)],
            "living": [(202, 186, 160), (186, 200, 196), (214, 196, 168), (180, 164, 182)][pick.integers(4)],
            "apartment": [(202, 186, 160), (190, 196, 204), (214, 198, 170), (170, 176, 160)][pick.integers(4)],
            "vehicle": {"car": (150, 144, 134), "taxi": (96, 92, 88), "truck": (120, 112, 100),
                        "bus": (176, 180, 184), "train": (150, 138, 116)}.get(self.vehicle, (150, 144, 134)),
        }.get(self.place, (202, 186, 160))
        return shade(colour, self.dim)


# --- the set, drawn in world coordinates -----------------------------------------------------------------------

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
            floor_line = base_at(self.horizon, 0.7)  # the back wall stands a little behind the actors
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

    # -- interiors

    def interior(self) -> None:
        d, c = self.design, self.canvas
        depth = 0.7
        base = base_at(self.horizon, depth)
        if d.place == "vehicle":
            self.vehicle_interior()
            return
        c.rect(c.x0 - 1, base - 0.025 * depth, c.x1 + 1, base, shade(d.wall(), 0.55))  # skirting board
        if d.doorway:  # first, so that the windows keep clear of it and the furniture stands in front
            self.door(base, depth)
        own_light = {"cafe": self.cafe, "office": self.office, "hotel": self.bedroom, "bedroom": self.bedroom,
                     "living": self.living, "apartment": self.living, "hospital": self.hospital,
                     "station": self.station_hall}.get(d.place, self.room)(base, depth)
        if not own_light and (d.has("lamp", "lamps", "lamplight", "lamplit") or d.night):
            for k in c.slots(3.3, 1.6):
                self.lamp(1.6 + k * 3.3, base_at(self.horizon, 0.8), 0.8)

    def room(self, base: float, depth: float) -> bool:
        """Windows and pictures; a kitchen's cabinets and counter; a bar's shelves of bottles."""
        d, c, lit = self.design, self.canvas, self.lit
        kitchen, bar = d.place == "kitchen", d.place == "bar"
        for k in c.slots(1.9 * depth, 0.35):
            left = 0.35 + k * 1.9 * depth
            if k % 2 == 0:
                self.window(left, base - 1.45 * depth, left + 0.7 * depth, base - 0.62 * depth, ("window", k),
                            shade(d.wall(), 0.6))
            elif kitchen:  # upper cabinets
                c.rect(left, base - 1.6 * depth, left + 0.9 * depth, base - 1.15 * depth, lit((236, 232, 220)))
                c.line([(left + 0.45 * depth, base - 1.6 * depth), (left + 0.45 * depth, base - 1.15 * depth)],
                       lit((170, 164, 150)), 0.012)
            elif bar:  # shelves with bottles
                for shelf in (1.0, 1.3):
                    sy = base - shelf * depth
                    c.rect(left, sy, left + 1.0 * depth, sy + 0.025, lit((80, 52, 36)))
                    pick = self.pick("bottles", k, shelf)
                    for b in range(7):
                        bx = left + 0.05 + b * 0.13 * depth
                        colour = [(40, 90, 50), (120, 60, 30), (200, 190, 170), (60, 40, 80)][pick.integers(4)]
                        c.rect(bx, sy - 0.16 * depth, bx + 0.06 * depth, sy, lit(colour))
            elif self.clear(left, left + 0.55 * depth):  # a picture between windows
                pick = self.pick("picture", k)
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
        return False

    def cafe(self, base: float, depth: float) -> bool:
        """Wide shop windows over a green wainscot, a chalk menu, a counter with its machine, pendant lamps."""
        d, c, lit = self.design, self.canvas, self.lit
        c.rect(c.x0 - 1, base - 0.42 * depth, c.x1 + 1, base, lit((46, 84, 66)))
        c.rect(c.x0 - 1, base - 0.45 * depth, c.x1 + 1, base - 0.42 * depth, lit((180, 150, 100)))
        for k in c.slots(2.6 * depth):
            left = k * 2.6 * depth
            if k % 3 == 1:  # the chalk menu over the counter, the machine on it
                c.rect(left + 0.2, base - 1.55 * depth, left + 1.3 * depth, base - 0.95 * depth, lit((40, 46, 42)))
                pick = self.pick("menu", k)
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
                self.window(left + 0.15, base - 1.6 * depth, left + 2.3 * depth, base - 0.5 * depth, ("cafe", k),
                            lit((46, 84, 66)), bars=False)
                c.line([(left + 0.15, base - 1.3 * depth), (left + 2.3 * depth, base - 1.3 * depth)],
                       lit((46, 84, 66)), 0.02)
        for k in c.slots(1.7, 0.6):  # pendant lamps
            x, y = 0.6 + k * 1.7, base - 1.85 * depth
            c.line([(x, c.y0 - 1), (x, y)], (30, 30, 30), 0.006)
            c.polygon([(x - 0.03, y), (x + 0.03, y), (x + 0.1, y + 0.1), (x - 0.1, y + 0.1)], lit((40, 70, 60)))
            self.glows.append((x, y + 0.12, 0.35, (255, 196, 120), 0.55 if d.night else 0.25, 1.0))
        return True

    def office(self, base: float, depth: float) -> bool:
        """Windows with blinds, ceiling strip lights, desks with monitors, a filing cabinet."""
        d, c, lit = self.design, self.canvas, self.lit
        for k in c.slots(1.6 * depth, 0.2):
            left = 0.2 + k * 1.6 * depth
            if k % 4 == 3:
                c.rect(left, base - 0.95 * depth, left + 0.45 * depth, base, lit((140, 146, 152)))  # filing cabinet
                for drawer in (0.3, 0.6):
                    c.line([(left, base - drawer * depth), (left + 0.45 * depth, base - drawer * depth)],
                           lit((100, 104, 110)), 0.01)
            else:
                self.window(left, base - 1.6 * depth, left + 1.1 * depth, base - 0.7 * depth, ("office", k),
                            lit((150, 154, 160)), blinds=True)
        for k in c.slots(2.0, 0.4):  # strip lights along the ceiling
            x, y = 0.4 + k * 2.0, base - 2.45 * depth
            c.rect(x - 0.3, y - 0.02, x + 0.3, y + 0.02, (240, 242, 236))
            self.glows.append((x, y, 0.5, (220, 230, 240), 0.35 if d.night else 0.12, 0.5))
        desk_depth = 0.8
        floor = base_at(self.horizon, desk_depth)
        for k in c.slots(2.3, 1.1):
            x = 1.1 + k * 2.3 + self.pick("desk", k).uniform(-0.2, 0.2)
            top = floor - 0.4 * desk_depth
            c.rect(x - 0.5, top, x + 0.5, top + 0.03, lit((176, 160, 132)))
            for leg in (-0.46, 0.44):
                c.rect(x + leg, top, x + leg + 0.025, floor, lit((90, 90, 96)))
            c.rect(x - 0.02, top - 0.08, x + 0.02, top, (40, 40, 44))
            c.rect(x - 0.2, top - 0.34, x + 0.2, top - 0.08, (30, 32, 36))
            c.rect(x - 0.18, top - 0.32, x + 0.18, top - 0.1, (70, 110, 160) if d.night else lit((120, 150, 180)))
            if d.night:
                self.glows.append((x, top - 0.2, 0.3, (90, 140, 220), 0.25, 1.0))
        return True

    def bedroom(self, base: float, depth: float) -> bool:
        """A bed against the wall with a lamp beside it, a curtained window; a hotel room's striped paper, its
        pair of lamps and its heavy curtains."""
        d, c, lit = self.design, self.canvas, self.lit
        hotel = d.place == "hotel"
        if hotel:
            stripe = shade(d.wall(), 0.88)
            for k in c.slots(0.24):
                c.rect(k * 0.24, c.y0 - 1, k * 0.24 + 0.07, base, stripe)
        spacing = 4.4
        for k in c.slots(spacing, 0.0, 3.0):
            x = k * spacing
            pick = self.pick("bed", k)
            head = [(96, 60, 44), (60, 70, 96), (120, 96, 70), (70, 50, 60)][pick.integers(4)] if hotel else \
                [(150, 120, 90), (200, 200, 196), (110, 80, 60)][pick.integers(3)]
            width = 0.8 if hotel else 0.6
            c.rect(x - width * depth, base - 0.95 * depth, x + width * depth, base, lit(head))
            bed_depth = 0.8
            floor = base_at(self.horizon, bed_depth)
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
                self.glows.append((tx, base - 0.74 * depth, 0.4, (255, 196, 120), 0.6 if d.night else 0.18, 1.0))
            if hotel:  # a picture over the bed
                c.rect(x - 0.35 * depth, base - 1.55 * depth, x + 0.35 * depth, base - 1.15 * depth,
                       lit((150, 120, 60)))
                c.rect(x - 0.31 * depth, base - 1.51 * depth, x + 0.31 * depth, base - 1.19 * depth,
                       lit((120, 150, 160)))
            wx = x + spacing / 2 - 0.45
            curtain = [(130, 40, 50), (170, 140, 70), (60, 80, 70)][pick.integers(3)] if hotel else (236, 232, 220)
            self.window(wx, base - 1.55 * depth, wx + 0.9, base - 0.6 * depth, ("bedroom", k), shade(d.wall(), 0.6),
                        curtain=lit(curtain))
            if not hotel:  # a wardrobe
                ax = x - spacing / 2 + 0.2
                c.rect(ax - 0.35 * depth, base - 1.5 * depth, ax + 0.35 * depth, base, lit((130, 96, 66)))
                c.line([(ax, base - 1.45 * depth), (ax, base - 0.05)], lit((90, 64, 44)), 0.01)
        return True

    def living(self, base: float, depth: float) -> bool:
        """A sofa under a curtained window, a bookshelf or a television, a door; a lamp for the night."""
        d, c, lit = self.design, self.canvas, self.lit
        pick = self.pick("living")
        sofa_colour = [(120, 60, 50), (70, 90, 120), (90, 110, 80), (150, 130, 100), (80, 70, 90)][pick.integers(5)]
        tv = d.has("tv", "television", "screen")
        spacing = 4.0
        for k in c.slots(spacing, 0.0, 2.5):
            x = k * spacing
            self.window(x - 0.5, base - 1.55 * depth, x + 0.5, base - 0.65 * depth, ("living", k),
                        shade(d.wall(), 0.6), curtain=lit(shade(sofa_colour, 1.4)))
            sofa_depth = 0.78
            floor = base_at(self.horizon, sofa_depth)
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
                    self.glows.append((side_x, base - 0.55 * depth, 0.7, (110, 150, 255), 0.45, 1.0))
            else:  # a bookshelf
                c.rect(side_x - 0.45 * depth, base - 1.5 * depth, side_x + 0.45 * depth, base, lit((110, 76, 50)))
                for shelf in range(4):
                    sy = base - (1.42 - shelf * 0.34) * depth
                    shelf_pick = self.pick("books", k, shelf)
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
                self.lamp(1.2 + k * spacing, base_at(self.horizon, 0.8), 0.8)
        return True

    def hospital(self, base: float, depth: float) -> bool:
        """Pale green walls, a bed with rails, a drip stand, a monitor, a curtain on its track, windows with
        blinds."""
        d, c, lit = self.design, self.canvas, self.lit
        c.rect(c.x0 - 1, base - 0.5 * depth, c.x1 + 1, base - 0.47 * depth, lit((150, 190, 176)))  # a rail
        spacing = 3.6
        for k in c.slots(spacing, 0.0, 2.5):
            x = k * spacing
            self.window(x + 1.0, base - 1.55 * depth, x + 1.9, base - 0.75 * depth, ("hospital", k),
                        lit((220, 224, 222)), blinds=True)
            c.line([(x - 1.4, base - 1.9 * depth), (x + 0.9, base - 1.9 * depth)], (150, 150, 156), 0.012)
            c.rect(x - 1.4, base - 1.88 * depth, x - 0.9, base - 0.1 * depth, lit((150, 186, 206)))  # the curtain
            for fold in range(1, 4):
                fx = x - 1.4 + fold * 0.125
                c.line([(fx, base - 1.86 * depth), (fx, base - 0.12 * depth)], lit((126, 162, 184)), 0.01)
            bed_depth = 0.8
            floor = base_at(self.horizon, bed_depth)
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
        return True

    def station_hall(self, base: float, depth: float) -> bool:
        """Tall arched windows, a departures board, a clock, benches."""
        d, c, lit = self.design, self.canvas, self.lit
        for k in c.slots(2.0 * depth, 0.3):
            left = 0.3 + k * 2.0 * depth
            x0, x1, top = left, left + 1.1 * depth, base - 2.2 * depth
            c.ellipse((x0 + x1) / 2, top, (x1 - x0) / 2 + 0.04, (x1 - x0) / 2 + 0.04, lit((90, 86, 80)))
            c.rect(x0 - 0.04, top, x1 + 0.04, base - 0.5 * depth, lit((90, 86, 80)))
            c.ellipse((x0 + x1) / 2, top, (x1 - x0) / 2, (x1 - x0) / 2,
                      d.sky_stops()[0] if not d.night else (10, 14, 30))
            self.window(x0, top, x1, base - 0.55 * depth, ("hall", k), lit((90, 86, 80)))
        board_x = rng_for(self.design.seed, "board").uniform(-1.0, 1.0)
        c.rect(board_x - 0.9 * depth, base - 1.75 * depth, board_x + 0.9 * depth, base - 1.15 * depth, (22, 22, 24))
        for row in range(5):
            y = base - (1.68 - row * 0.1) * depth
            c.line([(board_x - 0.8 * depth, y), (board_x + 0.8 * depth, y)], (236, 170, 60), 0.012)
        c.ellipse(board_x, base - 2.0 * depth, 0.14, 0.14, (240, 236, 226))
        c.line([(board_x, base - 2.0 * depth), (board_x, base - 2.0 * depth - 0.1)], (20, 20, 20), 0.012)
        c.line([(board_x, base - 2.0 * depth), (board_x + 0.07, base - 2.0 * depth)], (20, 20, 20), 0.012)
        floor = base_at(self.horizon, 0.82)
        for k in c.slots(2.6, 1.3):
            x = 1.3 + k * 2.6
            c.rect(x - 0.5, floor - 0.36 * 0.82, x + 0.5, floor - 0.3 * 0.82, lit((110, 74, 48)))
            c.rect(x - 0.5, floor - 0.24 * 0.82, x + 0.5, floor - 0.2 * 0.82, lit((110, 74, 48)))
            for leg in (-0.45, 0.42):
                c.rect(x + leg, floor - 0.2 * 0.82, x + leg + 0.03, floor, (50, 50, 54))
        for k in c.slots(2.4, 0.5):
            self.glows.append((0.5 + k * 2.4, base - 2.3 * depth, 0.6, (255, 220, 170), 0.4 if d.night else 0.12, 0.6))
        return True

    def door(self, base: float, depth: float) -> None:
        """I/E: an open door in the back wall onto the outside."""
        d, c = self.design, self.canvas
        x = self.pick("door").uniform(-0.7, 0.7)
        x0, x1, top = x - 0.42 * depth, x + 0.42 * depth, base - 1.55 * depth
        self.door_span = (x0 - 0.05, x1 + 0.35 * depth)
        c.rect(x0 - 0.05, top - 0.05, x1 + 0.05, base, shade(d.wall(), 0.5))
        self.view_outside(x0, top, x1, base - 0.35 * depth, ("door",))
        c.rect(x0, base - 0.35 * depth, x1, base, shade((120, 126, 110), 0.34 if d.night else 0.9))
        c.polygon([(x1, top), (x1 + 0.3 * depth, top + 0.1 * depth), (x1 + 0.3 * depth, base + 0.05 * depth),
                   (x1, base)], shade(self.lit((150, 110, 76)), 0.9))

    def vehicle_interior(self) -> None:
        """Inside a car or taxi: the far door's window over the seat; inside a bus or a train carriage: a row of
        windows over rows of seats, poles or a luggage rack, ceiling lights."""
        d, c, lit = self.design, self.canvas, self.lit
        roof = lit(shade(d.wall(), 1.1))
        if d.vehicle in ("bus", "train"):
            depth = 0.7
            base = base_at(self.horizon, depth)
            top, bottom = base - 1.5 * depth, base - 0.8 * depth
            c.rect(c.x0 - 1, c.y0 - 1, c.x1 + 1, top - 0.35 * depth, roof)
            for k in c.slots(1.2 * depth):
                left = k * 1.2 * depth
                self.window(left + 0.06, top, left + 1.2 * depth - 0.06, bottom, ("carriage", k),
                            lit((70, 72, 76)), bars=False)
            c.rect(c.x0 - 1, bottom + 0.03, c.x1 + 1, base, lit(shade(d.wall(), 0.8)))
            if d.vehicle == "train":  # the luggage rack
                c.rect(c.x0 - 1, top - 0.2 * depth, c.x1 + 1, top - 0.17 * depth, lit((150, 150, 156)))
            for k in c.slots(2.0, 0.5):  # ceiling lights
                x = 0.5 + k * 2.0
                c.rect(x - 0.4, top - 0.5 * depth, x + 0.4, top - 0.44 * depth, (240, 240, 230))
                self.glows.append((x, top - 0.45 * depth, 0.45, (230, 236, 240), 0.3 if d.night else 0.1, 0.5))
            seat = (50, 70, 130) if d.vehicle == "bus" else (130, 50, 56)
            seat_depth = 0.85
            floor = base_at(self.horizon, seat_depth)
            for k in c.slots(1.1):
                x = k * 1.1
                c.rect(x - 0.32, floor - 0.95 * seat_depth, x + 0.32, floor - 0.35 * seat_depth, lit(seat))
                c.rect(x - 0.32, floor - 0.95 * seat_depth, x + 0.32, floor - 0.88 * seat_depth, lit(shade(seat, 0.7)))
                if d.vehicle == "bus" and k % 2 == 0:
                    c.line([(x + 0.5, c.y0 - 1), (x + 0.5, floor)], lit((220, 180, 40)), 0.025)
            return
        depth = 0.8
        base = base_at(self.horizon, depth)
        top, bottom = base - 1.5 * depth, base - 0.92 * depth
        c.rect(c.x0 - 1, c.y0 - 1, c.x1 + 1, top, roof)  # the roof lining
        for k in c.slots(2.2 * depth):
            left = k * 2.2 * depth
            self.window(left + 0.12, top + 0.04, left + 2.2 * depth - 0.12, bottom, ("car", k), (30, 30, 32),
                        bars=False)
            c.rect(left - 0.12, top, left + 0.12, base, (30, 30, 32))  # the pillar between windows
        c.rect(c.x0 - 1, bottom, c.x1 + 1, base, lit(shade(d.wall(), 0.55)))  # the door
        if d.vehicle == "taxi":
            c.rect(c.x0 - 1, bottom + 0.02, c.x1 + 1, bottom + 0.05, lit((230, 186, 40)))
        seat_depth = 0.9
        floor = base_at(self.horizon, seat_depth)
        seat = (34, 32, 32) if d.vehicle == "taxi" else lit((140, 120, 96))
        c.rect(c.x0 - 1, floor - 0.72 * seat_depth, c.x1 + 1, floor - 0.2 * seat_depth, seat)
        c.rect(c.x0 - 1, floor - 0.72 * seat_depth, c.x1 + 1, floor - 0.66 * seat_depth, shade(seat, 0.8))
        for k in c.slots(1.0 * seat_depth):
            x = k * seat_depth
            c.line([(x, floor - 0.7 * seat_depth), (x, floor - 0.22 * seat_depth)], shade(seat, 0.75), 0.01)
        if d.night:  # lights of the street going by
            for k in c.slots(2.2 * depth):
                pick = self.pick("passing", k)
                for _ in range(2):
                    self.glows.append((k * 2.2 * depth + pick.uniform(0.3, 1.4), pick.uniform(top + 0.1, bottom - 0.1),
                                       0.12, [(255, 190, 110), (255, 90, 70), (140, 200, 255)][pick.integers(3)],
                                       0.5, 1.0))

    # -- exteriors

    def exterior(self) -> None:
        d = self.design
        self.sky_pieces()
        {"street": self.street, "road": self.road, "station": self.station, "bridge": self.bridge, "sea": self.sea,
         "river": self.river, "pool": self.pool, "forest": self.forest, "park": self.park,
         "hillside": self.hillside, "field": self.field, "building": self.building}.get(d.place, self.open_ground)()
        if d.vehicle and d.vehicle != "train" and d.place in ("street", "road", "open", "station", "bridge", "river",
                                                               "building"):
            self.vehicle_shape(d.vehicle, self.pick("vehicle").uniform(-1.2, 1.2), 0.62)
        lamps = d.has("lamp", "lamps", "sodium", "streetlight", "streetlights", "lamppost", "lampposts", "lamplight")
        if lamps or (d.time != "day" and d.place in ("street", "road", "park", "river", "bridge", "station",
                                                      "building")):
            self.street_lamps()

    def sky_pieces(self) -> None:
        """Stars and the moon by night, the low sun at dawn and dusk, clouds by day."""
        d, c, h = self.design, self.canvas, self.horizon
        if d.rain or d.fog:
            return
        if d.night:
            for k in c.slots(0.45):
                pick = self.pick("stars", k)
                for _ in range(2):
                    x, y = k * 0.45 + pick.uniform(0, 0.45), h - pick.uniform(0.3, 3.4)
                    size = pick.uniform(0.004, 0.009)
                    c.rect(x, y, x + size, y + size, shade((236, 236, 246), pick.uniform(0.5, 1.0)))
            mx = self.pick("moon").uniform(-2.2, 2.2)
            c.ellipse(mx, h - 1.55, 0.1, 0.1, (232, 232, 214))
            self.glows.append((mx, h - 1.55, 0.3, (120, 130, 160), 0.35, 1.0))
        elif d.time in ("dawn", "dusk"):
            sx = self.pick("sun").uniform(-1.8, 1.8)
            sy = h - (0.06 if d.time == "dawn" else 0.16)
            colour = (255, 228, 176) if d.time == "dawn" else (255, 176, 104)
            self.glows.append((sx, sy, 0.9, (255, 150, 90) if d.time == "dusk" else (255, 170, 140), 0.45, 0.55))
            c.ellipse(sx, sy, 0.13, 0.13, colour)
        else:
            for k in c.slots(2.9, 0.0, 1.5):
                pick = self.pick("cloud", k)
                x, y = k * 2.9 + pick.uniform(0, 1.2), h - pick.uniform(1.1, 2.8)
                colour = mix(d.sky_stops()[1], (250, 250, 252), 0.75)
                for blob in range(4):
                    c.ellipse(x + blob * 0.2 + pick.uniform(-0.05, 0.05), y + pick.uniform(-0.06, 0.04),
                              pick.uniform(0.16, 0.26), pick.uniform(0.07, 0.11), colour)

    def far_hills(self, height: float, colour: Colour, phase: float = 0.0) -> None:
        c, h = self.canvas, self.horizon
        xs = np.linspace(c.x0 - 1, c.x1 + 1, 64)
        crest = h - height - 0.6 * height * np.sin(xs * 0.9 + self.design.seed % 7 + phase) \
            - 0.3 * height * np.sin(xs * 2.3 + phase)
        c.polygon([(c.x0 - 1, h + 0.01)] + list(zip(xs, crest)) + [(c.x1 + 1, h + 0.01)], colour)

    def skyline(self, depth: float, floor: float) -> None:
        """A far city: blocks of towers, lit windows by night."""
        d, c = self.design, self.canvas
        body = (20, 24, 38) if d.night else mix(d.sky_stops()[2], (90, 96, 110), 0.5)
        for k in c.slots(0.5 * depth):
            pick = self.pick("skyline", k)
            left = k * 0.5 * depth
            top = floor - pick.uniform(0.4, 2.2) * depth
            c.rect(left, top, left + 0.5 * depth * pick.uniform(0.6, 1.0), floor, body)
            if d.night:
                for _ in range(4):
                    px, py = left + pick.uniform(0.02, 0.4) * depth, pick.uniform(top + 0.02, floor - 0.02)
                    c.rect(px, py, px + 0.012, py + 0.012, (236, 200, 130))

    def trees(self, layers: list[tuple[float, float]], key: str, leaves: Colour = (44, 86, 48)) -> None:
        """Rows of trees: (depth, spacing) for each row, far first."""
        c, lit = self.canvas, self.lit
        for layer, (depth, spacing) in enumerate(layers):
            base = base_at(self.horizon, depth)
            near = layer / max(1, len(layers) - 1)
            for k in c.slots(spacing):
                pick = self.pick(key, layer, k)
                tx, tall = k * spacing + pick.uniform(0, spacing * 0.6), pick.uniform(1.8, 2.8) * depth
                trunk = lit(shade((74, 54, 38), 0.8 + 0.2 * near))
                c.rect(tx - 0.04 * depth, base - tall, tx + 0.04 * depth, base, trunk)
                colour = lit(shade(leaves, 0.7 + 0.3 * near))
                if self.design.snow:
                    colour = mix(colour, lit((230, 234, 240)), 0.5)
                for _ in range(3):
                    c.ellipse(tx + pick.uniform(-0.2, 0.2) * depth, base - tall + pick.uniform(0, 0.4) * depth,
                              pick.uniform(0.25, 0.4) * depth, pick.uniform(0.3, 0.45) * depth, colour)

    def street(self) -> None:
        """A row of buildings across the street, lit windows by night, the far pavement."""
        d, c, lit = self.design, self.canvas, self.lit
        depth, slot = 0.55, 1.4
        base = base_at(self.horizon, depth)
        for k in c.slots(slot * depth):
            pick = self.pick("building", k)
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
        curb = base_at(self.horizon, 0.8)
        c.rect(c.x0 - 1, base, c.x1 + 1, curb, lit((124, 122, 118)))  # the far pavement
        c.rect(c.x0 - 1, curb, c.x1 + 1, curb + 0.02, lit((170, 168, 160)))

    def road(self) -> None:
        """A road across the frame: verge, telegraph poles, kerbs, a dashed centre line."""
        d, c, lit = self.design, self.canvas, self.lit
        if d.has("city", "downtown", "town"):
            self.skyline(0.3, base_at(self.horizon, 0.3))
        else:
            self.far_hills(0.18, mix(d.sky_stops()[2], shade(d.ground()[0], 0.7), 0.6))
        far_edge, near_edge = base_at(self.horizon, 0.5), base_at(self.horizon, 0.9)
        for k in c.slots(2.6, 0.4):
            x = 0.4 + k * 2.6
            c.rect(x - 0.015, far_edge - 1.6 * 0.45, x + 0.015, far_edge - 0.02, lit((80, 64, 48)))
            c.rect(x - 0.12, far_edge - 1.5 * 0.45, x + 0.12, far_edge - 1.47 * 0.45, lit((80, 64, 48)))
        c.rect(c.x0 - 1, far_edge, c.x1 + 1, near_edge, lit((66, 68, 74)))
        c.rect(c.x0 - 1, far_edge - 0.01, c.x1 + 1, far_edge + 0.01, lit((176, 176, 170)))
        c.rect(c.x0 - 1, near_edge - 0.015, c.x1 + 1, near_edge + 0.015, lit((176, 176, 170)))
        line = base_at(self.horizon, 0.7)
        for k in c.slots(0.9):
            c.rect(k * 0.9, line - 0.008, k * 0.9 + 0.45, line + 0.008, lit((236, 230, 200)))

    def station(self) -> None:
        """A platform edge over the tracks, its yellow line; a train standing there when the setting says so."""
        d, c, lit = self.design, self.canvas, self.lit
        edge = base_at(self.horizon, 0.9)
        track = base_at(self.horizon, 0.6)
        if d.has("city", "downtown", "town"):
            self.skyline(0.3, track)
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
                    self.glows.append((wx + 0.2 * depth, bottom - 0.64 * depth, 0.22, (255, 200, 120), 0.18, 0.6))

    def water(self, far: float, near: float) -> None:
        """Open water between two world rows, with ripples catching the light of the sky."""
        d, c = self.design, self.canvas
        water = d.water()
        c.rect(c.x0 - 1, far, c.x1 + 1, near, water)
        ripple = mix(water, d.sky_stops()[2], 0.45)
        for k in c.slots(0.7):
            pick = self.pick("ripple", k)
            for _ in range(3):
                y = pick.uniform(far + 0.01, near - 0.01)
                x = k * 0.7 + pick.uniform(0, 0.5)
                length = 0.08 + 0.4 * (y - far) / max(1e-6, near - far)
                c.rect(x, y, x + length, y + 0.006 + 0.01 * (y - far) / max(1e-6, near - far), ripple)

    def sea(self) -> None:
        """Water to the horizon breaking on a beach, the low sun's path on it."""
        d, c = self.design, self.canvas
        shore = base_at(self.horizon, 0.66)
        self.water(self.horizon, shore)
        for offset in (0.0, 0.05):
            c.rect(c.x0 - 1, shore - 0.012 - offset, c.x1 + 1, shore + 0.008 - offset,
                   mix(d.water(), self.lit((236, 240, 240)), 0.8 - offset * 8))
        if d.time in ("dawn", "dusk") and not (d.rain or d.fog):
            sx = self.pick("sun").uniform(-1.8, 1.8)
            self.glows.append((sx, (self.horizon + shore) / 2, 0.2, (255, 170, 100), 0.5, 2.4))

    def bridge(self) -> None:
        """A suspension bridge across the water: towers, cables, the deck; red-orange when it is the Golden
        Gate; seen from the promenade on the near shore."""
        d, c, h = self.design, self.canvas, self.horizon
        self.far_hills(0.22, mix(d.sky_stops()[2], (60, 76, 70) if not d.night else (10, 12, 20), 0.6))
        near = base_at(h, 0.88)
        self.water(h, near)
        depth = 0.3
        water_line = base_at(h, depth)
        deck = water_line - 0.5
        colour = (196, 74, 44) if d.has("golden", "gate", "orange", "red") else (112, 120, 132)
        colour = self.lit(colour) if d.time == "day" else mix(self.lit(colour), (24, 20, 30), 0.45)
        spacing = 5.6
        for k in c.slots(spacing, 0.0, 3.5):  # two towers and their cables per span
            x = k * spacing
            for tower in (x - 1.6, x + 1.6):
                c.rect(tower - 0.09, water_line - 1.9, tower - 0.05, water_line, colour)
                c.rect(tower + 0.05, water_line - 1.9, tower + 0.09, water_line, colour)
                for beam in (1.85, 1.4, 0.95):
                    c.rect(tower - 0.09, water_line - beam, tower + 0.09, water_line - beam + 0.04, colour)
                if d.night:
                    self.glows.append((tower, water_line - 1.92, 0.06, (255, 60, 40), 0.9, 1.0))
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
                self.glows.append((k * 0.35, deck - 0.02, 0.05, (255, 210, 140), 0.6, 1.0))
        # the promenade the actors stand on, behind its railing
        c.rect(c.x0 - 1, near, c.x1 + 1, near + 0.02, self.lit((190, 186, 178)))
        rail = base_at(h, 0.92)
        c.line([(c.x0 - 1, rail - 0.42 * 0.92), (c.x1 + 1, rail - 0.42 * 0.92)], self.lit((70, 74, 80)), 0.015)
        for k in c.slots(0.5):
            c.line([(k * 0.5, rail - 0.42 * 0.92), (k * 0.5, rail)], self.lit((70, 74, 80)), 0.01)

    def river(self) -> None:
        """A far bank (trees, or a town across a harbour) over the water, boats at a harbour, the near quay."""
        d, c, h = self.design, self.canvas, self.horizon
        bank = base_at(h, 0.24)
        harbour = d.has("harbor", "harbour", "marina", "port", "dock", "docks", "wharf", "pier", "quay", "boat",
                        "ship", "yacht", "ferry", "trawler", "sailboat", "jetty")
        if harbour or d.has("city", "town", "downtown"):
            self.skyline(0.24, bank)
        else:
            self.far_hills(0.15, mix(d.sky_stops()[2], (50, 70, 50), 0.55))
            self.trees([(0.24, 0.3)], "bank")
        c.rect(c.x0 - 1, h, c.x1 + 1, bank, self.lit((70, 84, 60)) if not harbour else self.lit((96, 96, 100)))
        near = base_at(h, 0.86)
        self.water(bank, near)
        if harbour:
            for k in c.slots(2.4, 0.0, 1.5):
                pick = self.pick("boat", k)
                x, depth = k * 2.4 + pick.uniform(0, 1.0), pick.uniform(0.45, 0.6)
                waterline = base_at(h, depth)
                hull = [(200, 200, 204), (160, 40, 40), (40, 60, 100)][pick.integers(3)]
                c.polygon([(x - 0.6 * depth, waterline - 0.2 * depth), (x + 0.6 * depth, waterline - 0.2 * depth),
                           (x + 0.45 * depth, waterline), (x - 0.45 * depth, waterline)], self.lit(hull))
                c.rect(x - 0.25 * depth, waterline - 0.4 * depth, x + 0.15 * depth, waterline - 0.2 * depth,
                       self.lit((230, 230, 226)))
                c.line([(x, waterline - 0.4 * depth), (x, waterline - 1.4 * depth)], self.lit((60, 60, 64)), 0.008)
            for k in c.slots(0.6):  # the pier's posts
                c.rect(k * 0.6 - 0.02, near - 0.3, k * 0.6 + 0.02, near, self.lit((90, 70, 50)))
        c.rect(c.x0 - 1, near, c.x1 + 1, near + 0.03, self.lit((170, 166, 158)))

    def pool(self) -> None:
        """A hedge and loungers behind a turquoise pool with a white rim."""
        d, c, h = self.design, self.canvas, self.horizon
        hedge = base_at(h, 0.42)
        c.rect(c.x0 - 1, hedge - 0.55 * 0.42, c.x1 + 1, hedge, self.lit((52, 92, 56)))
        far, near = base_at(h, 0.52), base_at(h, 0.85)
        c.rect(c.x0 - 1, far - 0.02, c.x1 + 1, near + 0.02, self.lit((236, 236, 230)))
        water = (40, 80, 120) if d.night else self.lit((70, 180, 206))
        c.rect(c.x0 - 1, far, c.x1 + 1, near, water)
        for k in c.slots(0.6):
            pick = self.pick("pool", k)
            y = pick.uniform(far + 0.02, near - 0.02)
            c.line([(k * 0.6, y), (k * 0.6 + 0.3, y + 0.01)], mix(water, (255, 255, 255), 0.4), 0.006)
        for k in c.slots(1.5, 0.3):
            x, floor = 0.3 + k * 1.5, base_at(h, 0.47)
            c.polygon([(x - 0.3, floor - 0.08), (x + 0.2, floor - 0.08), (x + 0.3, floor - 0.25),
                       (x + 0.34, floor - 0.22), (x + 0.26, floor - 0.04), (x - 0.3, floor - 0.04)],
                      self.lit((240, 240, 236)))
        if d.night:
            for k in c.slots(1.8):
                self.glows.append((k * 1.8, (far + near) / 2, 0.3, (80, 200, 255), 0.35, 0.5))

    def forest(self) -> None:
        self.far_hills(0.2, mix(self.design.sky_stops()[2], (40, 70, 44), 0.6))
        self.trees([(0.35, 0.3), (0.5, 0.45), (0.78, 0.9)], "forest")

    def park(self) -> None:
        """Scattered trees, a path, a bench."""
        c, h = self.canvas, self.horizon
        self.trees([(0.45, 1.3), (0.72, 2.6)], "park", leaves=(60, 110, 56))
        far, near = base_at(h, 0.74), base_at(h, 0.82)
        c.rect(c.x0 - 1, far, c.x1 + 1, near, self.lit((196, 180, 150)))
        for k in c.slots(3.4, 1.0):
            x, floor = 1.0 + k * 3.4, base_at(h, 0.76)
            for y in (0.34, 0.22):
                c.rect(x - 0.45, floor - y * 0.76, x + 0.45, floor - y * 0.76 + 0.03, self.lit((110, 76, 48)))
            for leg in (-0.4, 0.38):
                c.rect(x + leg, floor - 0.22 * 0.76, x + leg + 0.025, floor, (40, 40, 44))

    def hillside(self) -> None:
        """A far range, a city or a valley below it, and the near hill rising across the frame, a lone tree."""
        d, c, h = self.design, self.canvas, self.horizon
        self.far_hills(0.35, mix(d.sky_stops()[2], (80, 96, 120), 0.45))
        if d.has("mountain", "mountains", "peak", "summit") and not d.night:
            self.far_hills(0.12, mix(d.sky_stops()[2], (236, 240, 246), 0.5), phase=1.7)
        if d.has("city", "town", "skyline", "valley"):
            self.skyline(0.12, base_at(h, 0.12))
        xs = np.linspace(c.x0 - 1, c.x1 + 1, 48)
        crest = base_at(h, 0.5) - 0.45 - 0.35 * np.tanh(xs * 0.4 + (self.design.seed % 5 - 2) * 0.3) \
            - 0.06 * np.sin(xs * 1.7)
        far, _ = d.ground()
        c.polygon([(c.x0 - 1, base_at(h, 0.7))] + list(zip(xs, crest)) + [(c.x1 + 1, base_at(h, 0.7))],
                  shade(far, 0.9))
        tree_x = self.pick("lone tree").uniform(-1.5, 1.5)
        tree_y = float(np.interp(tree_x, xs, crest)) + 0.04
        c.rect(tree_x - 0.025, tree_y - 0.9, tree_x + 0.025, tree_y, self.lit((70, 50, 36)))
        c.ellipse(tree_x, tree_y - 0.95, 0.32, 0.26, self.lit((46, 84, 46)))

    def field(self) -> None:
        """Low far hills, furrows or crops in bands, a fence across the field."""
        d, c, h = self.design, self.canvas, self.horizon
        self.far_hills(0.12, mix(d.sky_stops()[2], (90, 110, 80), 0.5))
        far, near = d.ground()
        depth = 0.2
        while depth < 1.1:
            step = 0.04 * (1 + 3 * depth)
            c.rect(c.x0 - 1, base_at(h, depth), c.x1 + 1, base_at(h, depth + step / 2), mix(far, near, 0.5 * depth))
            depth += step
        fence = base_at(h, 0.6)
        for k in c.slots(0.8):
            c.rect(k * 0.8 - 0.015, fence - 0.45 * 0.6, k * 0.8 + 0.015, fence, self.lit((110, 84, 60)))
        for rail in (0.4, 0.22):
            c.line([(c.x0 - 1, fence - rail * 0.6), (c.x1 + 1, fence - rail * 0.6)], self.lit((120, 92, 66)), 0.012)

    def building(self) -> None:
        """One building seen from across the way: a church with its spire, a house under its roof, a shop, cafe
        or bar with its awning, or a block of windows; lit by night."""
        d, c, lit = self.design, self.canvas, self.lit
        depth = 0.6
        base = base_at(self.horizon, depth)
        pick = self.pick("facade")
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
                self.glows.append((x, base - 0.5 * depth, 0.9, (255, 200, 130), 0.35, 0.5))
        curb = base_at(self.horizon, 0.8)
        c.rect(c.x0 - 1, base, c.x1 + 1, curb, lit((124, 122, 118) if not (church or house) else (96, 128, 70)))

    def open_ground(self) -> None:
        d = self.design
        if d.has("hills", "hill", "mountain", "mountains", "countryside", "field", "desert", "valley"):
            self.far_hills(0.25, mix(d.sky_stops()[2], shade(d.ground()[0], 0.8), 0.5))

    def street_lamps(self) -> None:
        d, c = self.design, self.canvas
        sodium = d.has("sodium")
        depth = 0.85
        base = base_at(self.horizon, depth)
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
                self.glows.append((lamp_x, lamp_y, 0.45, colour, 0.75, 1.0))
                self.glows.append((lamp_x, base + 0.05, 0.7, colour, 0.28, 0.25))  # the pool of light below
                if d.rain:
                    self.glows.append((lamp_x, base + 0.35, 0.1, colour, 0.35, 4.0))  # its reflection, wet floor

    def vehicle_shape(self, kind: str, x: float, depth: float) -> None:
        """A car, a taxi, a truck or a bus standing side-on at `depth`, headlights on after dark."""
        d, c = self.design, self.canvas
        base = base_at(self.horizon, depth)
        s = depth
        pick = self.pick("paint")
        paint = {"taxi": (232, 186, 36), "bus": (190, 40, 40), "truck": (210, 210, 206)}.get(
            kind, [(150, 30, 36), (40, 60, 110), (200, 200, 204), (40, 40, 44), (70, 100, 80)][pick.integers(5)])
        paint, glass = self.lit(paint), (30, 40, 56) if not d.night else (16, 20, 30)
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
            c.rect(right - 0.78 * s, base - 0.8 * s, right, base - 0.14 * s, self.lit((60, 80, 120)))
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
            self.glows.append((right, base - 0.3 * s, 0.25, (255, 240, 200), 0.7, 0.6))
            self.glows.append((left, base - 0.3 * s, 0.12, (255, 40, 30), 0.6, 0.8))


def render_set(design: SetDesign, grade: Grade, origin: tuple[float, float], ppu: float, size: tuple[int, int],
               horizon: float) -> Image.Image:
    """The set (sky or walls, floor, set pieces, lamp light), graded, as a picture of `size` pixels whose top-left
    corner is the world point `origin`, at `ppu` pixels per world unit. Every piece stands at a fixed world place
    (a slot index), so every shot of the scene sees the same set."""
    painter = SetPainter(design, origin, ppu, size, horizon)
    if design.interior:
        painter.interior()
    else:
        painter.exterior()
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


# --- figures ----------------------------------------------------------------------------------------------------

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


# --- cameras --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Camera:
    cx: float  # world point at the frame centre
    cy: float
    view: float  # world units the frame height spans

    def moved(self, dx: float = 0.0, dy: float = 0.0, zoom: float = 1.0) -> Camera:
        return Camera(self.cx + dx, self.cy + dy, self.view / zoom)


def camera_move(movement: CameraMovement, base: Camera, aspect: float, p: float, t: float,
                jitter_phases: np.ndarray) -> tuple[Camera, Camera]:
    """(figure camera, set camera) at move progress p (0..1) and shot time t.

    The two differ where a real move shows parallax: a track or a dolly moves the near figures more than the set
    behind them; a pan or a zoom moves both alike. Pans, tilts and tracks are centred on the scripted framing,
    pushes start from it.
    """
    e = smoothstep(p)
    width = base.view * aspect
    m = CameraMovement
    if movement in (m.pan_left, m.pan_right, m.tracking_left, m.tracking_right):
        sign = -1 if movement in (m.pan_left, m.tracking_left) else 1
        dx = sign * (e - 0.5) * 0.22 * width
        parallax = 0.5 if movement in (m.tracking_left, m.tracking_right) else 1.0
        return base.moved(dx=dx), base.moved(dx=dx * parallax)
    if movement in (m.tilt_up, m.tilt_down):
        dy = (-1 if movement == m.tilt_up else 1) * (e - 0.5) * 0.22 * base.view
        return base.moved(dy=dy), base.moved(dy=dy)
    if movement in (m.dolly_in, m.zoom_in, m.dolly_out, m.zoom_out):
        change = 0.25 * e if movement in (m.dolly_in, m.zoom_in) else -0.2 * e
        parallax = 0.5 if movement in (m.dolly_in, m.dolly_out) else 1.0
        return base.moved(zoom=1 + change), base.moved(zoom=1 + change * parallax)
    if movement == m.handheld:
        a, b, c, d, e_ = jitter_phases
        amount = 0.012 * base.view
        dx = amount * (math.sin(2 * math.pi * 0.7 * t + a) + 0.6 * math.sin(2 * math.pi * 1.9 * t + b))
        dy = amount * (math.sin(2 * math.pi * 0.55 * t + c) + 0.6 * math.sin(2 * math.pi * 1.6 * t + d))
        zoom = 1 + 0.006 * math.sin(2 * math.pi * 0.3 * t + e_)
        camera = base.moved(dx=dx, dy=dy, zoom=zoom)
        return camera, camera
    return base, base


# --- one shot, prepared -----------------------------------------------------------------------------------------

@dataclass
class Actor:
    id: str
    name: str
    look: FigureLook
    placement: Placement
    expression: str
    x: float = 0.0  # world position of the feet
    feet_y: float = 0.0
    facing: float = 0.0
    face: FacePaster | None = None


class ShotPlan:
    """What stays fixed during one shot part: the actors, the base framing, the pre-rendered set, the shoulders."""

    def __init__(self, renderer: AnimaticRenderer, segment: Segment, piece: SegmentShot, root: Path,
                 design: SetDesign, grade: Grade):
        self.piece = piece
        shot = piece.shot
        self.width, self.height = segment.resolution
        self.aspect = self.width / self.height
        self.fps = segment.fps
        self.horizon = ANGLE_HORIZON.get(shot.angle, EYE_LINE)
        self.figure_scale = ANGLE_FIGURE_SCALE.get(shot.angle, 1.0)
        self.roll = DUTCH_DEGREES if shot.angle == Angle.dutch else 0.0
        self.subtitles = piece.subtitles
        # from what the shot shows, not its id: a renamed shot draws the same picture
        self.jitter_phases = rng_for(segment.seed, shot.description, "handheld").uniform(0, 2 * math.pi, 5)
        light = design.figure_light

        # actors, in the order the script lists them
        self.actors: list[Actor] = []
        for character in shot.characters:
            member = segment.cast.get(character.id)
            name = member.name if member else character.id
            look = parse_appearance(name, member.appearance if member else "").graded(grade, light)
            face = renderer.face(root, member.reference, grade) if member and member.reference else None
            self.actors.append(Actor(character.id, name, look, parse_position(character.position),
                                     character.expression, face=face))
        self.focus = self._focus_actor(shot)
        if shot.shot_size == ShotSize.over_the_shoulder:  # everyone but the speaker becomes a shoulder
            others = [a for a in self.actors if a is not self.focus]
            if others and not any(a.placement.silhouette for a in others):
                for actor in others:
                    actor.placement = Placement(actor.placement.x, 1.3, actor.placement.facing, True)
        self.base = self._frame(shot.shot_size)
        self._place_actors()

        # the set, rendered once per shot part. A camera that holds still gets it drawn on the frame's own pixel
        # grid (no resampling at all); a moving one over the area it visits, at the sharpest scale it needs, and
        # each frame picks its pixels from it (nearest: the set's shapes are hard-edged, so this only moves
        # edges by under a pixel, at a twentieth of a filtered resample's cost)
        frame_indices = range(piece.offset_frames, piece.offset_frames + piece.frames)
        set_cameras = sorted({self.cameras(index)[1] for index in frame_indices}, key=lambda c: (c.cx, c.cy, c.view))
        self._set_fixed = set_cameras[0] if len(set_cameras) == 1 else None
        if self._set_fixed is not None:
            camera = self._set_fixed
            self.set_ppu = self.height / camera.view
            self.set_origin = (camera.cx - camera.view * self.aspect / 2, camera.cy - camera.view / 2)
            size = (self.width, self.height)
        else:
            self.set_ppu = self.height / min(c.view for c in set_cameras)  # never magnified, at most 1.25x reduced
            pad = 2 / self.set_ppu
            region = (min(c.cx - c.view * self.aspect / 2 for c in set_cameras) - pad,
                      min(c.cy - c.view / 2 for c in set_cameras) - pad,
                      max(c.cx + c.view * self.aspect / 2 for c in set_cameras) + pad,
                      max(c.cy + c.view / 2 for c in set_cameras) + pad)
            pixels = (region[2] - region[0]) * (region[3] - region[1]) * self.set_ppu ** 2
            if pixels > 12e6:  # a huge move over a huge set: trade sharpness for memory
                self.set_ppu *= math.sqrt(12e6 / pixels)
            self.set_origin = region[:2]
            size = (max(1, math.ceil((region[2] - region[0]) * self.set_ppu)),
                    max(1, math.ceil((region[3] - region[1]) * self.set_ppu)))
        self.set_image = render_set(design, grade, self.set_origin, self.set_ppu, size, self.horizon)
        self.shoulders = self._shoulder_layer()
        # finished pictures by what they show (cameras, mouths): a held shot draws each of its few pictures once
        self._pictures: dict[tuple, Image.Image] = {}
        self.pictures_kept = pictures_kept(self.width, self.height)

    # -- staging

    def _focus_actor(self, shot) -> Actor | None:
        """Who the camera favours: the first on-screen speaker, else the first character facing us."""
        visible = [a for a in self.actors if not a.placement.silhouette]
        for line in shot.dialogue:
            for actor in visible:
                if actor.id == line.speaker and not line.off_screen:
                    return actor
        return visible[0] if visible else (self.actors[0] if self.actors else None)

    def _depth_scale(self, actor: Actor | None) -> tuple[float, float]:
        """(figure scale, feet world y) of an actor from their depth, laid out for an eye-level camera."""
        depth = actor.placement.depth if actor else 1.0
        return depth, base_at(EYE_LINE, depth)

    def _frame(self, size: ShotSize) -> Camera:
        if size in STAGE_FRAMING:
            view, floor = STAGE_FRAMING[size]
            return Camera(0.0, -(floor - 0.5) * view, view)
        low, high = FIGURE_FRAMING[size]
        scale, feet = self._depth_scale(self.focus)
        scale *= self.focus.look.height if self.focus else 1.0  # a close-up of a child looks down to them
        view = (high - low) * scale
        return Camera(0.0, feet - scale * (low + high) / 2, view)

    def _place_actors(self) -> None:
        """Screen positions from the position text (even spread when it says none), facing towards the others."""
        visible = [a for a in self.actors if not a.placement.silhouette]
        frame_width = self.base.view * self.aspect
        for actor in self.actors:
            spread = (visible.index(actor) + 1) / (len(visible) + 1) if actor in visible else 0.7
            fraction = actor.placement.x if actor.placement.x is not None else spread
            actor.x = self.base.cx + (fraction - 0.5) * frame_width
            _, actor.feet_y = self._depth_scale(actor)
        for actor in visible:
            if actor.placement.facing is not None:
                actor.facing = actor.placement.facing
            else:
                others = [a.x for a in self.actors if a is not actor]
                centre = sum(others) / len(others) if others else actor.x
                actor.facing = 0.0 if abs(centre - actor.x) < 1e-6 else (0.6 if centre > actor.x else -0.6)

    def _shoulder_layer(self) -> tuple[Image.Image, tuple[int, int]] | None:
        """Back-to-camera characters: a dark, soft shoulder and head at the frame's edge (screen space), as an RGBA
        stamp cropped to what it covers and where its corner goes."""
        shoulders = [a for a in self.actors if a.placement.silhouette]
        if not shoulders:
            return None
        # drawn and blurred at a quarter of the size, then enlarged: soft anyway, and a sixteenth of the work
        w, h = max(1, self.width // 4), max(1, self.height // 4)
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for actor in shoulders:
            side = -1 if (actor.placement.x if actor.placement.x is not None else 0.7) < 0.5 else 1
            cx = w * (0.5 + side * 0.4)
            colour = mix(shade(actor.look.top, 0.35), (8, 8, 10), 0.4) + (240,)
            head = actor.look.skin if actor.look.bald else actor.look.hair
            hair = mix(shade(head, 0.35), (8, 8, 10), 0.4) + (240,)
            draw.ellipse((cx - 0.62 * h, 0.78 * h, cx + 0.62 * h, 1.9 * h), fill=colour)
            head_x = cx - side * 0.05 * h
            draw.ellipse((head_x - 0.17 * h, 0.36 * h, head_x + 0.17 * h, 0.86 * h), fill=hair)
        layer = layer.filter(ImageFilter.GaussianBlur(radius=max(0.5, 0.02 * h)))
        layer = layer.resize((self.width, self.height), Image.BILINEAR)
        box = layer.getchannel("A").getbbox()
        return (layer.crop(box), box[:2]) if box else None

    # -- per frame

    def cameras(self, shot_frame: int) -> tuple[Camera, Camera]:
        shot = self.piece.shot
        p = shot_frame / max(1, self.piece.shot_frames - 1)
        return camera_move(shot.camera_movement, self.base, self.aspect, p, shot_frame / self.fps,
                           self.jitter_phases)

    def _set_frame(self, camera: Camera) -> Image.Image:
        """The set as this camera sees it (a new image, to draw on)."""
        if camera == self._set_fixed:
            return self.set_image.copy()
        left = (camera.cx - camera.view * self.aspect / 2 - self.set_origin[0]) * self.set_ppu
        top = (camera.cy - camera.view / 2 - self.set_origin[1]) * self.set_ppu
        span_x, span_y = camera.view * self.aspect * self.set_ppu, camera.view * self.set_ppu
        return self.set_image.resize((self.width, self.height), Image.NEAREST,
                                     box=(left, top, left + span_x, top + span_y))

    def picture(self, shot_frame: int) -> Image.Image:
        """The frame's picture: set, figures, shoulders, labels, the dutch tilt (no weather, subtitles or slate).
        Shared with other frames that show the same: do not draw on it."""
        camera, set_camera = self.cameras(shot_frame)
        t = shot_frame / self.fps
        speaking = {line.speaker for line in self.subtitles if line.start <= t < line.end}
        mouths = tuple(round(MOUTH_STEPS * mouth_openness(t, phase=stable_int(actor.id) % 7)) / MOUTH_STEPS
                       if actor.id in speaking else 0.0 for actor in self.actors)
        key = (camera, set_camera, mouths)
        picture = self._pictures.get(key)
        if picture is None:
            picture = self._draw_picture(camera, set_camera, dict(zip((a.id for a in self.actors), mouths)))
            if len(self._pictures) >= self.pictures_kept:
                del self._pictures[next(iter(self._pictures))]
            self._pictures[key] = picture
        return picture

    def _draw_picture(self, camera: Camera, set_camera: Camera, mouths: dict[str, float]) -> Image.Image:
        image = self._set_frame(set_camera)
        draw = ImageDraw.Draw(image)
        ppu = self.height / camera.view
        visible = sorted((a for a in self.actors if not a.placement.silhouette), key=lambda a: a.feet_y)
        label_size = max(7, round(self.height * 0.038))
        for actor in visible:
            unit = ppu * actor.placement.depth * self.figure_scale * actor.look.height
            feet_x = self.width / 2 + (actor.x - camera.cx) * ppu * self.figure_scale
            feet_y = self.height / 2 + (actor.feet_y - camera.cy) * ppu * self.figure_scale
            draw_figure(image, draw, actor.look, feet_x, feet_y, unit, actor.facing, mouths.get(actor.id, 0.0),
                        actor.expression, actor.face)
            if -unit * 0.2 < feet_x < self.width + unit * 0.2:  # a name label under (or above) each figure
                if feet_y + 0.02 * unit + label_size * 1.4 <= self.height:  # under the feet
                    label_y = feet_y + 0.02 * unit
                else:  # feet out of frame: above the head, or at the top edge
                    label_y = max(feet_y - 1.06 * unit - label_size * 1.3, label_size * 1.6)
                stamp = label_stamp(actor.name, label_size)
                label_x = min(max(feet_x - stamp.width / 2, 1), self.width - stamp.width - 1)
                image.paste(stamp, (round(label_x), round(label_y)), stamp)
        if self.shoulders is not None:
            stamp, (left, top) = self.shoulders
            base_ppu = self.height / self.base.view
            # the shoulder is nearer than anyone: it slides a little more than the figures when the camera moves
            offset = (left + round(-(camera.cx - self.base.cx) * base_ppu * 1.3),
                      top + round(-(camera.cy - self.base.cy) * base_ppu))
            image.paste(stamp, offset, stamp)
        if self.roll:
            image = _rotate(image, self.roll)
        return image


# --- precipitation ------------------------------------------------------------------------------------------------

class Precipitation:
    """Rain streaks (or snowflakes) as two seeded textures that scroll with the shot's frame index (not the film's:
    a render depends on its picture, never on where the film places it)."""

    def __init__(self, size: tuple[int, int], seed: int, snow: bool):
        self.width, self.height = size
        self.snow = snow
        self.layers = [self._texture(seed, layer) for layer in range(2)]

    def _texture(self, seed: int, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One layer, drawn wrapped so that it tiles: (rows, columns, alpha) of the pixels it covers."""
        w, h = self.width, self.height
        pick = rng_for(seed, "rain", w, h, layer)
        mask = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(mask)
        count = int(w * h / (1800 if layer == 0 else 3000))
        length = h * (0.035 if layer == 0 else 0.07)
        for _ in range(count):
            x, y = pick.uniform(0, w), pick.uniform(0, h)
            alpha = int(pick.uniform(50, 110) if layer == 0 else pick.uniform(90, 160))
            for ox in (-w, 0, w):  # drawn wrapped, so the texture tiles seamlessly
                for oy in (-h, 0, h):
                    if self.snow:
                        r = (1.0 if layer == 0 else 2.0) * max(1, h / 360)
                        draw.ellipse((x + ox - r, y + oy - r, x + ox + r, y + oy + r), fill=alpha + 60)
                    else:
                        draw.line([(x + ox, y + oy), (x + ox - length * 0.12, y + oy + length)], fill=alpha,
                                  width=1 if layer == 0 or h < 480 else 2)
        mask = np.asarray(mask)
        rows, columns = np.nonzero(mask)  # a few percent of the pixels: kept as a list of points
        return rows, columns, mask[rows, columns].astype(np.int32)[:, None]

    def draw(self, pixels: np.ndarray, shot_frame: int) -> None:
        """Blend the streaks (or flakes) at this frame of the shot into an RGB array, in place."""
        w, h = self.width, self.height
        colour = np.array((236, 236, 240) if self.snow else (200, 208, 222), np.int32)
        for layer, (rows, columns, alpha) in enumerate(self.layers):
            speed = (0.012 if self.snow else 0.09) * (1 + layer) * h  # pixels per frame, the near layer faster
            drift = (0.003 if self.snow else 0.011) * (1 + layer) * h
            y = int(h - (shot_frame * speed) % h)
            x = int((shot_frame * drift) % w)
            at = ((rows - y) % h, (columns - x) % w)
            under = pixels[at].astype(np.int32)
            pixels[at] = under + ((colour - under) * alpha + 127) // 255


# --- overlays -------------------------------------------------------------------------------------------------------

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

    def _slate(self, piece: SegmentShot) -> tuple[Image.Image, tuple[int, int]]:
        shot = piece.shot
        text = " · ".join([shot.id, shot.shot_size.value, shot.angle.value, shot.camera_movement.value])
        if piece.parts > 1:
            text += f" · part {piece.part}/{piece.parts}"
        stamp = boxed_text([text], self.slate_font, (255, 236, 150), 150, centred=False)
        return stamp, (round(self.width * 0.01), round(self.height * 0.01))

    def _subtitle(self, lines: tuple[str, ...]) -> tuple[Image.Image, tuple[int, int]]:
        stamp = boxed_text(list(lines), self.subtitle_font, (255, 255, 255), 160, centred=True)
        return stamp, ((self.width - stamp.width) // 2, self.height - round(self.height * 0.03) - stamp.height)

    def stamps(self, piece: SegmentShot, t: float) -> tuple:
        """What is pasted at shot time t: the slate and the subtitles active then (keys of rendered stamps)."""
        stamps = []
        if self.slate:
            stamps.append(("slate", piece.shot.id, piece.part))
        if self.subtitles:
            lines = tuple(text for line in piece.subtitles if line.start <= t < line.end for text in self.wrapped(line))
            if lines:
                stamps.append(("subtitle", lines))
        return tuple(stamps)

    def paste(self, image: Image.Image, piece: SegmentShot, stamps: tuple) -> None:
        """Paste stamps (from `stamps`); each is rendered once and reused."""
        for key in stamps:
            if key not in self._stamps:
                self._stamps[key] = self._slate(piece) if key[0] == "slate" else self._subtitle(key[1])
            stamp, position = self._stamps[key]
            image.paste(stamp, position, stamp)

    def draw(self, image: Image.Image, piece: SegmentShot, t: float) -> None:
        """Paste the slate and the subtitles active at shot time t."""
        self.paste(image, piece, self.stamps(piece, t))


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


# --- the renderer ---------------------------------------------------------------------------------------------------

def _load_rgb(path: Path, size: tuple[int, int]) -> Image.Image:
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
    except OSError as error:
        raise BackendError(f"cannot read image {path}: {error}") from error
    return image if image.size == tuple(size) else image.resize(tuple(size), Image.LANCZOS)


def _rotate(image: Image.Image, degrees: float) -> Image.Image:
    """A dutch tilt: rotated about the centre and enlarged just enough to hide the corners."""
    w, h = image.size
    angle = math.radians(degrees)
    zoom = math.cos(angle) + max(w / h, h / w) * abs(math.sin(angle))
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    cx, cy = w / 2, h / 2
    # output (x, y) -> input: rotate the offset from the centre, shrink it by the zoom
    matrix = (cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy)
    return image.transform((w, h), Image.AFFINE, matrix, resample=Image.BILINEAR)


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
        piece = SegmentShot(shot=shot, scene_id=keyframe.scene_id, frames=1, shot_frames=keyframe.shot_frames,
                            offset_frames=keyframe.shot_frame)
        segment = Segment(id=keyframe.id, scene_id=keyframe.scene_id, setting=keyframe.setting,
                          frames=1, fps=keyframe.fps, resolution=keyframe.resolution, look=keyframe.look, slate=False,
                          subtitles=False, seed=keyframe.seed, anchoring=Anchoring.keyframe, shots=[piece],
                          cast=keyframe.cast, director=keyframe.director)
        plan = ShotPlan(self, segment, piece, Path(root), design, design.grade(keyframe.look))
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
        for piece in segment.shots:
            plan = ShotPlan(self, segment, piece, root, design, grade)
            shot = piece.shot
            converted: dict[tuple, tuple[Image.Image, np.ndarray]] = {}  # a held picture is converted once
            picture = None
            for j in range(piece.frames):
                shot_frame = piece.offset_frames + j
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
                stamps = overlays.stamps(piece, t)
                key = (id(picture), stamps)
                held = converted.get(key)
                if held is None or held[0] is not picture:
                    frame = picture
                    if stamps:
                        frame = picture.copy()
                        overlays.paste(frame, piece, stamps)
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
