"""A rating level as a large face with its word: a wide button has the face left of the word, a tall one above it.

Colour and mouth go from a green smile (the best level) to a red frown (the worst), whatever the scale's length,
so a face says the level to someone who does not read the word.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from screens.ui.canvas import Canvas, line_height, wrap
from screens.ui.widgets import Button

COLOURS = ((46, 125, 50), (104, 159, 56), (249, 168, 37), (239, 108, 0), (198, 40, 40))  # best .. worst


def mood(index: int, levels: int) -> float:
    """+1 for the best level, -1 for the worst, evenly between."""
    return 1.0 - 2.0 * index / max(1, levels - 1)


def colour(index: int, levels: int) -> tuple[int, int, int]:
    return COLOURS[round(index * (len(COLOURS) - 1) / max(1, levels - 1))]


def draw_face(canvas: Canvas, centre: tuple[int, int], radius: int, index: int, levels: int,
              ink: tuple[int, int, int]) -> None:
    bounds = pygame.Rect(centre[0] - radius - 2, centre[1] - radius - 2, 2 * radius + 5, 2 * radius + 5)
    canvas.draw(("face", centre, radius, index, levels, ink), bounds,
                lambda surface: _paint_face(surface, centre, radius, index, levels, ink))


def _paint_face(surface: pygame.Surface, centre: tuple[int, int], radius: int, index: int, levels: int,
                ink: tuple[int, int, int]) -> None:
    cx, cy = centre
    pygame.draw.circle(surface, colour(index, levels), centre, radius)
    pygame.draw.circle(surface, ink, centre, radius, max(2, radius // 14))
    eye = max(2, radius // 8)
    for side in (-1, 1):
        pygame.draw.circle(surface, ink, (cx + side * radius * 2 // 5, cy - radius // 4), eye)
    curve = mood(index, levels)
    width, depth = radius * 11 // 10, radius * 2 // 5
    points = []
    for step in range(17):
        x = -1.0 + step / 8
        points.append((cx + round(x * width / 2), cy + radius * 2 // 5 + round(curve * depth * (1 - x * x) / 2)))
    pygame.draw.lines(surface, ink, False, points, max(3, radius // 9))


def inner_of(rect: pygame.Rect, pad: int) -> pygame.Rect:
    return rect.inflate(-2 * pad, -2 * pad)


@dataclass(eq=False)
class FaceButton(Button):
    index: int = 0
    levels: int = 3
    word_lines: int = 0  # lines kept for the word under the face: the scale's longest, so every face is one size

    def look(self) -> tuple[object, ...]:
        return (*super().look(), self.index, self.levels, self.word_lines)

    def paint(self, canvas: Canvas) -> None:
        theme, palette = canvas.theme, canvas.theme.palette
        bg = palette.pressed if self.pressed else palette.secondary
        fg = palette.on_pressed if self.pressed else palette.text
        canvas.fill(bg, self.rect, theme.radius)
        canvas.outline(colour(self.index, self.levels), self.rect, max(3, theme.px(6)), theme.radius)
        inner = inner_of(self.rect, theme.px(16))
        if inner.width > inner.height * 8 // 5:  # a row: face left, word right
            radius = inner.height // 2
            draw_face(canvas, (inner.left + radius, inner.centery), radius, self.index, self.levels,
                      palette.text)
            words = pygame.Rect(inner.left + 2 * radius + theme.gap, inner.top,
                                inner.width - 2 * radius - theme.gap, inner.height)
            canvas.text(self.label, words, theme.title, fg, bold=True, valign="middle")
            return
        lines = self.word_lines or len(wrap(self.label, theme.body, inner.width, True))
        label_h = lines * line_height(theme.body, True)
        radius = max(theme.px(16), min(inner.width, inner.height - label_h - theme.px(8)) // 2)
        draw_face(canvas, (inner.centerx, inner.top + radius), radius, self.index, self.levels,
                  palette.text)
        words = pygame.Rect(inner.left, inner.top + 2 * radius + theme.px(8), inner.width,
                            inner.bottom - inner.top - 2 * radius - theme.px(8))
        canvas.text(self.label, words, theme.body, fg, bold=True, align="center", valign="middle")
