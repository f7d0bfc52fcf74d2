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

Modules: look (seeded helpers, the colour grade, appearance words), ages (how old a description says), lexicon
(WordNet 3.0 hypernyms and colour names, for the words the hand lists do not know), vocabulary (the WordNet senses
that stand for drawing decisions), set_design (setting text -> what the set shows), set_painter (the set's canvas,
backdrop, windows, lamps), set_interiors, set_exteriors and set_scenery (the set pieces), set_furniture (the
furniture a room's text names), sets (which pieces a set has, in drawing order), figure (people, the placeholder
portrait), camera (framing, angles, moves), shot_plan (a shot part over time), weather (rain, snow), overlays (slate,
subtitles, name labels), renderer (the backend).
"""

from __future__ import annotations

import importlib

# the public names, by the module that defines them; each is imported on first use, so that the portrait
# (`figure`) comes without the renderer and its video code
_HOMES = {
    "AnimaticRenderer": "renderer", "FrameWriter": "renderer", "RENDERER_VERSION": "renderer",
    "SLATE_SHOWS_SHOT_IDS": "renderer", "MOUTH_STEPS": "shot_plan", "ShotPlan": "shot_plan",
    "parse_position": "shot_plan", "draw_portrait": "figure", "parse_appearance": "look", "SetDesign": "set_design",
    "split_heading": "set_design", "time_of_day": "set_design",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
