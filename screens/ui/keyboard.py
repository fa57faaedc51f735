"""On-screen keyboards: Vietnamese letters (Telex, plus direct keys for marked letters and tones), a number
pad, and a date pad whose impossible digits are switched off.

Keys are buttons returning actions: `char:X` (type X through Telex), `tone:s|f|r|x|j`, `backspace`, `shift`.
The screen owns the text; the keyboard only says what was pressed. Labels are words where Noto Sans has no
symbol (no arrows): "Xoá", "Chữ hoa", "Dấu cách".
"""

from __future__ import annotations

from collections.abc import Iterator

import pygame

from firmware.rules.i18n import N_, _
from screens.ui.canvas import Canvas
from screens.ui.input import Pointer
from screens.ui.widgets import Button, Widget

LETTER_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
MARKED_LETTERS = "âăêôơưđ"
TONES = ((N_("Sắc"), "s"), (N_("Huyền"), "f"), (N_("Hỏi"), "r"), (N_("Ngã"), "x"), (N_("Nặng"), "j"))
BACKSPACE = N_("Xoá")
SHIFT = N_("Chữ hoa")
SPACE = N_("Dấu cách")
PUNCTUATION = "-,./"
DIGIT_ROWS = ("123", "456", "789")


class Keyboard(Widget):
    def __init__(self, rect: pygame.Rect, mode: str = "text", compact: bool = False) -> None:
        self.rect = rect
        self.mode = mode  # text | digits
        self.compact = compact  # a short landscape panel (kept for callers; every row stays legible)
        self.shift = False
        self.allowed: set[str] | None = None  # digits mode: None = all
        self._keys: list[Button] = []
        self.layout()

    def set_shift(self, on: bool) -> None:
        if on != self.shift:
            self.shift = on
            self.layout()

    def set_allowed(self, digits: set[str] | None) -> None:
        self.allowed = digits
        for key in self._keys:
            if key.action.startswith("char:") and key.action[5:].isdigit():
                key.enabled = digits is None or key.action[5:] in digits

    def layout(self) -> None:
        rows = self._rows()
        gap = max(3, self.rect.height // 100)
        key_h = (self.rect.height - gap * (len(rows) - 1)) // len(rows)
        self._keys = []
        y = self.rect.top
        for row in rows:
            units = sum(weight for _, _, weight in row)
            unit_w = (self.rect.width - gap * (len(row) - 1)) / units  # every row spans the rect exactly
            x = float(self.rect.left)
            for label, action, weight in row:
                width = unit_w * weight
                left = round(x)
                rect = pygame.Rect(left, y, round(x + width) - left, key_h)
                style = "secondary" if action.startswith("char:") else "primary"
                if action == "shift" and self.shift:
                    style = "pressed"  # held down, not red: red means an error on this kiosk
                self._keys.append(Button(label, action, rect, style))
                x += width + gap
            y += key_h + gap
        self.set_allowed(self.allowed)

    def _rows(self) -> list[list[tuple[str, str, float]]]:
        if self.mode == "digits":
            digit_rows = [[(d, f"char:{d}", 1.0) for d in row] for row in DIGIT_ROWS]
            return [*digit_rows, [(_(BACKSPACE), "backspace", 1.0), ("0", "char:0", 2.0)]]

        def letter(char: str) -> tuple[str, str, float]:
            shown = char.upper() if self.shift else char
            return shown, f"char:{shown}", 1.0

        rows = [[letter(c) for c in row] for row in LETTER_ROWS]
        rows[0] = [(d, f"char:{d}", 1.0) for d in LETTER_ROWS[0]]
        rows[3] = [(_(SHIFT), "shift", 2.0), *rows[3], (_(BACKSPACE), "backspace", 2.0)]
        marked = [letter(c) for c in MARKED_LETTERS]
        punctuation = [(p, f"char:{p}", 1.0) for p in PUNCTUATION]
        tones = [(_(label), f"tone:{key}", 1.0) for label, key in TONES]
        # Six rows, so every key keeps 9 mm on a 7-inch panel: marked letters with punctuation, tones with space
        # (twelve keys in one row would leave "Huyền" no room at a legible size).
        rows.extend([marked + punctuation, [*tones, (_(SPACE), "char: ", 2.0)]])
        return rows

    def handle(self, pointer: Pointer) -> str | None:
        for key in self._keys:
            action = key.handle(pointer)
            if action:
                return action
        return None

    def draw(self, canvas: Canvas) -> None:
        for key in self._keys:
            key.draw(canvas)

    def buttons(self) -> Iterator[Button]:
        yield from self._keys
