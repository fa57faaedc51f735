"""`status`: one dossier as the province sees it: code, procedure, masked name, the due date (and whether it is
late), and its steps with their dates, the official's note and the papers asked for. A dossier still in this
kiosk's outbox shows "Đang gửi" with its receipt code.

When the province asks for more papers (the latest step is need_more), `Bổ sung giấy tờ` scans them: with the
card that filed the dossier (logged in first if need be). A dossier returned or rejected offers `Đánh giá`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.canvas import line_height, wrap
from screens.ui.widgets import Button, Label, ScrollList, Widget

SENDING = N_("Đang gửi")
SUPPLEMENT = N_("Bổ sung giấy tờ")
RATE = N_("Đánh giá")
PAY = N_("Nộp phí")
RATABLE = ("returned", "rejected")


def day(text: str | None) -> str:
    if not text:
        return ""
    try:
        return (datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)).strftime("%d/%m/%Y")
    except ValueError:
        return ""


class StatusScreen(Screen):
    name = "status"
    title = N_("Hồ sơ")

    @property
    def answer(self) -> dict[str, Any]:
        return dict(self.params.get("answer") or {})

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        half = (area.width - t.gap) // 2
        buttons = [Button(_("Quay lại"), "back", pygame.Rect(area.left, area.bottom - row_h, half, row_h),
                          "secondary"),
                   Button(_("Kết thúc"), "finish", pygame.Rect(area.left + half + t.gap, area.bottom - row_h, half,
                                                              row_h))]
        local = self.params.get("local")
        if local:
            return [*self._sending(area, dict(local)), *buttons]
        answer = self.answer
        code_h = line_height(t.title, True) * len(wrap(str(answer.get("code", "")), t.title, area.width, True))
        lines = [str(answer.get("procedure", ""))]
        if answer.get("name_masked"):
            lines.append(_("Người nộp: {name}").format(name=answer["name_masked"]))
        due = day(answer.get("due_date"))
        if due:
            lines.append(_("Ngày hẹn trả kết quả: {date}").format(date=due)
                         + (" " + _("(đã quá hạn)") if answer.get("late") else ""))
        info = "\n".join(lines)
        info_h = line_height(t.body) * sum(len(wrap(line, t.body, area.width)) for line in lines)
        list_top = area.top + code_h + info_h + t.gap
        bottom = area.bottom - row_h - t.gap
        action = self._action(answer)
        if action and t.portrait:
            buttons.append(Button(_(action[0]), action[1], pygame.Rect(area.left, bottom - row_h, area.width, row_h)))
            bottom -= row_h + t.gap
        elif action:  # a short panel: three across, the step list keeps its height
            third = (area.width - 2 * t.gap) // 3
            for i, button in enumerate(buttons):
                button.rect = pygame.Rect(area.left + 2 * i * (third + t.gap), button.rect.top, third, row_h)
            buttons.append(Button(_(action[0]), action[1], pygame.Rect(area.left + third + t.gap, bottom + t.gap,
                                                                       third, row_h)))
        steps = pygame.Rect(area.left, list_top, area.width - t.px(24), bottom - list_top)
        return [Label(str(answer.get("code", "")), pygame.Rect(area.left, area.top, area.width, code_h), "title",
                      bold=True),
                Label(info, pygame.Rect(area.left, area.top + code_h, area.width, info_h), "body"),
                ScrollList(steps, self._steps(steps, answer.get("history") or [])), *buttons]

    @staticmethod
    def _action(answer: dict[str, Any]) -> tuple[str, str] | None:
        history = answer.get("history") or []
        status = answer.get("status") or (history[-1].get("status") if history else None)
        if status == "need_more":
            return SUPPLEMENT, "supplement"
        if status in RATABLE:
            return RATE, "rate"
        if answer.get("fee_vnd") and answer.get("paid") is False and status != "rejected":
            return PAY, "pay"
        return None

    def _steps(self, rect: pygame.Rect, history: list[dict[str, Any]]) -> list[Button]:
        t = self.theme
        rows: list[Button] = []
        top = rect.top
        text_w = rect.width - 2 * t.px(20) - t.gap - t.px(8)
        for step in reversed(history):  # the newest first: what the citizen came to know
            # The date small; the step, the papers asked for and the official's note in large type below it.
            what = str(step.get("label") or step.get("status"))
            documents = "; ".join(step.get("documents") or [])
            detail = what + (f": {documents}" if documents else "") + (f" ({step['note']})" if step.get("note") else "")
            lines = len(wrap(detail, t.body, text_w, True))
            height = max(t.min_target, t.button_height,
                         line_height(t.small) * 5 // 4 + lines * line_height(t.body, True) + t.px(24))
            rows.append(Button(day(step.get("at")) or " ", f"step:{len(rows)}",
                               pygame.Rect(rect.left, top, rect.width, height),
                               "primary" if not rows else "secondary", detail=detail, tag=" "))
            top += height + t.gap // 2
        return rows

    def _sending(self, area: pygame.Rect, local: dict[str, Any]) -> list[Widget]:
        t = self.theme
        text = _("Hồ sơ {code} ({procedure}) đã được kiosk tiếp nhận ngày {date} và đang được gửi lên hệ thống. "
                 "Xin mời tra cứu lại sau.").format(code=local.get("receipt_code", ""),
                                                    procedure=local.get("procedure", ""),
                                                    date=day(local.get("received_at")))
        title_h = line_height(t.title, True) * 2
        return [Label(_(SENDING), pygame.Rect(area.left, area.top, area.width, title_h), "title", bold=True),
                Label(text, pygame.Rect(area.left, area.top + title_h, area.width,
                                        area.height - title_h - t.footer_button_height - t.gap), "body")]

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action == "finish":
            self.kiosk.session.wipe("finished")
            self.kiosk.nav.reset("attract")
        elif action == "rate":
            self.kiosk.nav.push("rate", dossier=self.answer)
        elif action == "pay":
            self.kiosk.nav.push("pay", code=self.answer.get("code", ""))
        elif action == "supplement":
            self._supplement()

    def _supplement(self) -> None:
        """With the card that filed the dossier: the province says whether it is (`mine`) when asked with it."""
        answer = self.answer
        if self.kiosk.session.signed_in and answer.get("mine"):
            self.kiosk.nav.push("documents", supplement=answer)
        else:
            self.kiosk.nav.push("login", next="lookup", next_params={"code": answer.get("code", ""),
                                                                     "purpose": "supplement"})

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"answer": {
            "found": True, "code": "000.00.20.H26-261124-0002", "procedure": "Đăng ký khai sinh",
            "name_masked": "Nguyễn T** N*** Á**", "due_date": "2026-11-27", "late": False,
            "history": [{"status": "received", "label": "Đã tiếp nhận", "at": "2026-11-24T10:00:00+07:00"},
                        {"status": "need_more", "label": "Cần bổ sung giấy tờ", "at": "2026-11-25T09:00:00+07:00",
                         "note": "Bản chụp bị mờ", "documents": ["Giấy chứng sinh bản chính"]}]}}
