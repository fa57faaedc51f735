"""`confirm`: the citizen types the code shown on screen (the last four digits of their ID number), then
`Xác nhận`: a deliberate act, never a stray touch, submits the dossier.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.canvas import Canvas
from screens.ui.keyboard import Keyboard
from screens.ui.widgets import Button, Label, Widget

CODE_LENGTH = 4


class ConfirmScreen(Screen):
    name = "confirm"
    title = N_("Xác nhận nộp hồ sơ")

    @property
    def code(self) -> str:
        number = str((self.kiosk.session.identity or {}).get("id_number") or "")
        return number[-CODE_LENGTH:].rjust(CODE_LENGTH, "0")

    def enter(self, **params: Any) -> None:
        self.typed = ""
        self.message = ""
        super().enter(**params)

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        procedure = self.kiosk.catalog.by_code(self.kiosk.session.procedure_code or "")
        name = procedure.name if procedure else ""
        intro = _("Bạn sắp nộp hồ sơ «{name}». Để xác nhận, xin mời nhập mã {code} rồi chạm «Xác nhận».").format(
            name=name, code=self.code)
        if t.portrait:
            column = area
            pad = pygame.Rect(0, 0, 0, 0)
        else:  # a short panel: the number pad on the right, everything else on the left
            column = pygame.Rect(area.left, area.top, area.width * 11 // 20, area.height)
            pad = pygame.Rect(column.right + t.gap, area.top, area.right - column.right - t.gap, area.height)
        intro_h = t.body * 4
        self._code_box = pygame.Rect(column.left, column.top + intro_h, column.width,
                                     t.button_height if t.portrait else t.min_target)
        message_rect = pygame.Rect(column.left, self._code_box.bottom, column.width, t.body * 2)
        if t.portrait:
            pad_top = message_rect.bottom + t.gap
            pad_h = area.bottom - row_h - t.gap - pad_top
            pad_w = min(area.width, pad_h * 3 // 4)
            pad = pygame.Rect(area.centerx - pad_w // 2, pad_top, pad_w, pad_h)
        keyboard = Keyboard(pad, "digits")
        if len(self.typed) >= CODE_LENGTH:
            keyboard.set_allowed(set())
        half = (column.width - t.gap) // 2
        return [
            Label(intro, pygame.Rect(column.left, column.top, column.width, intro_h), "body", bold=True),
            Label(self.message, message_rect, "body", "danger", bold=True),
            keyboard,
            Button(_("Quay lại"), "back", pygame.Rect(column.left, column.bottom - row_h, half, row_h), "secondary"),
            Button(_("Xác nhận"), "confirm", pygame.Rect(column.left + half + t.gap, column.bottom - row_h, half,
                                                        row_h), "primary"),
        ]

    def draw_content(self, canvas: Canvas) -> None:
        t, box = self.theme, self._code_box
        slot_w = min(t.px(150), box.width // (CODE_LENGTH + 1))
        left = box.centerx - (slot_w * CODE_LENGTH + t.gap * (CODE_LENGTH - 1)) // 2
        for i in range(CODE_LENGTH):
            slot = pygame.Rect(left + i * (slot_w + t.gap), box.top, slot_w, box.height)
            canvas.outline(t.palette.primary, slot, max(2, t.px(4)), t.radius)
            if i < len(self.typed):
                canvas.text(self.typed[i], slot, t.huge, t.palette.text, bold=True, align="center", valign="middle")

    def on_action(self, action: str) -> None:
        if action.startswith("char:") and len(self.typed) < CODE_LENGTH:
            self.typed += action[5:]
            self.message = ""
        elif action == "backspace":
            self.typed = self.typed[:-1]
        elif action == "back":
            self.kiosk.nav.pop()
            return
        elif action == "confirm":
            if self.typed == self.code:
                self.kiosk.nav.replace("submitting")
                return
            self.message = _("Mã chưa đúng. Xin mời nhập {code}.").format(code=self.code)
            self.typed = ""
        self.relayout()

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        kiosk.session.procedure_code = "1.001193"
        kiosk.session.identity = {"id_number": "001303004567"}
        return {}
