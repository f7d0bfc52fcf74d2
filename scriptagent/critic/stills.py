"""The stills the critic makes of a render: JPEG thumbnails THUMB_WIDTH wide, for the report and the judge."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

THUMB_WIDTH = 320
MISSING = (90, 90, 90)  # the grey of a still the render did not have (an incomplete render)


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def still(frame: np.ndarray | None, resolution: tuple[int, int]) -> bytes:
    """A frame of a render at `resolution` (width, height) as a JPEG thumbnail; grey when there is no frame."""
    width, height = resolution
    size = (THUMB_WIDTH, max(2, round(THUMB_WIDTH * height / width)))
    image = Image.fromarray(frame) if frame is not None else Image.new("RGB", (width, height), MISSING)
    return jpeg(image.resize(size, Image.BILINEAR))
