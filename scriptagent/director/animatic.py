"""The embedded animatic director: draws every shot as a moving storyboard on the CPU (numpy + Pillow, no torch).

It reads the same Segment a video model would and honours what the script asks for, so a director can judge
the cutting before paying for real renders: the set is sketched from the setting text, each character is a
labelled figure coloured from their appearance, the shot size and angle pick the camera, the camera move
animates it, speakers move their mouths, and transitions fade or dissolve.

How a frame is made:
  world   the stage, in figure heights: y grows downward, a mid-ground figure stands with its feet at y=0 and
          its head at y=-1; the eye line (the horizon at eye level) is at y=-0.915.
  camera  (cx, cy, view): the world point at the frame centre and how many world units the frame height spans.
  layers  the set is pre-rendered once per shot, at the sharpest scale the shot needs, over the area the camera
          visits, then resampled per frame; figures are drawn as vectors at the frame's scale, so close-ups stay
          crisp; foreground shoulders (over-the-shoulder) are a blurred screen-space layer; rain is a scrolling
          texture. Every random choice is seeded, so a render is reproducible to the byte.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from tqdm import tqdm

from ..errors import BackendError
from ..production import (Anchoring, Angle, CameraMovement, Keyframe, ScriptLine, Segment, SegmentShot, Shot,
                          ShotSize, TimedLine, Transition)
from .video import FrameWriter, save_png

RENDERER_VERSION = "animatic-2"  # raise when the same segment draws different pixels
SLATE_SHOWS_SHOT_IDS = True  # the slate writes the shot id on the frames: a renamed shot is a new picture

Colour = tuple[int, int, int]

EYE_LINE = -0.915  # world y of a mid-ground figure's eyes: the horizon of an eye-level camera
TRANSITION_SECONDS = 0.5
DUTCH_DEGREES = 5.0

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
    return re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())


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
        if self.saturation == 1.0 and self.tint == (1.0, 1.0, 1.0):
            return image
        return Image.fromarray(self.array(np.asarray(image, dtype=np.float32)).round().astype(np.uint8))


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
    "brown": (112, 72, 42), "tan": (190, 150, 102), "beige": (212, 192, 160), "cream": (236, 226, 200),
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
HAT_NOUNS = {"hat", "cap", "beanie", "beret", "fedora", "helmet", "bowler", "trilby"}
PROPS = {"suitcase": (122, 82, 46), "briefcase": (52, 40, 34), "bag": (92, 64, 44), "handbag": (120, 40, 44),
         "umbrella": (30, 30, 36), "book": (140, 40, 40), "letters": (236, 228, 200), "envelope": (236, 228, 200)}
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
        elif found & BEARD_WORDS and not hair_named:  # 'bald, grey beard': the beard tells the colour
            hair = _colour_in(words, HAIR_COLOURS) or hair
            long_hair = long_hair or bool(found & {"long", "flowing", "shoulder-length", "braids", "ponytail"})
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
    return FigureLook(hair=hair, long_hair=long_hair and not bald, top=top, long_top=long_top, dress=dress,
                      legs=legs, skin=skin, beard=beard, glasses=glasses, hat=hat, scarf=scarf, prop=prop,
                      prop_colour=prop_colour, bald=bald)


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

INTERIOR_WORDS = {"interior", "int", "room", "kitchen", "office", "bedroom", "bathroom", "apartment", "flat",
                  "bar", "pub", "cafe", "café", "restaurant", "hall", "hallway", "corridor", "studio", "inside",
                  "library", "classroom", "shop", "store", "diner", "lobby", "attic", "basement", "cabin",
                  "carriage", "hospital", "ward", "living", "house", "home", "loft", "motel", "hotel"}
EXTERIOR_WORDS = {"exterior", "ext", "outside", "outdoors", "street", "rooftop", "platform", "forest", "woods",
                  "beach", "park", "garden", "field", "road", "alley", "square", "harbour", "harbor", "pier"}


@dataclass(frozen=True)
class SetDesign:
    interior: bool
    time: str  # day, dawn, dusk, night
    words: frozenset[str]
    seed: int

    @classmethod
    def from_text(cls, setting: str, look: str, seed: int) -> SetDesign:
        words = frozenset(words_of(setting + " " + look))
        setting_words = set(words_of(setting))
        interior = bool(setting_words & INTERIOR_WORDS) and not setting_words & EXTERIOR_WORDS
        if words & {"night", "midnight", "nighttime", "moonlit", "dark", "late"} and "tonight" not in words:
            time = "night"
        elif words & {"dusk", "sunset", "evening", "twilight"}:
            time = "dusk"
        elif words & {"dawn", "sunrise", "daybreak"}:
            time = "dawn"
        else:
            time = "day"
        # the layout of the set depends on the setting, not on the segment: every shot of a scene agrees
        return cls(interior, time, words, stable_int(seed, setting))

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
    def dim(self) -> float:
        """How bright the set is: night sets are dark (lamps then glow), interiors at night are lamp-lit."""
        if self.interior:
            return 0.62 if self.night else 1.0
        return {"day": 1.0, "dawn": 0.72, "dusk": 0.7, "night": 0.34}[self.time] * (0.82 if self.rain else 1.0)

    @property
    def figure_light(self) -> float:
        light = {"day": 1.0, "dawn": 0.88, "dusk": 0.86, "night": 0.72 if not self.interior else 0.86}[self.time]
        return light * (0.92 if self.rain else 1.0)

    def grade(self, look: str) -> Grade:
        return Grade.from_text(look, night=self.night, sodium=self.has("sodium"))

    def sky(self) -> tuple[Colour, Colour]:
        """(top, horizon) colours of the sky."""
        top, horizon = {"day": ((96, 150, 214), (200, 220, 238)), "dawn": ((86, 100, 160), (244, 182, 150)),
                        "dusk": ((56, 46, 100), (238, 132, 82)), "night": ((6, 9, 24), (30, 38, 66))}[self.time]
        if self.rain or self.has("overcast", "grey", "gray", "fog", "mist", "foggy", "misty"):
            grey = shade((128, 132, 140), self.dim / (0.82 if self.rain else 1.0))
            top, horizon = mix(top, shade(grey, 0.8), 0.65), mix(horizon, grey, 0.65)
        return top, horizon

    def ground(self) -> tuple[Colour, Colour]:
        """(far, near) colours of the ground, or of the floor indoors."""
        if self.interior:
            far, near = ((96, 100, 116), (76, 80, 94)) if self.has("office") else \
                ((176, 170, 160), (150, 144, 134)) if self.has("kitchen", "bathroom", "hospital") else \
                ((132, 94, 66), (104, 72, 50))
        elif self.has("platform", "station"):
            far, near = (152, 150, 142), (112, 110, 104)
        elif self.has("street", "road", "alley", "city", "square", "rooftop"):
            far, near = (98, 100, 108), (60, 62, 68)
        elif self.has("forest", "woods", "park", "garden", "field", "meadow", "countryside"):
            far, near = (96, 130, 72), (56, 86, 46)
        elif self.has("beach", "sand", "shore", "desert", "dunes"):
            far, near = (226, 206, 162), (196, 172, 128)
        else:
            far, near = (142, 136, 116), (92, 90, 76)
        dim = self.dim * (0.85 if self.rain and not self.interior else 1.0)
        return shade(far, dim), shade(near, dim)

    def wall(self) -> Colour:
        colour = (192, 196, 202) if self.has("office") else (214, 210, 198) if self.has("kitchen") else \
            (126, 84, 62) if self.has("bar", "pub") else (202, 186, 160)
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


def base_at(horizon: float, depth: float) -> float:
    """World y of the floor under something at `depth` (figure scale): perspective towards the horizon."""
    return horizon * (1 - depth)


def add_glow(pixels: np.ndarray, canvas: WorldCanvas, x: float, y: float, radius: float, colour: Colour,
             strength: float, stretch_y: float = 1.0) -> None:
    """Additive soft light (a lamp's halo, its reflection on a wet floor) onto a float image."""
    cx, cy = canvas.point(x, y)
    rx, ry = radius * canvas.ppu, radius * canvas.ppu * stretch_y
    left, right = max(0, int(cx - 2.5 * rx)), min(pixels.shape[1], int(cx + 2.5 * rx) + 1)
    top, bottom = max(0, int(cy - 2.5 * ry)), min(pixels.shape[0], int(cy + 2.5 * ry) + 1)
    if left >= right or top >= bottom:
        return
    dx = (np.arange(left, right, dtype=np.float32) - cx) / rx
    dy = (np.arange(top, bottom, dtype=np.float32) - cy) / ry
    weight = np.exp(-2.2 * (dy[:, None] ** 2 + dx[None, :] ** 2)) * strength
    pixels[top:bottom, left:right] += weight[..., None] * np.array(colour, dtype=np.float32)


def render_set(design: SetDesign, grade: Grade, region: tuple[float, float, float, float], ppu: float,
               horizon: float) -> Image.Image:
    """The set (sky or walls, floor, set pieces, lamp light) over a world region, graded."""
    x0, y0, x1, y1 = region
    width, height = max(1, math.ceil((x1 - x0) * ppu)), max(1, math.ceil((y1 - y0) * ppu))
    rows = y0 + (np.arange(height, dtype=np.float32) + 0.5) / ppu  # world y of each pixel row
    dim = design.dim

    # 1. the backdrop: sky over ground outdoors, wall over floor indoors, as per-row gradients
    far, near = (np.array(c, np.float32) for c in design.ground())
    if design.interior:
        floor_line = base_at(horizon, 0.7)  # the back wall stands a little behind the actors
        wall = np.array(design.wall(), np.float32)
        upper = np.clip((floor_line - rows) / 2.5, 0, 1)[:, None]  # walls darken towards the ceiling
        back = wall * (1 - 0.35 * upper)
        ramp = np.clip((rows - floor_line) / 1.4, 0, 1)[:, None]
        front = far + (near - far) * ramp
        column = np.where((rows < floor_line)[:, None], back, front)
    else:
        floor_line = horizon
        top, low = (np.array(c, np.float32) for c in design.sky())
        sky = low + (top - low) * np.clip((horizon - rows) / 1.8, 0, 1)[:, None]
        ramp = np.clip((rows - horizon) / max(0.3, 1.2 - horizon), 0, 1)[:, None] ** 0.7
        ground = far + (near - far) * ramp
        column = np.where((rows < horizon)[:, None], sky, ground)
    image = Image.fromarray(np.broadcast_to(column[:, None, :], (height, width, 3)).round().astype(np.uint8))
    canvas = WorldCanvas(image, x0, y0, ppu)
    glows: list[tuple] = []  # drawn after the shapes, as additive light

    def lit(colour: Colour) -> Colour:
        return shade(colour, dim)

    # 2. set pieces, each at a fixed world place (a slot index), so every shot of the scene sees the same set
    if design.interior:
        depth = 0.7
        base = floor_line
        canvas.rect(x0 - 1, base - 0.025 * depth, x1 + 1, base, shade(design.wall(), 0.55))  # skirting board
        kitchen, bar = design.has("kitchen"), design.has("bar", "pub", "cafe", "café", "diner", "restaurant")
        for k in canvas.slots(1.9 * depth, 0.35):
            left = 0.35 + k * 1.9 * depth
            if k % 2 == 0 or not (kitchen or bar):  # windows
                wx0, wx1, wy0, wy1 = left, left + 0.7 * depth, base - 1.45 * depth, base - 0.62 * depth
                pane = (22, 30, 58) if design.night else shade(design.sky()[1], 0.95)
                canvas.rect(wx0 - 0.03, wy0 - 0.03, wx1 + 0.03, wy1 + 0.03, shade(design.wall(), 0.6))
                canvas.rect(wx0, wy0, wx1, wy1, pane)
                if design.night:  # a few lit windows across the street
                    pick = rng_for(design.seed, "window", k)
                    for _ in range(3):
                        px, py = pick.uniform(wx0 + 0.05, wx1 - 0.1), pick.uniform(wy0 + 0.05, wy1 - 0.15)
                        canvas.rect(px, py, px + 0.05, py + 0.07, (150, 130, 80))
                canvas.line([((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)], shade(design.wall(), 0.6), 0.02)
                canvas.line([(wx0, (wy0 + wy1) / 2), (wx1, (wy0 + wy1) / 2)], shade(design.wall(), 0.6), 0.02)
                if design.rain:
                    pick = rng_for(design.seed, "pane-rain", k)
                    for _ in range(6):
                        px, py = pick.uniform(wx0, wx1), pick.uniform(wy0, wy1 - 0.1)
                        canvas.line([(px, py), (px - 0.01, py + 0.1)], shade(pane, 1.6), 0.008)
            elif kitchen:  # upper cabinets
                canvas.rect(left, base - 1.6 * depth, left + 0.9 * depth, base - 1.15 * depth, lit((236, 232, 220)))
                canvas.line([(left + 0.45 * depth, base - 1.6 * depth), (left + 0.45 * depth, base - 1.15 * depth)],
                            lit((170, 164, 150)), 0.012)
            else:  # shelves with bottles behind a bar
                for shelf in (1.0, 1.3):
                    sy = base - shelf * depth
                    canvas.rect(left, sy, left + 1.0 * depth, sy + 0.025, lit((80, 52, 36)))
                    pick = rng_for(design.seed, "bottles", k, shelf)
                    for b in range(7):
                        bx = left + 0.05 + b * 0.13 * depth
                        colour = [(40, 90, 50), (120, 60, 30), (200, 190, 170), (60, 40, 80)][pick.integers(4)]
                        canvas.rect(bx, sy - 0.16 * depth, bx + 0.06 * depth, sy, lit(colour))
            if not (kitchen or bar) and k % 2 == 1:  # a picture on the wall between windows
                pick = rng_for(design.seed, "picture", k)
                canvas.rect(left + 0.1, base - 1.3 * depth, left + 0.55 * depth, base - 0.95 * depth, lit((70, 50, 36)))
                canvas.rect(left + 0.13, base - 1.27 * depth, left + 0.55 * depth - 0.03, base - 0.98 * depth,
                            lit(tuple(int(c) for c in pick.integers(60, 200, 3))))
        if kitchen or bar:  # a counter along the back wall
            top_colour = lit((90, 60, 40)) if bar else lit((200, 196, 186))
            canvas.rect(x0 - 1, base - 0.55 * depth, x1 + 1, base, lit((150, 120, 90) if kitchen else (90, 56, 38)))
            canvas.rect(x0 - 1, base - 0.58 * depth, x1 + 1, base - 0.53 * depth, top_colour)
            for k in canvas.slots(0.5 * depth):
                canvas.line([(k * 0.5 * depth, base - 0.5 * depth), (k * 0.5 * depth, base - 0.03)],
                            lit((110, 86, 64)), 0.01)
        if design.has("lamp", "lamps", "lamplight", "lamplit") or design.night:
            for k in canvas.slots(3.3, 1.6):
                lx, ly = 1.6 + k * 3.3, base_at(horizon, 0.8)
                canvas.rect(lx - 0.012, ly - 0.95 * 0.8, lx + 0.012, ly, (40, 36, 32))
                shade_top, shade_bottom = ly - 1.12 * 0.8, ly - 0.92 * 0.8
                canvas.polygon([(lx - 0.07, shade_top), (lx + 0.07, shade_top), (lx + 0.11, shade_bottom),
                                (lx - 0.11, shade_bottom)], (238, 214, 160))
                glows.append((lx, ly - 1.0 * 0.8, 0.55, (255, 190, 110), 0.55 if design.night else 0.2, 1.0))
    else:
        if design.has("street", "city", "alley", "road", "square", "rooftop", "town", "downtown"):
            depth, slot = 0.55, 1.4
            base = base_at(horizon, depth)
            for k in canvas.slots(slot * depth):
                pick = rng_for(design.seed, "building", k)
                left, width_ = k * slot * depth, slot * depth * pick.uniform(0.75, 1.0)
                top_y = base - pick.uniform(1.6, 3.4) * depth
                daylight_body = tuple(int(c) for c in pick.integers(120, 175, 3))
                body = shade((58, 62, 78), 0.5) if design.night else lit(daylight_body)
                canvas.rect(left, top_y, left + width_, base, body)
                for row in range(int((base - top_y) / (0.28 * depth)) - 1):
                    for column in range(int(width_ / (0.22 * depth))):
                        lit_window = pick.random() < (0.35 if design.night else 0.0)
                        colour = (236, 196, 120) if lit_window else shade(body, 0.7 if design.night else 0.8)
                        wx, wy = left + 0.06 * depth + column * 0.22 * depth, top_y + 0.12 * depth + row * 0.28 * depth
                        canvas.rect(wx, wy, wx + 0.1 * depth, wy + 0.14 * depth, colour)
            curb = base_at(horizon, 0.8)
            canvas.rect(x0 - 1, base, x1 + 1, curb, lit((124, 122, 118)))  # the far pavement
            canvas.rect(x0 - 1, curb, x1 + 1, curb + 0.02, lit((170, 168, 160)))
        if design.has("platform", "station", "train", "railway", "subway", "tube"):
            edge = base_at(horizon, 0.9)
            track = base_at(horizon, 0.6)
            canvas.rect(x0 - 1, track, x1 + 1, edge, (26, 24, 24) if design.night else lit((70, 64, 60)))
            for rail in (0.35, 0.7):
                ry = track + (edge - track) * rail
                canvas.rect(x0 - 1, ry, x1 + 1, ry + 0.012, lit((140, 140, 146)))
            canvas.rect(x0 - 1, edge, x1 + 1, edge + 0.025, lit((200, 196, 186)))
            canvas.rect(x0 - 1, edge + 0.045, x1 + 1, edge + 0.07, shade((232, 196, 40), max(dim, 0.6)))
            if design.has("train"):
                depth = 0.6
                bottom, height_ = track - 0.02, 0.95 * depth
                body = (150, 154, 162) if not design.night else (72, 76, 86)
                canvas.rect(x0 - 1, bottom - height_, x1 + 1, bottom, body)
                canvas.rect(x0 - 1, bottom - height_ - 0.03, x1 + 1, bottom - height_ + 0.04, shade(body, 0.7))
                canvas.rect(x0 - 1, bottom - 0.3 * depth, x1 + 1, bottom - 0.24 * depth, (150, 34, 40))
                for k in canvas.slots(0.42 * depth):
                    wx = k * 0.42 * depth
                    if k % 6 == 0:  # a door
                        canvas.rect(wx, bottom - 0.86 * depth, wx + 0.28 * depth, bottom - 0.02, shade(body, 0.8))
                        canvas.line([(wx + 0.14 * depth, bottom - 0.86 * depth), (wx + 0.14 * depth, bottom - 0.02)],
                                    shade(body, 0.5), 0.008)
                        continue
                    window = (218, 198, 146) if design.night else (70, 84, 100)
                    canvas.rect(wx + 0.04, bottom - 0.8 * depth, wx + 0.36 * depth, bottom - 0.48 * depth, window)
                    if design.night:
                        glows.append((wx + 0.2 * depth, bottom - 0.64 * depth, 0.22, (255, 200, 120), 0.18, 0.6))
        if design.has("forest", "woods", "park", "garden", "trees"):
            for layer, (depth, spacing) in enumerate([(0.5, 0.5), (0.78, 1.1)]):
                base = base_at(horizon, depth)
                for k in canvas.slots(spacing):
                    pick = rng_for(design.seed, "tree", layer, k)
                    tx, tall = k * spacing + pick.uniform(0, spacing * 0.6), pick.uniform(1.8, 2.8) * depth
                    trunk = lit(shade((74, 54, 38), 0.8 + 0.2 * layer))
                    canvas.rect(tx - 0.04 * depth, base - tall, tx + 0.04 * depth, base, trunk)
                    leaves = lit(shade((44, 86, 48), 0.75 + 0.25 * layer))
                    for blob in range(3):
                        canvas.ellipse(tx + pick.uniform(-0.2, 0.2) * depth, base - tall + pick.uniform(0, 0.4) * depth,
                                       pick.uniform(0.25, 0.4) * depth, pick.uniform(0.3, 0.45) * depth, leaves)
        if design.has("beach", "sea", "ocean", "shore", "coast", "harbour", "harbor", "pier", "lake"):
            shore = base_at(horizon, 0.7)
            sea = lit((52, 112, 152)) if not design.night else (14, 24, 44)
            canvas.rect(x0 - 1, horizon, x1 + 1, shore, sea)
            canvas.rect(x0 - 1, shore - 0.015, x1 + 1, shore + 0.015, lit((226, 232, 232)))
        if design.has("hills", "hill", "mountain", "mountains", "countryside", "field", "desert", "valley"):
            xs = np.linspace(x0 - 1, x1 + 1, 64)
            crest = horizon - 0.25 - 0.15 * np.sin(xs * 1.3 + design.seed % 7) - 0.08 * np.sin(xs * 3.1)
            canvas.polygon([(x0 - 1, horizon)] + list(zip(xs, crest)) + [(x1 + 1, horizon)],
                           mix(design.sky()[1], shade(design.ground()[0], 0.8), 0.5))
        if design.night and not design.rain and design.has("moon", "moonlit", "moonlight", "stars", "sky"):
            canvas.ellipse(1.4, horizon - 1.5, 0.12, 0.12, (232, 232, 214))
        if design.has("lamp", "lamps", "sodium", "streetlight", "streetlights", "lamppost", "lampposts", "lamplight"):
            sodium = design.has("sodium")
            depth = 0.85
            base = base_at(horizon, depth)
            for k in canvas.slots(2.6, 0.9):
                lx = 0.9 + k * 2.6
                top_y = base - 1.9 * depth
                post = (34, 34, 38)
                canvas.rect(lx - 0.018 * depth, top_y, lx + 0.018 * depth, base, post)
                canvas.rect(lx - 0.04 * depth, base - 0.05 * depth, lx + 0.04 * depth, base, post)
                canvas.line([(lx, top_y), (lx + 0.16 * depth, top_y - 0.04 * depth)], post, 0.02 * depth)
                head = (255, 182, 86) if sodium else (248, 240, 214)
                lamp_x, lamp_y = lx + 0.17 * depth, top_y - 0.02 * depth
                canvas.ellipse(lamp_x, lamp_y, 0.05 * depth, 0.025 * depth, head if design.night else (200, 200, 200))
                if design.night or design.time in ("dusk", "dawn"):
                    colour = (255, 150, 50) if sodium else (255, 226, 180)
                    glows.append((lamp_x, lamp_y, 0.45, colour, 0.75, 1.0))
                    glows.append((lamp_x, base + 0.05, 0.7, colour, 0.28, 0.25))  # the pool of light below
                    if design.rain:
                        glows.append((lamp_x, base + 0.35, 0.1, colour, 0.35, 4.0))  # reflection on the wet floor

    # 3. light, haze and grade as one float pass
    pixels = np.asarray(image, dtype=np.float32).copy()
    for x, y, radius, colour, strength, stretch in glows:
        add_glow(pixels, canvas, x, y, radius, colour, strength, stretch)
    if design.has("fog", "mist", "foggy", "misty", "haze", "hazy", "smoke", "smoky"):
        haze = np.array(design.sky()[1], np.float32)
        pixels = pixels * 0.65 + haze * 0.35
    return Image.fromarray(grade.array(pixels).round().astype(np.uint8))


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

        # the set, rendered once at the sharpest scale this part needs, over the area its camera visits
        frame_indices = range(piece.offset_frames, piece.offset_frames + piece.frames)
        set_cameras = [self.cameras(index)[1] for index in frame_indices]
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
        self.set_image = render_set(design, grade, region, self.set_ppu, self.horizon)
        self._last_set_frame: tuple[Camera, Image.Image] | None = None
        self.shoulders = self._shoulder_layer()

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

    def _shoulder_layer(self) -> Image.Image | None:
        """Back-to-camera characters: a dark, soft shoulder and head at the frame's edge (screen space)."""
        shoulders = [a for a in self.actors if a.placement.silhouette]
        if not shoulders:
            return None
        w, h = self.width, self.height
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
        return layer.filter(ImageFilter.GaussianBlur(radius=max(1.0, 0.02 * h)))

    # -- per frame

    def cameras(self, shot_frame: int) -> tuple[Camera, Camera]:
        shot = self.piece.shot
        p = shot_frame / max(1, self.piece.shot_frames - 1)
        return camera_move(shot.camera_movement, self.base, self.aspect, p, shot_frame / self.fps,
                           self.jitter_phases)

    def _set_frame(self, camera: Camera) -> Image.Image:
        if self._last_set_frame and self._last_set_frame[0] == camera:  # static shots resample once
            return self._last_set_frame[1].copy()
        left = (camera.cx - camera.view * self.aspect / 2 - self.set_origin[0]) * self.set_ppu
        top = (camera.cy - camera.view / 2 - self.set_origin[1]) * self.set_ppu
        span_x, span_y = camera.view * self.aspect * self.set_ppu, camera.view * self.set_ppu
        # resize with a box: separable and several times faster than an affine transform, and it filters
        # properly when the set is reduced
        frame = self.set_image.resize((self.width, self.height), Image.BILINEAR,
                                      box=(left, top, left + span_x, top + span_y))
        self._last_set_frame = (camera, frame)
        return frame.copy()

    def picture(self, shot_frame: int) -> Image.Image:
        """The frame's picture: set, figures, shoulders, labels (no subtitles or slate)."""
        camera, set_camera = self.cameras(shot_frame)
        image = self._set_frame(set_camera)
        draw = ImageDraw.Draw(image)
        ppu = self.height / camera.view
        t = shot_frame / self.fps
        speaking = {line.speaker for line in self.subtitles if line.start <= t < line.end}
        visible = sorted((a for a in self.actors if not a.placement.silhouette), key=lambda a: a.feet_y)
        label_size = max(7, round(self.height * 0.038))
        for actor in visible:
            unit = ppu * actor.placement.depth * self.figure_scale
            feet_x = self.width / 2 + (actor.x - camera.cx) * ppu * self.figure_scale
            feet_y = self.height / 2 + (actor.feet_y - camera.cy) * ppu * self.figure_scale
            mouth = mouth_openness(t, phase=stable_int(actor.id) % 7) if actor.id in speaking else 0.0
            draw_figure(image, draw, actor.look, feet_x, feet_y, unit, actor.facing, mouth, actor.expression,
                        actor.face)
            if -unit * 0.2 < feet_x < self.width + unit * 0.2:  # a name label under (or above) each figure
                if feet_y + 0.02 * unit + label_size * 1.4 <= self.height:  # under the feet
                    label_y = feet_y + 0.02 * unit
                else:  # feet out of frame: above the head, or at the top edge
                    label_y = max(feet_y - 1.06 * unit - label_size * 1.3, label_size * 1.6)
                stamp = label_stamp(actor.name, label_size)
                label_x = min(max(feet_x - stamp.width / 2, 1), self.width - stamp.width - 1)
                image.paste(stamp, (round(label_x), round(label_y)), stamp)
        if self.shoulders is not None:
            base_ppu = self.height / self.base.view
            # the shoulder is nearer than anyone: it slides a little more than the figures when the camera moves
            offset = (round(-(camera.cx - self.base.cx) * base_ppu * 1.3),
                      round(-(camera.cy - self.base.cy) * base_ppu))
            image.paste(self.shoulders, offset, self.shoulders)
        return image


# --- precipitation ------------------------------------------------------------------------------------------------

class Precipitation:
    """Rain streaks (or snowflakes) as two seeded textures that scroll with the shot's frame index (not the film's:
    a render depends on its picture, never on where the film places it)."""

    def __init__(self, size: tuple[int, int], seed: int, snow: bool):
        self.width, self.height = size
        self.snow = snow
        self.layers = [self._texture(seed, layer) for layer in range(2)]

    def _texture(self, seed: int, layer: int) -> Image.Image:
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
        tiled = Image.new("L", (2 * w, 2 * h))
        for ox in (0, w):
            for oy in (0, h):
                tiled.paste(mask, (ox, oy))
        return tiled

    def draw(self, image: Image.Image, shot_frame: int) -> None:
        w, h = self.width, self.height
        colour = (236, 236, 240) if self.snow else (200, 208, 222)
        for layer, texture in enumerate(self.layers):
            speed = (0.012 if self.snow else 0.09) * (1 + layer) * h  # pixels per frame, the near layer faster
            drift = (0.003 if self.snow else 0.011) * (1 + layer) * h
            y = int(h - (shot_frame * speed) % h)
            x = int((shot_frame * drift) % w)
            image.paste(colour, (0, 0, w, h), texture.crop((x, y, x + w, y + h)))


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

    def draw(self, image: Image.Image, piece: SegmentShot, t: float) -> None:
        """Paste the slate and the subtitles active at shot time t; each is rendered once and reused."""
        stamps = []
        if self.slate:
            stamps.append(("slate", piece.shot.id, piece.part))
        if self.subtitles:
            lines = tuple(text for line in piece.subtitles if line.start <= t < line.end for text in self.wrapped(line))
            if lines:
                stamps.append(("subtitle", lines))
        for key in stamps:
            if key not in self._stamps:
                self._stamps[key] = self._slate(piece) if key[0] == "slate" else self._subtitle(key[1])
            stamp, position = self._stamps[key]
            image.paste(stamp, position, stamp)


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
    """One picture of a shot: the drawing, the weather at that frame of the shot, the dutch tilt."""
    picture = plan.picture(shot_frame)
    if weather:
        weather.draw(picture, shot_frame)
    if plan.roll:
        picture = _rotate(picture, plan.roll)
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
        """
        width, height = segment.resolution
        design = SetDesign.from_text(segment.setting, segment.look, segment.seed)
        grade = design.grade(segment.look)
        # it does not rain indoors: an interior shows the rain on its window panes instead
        weather = Precipitation((width, height), segment.seed, snow=design.snow and not design.rain) \
            if (design.rain or design.snow) and not design.interior else None
        overlays = Overlays(segment)
        anchor_image = _load_rgb(Path(anchor), (width, height)) if anchor is not None else None
        end_image = _load_rgb(Path(end_anchor), (width, height)) if end_anchor is not None else None
        keyframed = segment.anchoring == Anchoring.keyframe
        continues_shot = anchor_image is not None and segment.shots and segment.shots[0].part > 1

        first_picture = last_picture = None
        previous_picture = None if keyframed else anchor_image  # what a dissolve starts from
        with tqdm(total=segment.frames, desc=f"animatic {segment.id}", unit="frame", leave=False,
                  disable=None) as progress, FrameWriter(video, (width, height), segment.fps, crf=self.crf) as writer:
            frame_index = 0
            for piece in segment.shots:
                plan = ShotPlan(self, segment, piece, Path(root), design, grade)
                shot = piece.shot
                for j in range(piece.frames):
                    shot_frame = piece.offset_frames + j
                    t = shot_frame / segment.fps
                    if frame_index == 0 and continues_shot:
                        picture = anchor_image.copy()  # first-last frame anchoring: start exactly where we left
                    elif frame_index == segment.frames - 1 and end_image is not None:
                        picture = end_image.copy()  # keyframe mode: end where the next part of the shot starts
                    else:
                        if frame_index == 0 and keyframed and anchor_image is not None:
                            picture = anchor_image.copy()  # keyframe mode: open on the keyframe
                        else:
                            picture = _draw(plan, weather, shot_frame)
                        if t < TRANSITION_SECONDS and shot.transition != Transition.cut:
                            amount = t / TRANSITION_SECONDS
                            start = previous_picture if shot.transition == Transition.dissolve else None
                            start = start if start is not None else Image.new("RGB", (width, height))
                            picture = Image.blend(start, picture, amount)
                    if frame_index == 0:
                        first_picture = picture
                    frame = picture
                    if overlays.active:
                        frame = picture.copy()
                        overlays.draw(frame, piece, t)
                    writer.write(np.asarray(frame))
                    last_picture = picture
                    frame_index += 1
                    progress.update(1)
                previous_picture = last_picture
        save_png(first_picture, first_frame)
        save_png(last_picture, last_frame)
