"""The camera: how each shot size frames the stage or a character, where each angle puts the horizon, and how a
camera move (pan, tilt, track, dolly, zoom, handheld jitter) and a dutch tilt change the view over a shot."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ...schema import Angle, CameraMovement, ShotSize

EYE_LINE = -0.915  # world y of a mid-ground figure's eyes: the horizon of an eye-level camera
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


def smoothstep(p: float) -> float:
    p = min(1.0, max(0.0, p))
    return p * p * (3 - 2 * p)


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


def roll_image(image: Image.Image, degrees: float) -> Image.Image:
    """A dutch tilt: rotated about the centre and enlarged just enough to hide the corners."""
    w, h = image.size
    angle = math.radians(degrees)
    zoom = math.cos(angle) + max(w / h, h / w) * abs(math.sin(angle))
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    cx, cy = w / 2, h / 2
    # output (x, y) -> input: rotate the offset from the centre, shrink it by the zoom
    matrix = (cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy)
    return image.transform((w, h), Image.AFFINE, matrix, resample=Image.BILINEAR)
