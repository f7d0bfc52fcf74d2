"""How things look, from words: the seeded helpers every drawing shares, the film's colour grade (its look), and
a character's appearance text as figure colours and shapes."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFont

from . import lexicon, vocabulary
from .ages import age_of
from .lexicon import words_of

Colour = tuple[int, int, int]


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
OUTFIT = re.compile(r"\b(?:dressed|clad|clothed|garbed|attired|robed|all)\s+(?:all\s+|entirely\s+|wholly\s+)?in\s+"
                    r"([^,;.]+)")
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
    age: str = "adult"  # child, teen, adult or old

    def graded(self, grade: Grade, light: float) -> FigureLook:
        def g(colour):
            return None if colour is None else grade.colour(colour, light)

        return dataclasses.replace(self, hair=g(self.hair), top=g(self.top), legs=g(self.legs), skin=g(self.skin),
                                   hat=g(self.hat), scarf=g(self.scarf), prop_colour=g(self.prop_colour))


def _parts(word: str) -> list[str]:
    """A word, then the parts of a hyphenated one, its head (the last part) first: 'mousy-brown' -> mousy-brown,
    brown, mousy."""
    return [word, *reversed(word.split("-"))] if "-" in word else [word]


def _colour_in(words: list[str], table: dict[str, Colour]) -> Colour | None:
    """The first colour named in `words`, with 'dark'/'light' before it taken into account: a colour of the hand
    tables first, else any word the lexicon knows as one ('burgundy', 'navy', 'inky', 'fair' hair)."""
    known = {**COLOURS, **table}
    for lookup in (known.get, lambda word: lexicon.colour(word, known)):
        for index, word in enumerate(words):
            colour = next((found for part in _parts(word) if (found := lookup(part)) is not None), None)
            if colour is None:
                continue
            before = words[index - 1] if index else ""
            if before in ("dark", "deep"):
                colour = shade(colour, 0.6)
            elif before in ("light", "pale", "pastel", "bright"):
                colour = mix(colour, (255, 255, 255), 0.4)
            return colour
    return None


GARMENT_ROLES = {"hat", "scarf", "legs", "skirt", "top", "long top", "dress", "suit"}


def _hand_role(word: str) -> str | None:
    if word in HAIR_NOUNS or word in {"blonde", "blond", "brunette", "redhead"}:
        return "long hair" if word in LONG_HAIR else "hair"
    if word in BEARD_WORDS:
        return "beard"
    if word in HAT_NOUNS:
        return "hat"
    if word in LEG_NOUNS:
        return "skirt" if word == "skirt" else "legs"
    if word in TOP_NOUNS:
        return "dress" if word == "dress" else "suit" if word == "suit" else \
            "long top" if word in LONG_TOPS else "top"
    if word in {"glasses", "spectacles", "bespectacled"}:
        return "glasses"
    return "scarf" if word == "scarf" else word if word in PROPS else None


def roles_of(words: list[str]) -> dict[str, str]:
    """What each word of a clause names ('hair', 'beard', 'hat', 'top', 'long top', 'dress', 'suit', 'legs', a
    prop...): the hand lists first, then WordNet, two words together where WordNet knows them as one ('frock coat'
    is a coat, not a frock)."""
    roles: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) and word not in COLOURS else None
        role = vocabulary.garment(pair) if pair and word not in ("young", "old") else None
        if role:
            roles[words[index + 1]] = role
            index += 2
            continue
        role = _hand_role(word) or vocabulary.garment(word)
        if role:
            roles[word] = role
        index += 1
    for word, after in zip(words, words[1:]):  # a noun before another is its modifier: a 'fur hat' is a hat
        if word in roles and after in roles:
            del roles[word]
    garments = [word for word, role in roles.items() if role in GARMENT_ROLES]
    for word in garments[:-1]:  # a phrase's garment is its last noun: a 'flannel nightgown' is a nightgown
        del roles[word]
    return roles


def parse_appearance(name: str, appearance: str) -> FigureLook:
    """'short black hair, red wool coat' -> black hair, red coat. Words the hand lists do not know go through the
    lexicon ('grey whiskers, black tailcoat' -> a grey beard, a black coat). Unnamed colours come from the name's
    hash, so a character always looks the same."""
    pick = rng_for("look", name)
    hair: Colour = DEFAULT_HAIR[pick.integers(len(DEFAULT_HAIR))]
    top = DEFAULT_TOPS[pick.integers(len(DEFAULT_TOPS))]
    skin = SKIN_TONES[pick.integers(4)]
    legs: Colour = (52, 52, 60)
    long_hair = long_top = dress = beard = glasses = hair_named = beard_coloured = False  # *_named: a colour
    hat = scarf = prop = None
    prop_colour: Colour = (0, 0, 0)
    text = appearance.lower().replace("-haired", " haired")
    text = re.sub(r"salt[- ]and[- ]pepper", "grey", text)
    text = re.sub(r"sou'?\s?wester", "souwester", text)
    outfit = OUTFIT.search(text)  # 'dressed in decent black': the clothes' colour, where no garment is named
    if outfit and not roles_of(words_of(outfit[1])):
        colour = _colour_in(words_of(outfit[1]), COLOURS)
        if colour:
            top, legs = colour, shade(colour, 0.8)
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
        roles = roles_of(words)
        named = set(roles.values())
        if named & {"hair", "long hair"}:
            coloured = _colour_in(words, HAIR_COLOURS)
            hair, hair_named = coloured or hair, hair_named or coloured is not None
            long_hair = long_hair or bool(found & LONG_HAIR) or "long hair" in named
        elif "beard" in named and not hair_named:  # 'bald, grey beard': the beard tells the colour
            coloured = _colour_in(words, HAIR_COLOURS)
            hair, beard_coloured = coloured or hair, beard_coloured or coloured is not None
        if "hat" in named:
            hat = _colour_in(words, COLOURS) or (40, 40, 46)
        elif "scarf" in named:
            scarf = _colour_in(words, COLOURS) or (170, 40, 40)
        elif named & {"legs", "skirt"}:
            legs = _colour_in(words, COLOURS) or (legs if "jeans" not in found else COLOURS["denim"])
            dress = dress or "skirt" in named
        elif named & {"top", "long top", "dress", "suit"}:
            top = _colour_in(words, COLOURS) or top
            long_top = long_top or "long top" in named
            dress = dress or "dress" in named
            if "suit" in named:
                legs = shade(top, 0.9)
        for role in roles.values():
            if role in PROPS:
                prop, prop_colour = role, _colour_in(words, COLOURS) or PROPS[role]
        beard = beard or "beard" in named
        glasses = glasses or "glasses" in named
    bald = bool(re.search(r"\bbald\b|shaved head|shaven head", text))
    age, years = age_of(text, words_of(text))
    if age == "old" and not hair_named and not beard_coloured:  # the years show in hair of no named colour
        white = (years or 0) >= 80 or re.search(r"eighties|nineties|\b[89]\d\b", text)
        hair = HAIR_COLOURS["white"] if white else HAIR_COLOURS["grey"]
    return FigureLook(hair=hair, long_hair=long_hair and not bald, top=top, long_top=long_top, dress=dress,
                      legs=legs, skin=skin, beard=beard, glasses=glasses, hat=hat, scarf=scarf, prop=prop,
                      prop_colour=prop_colour, bald=bald, height={"child": 0.66, "teen": 0.9}.get(age, 1.0), age=age)
