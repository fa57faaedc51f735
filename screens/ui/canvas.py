"""Drawing text and shapes with the shipped Noto Sans, recording every string drawn.

pygame's built-in font has no glyphs for ễ ả ủ ụ; Noto Sans (OFL, in `fonts/`) covers Vietnamese fully and is
inside the package, so a kiosk with no network still draws every letter. The record of drawn strings is what
`motcua sim`'s `expect_text` reads.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pygame
import pygame.freetype

from firmware.rules.text import wrap_words
from screens.ui.retained import Frames, Op, Paint
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


TEXTS_KEPT = 1024  # text layouts kept: every screen's texts at one size, and a long list's visible rows


@lru_cache(maxsize=TEXTS_KEPT)
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


@lru_cache(maxsize=2)
def _layer(size: tuple[int, int], color: Color, alpha: int) -> pygame.Surface:
    """A surface-wide colour at one alpha value (cheaper to blit than per-pixel alpha)."""
    layer = pygame.Surface(size)
    layer.fill(color)
    layer.set_alpha(alpha)
    return layer


@lru_cache(maxsize=8)
def scaled(image: pygame.Surface, size: tuple[int, int], smooth: bool = True) -> pygame.Surface:
    """`image` at `size`, made once (the cache holds the image, so the same object means the same pixels)."""
    if image.get_size() == size:
        return image
    return pygame.transform.smoothscale(image, size) if smooth else pygame.transform.scale(image, size)


def forget_texts() -> None:
    """The layouts kept are keyed by the strings drawn: at a visit's end they go with it (a citizen's name and
    address, typed or read from the card), and the next visit lays out its own."""
    fit.cache_clear()
    layout.cache_clear()


@dataclass(frozen=True, slots=True)
class TextLayout:
    lines: tuple[tuple[int, int, str], ...]  # (x, baseline y, line)
    size: int  # the type size drawn
    line_height: int
    total: int  # the height used
    box: tuple[int, int, int, int] | None  # the lines' box


@lru_cache(maxsize=TEXTS_KEPT)
def layout(text: str, rect: tuple[int, int, int, int], size: int, bold: bool, align: str, valign: str,
           shrink: bool, floor: int) -> TextLayout:
    """Where each line of `text` goes in `rect` (kept: a screen describes the same text every frame)."""
    left, top, width, height = rect
    lines, (drawn_size, line_h) = fit(text, width, height, size, bold, shrink, floor)
    face = font(drawn_size, bold)
    total = len(lines) * line_h
    y = top
    if valign == "middle":
        y = top + (height - total) // 2
    elif valign == "bottom":
        y = top + height - total
    ascent = face.get_sized_ascender(0)
    top_pad = (line_h - face.get_sized_height(0)) // 2
    placed = []
    box: pygame.Rect | None = None
    for line in lines:
        line_w = face.get_rect(line).width
        x = left
        if align == "center":
            x = left + (width - line_w) // 2
        elif align == "right":
            x = left + width - line_w
        # origin=True: y is the baseline, so lines with and without stacked tone marks align.
        placed.append((x, y + top_pad + ascent, line))
        line_box = pygame.Rect(x, y, line_w, line_h)
        box = line_box if box is None else box.union(line_box)
        y += line_h
    return TextLayout(tuple(placed), drawn_size, line_h, total, tuple(box) if box else None)  # type: ignore[arg-type]


# Widgets' drawings kept: a screen has up to ~100, a long list's rows come and go, and the clock and each
# dossier's code make new ones all day (at 1024, a kiosk's memory grew by the fill for a thousand visits).
GROUPS_KEPT = 384


@dataclass(frozen=True, slots=True)
class Group:
    ops: list[Op]
    drawn: list[str]
    placed: list[tuple[str, int, pygame.Rect]]
    overflowed: list[tuple[str, pygame.Rect, pygame.Rect]]


class Canvas:
    """A surface, the theme, and the list of strings drawn on it since the last `clear_log`.

    Between `begin` and `finish` drawing is recorded and only what changed since the last frame is painted
    (`screens.ui.retained`); outside them (a test drawing one widget, `motcua out-of-service`) it paints at once.
    """

    def __init__(self, surface: pygame.Surface, theme: Theme) -> None:
        self._surface = surface
        self.theme = theme
        self.drawn: list[str] = []
        self.placed: list[tuple[str, int, pygame.Rect]] = []  # (text, type size drawn, box of its lines)
        self.overflowed: list[tuple[str, pygame.Rect, pygame.Rect]] = []  # (text, its box, what it needed)
        self.frames = Frames()
        self.damage: list[pygame.Rect] = []  # what the last `finish` painted
        self._ops: list[Op] | None = None
        self._clip: pygame.Rect | None = None
        self._groups: OrderedDict[Hashable, Group] = OrderedDict()

    @property
    def surface(self) -> pygame.Surface:
        return self._surface

    @surface.setter
    def surface(self, surface: pygame.Surface) -> None:
        self._surface = surface
        self.frames.invalidate()  # a new surface shows nothing of the last frame

    def clear_log(self) -> None:
        self.drawn = []
        self.placed = []
        self.overflowed = []

    # -- frames ---------------------------------------------------------------------------------------
    def begin(self) -> None:
        self._ops, self._clip = [], None

    def finish(self) -> list[pygame.Rect]:
        """Paint what changed since the last frame; the rectangles painted."""
        ops, self._ops = self._ops or [], None
        self.damage = self.frames.present(self._surface, ops)
        return self.damage

    def invalidate(self) -> None:
        """Someone else drew on the surface: the next frame is painted whole."""
        self.frames.invalidate()

    def forget(self) -> None:
        """At a visit's end: the widgets' drawings kept hold the strings they drew (see `forget_texts`), the images
        scaled for the visit are the citizen's (a scanned page's thumbnail, the dossier's QR code), and the copy of
        the frame kept under a modal is a whole frame (8 MB at 1080x1920) that the next visit makes again."""
        self._groups.clear()
        forget_texts()
        scaled.cache_clear()
        self.frames.release()

    def draw(self, key: Hashable, bounds: pygame.Rect, paint: Paint) -> None:
        """Paint within `bounds` (every pixel `paint` may touch); `key` holds all that the pixels depend on."""
        clip = self._clip
        if self._ops is None:
            saved = self._surface.get_clip()
            if clip is not None:
                self._surface.set_clip(clip.clip(saved))
            try:
                paint(self._surface)
            finally:
                self._surface.set_clip(saved)
            return
        shown = bounds.clip(clip) if clip is not None else bounds
        if shown.width and shown.height:
            self._ops.append(Op((key, tuple(clip) if clip is not None else None), shown, clip, paint))

    def group(self, key: Hashable, draw: Callable[[], object]) -> None:
        """Draw a widget by `draw`, or repeat what it drew the last time its `key` (all it shows) was equal:
        describing a keyboard of 40 keys costs more than painting the one key that changed."""
        if self._ops is None:
            draw()
            return
        full = (key, tuple(self._clip) if self._clip is not None else None)
        kept = self._groups.get(full)
        if kept is not None:
            self._groups.move_to_end(full)
            self._ops.extend(kept.ops)
            self.drawn.extend(kept.drawn)
            self.placed.extend(kept.placed)
            self.overflowed.extend(kept.overflowed)
            return
        marks = len(self._ops), len(self.drawn), len(self.placed), len(self.overflowed)
        draw()
        self._groups[full] = Group(self._ops[marks[0]:], self.drawn[marks[1]:], self.placed[marks[2]:],
                                   self.overflowed[marks[3]:])
        if len(self._groups) > GROUPS_KEPT:
            self._groups.popitem(last=False)

    @contextmanager
    def clipped(self, rect: pygame.Rect) -> Iterator[None]:
        """Draw only inside `rect` (a scrolling list's rows)."""
        saved = self._clip
        self._clip = rect.clip(saved) if saved is not None else rect.copy()
        try:
            yield
        finally:
            self._clip = saved

    # -- shapes ---------------------------------------------------------------------------------------
    def fill(self, color: Color, rect: pygame.Rect | None = None, radius: int = 0) -> None:
        if rect is None:
            self.draw(("fill", color), self._surface.get_rect(), lambda s: s.fill(color))
            return
        box = pygame.Rect(rect)
        if radius:
            self.draw(("round", color, tuple(box), radius), box,
                      lambda s: pygame.draw.rect(s, color, box, border_radius=radius))
        else:
            self.draw(("fill", color, tuple(box)), box, lambda s: s.fill(color, box))

    def outline(self, color: Color, rect: pygame.Rect, width: int, radius: int = 0) -> None:
        box = pygame.Rect(rect)
        self.draw(("outline", color, tuple(box), width, radius), box,
                  lambda s: pygame.draw.rect(s, color, box, width=width, border_radius=radius))

    def polygon(self, color: Color, points: Sequence[tuple[int, int]]) -> None:
        corners = tuple((int(x), int(y)) for x, y in points)
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        bounds = pygame.Rect(min(xs) - 1, min(ys) - 1, max(xs) - min(xs) + 3, max(ys) - min(ys) + 3)
        self.draw(("polygon", color, corners), bounds, lambda s: pygame.draw.polygon(s, color, corners))

    def blit(self, image: pygame.Surface, pos: tuple[int, int]) -> None:
        """An image (a QR code, a scanned page): the same Surface object is taken to hold the same pixels."""
        at = (int(pos[0]), int(pos[1]))
        self.draw(("blit", id(image), at), pygame.Rect(at, image.get_size()), lambda s: s.blit(image, at))

    def dim(self, color: Color, alpha: int) -> None:
        """A translucent layer of `color` over everything drawn so far (under a modal)."""
        if color == (0, 0, 0):  # dimming to black is a multiply, several times cheaper than blending a layer
            keep = (255 - alpha,) * 3
            paint: Paint = lambda s: s.fill(keep, special_flags=pygame.BLEND_RGB_MULT)  # noqa: E731
        else:
            layer = _layer(self._surface.get_size(), color, alpha)
            paint = lambda s: s.blit(layer, (0, 0))  # noqa: E731
        self.draw(("dim", color, alpha), self._surface.get_rect(), paint)

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
        placed = layout(text, tuple(rect), size, bold, align, valign, shrink, self.theme.min_text)  # type: ignore[arg-type]
        if placed.box is None:
            return placed.total
        box = pygame.Rect(placed.box)
        self.placed.append((text, placed.size, box))
        # The last line's leading may hang below the box; the letters may not.
        if box.height - (placed.line_height - placed.size) > rect.height + 2 or box.width > rect.width + 2:
            self.overflowed.append((text, pygame.Rect(rect), box))
        face = font(placed.size, bold)
        ink = box.inflate(placed.size, placed.size)  # marks and bearings may reach past the line boxes

        def paint(surface: pygame.Surface) -> None:
            clip = surface.get_clip()
            if not clip.contains(ink):  # freetype's render_to ignores the clip; a subsurface holds it in
                surface, (dx, dy) = surface.subsurface(clip), clip.topleft
            else:
                dx = dy = 0
            for x, y, line in placed.lines:
                face.render_to(surface, (x - dx, y - dy), line, fgcolor=color)

        self.draw(("text", placed, color, bold), ink, paint)
        return placed.total
