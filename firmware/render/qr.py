"""QR codes as images, for the slip and for the screen (the same code on both)."""

from __future__ import annotations

import io

import segno
from PIL import Image


def qr_image(payload: str, scale: int = 4, border: int = 4) -> Image.Image:
    """A grayscale QR code, `scale` pixels a module, `border` modules of quiet zone."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=border)
    buffer.seek(0)
    return Image.open(buffer).convert("L")
