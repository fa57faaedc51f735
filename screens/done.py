"""`done`: the receipt code large with its QR, the due date, where to collect, and the slip printing.

If the printer cannot print, the dossier is already stored: the code and QR stay on screen for a phone photo,
and the slip stub waits, unprinted, for staff. `Kết thúc` wipes the session; `Đánh giá` offers the rating once,
at the end of the visit.
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
from screens.ui.canvas import Canvas, line_height, scaled, wrap
from screens.ui.widgets import Button, Label, Widget

RATE = N_("Đánh giá")
PAY_NOW = N_("Nộp phí ngay")
PRINTER_DOWN = ("paper_out", "cover_open", "offline", "absent")
PRINTING = N_("Đang in phiếu hẹn, xin chờ một chút…")
PRINTED = N_("Mời bạn nhận phiếu hẹn ở khe máy in.")
NOT_PRINTED = N_("Máy in đang tạm ngừng nên chưa in được phiếu hẹn. Hồ sơ của bạn đã được lưu. Xin mời bạn chụp "
                 "lại mã hồ sơ và mã QR trên màn hình, hoặc nhờ cán bộ in lại phiếu.")


class DoneScreen(Screen):
    name = "done"
    title = N_("Đã nộp hồ sơ")

    @property
    def show_header(self) -> bool:  # type: ignore[override]
        return self.theme.portrait  # a 7-inch panel needs the height; the voice toggle sits by `Kết thúc`

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
        place = _("Nơi nhận kết quả: {place}").format(place=result) if result else ""
        status_role = "danger" if state.startswith("failed") else "text"
        if t.portrait:
            return self._portrait(area, due_text, place, status, status_role, code_h, heading_h, row_h)
        # A short panel: code and due date left of the QR, then place and slip status across, then the buttons.
        row_h = t.min_target
        qr_side = min(area.height // 2, t.px(300))
        self._qr_rect = pygame.Rect(0, 0, qr_side, qr_side)
        self._qr_rect.topright = (area.right, area.top)
        text_w = area.width - qr_side - t.gap
        due_h = len(wrap(due_text, t.title, text_w, True)) * line_height(t.title, True)
        below = max(self._qr_rect.bottom, area.top + heading_h + code_h + due_h) + t.gap // 2
        place_h = len(wrap(place, t.body, area.width)) * line_height(t.body) if place else 0
        voice_w = self._voice_width()
        row = pygame.Rect(area.left, area.bottom - row_h, area.width - voice_w - t.gap, row_h)
        rate, finish = self._rate_and_finish(row, stacked=True)
        bottom = self._pay.top - t.gap // 2 if self._pay else finish.top
        return self._with_pay([
            Label(_("Hồ sơ của bạn đã được tiếp nhận. Mã hồ sơ:"), pygame.Rect(area.left, area.top, text_w,
                                                                           heading_h), "body", bold=True),
            Label(self.shown_code, pygame.Rect(area.left, area.top + heading_h, text_w, code_h), "huge", bold=True,
                  valign="middle"),
            Label(due_text, pygame.Rect(area.left, area.top + heading_h + code_h, text_w, due_h), "title",
                  bold=True),
            Label(place, pygame.Rect(area.left, below, area.width, place_h), "body"),
            Label(status, pygame.Rect(area.left, below + place_h, area.width, bottom - below - place_h),
                  "body", status_role, bold=True),
            Button(_(RATE), "rate", rate, "secondary"),
            Button(_("Kết thúc"), "finish", finish),
            self._voice_toggle(pygame.Rect(finish.right + t.gap, finish.top, voice_w, row_h)),
        ])

    def _portrait(self, area: pygame.Rect, due_text: str, place: str, status: str, status_role: str, code_h: int,
                  heading_h: int, row_h: int) -> list[Widget]:
        t = self.theme
        qr_side = min(area.width // 2, t.px(420))
        self._qr_rect = pygame.Rect(0, 0, qr_side, qr_side)
        self._qr_rect.midtop = (area.centerx, area.top + heading_h + code_h + t.gap)
        text_top = self._qr_rect.bottom + t.gap
        body_h = area.bottom - row_h - t.gap - text_top
        rate, finish = self._rate_and_finish(pygame.Rect(area.left, area.bottom - row_h, area.width, row_h))
        # After the code, the due date is the largest line: it is what the citizen must remember.
        due_h = len(wrap(due_text, t.title, area.width, True)) * line_height(t.title, True)
        status_h = (body_h - due_h) // 2
        return self._with_pay([
            Label(_("Hồ sơ của bạn đã được tiếp nhận. Mã hồ sơ:"), pygame.Rect(area.left, area.top, area.width,
                                                                           heading_h), "body", bold=True),
            Label(self.shown_code, pygame.Rect(area.left, area.top + heading_h, area.width, code_h), "huge",
                  bold=True, valign="middle"),
            Label(due_text, pygame.Rect(area.left, text_top, area.width, due_h), "title", bold=True),
            Label(place, pygame.Rect(area.left, text_top + due_h, area.width, body_h - status_h - due_h), "body"),
            Label(status, pygame.Rect(area.left, text_top + body_h - status_h, area.width, status_h), "body",
                  status_role, bold=True),
            Button(_(RATE), "rate", rate, "secondary"),
            Button(_("Kết thúc"), "finish", finish),
        ])

    def _rate_and_finish(self, row: pygame.Rect, stacked: bool = False) -> tuple[pygame.Rect, pygame.Rect]:
        """`Đánh giá` (offered once, at the end of the visit) left of `Kết thúc`; `Nộp phí ngay` between them
        when the dossier has a fee (`self._pay`), or on a row of its own above them (`stacked`: a short panel,
        whose bottom row also holds the voice toggle)."""
        gap = self.theme.gap
        if stacked and self.fee:
            self._pay: pygame.Rect | None = pygame.Rect(row.left, row.top - row.height - gap, row.width, row.height)
            half = (row.width - gap) // 2
            return (pygame.Rect(row.left, row.top, half, row.height),
                    pygame.Rect(row.left + half + gap, row.top, row.width - half - gap, row.height))
        cells = 3 if self.fee else 2
        width = (row.width - (cells - 1) * gap) // cells
        rects = [pygame.Rect(row.left + i * (width + gap), row.top, width, row.height) for i in range(cells)]
        rects[-1].width = row.right - rects[-1].left
        self._pay = rects[1] if self.fee else None
        return rects[0], rects[-1]

    @property
    def fee(self) -> int:
        fee = (self.record or {}).get("procedure", {}).get("fee_vnd", 0)
        return fee if isinstance(fee, int) and fee > 0 and self.kiosk.payments.enabled else 0

    def _with_pay(self, widgets: list[Widget]) -> list[Widget]:
        if self._pay is not None:
            widgets.insert(-1 if self.theme.portrait else -2, Button(_(PAY_NOW), "pay", self._pay))
        return widgets

    def draw_content(self, canvas: Canvas) -> None:
        box = self._qr_rect
        canvas.blit(scaled(self._qr, box.size, smooth=False), box.topleft)

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, PrintResult) and event.code == self.code:
            self.relayout()
            return True
        return super().on_event(event)

    def on_action(self, action: str) -> None:
        if action == "rate":
            record = self.record or {}
            self.kiosk.nav.push("rate", dossier={"code": self.shown_code, "receipt_code": self.code,
                                                 "procedure": record.get("procedure", {}).get("name", "")})
        elif action == "pay":
            self.kiosk.nav.push("pay", code=self.shown_code)
        elif action == "finish":
            self.kiosk.session.wipe("finished")
            self.kiosk.nav.reset("attract")

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"code": "kiosk-sim-01-261124-0001"}
