"""`technician_pin`: the kiosk's technician PIN, after a technician card or the hidden gesture on `attract`.

Wrong PINs wait longer and longer (firmware/services/technician.py); the wait outlives a restart. No PIN set
for this kiosk: technician mode stays shut and the screen says so.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.common.technician import is_card
from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, QrDecoded
from screens.base import CLOSE_MODAL, Screen
from screens.ui.canvas import Canvas
from screens.ui.widgets import Button, Label, Modal, Widget

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", N_("Xoá"), "0", N_("Vào"))
MAX_DIGITS = 8


class TechnicianPinScreen(Screen):
    name = "technician_pin"
    title = N_("Chế độ kỹ thuật")
    show_voice = False  # for staff: no spoken guidance

    def enter(self, **params: Any) -> None:
        self.digits = ""
        self.message = ""
        super().enter(**params)

    @property
    def service(self) -> Any:
        return self.kiosk.technician

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        name = str(self.params.get("technician", ""))
        who = _("Kỹ thuật viên: {name}").format(name=name) if name else _("Nhập mã PIN kỹ thuật của kiosk")
        widgets: list[Widget] = [Label(who, pygame.Rect(area.left, area.top, area.width, t.body * 2), "body",
                                       bold=True, valign="middle")]
        open_mode = self.service is not None and self.service.available
        # On a landscape panel with a keypad, `Huỷ` stays in the left half: the keypad takes the right half.
        cancel_w = area.width if t.portrait or not open_mode else area.width // 2 - t.gap
        cancel = pygame.Rect(area.left, area.bottom - t.footer_button_height, cancel_w, t.footer_button_height)
        widgets.append(Button(_("Huỷ"), "cancel", cancel, "secondary"))
        if not open_mode:
            widgets.append(Label(_("Kiosk này chưa được đặt mã PIN kỹ thuật (technician_pin trong tệp cấu hình "
                                   "của điểm đặt), nên không mở được chế độ kỹ thuật."),
                                 pygame.Rect(area.left, area.top + t.body * 3, area.width, t.body * 6), "body"))
            return widgets
        if t.portrait:  # name, dots and message above the keypad
            left_col = pygame.Rect(area.left, area.top + t.body * 2 + t.gap, area.width, t.title * 2 + t.small * 3)
            pad = pygame.Rect(area.left, left_col.bottom + t.gap, area.width,
                              cancel.top - t.gap - left_col.bottom - t.gap)
        else:  # a short landscape panel: the keypad takes the right half, full height
            half = area.width // 2
            left_col = pygame.Rect(area.left, area.top + t.body * 2 + t.gap, half - t.gap,
                                   cancel.top - t.gap - area.top - t.body * 2 - t.gap)
            pad = pygame.Rect(area.left + half, area.top, area.width - half, area.height)
        self._entry = pygame.Rect(left_col.left, left_col.top, left_col.width, t.title * 2)
        self._message = pygame.Rect(left_col.left, self._entry.bottom, left_col.width, t.small * 3)
        key_h = min((pad.height - 3 * t.gap) // 4, t.button_height)
        key_w = min((pad.width - 2 * t.gap) // 3, key_h * 3)
        left = pad.centerx - (3 * key_w + 2 * t.gap) // 2
        for index, key in enumerate(KEYS):
            row, col = divmod(index, 3)
            rect = pygame.Rect(left + col * (key_w + t.gap), pad.top + row * (key_h + t.gap), key_w, key_h)
            style = "primary" if key == "Vào" else "secondary"
            widgets.append(Button(_(key), f"key:{key}", rect, style, enabled=key != "Vào" or len(self.digits) >= 4))
        return widgets

    def draw_content(self, canvas: Canvas) -> None:
        if self.service is None or not self.service.available:
            return
        t = self.theme
        shown = " ".join("•" for _digit in self.digits) or _("(4 đến 8 chữ số)")
        canvas.text(shown, self._entry, t.title, t.palette.text, bold=True, align="center", valign="middle")
        wait = self.service.wait_s()
        message = _("Sai mã PIN nhiều lần. Thử lại sau {seconds} giây.").format(seconds=int(wait) + 1) if wait \
            else self.message
        if message:
            canvas.text(message, self._message, t.small, t.palette.danger, align="center", valign="middle")

    def update(self, now: float) -> None:
        super().update(now)
        if self.service is not None:
            shown = int(self.service.wait_s())
            if shown != getattr(self, "_shown_wait", None):
                self._shown_wait = shown
                self.dirty = True  # the countdown, once a second

    def on_action(self, action: str) -> None:
        if action == "cancel":
            self.kiosk.nav.reset("attract")
            return
        key = action.removeprefix("key:")
        if key == "Vào":
            self._try()
        else:
            self.message = ""
            if key == "Xoá":
                self.digits = self.digits[:-1]
            elif len(self.digits) < MAX_DIGITS:
                self.digits += key
        self.relayout()

    def _try(self) -> None:
        name = str(self.params.get("technician", ""))
        result = self.service.try_pin(self.digits, name)
        self.digits = ""
        if result is True:
            self.kiosk.nav.replace("technician", technician=name)
            return
        self.message = _("Mã PIN không đúng.") if not result else ""


def open_by_card(screen: Screen, event: KioskEvent) -> bool:
    """A technician card shown on `attract` or `home`: the PIN screen with the technician's name, or why not."""
    service = screen.kiosk.technician
    if not isinstance(event, QrDecoded) or not is_card(event.payload) or service is None:
        return False
    found = service.card(event.payload)
    if isinstance(found, str):
        screen.show_modal(Modal(_("Thẻ kỹ thuật không dùng được"), found, [(_("Đóng"), CLOSE_MODAL)],
                                name="technician_card"))
    else:
        screen.kiosk.nav.reset("technician_pin", technician=found.name)
    return True
