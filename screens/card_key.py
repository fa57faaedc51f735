"""`card_key`: the numbers printed on the ID card, typed when its QR cannot open the chip (a worn QR, an expiry
date the law's rules did not guess): the 12-digit number, the date of birth and the date of expiry (or `Không
thời hạn`). They make the BAC key; `login` then reads the chip with it. Nothing typed here is kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pygame

from firmware.chip.mrz import BacKey
from firmware.rules import date_entry
from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.canvas import Canvas, line_height
from screens.ui.keyboard import Keyboard
from screens.ui.widgets import Button, Label, Widget, draw_entry

STEPS = (("number", N_("Số định danh cá nhân (12 số, in ở mặt trước thẻ):"), 12),
         ("born", N_("Ngày sinh (ngày, tháng, năm: 8 số):"), 8),
         ("expiry", N_("Có giá trị đến (ngày, tháng, năm: 8 số):"), 8))
FOR_LIFE = N_("Không thời hạn")


class CardKeyScreen(Screen):
    name = "card_key"
    title = N_("Nhập số trên thẻ")

    def enter(self, **params: Any) -> None:
        self.step = 0
        self.values: dict[str, str] = {}
        self.digits = ""
        self.message = ""
        super().enter(**params)

    def leave(self) -> None:
        self.values.clear()
        self.digits = ""
        super().leave()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        key, prompt, length = STEPS[self.step]
        row_h = t.footer_button_height
        back = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        half = (area.width - t.gap) // 2
        intro_h = line_height(t.body, True) * (2 if t.portrait else 3)
        column = area.width if t.portrait else half
        self._box = pygame.Rect(area.left, area.top + intro_h, column, max(t.min_target, t.button_height * 2 // 3))
        message = pygame.Rect(area.left, self._box.bottom, column, line_height(t.body, True) * 2)
        widgets: list[Widget] = [Label(_(prompt), pygame.Rect(area.left, area.top, column, intro_h), "body",
                                       bold=True), Label(self.message, message, "body", "danger", bold=True)]
        pad_top = message.bottom + t.gap // 2 if t.portrait else area.top
        bottom = back.top - t.gap
        if key == "expiry":
            life = pygame.Rect(area.left, message.bottom + t.gap // 2, column, row_h)
            widgets.append(Button(_(FOR_LIFE), "for_life", life, "secondary"))
            if t.portrait:
                pad_top = life.bottom + t.gap
            else:
                message.height = life.top - message.top
        pad_w = min(area.width, (bottom - pad_top) * 3 // 4) if t.portrait else half
        pad_left = area.left + (area.width - pad_w) // 2 if t.portrait else area.left + half + t.gap
        keypad = Keyboard(pygame.Rect(pad_left, pad_top, pad_w, bottom - pad_top), "digits")
        keypad.set_allowed(None if len(self.digits) < length else set())
        widgets.append(keypad)
        widgets.append(Button(_("Quay lại"), "back", pygame.Rect(back.left, back.top, half, row_h), "secondary"))
        widgets.append(Button(_("Tiếp tục"), "next", pygame.Rect(back.left + half + t.gap, back.top, half, row_h),
                              enabled=len(self.digits) == length))
        return widgets

    def draw_content(self, canvas: Canvas) -> None:
        shown = self.digits if STEPS[self.step][0] == "number" else date_entry.shown(self.digits)
        draw_entry(canvas, self._box, shown, bool(self.digits))

    def on_action(self, action: str) -> None:
        if action.startswith("char:") and action[5:].isdigit():
            self.digits += action[5:]
        elif action == "backspace":
            self.digits = self.digits[:-1]
        elif action == "back":
            if self.step == 0:
                self.kiosk.nav.replace("login", **dict(self.params.get("login_params") or {}))
                return
            self.step -= 1
            self.digits = self.values.pop(STEPS[self.step][0], "")
        elif action in ("next", "for_life"):
            self._next("" if action == "for_life" else self.digits)
            return
        self.message = ""
        self.relayout()

    def _next(self, value: str) -> None:
        key = STEPS[self.step][0]
        if key != "number" and value and date_entry.parse(value) is None:
            self.message = _("Ngày này không có thật. Xin mời nhập lại.")
            self.relayout()
            return
        self.values[key] = value
        self.digits, self.message = "", ""
        if self.step + 1 < len(STEPS):
            self.step += 1
            self.relayout()
            return
        born = date_entry.parse(self.values["born"])
        expiry: date | None = date_entry.parse(self.values["expiry"]) if self.values["expiry"] else None
        assert born is not None
        keys = [BacKey.for_card(self.values["number"], born, expiry)]
        self.values.clear()
        self.kiosk.nav.replace("login", **dict(self.params.get("login_params") or {}), card_keys=keys)
