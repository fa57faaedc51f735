"""Widgets: label, button, scrolling list, status banner, modal. Buttons return semantic actions."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pygame

from firmware.rules.i18n import _
from screens.ui.canvas import Canvas, font, line_height, wrap
from screens.ui.input import Pointer
from screens.ui.theme import Theme


def look(widget: object) -> tuple[object, ...]:
    """All a plain widget shows (its type and fields): equal looks draw equal pixels, so the drawing is kept."""
    return (type(widget), *(tuple(v) if isinstance(v, pygame.Rect) else v for v in vars(widget).values()))


class Widget:
    rect: pygame.Rect

    def handle(self, pointer: Pointer) -> str | None:
        return None

    def draw(self, canvas: Canvas) -> None:
        raise NotImplementedError

    def buttons(self) -> Iterator[Button]:
        return iter(())


@dataclass(eq=False)
class Label(Widget):
    text: str
    rect: pygame.Rect
    role: str = "body"  # body | small | title | huge
    color: str = "text"
    align: str = "left"
    valign: str = "top"
    bold: bool = False

    def draw(self, canvas: Canvas) -> None:
        canvas.group(look(self), lambda: self.paint(canvas))

    def paint(self, canvas: Canvas) -> None:
        size = getattr(canvas.theme, self.role)
        canvas.text(self.text, self.rect, size, getattr(canvas.theme.palette, self.color),
                    bold=self.bold, align=self.align, valign=self.valign)


@dataclass(eq=False)
class Button(Widget):
    label: str
    action: str
    rect: pygame.Rect
    style: str = "primary"  # primary | secondary | danger
    enabled: bool = True
    detail: str = ""
    tag: str = ""  # a short word at the right edge, e.g. "Sửa" on a review row
    pressed: bool = False

    def handle(self, pointer: Pointer) -> str | None:
        inside = self.enabled and self.rect.collidepoint(pointer.pos)
        if pointer.phase == "down":
            self.pressed = inside
        elif pointer.phase == "move":
            self.pressed = self.pressed and inside
        elif pointer.phase == "up":
            fire = self.pressed and inside
            self.pressed = False
            return self.action if fire else None
        return None

    def draw(self, canvas: Canvas) -> None:
        canvas.group(self.look(), lambda: self.paint(canvas))

    def look(self) -> tuple[object, ...]:
        """All the button shows (by hand, not `look`: a keyboard's 40 keys are looked at every frame)."""
        r = self.rect
        return (type(self), self.label, r.x, r.y, r.w, r.h, self.style, self.enabled, self.detail, self.tag,
                self.pressed)

    def paint(self, canvas: Canvas) -> None:
        palette, theme = canvas.theme.palette, canvas.theme
        if self.pressed:
            bg, fg = palette.pressed, palette.on_pressed
        else:
            bg = getattr(palette, self.style)
            fg = getattr(palette, f"on_{self.style}")
        if not self.enabled:
            bg, fg = palette.secondary, palette.muted
        canvas.fill(bg, self.rect, theme.radius)
        if self.style == "secondary":
            canvas.outline(palette.outline, self.rect, max(2, theme.px(3)), theme.radius)
        pad_y = min(theme.px(20), max(0, self.rect.height - theme.body * 5 // 4))  # keys on a short panel
        pad_x = theme.px(20) if self.rect.width > theme.px(220) else theme.px(8)  # a key: its word needs the room
        inner = self.rect.inflate(-2 * pad_x, -pad_y)
        if self.tag:
            self._draw_row(canvas, inner, fg)
            return
        if not self.detail or inner.height < theme.title * 2 + theme.small * 3 // 2:
            canvas.text(self.label, inner, theme.body, fg, bold=True, align="center", valign="middle")
            return
        label_h = theme.title * 2 * 6 // 5
        label_rect = pygame.Rect(inner.left, inner.centery - label_h * 3 // 4, inner.width, label_h)
        canvas.text(self.label, label_rect, theme.title, fg, bold=True, align="center", valign="bottom")
        detail_rect = pygame.Rect(inner.left, label_rect.bottom, inner.width, inner.bottom - label_rect.bottom)
        canvas.text(self.detail, detail_rect, theme.small, fg, align="center")

    def _draw_row(self, canvas: Canvas, inner: pygame.Rect, fg: tuple[int, int, int]) -> None:
        """Label over detail on the left, the tag on the right: a row of a review list."""
        theme = canvas.theme
        tag_w = font(theme.body, True).get_rect(self.tag).width + theme.px(8)
        canvas.text(self.tag, pygame.Rect(inner.right - tag_w, inner.top, tag_w, inner.height), theme.body, fg,
                    bold=True, align="right", valign="middle")
        text = pygame.Rect(inner.left, inner.top, inner.width - tag_w - theme.gap, inner.height)
        if self.detail:
            # The label one small line at least; the detail every line it needs (the answer, a step's papers).
            needed = len(wrap(self.detail, theme.body, text.width, True)) * line_height(theme.body, True)
            half = max(line_height(theme.small), min(text.height * 2 // 5, text.height - needed))
            canvas.text(self.label, pygame.Rect(text.left, text.top, text.width, half), theme.small, fg,
                        valign="bottom")
            canvas.text(self.detail, pygame.Rect(text.left, text.top + half, text.width, text.height - half),
                        theme.body, fg, bold=True, valign="top")
        else:
            canvas.text(self.label, text, theme.body, fg, bold=True, valign="middle")

    def buttons(self) -> Iterator[Button]:
        yield self


@dataclass(eq=False)
class ToggleButton(Button):
    """A button that shows its state on one line after its label ("Nghe hướng dẫn: Bật"); tapped by its label."""

    state_text: str = ""

    def look(self) -> tuple[object, ...]:
        return (*super().look(), self.state_text)

    def paint(self, canvas: Canvas) -> None:
        palette, theme = canvas.theme.palette, canvas.theme
        bg = palette.pressed if self.pressed else getattr(palette, self.style)
        fg = palette.on_pressed if self.pressed else getattr(palette, f"on_{self.style}")
        canvas.fill(bg, self.rect, theme.radius)
        canvas.outline(palette.outline if self.style == "secondary" else fg, self.rect, max(2, theme.px(3)),
                       theme.radius)
        canvas.text(f"{self.label}: {self.state_text}", self.rect.inflate(-2 * theme.px(14), -theme.px(8)),
                    theme.body, fg, bold=True, align="center", valign="middle")


@dataclass(eq=False)
class ScrollList(Widget):
    """A vertical list of buttons that scrolls by dragging; taps fire only when the finger did not drag."""

    rect: pygame.Rect
    items: list[Button] = field(default_factory=list)
    offset: int = 0
    _drag_from: int | None = None
    _dragged: bool = False
    drag_threshold: int = 24
    _rows: tuple[list[Button], list[int], list[int], bool] | None = field(default=None, repr=False)

    @property
    def content_height(self) -> int:
        _, bottoms, _ = self._index()
        return max(bottoms, default=self.rect.top) - self.rect.top

    def _index(self) -> tuple[list[int], list[int], bool]:
        """The rows' tops and bottoms, and whether they run down in order (kept until the rows change)."""
        items = self.items
        if self._rows is None or self._rows[0] is not items or len(self._rows[1]) != len(items):
            tops, bottoms = [b.rect.top for b in items], [b.rect.bottom for b in items]
            self._rows = (items, tops, bottoms, tops == sorted(tops) and bottoms == sorted(bottoms))
        return self._rows[1], self._rows[2], self._rows[3]

    @property
    def max_offset(self) -> int:
        return max(0, self.content_height - self.rect.height)

    def _shifted(self, button: Button) -> pygame.Rect:
        return button.rect.move(0, -self.offset)

    def visible_items(self) -> list[tuple[Button, pygame.Rect]]:
        """The rows in view, found by bisection: a list of 2,000 procedures is drawn every frame."""
        items = self.items
        tops, bottoms, ordered = self._index()
        first, last = 0, len(items)
        if ordered:
            first = bisect.bisect_right(bottoms, self.rect.top + self.offset)
            last = bisect.bisect_left(tops, self.rect.bottom + self.offset)
        shown = [(b, self._shifted(b)) for b in items[first:last]]
        return [(b, r) for b, r in shown if r.colliderect(self.rect)]

    def ensure_visible(self, button: Button) -> None:
        rect = button.rect
        if rect.top - self.offset < self.rect.top:
            self.offset = rect.top - self.rect.top
        elif rect.bottom - self.offset > self.rect.bottom:
            self.offset = rect.bottom - self.rect.bottom
        self.offset = max(0, min(self.offset, self.max_offset))

    def handle(self, pointer: Pointer) -> str | None:
        if pointer.phase == "down" and self.rect.collidepoint(pointer.pos):
            self._drag_from, self._dragged = pointer.pos[1], False
        elif pointer.phase == "move" and self._drag_from is not None:
            delta = self._drag_from - pointer.pos[1]
            if self._dragged or abs(delta) > self.drag_threshold:
                self._dragged = True
                self.offset = max(0, min(self.offset + delta, self.max_offset))
                self._drag_from = pointer.pos[1]
                for button in self.items:
                    button.pressed = False
                return None
        elif pointer.phase == "up":
            self._drag_from = None
        if self._dragged:
            return None
        if not self.rect.collidepoint(pointer.pos):
            for button in self.items:
                button.pressed = False
            return None
        local = Pointer(pointer.phase, (pointer.pos[0], pointer.pos[1] + self.offset))
        for button in self.items:
            action = button.handle(local)
            if action:
                return action
        return None

    def draw(self, canvas: Canvas) -> None:
        with canvas.clipped(self.rect):
            for button, shown in self.visible_items():
                original = button.rect
                button.rect = shown
                button.draw(canvas)
                button.rect = original
        if self.max_offset:
            self._draw_scrollbar(canvas)
        if self.offset < self.max_offset:
            self._draw_more_below(canvas)

    def _draw_more_below(self, canvas: Canvas) -> None:
        """More rows below the fold are said in words, not only by a thin scrollbar."""
        theme = canvas.theme
        text = _("Kéo lên để xem thêm")
        width = min(self.rect.width, font(theme.small, True).get_rect(text).width + 2 * theme.px(24))
        height = line_height(theme.small, True) + theme.px(12)
        if self.rect.height < 3 * height:
            return  # a one-row strip: the pill would hide the row itself (the scrollbar still shows)
        pill = pygame.Rect(0, 0, width, height)
        pill.midbottom = (self.rect.centerx, self.rect.bottom)
        canvas.fill(theme.palette.primary, pill, theme.radius)
        canvas.text(text, pill.inflate(-2 * theme.px(16), 0), theme.small, theme.palette.on_primary, bold=True,
                    align="center", valign="middle")

    def _draw_scrollbar(self, canvas: Canvas) -> None:
        theme = canvas.theme
        track = pygame.Rect(self.rect.right + theme.px(8), self.rect.top, theme.px(10), self.rect.height)
        thumb_h = max(theme.px(60), track.height * self.rect.height // max(1, self.content_height))
        thumb_y = track.top + (track.height - thumb_h) * self.offset // max(1, self.max_offset)
        canvas.fill(theme.palette.secondary, track, theme.px(5))
        canvas.fill(theme.palette.outline, pygame.Rect(track.left, thumb_y, track.width, thumb_h), theme.px(5))

    def buttons(self) -> Iterator[Button]:
        yield from self.items


def draw_entry(canvas: Canvas, box: pygame.Rect, shown: str, typed: bool) -> None:
    """The box that shows what is typed on the digit keypad: bold once something is, `(chưa nhập)` for nothing."""
    t = canvas.theme
    canvas.fill(t.palette.background, box, t.radius)
    canvas.outline(t.palette.primary, box, max(2, t.px(4)), t.radius)
    canvas.text(shown or _("(chưa nhập)"), box.inflate(-2 * t.px(24), -t.px(8)), t.title,
                t.palette.text if typed else t.palette.muted, bold=typed, valign="middle")


def banner_messages(health: Mapping[str, str]) -> list[str]:
    """What the citizen should know about the kiosk's own state, in plain words."""
    messages = []
    if health.get("network") in ("down", "refused"):
        messages.append(_("Mất kết nối mạng. Hồ sơ vẫn được lưu an toàn và sẽ tự gửi khi có mạng."))
    printer = health.get("printer", "ok")
    if printer in ("paper_out", "cover_open", "offline", "absent"):
        messages.append(_("Máy in đang tạm ngừng. Mã hồ sơ sẽ hiện trên màn hình để bạn chụp lại."))
    elif printer == "paper_low":
        messages.append(_("Máy in sắp hết giấy."))
    if health.get("storage", "ok") != "ok":
        messages.append(_("Kiosk tạm thời chưa nhận hồ sơ mới. Xin mời bạn đến quầy một cửa."))
    return messages


@dataclass(eq=False)
class Banner(Widget):
    """A strip under the header that shows network and printer trouble; empty (zero height) when all is well."""

    rect: pygame.Rect
    messages: Sequence[str] = ()

    def draw(self, canvas: Canvas) -> None:
        if not self.messages:
            return
        palette = canvas.theme.palette
        canvas.fill(palette.warning, self.rect)
        pad = canvas.theme.px(16)
        canvas.text("\n".join(self.messages), self.rect.inflate(-2 * canvas.theme.margin, -pad),
                    canvas.theme.small, palette.on_warning, bold=True, valign="middle")


SCRIM_ALPHA = 150  # how much a modal dims the screen under it


class Modal(Widget):
    """A dialog over the screen: a title, a message and one to three buttons. Input goes only to it."""

    def __init__(self, title: str, message: str, actions: Sequence[tuple[str, str]], name: str = "modal") -> None:
        self.name = name
        self.title = title
        self.message = message
        self.actions = list(actions)
        self.rect = pygame.Rect(0, 0, 0, 0)
        self._buttons: list[Button] = []

    def layout(self, theme: Theme) -> None:
        width = theme.width - 2 * theme.margin
        pad = theme.margin
        self._buttons = []
        title_h = theme.title * 2 + theme.gap
        text_h = theme.body * 6
        buttons_h = len(self.actions) * (theme.button_height + theme.gap)
        height = min(theme.height - 2 * theme.margin, pad * 2 + title_h + text_h + buttons_h)
        self.rect = pygame.Rect((theme.width - width) // 2, (theme.height - height) // 2, width, height)
        y = self.rect.bottom - pad - buttons_h + theme.gap
        for index, (label, action) in enumerate(self.actions):
            rect = pygame.Rect(self.rect.left + pad, y, width - 2 * pad, theme.button_height)
            self._buttons.append(Button(label, action, rect, "primary" if index == 0 else "secondary"))
            y += theme.button_height + theme.gap

    def handle(self, pointer: Pointer) -> str | None:
        for button in self._buttons:
            action = button.handle(pointer)
            if action:
                return action
        return None

    def draw(self, canvas: Canvas) -> None:
        theme = canvas.theme
        canvas.dim(theme.palette.scrim, SCRIM_ALPHA)
        canvas.fill(theme.palette.panel, self.rect, theme.radius)
        inner = self.rect.inflate(-2 * theme.margin, -2 * theme.margin)
        used = canvas.text(self.title, inner, theme.title, theme.palette.text, bold=True)
        top = inner.top + used + theme.gap
        text_bottom = self._buttons[0].rect.top - theme.gap if self._buttons else inner.bottom
        canvas.text(self.message, pygame.Rect(inner.left, top, inner.width, text_bottom - top),
                    theme.body, theme.palette.text)
        for button in self._buttons:
            button.draw(canvas)

    def buttons(self) -> Iterator[Button]:
        yield from self._buttons
