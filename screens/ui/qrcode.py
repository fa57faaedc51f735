"""A QR code on screen at a physical size: whole pixels a module (crisp edges a phone's camera reads), and at
least the side asked for in millimetres on this panel (`display.px_per_mm`)."""

from __future__ import annotations

import math

import pygame

from firmware.render.qr import qr_image
from screens.ui.theme import Theme

BORDER = 2  # modules of quiet zone: the screen's white margin around it adds more


def qr_surface(payload: str, theme: Theme, side_mm: float, most_px: int) -> pygame.Surface:
    """The code drawn with at least `side_mm` mm a side where `most_px` allows it, up to twice that where there is
    room (a large panel read from further away), never more than `most_px`."""
    import segno  # here, not at start (34 ms of imports before the first frame)

    modules = int(segno.make(payload, error="m", micro=False).symbol_size(scale=1, border=BORDER)[0])
    wanted = math.ceil(side_mm * theme.px_per_mm / modules)
    scale = max(1, min(2 * wanted, most_px // modules))
    image = qr_image(payload, scale=scale, border=BORDER)
    return pygame.image.frombytes(image.convert("RGB").tobytes(), image.size, "RGB")


def side_mm(surface: pygame.Surface, theme: Theme) -> float:
    return surface.get_width() / theme.px_per_mm
