"""The animatic draws each scene's own set: scene headings (INT./EXT./I/E, the place, the time of day) and older
free-form settings give visibly different sets, every scene at one place the same set, byte for byte."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from test_animatic import difference, shot_part, pixels, render, segment

from scriptagent.director import animatic
from scriptagent.director.animatic import SetDesign, split_heading, time_of_day
from scriptagent.errors import BackendError

SMALL = (160, 90)
NAMES = itertools.count()


def picture(tmp_path, setting: str, name: str | None = None, size="wide", characters=(), **shot) -> np.ndarray:
    """The first picture of a one-shot segment at 160x90 (no overlays), as int16 pixels."""
    seg = segment(shot_part("sh01", 0.25, size=size, characters=list(characters), **shot), setting=setting, size=SMALL)
    _, first, _ = render(tmp_path, seg, name or f"picture{next(NAMES)}")
    return pixels(first)


def top_third(image: np.ndarray) -> np.ndarray:
    return image[: image.shape[0] // 3].reshape(-1, 3).mean(axis=0)


def water_band(image: np.ndarray) -> np.ndarray:
    """Rows between the horizon and the near shore of a wide shot at eye level."""
    height = image.shape[0]
    return image[int(height * 0.45): int(height * 0.64)].reshape(-1, 3).mean(axis=0)


# --- reading the heading ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("setting, time", [
    ("EXT. BRIDGE - DAWN", "dawn"),
    ("EXT. GOLDEN GATE BRIDGE - DAWN. Fog rolls in over the water.", "dawn"),
    ("INT. SCOTT'S APARTMENT - NIGHT. A TV flickers.", "night"),
    ("EXT. PARK - DUSK", "dusk"),
    ("EXT. ROOFTOP - SUNSET", "dusk"),
    ("INT. DINER - EVENING", "dusk"),
    ("INT. KITCHEN - MORNING", "day"),
    ("EXT. STREET - DAY", "day"),
    ("INT. OFFICE - LATER", "day"),  # says nothing: day
    ("EXT. STREET - CONTINUOUS. Moonlit puddles.", "night"),  # says nothing: the description tells
    ("INT. SCOTT'S APARTMENT - KITCHEN - NIGHT", "night"),
    ("a night train platform in the rain, sodium lamps", "night"),  # free text, as before
    ("a small kitchen in the morning", "day"),
])
def test_time_of_day_parses_from_headings(setting, time):
    assert SetDesign.from_text(setting, "", 1).time == time


def test_heading_parts():
    assert split_heading("EXT. GOLDEN GATE BRIDGE - DAWN. Fog rolls in over the water.") == (
        "EXT", "GOLDEN GATE BRIDGE", "DAWN", "Fog rolls in over the water.")
    assert split_heading("INT. SCOTT'S APARTMENT - KITCHEN - NIGHT") == ("INT", "SCOTT'S APARTMENT - KITCHEN", "NIGHT",
                                                                         "")
    assert split_heading("I/E. TAXI - MOVING - NIGHT")[:3] == ("I/E", "TAXI - MOVING", "NIGHT")
    assert split_heading("INT./EXT. FARMHOUSE PORCH - DUSK")[0] == "I/E"
    assert split_heading("EXT. ST. MARY'S CHURCH. Bells ring.") == ("EXT", "ST. MARY'S CHURCH", None, "Bells ring.")
    assert split_heading("int. kitchen - night. the kettle boils.")[1:] == ("kitchen", "night", "the kettle boils.")
    assert split_heading("a night train platform in the rain") is None
    assert time_of_day("EARLY MORNING") == "day" and time_of_day("MOMENTS LATER") is None


@pytest.mark.parametrize("setting, interior, place, vehicle", [
    ("EXT. GOLDEN GATE BRIDGE - DAWN", False, "bridge", None),
    ("EXT. HILLSIDE ABOVE THE CITY - DAY", False, "hillside", None),  # the place comes before 'above'
    ("EXT. BANK OF THE RIVER - DAY", False, "river", None),
    ("EXT. BEACH - DAY", False, "sea", None),
    ("EXT. CITY STREET - NIGHT. A taxi idles.", False, "street", "taxi"),
    ("EXT. CAR - NIGHT", False, "road", "car"),
    ("INT. CAR - NIGHT", True, "vehicle", "car"),
    ("I/E. TAXI - MOVING - NIGHT", True, "vehicle", "taxi"),
    ("INT. TRAIN - DINING CAR - DAY", True, "vehicle", "train"),
    ("INT. SCOTT'S APARTMENT - NIGHT. A car alarm wails outside.", True, "apartment", None),
    ("INT. SCOTT'S APARTMENT - KITCHEN - NIGHT", True, "kitchen", None),
    ("INT. HOTEL BAR - NIGHT", True, "bar", None),
    ("INT. HOTEL ROOM - DAY", True, "hotel", None),
    ("INT. POLICE STATION - DAY", True, "office", None),
    ("INT. TRAIN STATION - DAY", True, "station", None),
    ("INT. CAFÉ - MORNING", True, "cafe", None),
    ("INT. HOSPITAL ROOM - NIGHT", True, "hospital", None),
    ("a night train platform in the rain", False, "station", "train"),
    ("a small kitchen in the morning", True, "kitchen", None),
])
def test_heading_gives_the_place(setting, interior, place, vehicle):
    design = SetDesign.from_text(setting, "", 1)
    assert (design.interior, design.place, design.vehicle) == (interior, place, vehicle)


def test_weather_and_doorways_from_the_words():
    assert SetDesign.from_text("EXT. GOLDEN GATE BRIDGE - DAWN. Fog rolls in over the water.", "", 1).fog
    assert SetDesign.from_text("EXT. STREET - NIGHT. Rain hammers the cars.", "", 1).rain
    assert SetDesign.from_text("EXT. FIELD - DAY. Snow falls.", "", 1).snow
    porch = SetDesign.from_text("INT./EXT. FARMHOUSE - DUSK", "", 1)
    assert porch.interior and porch.doorway
    assert not SetDesign.from_text("I/E. CAR - DAY", "", 1).doorway


def test_one_place_is_one_set_whatever_the_description_or_the_hour():
    one = SetDesign.from_text("INT. OFFICE - DAY. Scott waits.", "", 7)
    assert one.seed == SetDesign.from_text("INT. OFFICE - DAY. Midge paces by the window.", "", 7).seed
    assert one.seed == SetDesign.from_text("INT. OFFICE - NIGHT", "", 7).seed
    assert one.seed != SetDesign.from_text("INT. OFFICE - DAY", "", 8).seed  # the production's seed counts
    assert one.seed != SetDesign.from_text("INT. BACK OFFICE - DAY", "", 7).seed


# --- what the sets look like ------------------------------------------------------------------------------------

def test_the_hour_colours_the_sky_and_an_interior_shows_no_sky(tmp_path):
    dawn = top_third(picture(tmp_path, "EXT. GOLDEN GATE BRIDGE - DAWN"))
    night = top_third(picture(tmp_path, "EXT. GOLDEN GATE BRIDGE - NIGHT"))
    day = top_third(picture(tmp_path, "EXT. BEACH - DAY"))
    dusk = top_third(picture(tmp_path, "EXT. FIELD - DUSK"))
    assert dawn[0] > dawn[2] + 30 and dawn.mean() > 120  # pink and orange, bright
    assert night.mean() < 60  # dark (a few lights)
    assert day[2] > day[0] + 50  # blue
    assert dusk[2] > dusk[1] and dusk[0] > dusk[1] + 30  # purple over orange
    for setting in ("INT. SCOTT'S APARTMENT - DAY", "INT. KITCHEN - DAY", "INT. CAFÉ - DAY", "INT. BEDROOM - DAY"):
        inside = top_third(picture(tmp_path, setting))
        assert inside[2] < inside[0] + 25, setting  # walls, not sky
        assert np.abs(inside - day).mean() > 25, setting
    # clear margins between the three
    assert np.abs(dawn - night).mean() > 60 and np.abs(dawn - day).mean() > 25 and np.abs(night - day).mean() > 60


@pytest.mark.parametrize("setting", ["EXT. BEACH - DAY", "EXT. GOLDEN GATE BRIDGE - DAY", "EXT. LAKE - DAY",
                                     "EXT. HARBOR - DAY", "EXT. GOLDEN GATE BRIDGE - DAWN"])
def test_water_is_a_blue_band_below_the_horizon(tmp_path, setting):
    band = water_band(picture(tmp_path, setting))
    assert band[2] > band[0] + 25, band


def test_dry_land_has_no_blue_band(tmp_path):
    for setting in ("EXT. FIELD - DAY", "EXT. CITY STREET - DAY", "EXT. FOREST - DAY"):
        band = water_band(picture(tmp_path, setting))
        assert band[2] < band[0] + 10, setting


def test_windows_show_the_hour_outside(tmp_path):
    day = picture(tmp_path, "INT. SCOTT'S APARTMENT - DAY")
    night = picture(tmp_path, "INT. SCOTT'S APARTMENT - NIGHT")
    assert day.mean() > night.mean() + 30


def test_every_kind_of_place_draws_its_own_set(tmp_path):
    settings = ["EXT. GOLDEN GATE BRIDGE - DAY", "EXT. CITY STREET - DAY", "EXT. HILLSIDE - DAY", "EXT. FOREST - DAY",
                "EXT. PARK - DAY", "EXT. BEACH - DAY", "EXT. HARBOR - DAY", "EXT. FIELD - DAY", "EXT. HIGHWAY - DAY",
                "EXT. TRAIN PLATFORM - DAY", "EXT. SWIMMING POOL - DAY", "INT. CAR - DAY", "INT. BUS - DAY",
                "INT. KITCHEN - DAY", "INT. BAR - DAY", "INT. CAFÉ - DAY", "INT. OFFICE - DAY",
                "INT. HOTEL ROOM - DAY", "EXT. CHURCH - DAY", "EXT. FARMHOUSE - DAY",
                "INT. BEDROOM - DAY", "INT. LIVING ROOM - DAY", "INT. HOSPITAL ROOM - DAY", "INT. TRAIN STATION - DAY",
                "INT. SCOTT'S APARTMENT - DAY", "INT. STORAGE ROOM - DAY"]
    pictures = {setting: picture(tmp_path, setting, name=f"set{index}") for index, setting in enumerate(settings)}
    closest = min((difference(pictures[a], pictures[b]), a, b) for i, a in enumerate(settings)
                  for b in settings[i + 1:])
    assert closest[0] > 6, closest


def test_the_same_heading_draws_the_same_set_and_another_place_another(tmp_path):
    a = picture(tmp_path, "INT. OFFICE - DAY. Scott waits.", name="a")
    b = picture(tmp_path, "INT. OFFICE - DAY. Midge paces.", name="b")
    assert np.array_equal(a, b)
    # the same place by night: the same room, darker
    night = picture(tmp_path, "INT. OFFICE - NIGHT", name="night")
    assert night.mean() < a.mean() - 20
    other = picture(tmp_path, "INT. HOTEL ROOM - DAY", name="other")
    assert difference(a, other) > 10


def test_vehicle_interior_and_exterior(tmp_path):
    inside = picture(tmp_path, "INT. CAR - DAY")
    outside = picture(tmp_path, "EXT. CAR - DAY")
    street = picture(tmp_path, "EXT. ROAD - DAY")
    assert difference(inside, outside) > 20
    assert difference(outside, street) > 1  # the car stands on the road
    assert top_third(outside)[2] > top_third(outside)[0] + 30  # outside: sky above
    assert top_third(inside)[2] < top_third(inside)[0] + 25  # inside: the roof


@pytest.mark.parametrize("size", ["extreme-wide", "medium", "close-up"])
@pytest.mark.parametrize("angle", ["eye-level", "high", "low", "dutch"])
def test_every_framing_of_a_heading_set_renders(tmp_path, size, angle):
    image = picture(tmp_path, "EXT. GOLDEN GATE BRIDGE - NIGHT. Fog.", size=size, angle=angle,
                    characters=[("ana", "left third"), ("ben", "right third")])
    assert image.shape == (SMALL[1], SMALL[0], 3) and image.std() > 3


# --- the invariants -------------------------------------------------------------------------------------------------

def test_a_render_does_not_depend_on_its_place_in_the_film(tmp_path):
    shot = shot_part("sh01", 1.0, size="medium", move="dolly-in", lines=[("ana", "Hello.", 0.1, 0.8)])
    setting = "EXT. CITY STREET - NIGHT. Rain lashes the neon."
    early = render(tmp_path, segment(shot, setting=setting, subtitles=True, first_frame=0), "early")
    late = render(tmp_path, segment(shot, setting=setting, subtitles=True, first_frame=977), "late")
    for a, b in zip(early, late):
        assert a.read_bytes() == b.read_bytes()


def test_a_heading_set_is_the_same_bytes_in_another_process(tmp_path):
    seg = segment(shot_part("sh01", 0.5, size="wide", move="pan-left", lines=[("ana", "Hi.", 0.0, 0.4)]),
                  setting="EXT. GOLDEN GATE BRIDGE - DAWN. Fog rolls in over the water.", look="35mm film, tungsten",
                  size=SMALL, subtitles=True, slate=True)
    video, first, last = render(tmp_path, seg, "here")
    (tmp_path / "segment.json").write_text(seg.model_dump_json())
    code = ("import sys; from pathlib import Path; "
            "from scriptagent.director.animatic import AnimaticRenderer; from scriptagent.plan import Segment; "
            "seg = Segment.model_validate_json(Path(sys.argv[1]).read_text()); out = Path(sys.argv[2]); "
            "AnimaticRenderer(seg.director).render(seg, out, None, out / 'v.mp4', out / 'f.png', out / 'l.png')")
    other = tmp_path / "there"
    other.mkdir()
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "segment.json"), str(other)], check=True,
                   env={**os.environ, "PYTHONHASHSEED": "123"})
    assert (other / "v.mp4").read_bytes() == video.read_bytes()
    assert (other / "f.png").read_bytes() == first.read_bytes()
    assert (other / "l.png").read_bytes() == last.read_bytes()


def test_an_encoder_failure_is_reported_and_leaves_no_video(tmp_path, monkeypatch):
    calls = []

    def failing(self, frame):
        calls.append(1)
        if len(calls) == 5:
            raise BackendError("ffmpeg failed to encode (test)")

    monkeypatch.setattr(animatic.FrameWriter, "write", failing)
    seg = segment(shot_part("sh01", 2.0, size="medium", move="pan-right"), setting="EXT. PARK - DAY")
    with pytest.raises(BackendError, match="test"):
        render(tmp_path, seg, "failed")
    assert not (tmp_path / "failed" / "video.mp4").exists()
    assert len(calls) == 5  # the frames after the failure are not handed to the encoder


def test_cast_looks_from_appearance_words():
    old = animatic.parse_appearance("Ben", "an old man with a white braid, red wool coat")
    assert old.hair[0] > 200 and old.long_hair and old.top[0] > 150 > old.top[2]
    assert animatic.parse_appearance("Ana", "long brown hair").long_hair
    grey = animatic.parse_appearance("Rose", "a woman in her seventies, blue cardigan")
    assert grey.hair[0] == grey.hair[1] == grey.hair[2] > 120
    assert animatic.parse_appearance("Kit", "a girl of eight, yellow raincoat").height < 0.8
    assert animatic.parse_appearance("Mara", "woman in her thirties, short black hair").height == 1.0
