"""QR codes as images, for the slip and for the screen (the same code on both)."""

from __future__ import annotations

import io

from PIL import Image


def qr_image(payload: str, scale: int = 4, border: int = 4) -> Image.Image:
    """A grayscale QR code, `scale` pixels a module, `border` modules of quiet zone."""
    buffer = io.BytesIO()
    import segno  # here, not at start: it pulls in urllib and xml (34 ms before the first frame)

    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=border)
    buffer.seek(0)
    return Image.open(buffer).convert("L")
