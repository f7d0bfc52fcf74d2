"""Rain and snow falling over the picture of an exterior, frame by frame."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .look import rng_for


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
