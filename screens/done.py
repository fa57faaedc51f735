"""`done`: the receipt code large with its QR, the due date, where to collect, and the slip printing.

If the printer cannot print, the dossier is already stored: the code and QR stay on screen for a phone photo,
and the slip stub waits, unprinted, for staff. `Kết thúc` wipes the session.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pygame

from firmware.render.qr import qr_image
from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, PrintResult
from screens.base import Screen
from screens.documents import pil_to_surface
from screens.ui.canvas import Canvas
from screens.ui.widgets import Button, Label, Widget

PRINTER_DOWN = ("paper_out", "cover_open", "offline", "absent")
PRINTING = N_("Đang in phiếu hẹn, xin chờ một chút…")
PRINTED = N_("Mời bạn nhận phiếu hẹn ở khe máy in.")
NOT_PRINTED = N_("Máy in đang tạm ngừng nên chưa in được phiếu hẹn. Hồ sơ của bạn đã được lưu. Xin mời bạn chụp "
                 "lại mã hồ sơ và mã QR trên màn hình, hoặc nhờ cán bộ in lại phiếu.")


class DoneScreen(Screen):
    name = "done"
    title = N_("Đã nộp hồ sơ")

    @property
    def code(self) -> str:
        return str(self.params.get("code", ""))

    @property
    def shown_code(self) -> str:
        """The province's official code once it has answered, else the kiosk's receipt code."""
        record = self.record or {}
        return str(record.get("official_code") or self.code)

    @property
    def record(self) -> dict[str, Any] | None:
        done = self.kiosk.submissions.submitted.get(self.code)
        return done.record if done else None

    def enter(self, **params: Any) -> None:
        self.params = params
        self._shown = self.shown_code
        self._qr = pil_to_surface(qr_image(self._shown or "-", scale=8, border=2))
        super().enter(**params)

    def update(self, now: float) -> None:
        super().update(now)
        if self.shown_code != self._shown:  # the official code arrived while the citizen is still here
            self._shown = self.shown_code
            self._qr = pil_to_surface(qr_image(self._shown, scale=8, border=2))
            self.relayout()

    def print_state(self) -> str:
        done = self.kiosk.submissions.submitted.get(self.code)
        return done.print_state if done else "printing"

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        record = self.record or {}
        row_h = t.footer_button_height
        due = record.get("due_date")
        due_text = (_("Ngày hẹn trả kết quả: {date}").format(date=date.fromisoformat(due).strftime("%d/%m/%Y"))
                    if due else _("Ngày hẹn sẽ được thông báo"))
        result = record.get("procedure", {}).get("result", "")
        state = self.print_state()
        if state == "printing" and self.kiosk.health.get("printer", "ok") in PRINTER_DOWN:
            state = "failed: known before printing"  # say it at once, not after a job that cannot work
        status = _(PRINTED) if state == "printed" else _(PRINTING) if state == "printing" else _(NOT_PRINTED)
        if state.startswith("failed") and not getattr(self, "_said_not_printed", False):
            self._said_not_printed = True
            self.speak("not_printed")
        code_h = t.huge * 3 // 2
        heading_h = t.body * 2
        qr_side = min(area.width // 2, t.px(420)) if t.portrait else min(area.height // 2, t.px(300))
        self._qr_rect = pygame.Rect(0, 0, qr_side, qr_side)
        self._qr_rect.midtop = (area.centerx, area.top + heading_h + code_h + t.gap)
        if not t.portrait:
            self._qr_rect.topright = (area.right, area.top)
        text_top = self._qr_rect.bottom + t.gap if t.portrait else area.top + heading_h + code_h
        text_w = area.width if t.portrait else area.width - qr_side - t.gap
        lines = f"{due_text}\n" + (_("Nơi nhận kết quả: {place}").format(place=result) if result else "")
        body_h = area.bottom - row_h - t.gap - text_top
        status_h = body_h // 2
        return [
            Label(_("Hồ sơ của bạn đã được tiếp nhận. Mã hồ sơ:"), pygame.Rect(area.left, area.top, text_w,
                                                                           heading_h), "body", bold=True),
            Label(self.shown_code, pygame.Rect(area.left, area.top + heading_h, text_w, code_h), "huge", bold=True,
                  valign="middle"),
            Label(lines, pygame.Rect(area.left, text_top, text_w, body_h - status_h), "body", bold=False),
            Label(status, pygame.Rect(area.left, text_top + body_h - status_h, text_w, status_h), "body",
                  "danger" if state.startswith("failed") else "text", bold=True),
            Button(_("Kết thúc"), "finish", pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)),
        ]

    def draw_content(self, canvas: Canvas) -> None:
        box = self._qr_rect
        canvas.surface.blit(pygame.transform.scale(self._qr, box.size), box.topleft)

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, PrintResult) and event.code == self.code:
            self.relayout()
            return True
        return super().on_event(event)

    def on_action(self, action: str) -> None:
        if action == "finish":
            self.kiosk.session.wipe()
            self.kiosk.nav.reset("attract")

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"code": "kiosk-sim-01-261124-0001"}
