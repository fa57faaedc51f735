"""`procedure`: what the procedure is, the documents needed, the fee, the processing time; then `Bắt đầu`."""

from __future__ import annotations

from typing import Any

import pygame

from firmware.common.catalog import Procedure
from firmware.rules.i18n import _
from firmware.rules.money import money
from screens.base import Screen
from screens.ui.widgets import Button, Label, Widget


def fee_text(procedure: Procedure) -> str:
    if all(fee.amount_vnd == 0 for fee in procedure.fees):
        return _("Không mất phí")
    parts = []
    for fee in procedure.fees:
        text = money(fee.amount_vnd) + (f"/{fee.per}" if fee.per else "")
        if fee.online_amount_vnd != fee.amount_vnd:
            text += " " + _("(nộp trực tuyến: {amount})").format(amount=money(fee.online_amount_vnd))
        parts.append(text)
    return "; ".join(parts)


def time_text(procedure: Procedure) -> str:
    if procedure.working_days == 0:
        return _("Trong ngày")
    return _("{days} ngày làm việc").format(days=procedure.working_days)


class ProcedureScreen(Screen):
    name = "procedure"

    @property
    def show_header(self) -> bool:  # type: ignore[override]
        return self.theme.portrait  # a 7-inch panel needs the height for the documents and the fee

    @property
    def procedure(self) -> Procedure:
        found = self.kiosk.catalog.by_code(str(self.params.get("code", "")))
        return found or self.kiosk.catalog.procedures[0]

    def header_title(self) -> str:
        return _("Thủ tục")

    def build(self, area: pygame.Rect) -> list[Widget]:
        t, p = self.theme, self.procedure
        buttons_h = t.button_height if t.portrait else t.min_target
        documents = [f"• {d.name}" + ("" if d.required else " " + _("(nếu có)")) for d in p.documents]
        fee = _("Lệ phí: {fee}").format(fee=fee_text(p))
        days = _("Thời gian giải quyết: {time}").format(time=time_text(p))
        lines = [
            p.summary,
            _("Giấy tờ cần mang:") + ("\n" + "\n".join(documents) if documents else " " + _("không cần")),
            *([fee, days] if t.portrait else [f"{fee} · {days}"]),  # a short panel: one line for both
            _("Nhận kết quả: {place}").format(place=p.result),
        ]
        name_h = t.title * 5 // 2 if t.portrait else t.title * 3 // 2
        body = pygame.Rect(area.left, area.top + name_h + t.gap // 2, area.width,
                           area.height - name_h - buttons_h - 2 * t.gap)
        half = (area.width - t.gap) // 2
        widgets: list[Widget] = [
            Label(p.name, pygame.Rect(area.left, area.top, area.width, name_h), "title", bold=True,
                  valign="middle"),
            Label("\n".join(lines), body, "body"),
        ]
        back = pygame.Rect(area.left, area.bottom - buttons_h, half, buttons_h)
        start = pygame.Rect(area.left + half + t.gap, area.bottom - buttons_h, half, buttons_h)
        if not t.portrait:  # no header here: the voice toggle joins the row, Quay lại | Nghe hướng dẫn | Bắt đầu
            voice_w = self._voice_width()
            third = (area.width - voice_w - 2 * t.gap) // 2
            back.width = third
            voice = pygame.Rect(back.right + t.gap, back.top, voice_w, buttons_h)
            start = pygame.Rect(voice.right + t.gap, back.top, area.right - voice.right - t.gap, buttons_h)
            widgets.append(self._voice_toggle(voice))
        widgets += [Button(_("Quay lại"), "back", back, "secondary"), Button(_("Bắt đầu"), "start", start, "primary")]
        return widgets

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action == "start":
            session = self.kiosk.session
            if session.procedure_code != self.procedure.code:
                session.answers.clear()  # a different procedure: start its form afresh
                session.asked.clear()
            session.procedure_code = self.procedure.code
            if session.signed_in:
                self.kiosk.nav.push("form")
            else:
                self.kiosk.nav.push("login", next="form")

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"code": "1.004222"}
