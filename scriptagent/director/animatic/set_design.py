"""Setting text -> set design: a scene heading (INT./EXT./I/E, the place, the time of day) or free setting text
read as what its set shows (the place, the hour, the weather) and its colours (sky, water, ground, walls)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import vocabulary
from .look import Colour, Grade, mix, rng_for, shade, stable_int, words_of

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


def _lexicon_place(words: list[str], interior: bool) -> str | None:
    """The place the last word the lexicon knows stands for ('parlour' -> living, 'heath' -> field, 'the Thames'
    -> river); a plain room is no particular place."""
    found = None
    for word in words:
        kinds = vocabulary.place(word)
        if kinds and kinds[0 if interior else 1] not in ("", "room"):
            found = kinds[0 if interior else 1]
    return found


def _lexicon_interior(words: list[str]) -> bool | None:
    """Inside or out, from the first word the lexicon knows as a place: a morning-room or a countinghouse is inside,
    a heath or a churchyard outside; None when no word tells."""
    for word in words:
        kinds = vocabulary.place(word)
        if kinds and (kinds[0] or kinds[1]):
            return bool(kinds[0])
    return None


def _furniture(words: list[str]) -> tuple[str, ...]:
    """The pieces of furniture a room's text names, as kinds ('a piano', 'an armchair' -> piano, seat)."""
    return tuple(dict.fromkeys(kind for word in words if (kind := vocabulary.furniture(word))))


@dataclass(frozen=True)
class SetDesign:
    interior: bool
    time: str  # dawn, day, dusk, night
    words: frozenset[str]
    seed: int
    place: str = "room"  # what the set shows: a key of INTERIOR_PLACES or EXTERIOR_PLACES, 'room' or 'open'
    vehicle: str | None = None  # car, taxi, bus, train, truck: the one the scene is in (interior) or beside
    doorway: bool = False  # I/E outside a vehicle: an interior seen with its door open onto the outside
    furniture: tuple[str, ...] = ()  # pieces the text names in a room: piano, fireplace, stove, seat, table...

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
            # inside or out: the place's own words (hand-listed, else the lexicon's: 'a morning-room', 'a heath'),
            # else every word (hand-listed, else the lexicon's)
            hand = INTERIOR_WORDS | EXTERIOR_WORDS
            named, found = set(head_words), None
            if not named & hand:
                found = _lexicon_interior(head_words)
                if found is None:
                    named = set(words_of(text))
                    found = None if named & hand else _lexicon_interior(words_of(text))
            interior = found if found is not None else bool(named & INTERIOR_WORDS) and not named & EXTERIOR_WORDS
            vehicle_word, doorway = None, False
            time = cls._time_from(set(words))
            layout = stable_int(seed, setting)
        places = INTERIOR_PLACES if interior else EXTERIOR_PLACES
        place = _last_place(head_words, places) or _last_place(tail_words, places) or \
            _last_place(described, places) or _lexicon_place(head_words, interior) or \
            _lexicon_place(tail_words, interior) or _lexicon_place(described, interior) or \
            ("room" if interior else "open")
        vehicle_word = vehicle_word or next((w for w in head_words + tail_words + described if w in VEHICLES), None)
        vehicle = VEHICLES[vehicle_word] if vehicle_word else None
        if interior and place != "vehicle":
            vehicle = None  # a car named in a room's description stays outside
        furniture = _furniture(head_words + tail_words + described) if interior and place != "vehicle" else ()
        return cls(interior, time, words, layout, place, vehicle, doorway, furniture)

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
