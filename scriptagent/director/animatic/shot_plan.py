"""What one shot part shows over time: its actors staged from their position text, the base framing, the set
drawn once, the foreground shoulders, and each frame's picture (kept by what it shows, so a held shot draws each
of its few pictures once)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from ...plan import Segment, SegmentShot
from ...schema import Angle, ShotSize
from .camera import (ANGLE_FIGURE_SCALE, ANGLE_HORIZON, DUTCH_DEGREES, EYE_LINE, FIGURE_FRAMING, STAGE_FRAMING,
                     Camera, camera_move, roll_image)
from .figure import FacePaster, draw_figure, mouth_openness
from .look import FigureLook, Grade, mix, parse_appearance, rng_for, shade, stable_int
from .overlays import label_stamp
from .set_design import SetDesign
from .set_painter import base_at
from .sets import render_set

# a cast reference image as a face, graded like the film: (production folder, reference, grade) -> face
FaceSource = Callable[[Path, str, Grade], FacePaster]

MOUTH_STEPS = 5  # a talking mouth takes this many openings, so a held shot has few different pictures
PICTURES_KEPT = 12  # finished pictures a shot part keeps to reuse (fewer of big ones: see pictures_kept)


def pictures_kept(width: int, height: int) -> int:
    """How many finished pictures (and as many frames) a shot keeps: about 40 MB of them, 2 to PICTURES_KEPT."""
    return max(2, min(PICTURES_KEPT, int(20e6 // (width * height * 3))))


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

    def __init__(self, faces: FaceSource, segment: Segment, shot_part: SegmentShot, root: Path, design: SetDesign,
                 grade: Grade):
        self.shot_part = shot_part
        shot = shot_part.shot
        self.width, self.height = segment.resolution
        self.aspect = self.width / self.height
        self.fps = segment.fps
        self.horizon = ANGLE_HORIZON.get(shot.angle, EYE_LINE)
        self.figure_scale = ANGLE_FIGURE_SCALE.get(shot.angle, 1.0)
        self.roll = DUTCH_DEGREES if shot.angle == Angle.dutch else 0.0
        self.subtitles = shot_part.subtitles
        # from what the shot shows, not its id: a renamed shot draws the same picture
        self.jitter_phases = rng_for(segment.seed, shot.description, "handheld").uniform(0, 2 * math.pi, 5)
        light = design.figure_light

        # actors, in the order the script lists them
        self.actors: list[Actor] = []
        for character in shot.characters:
            member = segment.cast.get(character.id)
            name = member.name if member else character.id
            look = parse_appearance(name, member.appearance if member else "").graded(grade, light)
            face = faces(root, member.reference, grade) if member and member.reference else None
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
        frame_indices = range(shot_part.offset_frames, shot_part.offset_frames + shot_part.frames)
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
        shot = self.shot_part.shot
        p = shot_frame / max(1, self.shot_part.shot_frames - 1)
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
            image = roll_image(image, self.roll)
        return image
