"""Drawing text and shapes with the shipped Noto Sans, recording every string drawn.

pygame's built-in font has no glyphs for ễ ả ủ ụ; Noto Sans (OFL, in `fonts/`) covers Vietnamese fully and is
inside the package, so a kiosk with no network still draws every letter. The record of drawn strings is what
`motcua sim`'s `expect_text` reads.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pygame
import pygame.freetype

from firmware.rules.text import wrap_words
from screens.ui.theme import Color, Theme

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> pygame.freetype.Font:
    if not pygame.freetype.get_init():
        pygame.freetype.init()
    face = pygame.freetype.Font(str(BOLD if bold else REGULAR), size)
    face.antialiased = True
    face.pad = False
    face.origin = True
    return face


def missing_glyphs(text: str, bold: bool = False) -> list[str]:
    """Characters of `text` the font cannot draw (get_metrics gives None for them)."""
    face = font(24, bold)
    chars = [c for c in unicodedata.normalize("NFC", text) if not c.isspace()]
    metrics = face.get_metrics("".join(chars)) if chars else []
    return [c for c, m in zip(chars, metrics, strict=False) if m is None]


def line_height(size: int, bold: bool = False) -> int:
    """The height of one line of type `size`, as `fit` spaces them."""
    return round(font(size, bold).get_sized_height(0) * 1.15)


def wrap(text: str, size: int, width: int, bold: bool = False) -> list[str]:
    face = font(size, bold)
    return wrap_words(text, width, lambda line: face.get_rect(line).width)


@lru_cache(maxsize=512)
def fit(text: str, width: int, height: int, size: int, bold: bool, shrink: bool, floor: int = 12
        ) -> tuple[tuple[str, ...], tuple[int, int]]:
    """Lines and (type size, line height) for `text` in a box, shrinking the type until it fits, never below
    `floor` (the theme's smallest legible size: a layout that needs less is a layout bug, and the test says so)."""
    size = max(size, floor)
    while True:
        lines = wrap(text, size, width, bold)
        face = font(size, bold)
        line_h = line_height(size, bold)
        fits = len(lines) * line_h <= height and all(face.get_rect(line).width <= width for line in lines)
        if not shrink or fits or size <= floor:
            return tuple(lines), (size, line_h)
        size = max(floor, round(size * 0.9))


class Canvas:
    """A surface, the theme, and the list of strings drawn on it since the last `clear_log`."""

    def __init__(self, surface: pygame.Surface, theme: Theme) -> None:
        self.surface = surface
        self.theme = theme
        self.drawn: list[str] = []
        self.placed: list[tuple[str, int, pygame.Rect]] = []  # (text, type size drawn, box of its lines)
        self.overflowed: list[tuple[str, pygame.Rect, pygame.Rect]] = []  # (text, its box, what it needed)

    def clear_log(self) -> None:
        self.drawn = []
        self.placed = []
        self.overflowed = []

    def fill(self, color: Color, rect: pygame.Rect | None = None, radius: int = 0) -> None:
        if rect is None:
            self.surface.fill(color)
        else:
            pygame.draw.rect(self.surface, color, rect, border_radius=radius)

    def outline(self, color: Color, rect: pygame.Rect, width: int, radius: int = 0) -> None:
        pygame.draw.rect(self.surface, color, rect, width=width, border_radius=radius)

    def text(
        self,
        text: str,
        rect: pygame.Rect,
        size: int,
        color: Color,
        *,
        bold: bool = False,
        align: str = "left",
        valign: str = "top",
        shrink: bool = True,
    ) -> int:
        """Draw wrapped text inside `rect`; returns the height used. Shrinks the type to fit when allowed."""
        self.drawn.append(text)
        lines, line_height = fit(text, rect.width, rect.height, size, bold, shrink, self.theme.min_text)
        face = font(line_height[0], bold)
        total = len(lines) * line_height[1]
        y = rect.top
        if valign == "middle":
            y = rect.top + (rect.height - total) // 2
        elif valign == "bottom":
            y = rect.bottom - total
        ascent = face.get_sized_ascender(0)
        top_pad = (line_height[1] - face.get_sized_height(0)) // 2
        box: pygame.Rect | None = None
        for line in lines:
            width = face.get_rect(line).width
            x = rect.left
            if align == "center":
                x = rect.left + (rect.width - width) // 2
            elif align == "right":
                x = rect.right - width
            # origin=True: y is the baseline, so lines with and without stacked tone marks align.
            face.render_to(self.surface, (x, y + top_pad + ascent), line, fgcolor=color)
            line_box = pygame.Rect(x, y, width, line_height[1])
            box = line_box if box is None else box.union(line_box)
            y += line_height[1]
        if box is not None:
            self.placed.append((text, line_height[0], box))
            # The last line's leading may hang below the box; the letters may not.
            if box.height - (line_height[1] - line_height[0]) > rect.height + 2 or box.width > rect.width + 2:
                self.overflowed.append((text, rect, box))
        return total
