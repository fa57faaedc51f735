"""`dossiers`: the dossiers of the citizen whose card was shown, newest first (procedure, date, status), asked of
the province with the card's pseudonym, never the ID number. A tap looks the dossier up with the card, so its
details (and `Bổ sung giấy tờ`) are shown; with `purpose="rate"` it opens `rate`.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, Response
from screens.base import Screen
from screens.lookup import NOT_FOUND, OFFLINE, open_answer
from screens.status import day
from screens.ui.canvas import line_height, wrap
from screens.ui.widgets import Button, Label, ScrollList, Widget

NONE_YET = N_("Chưa có hồ sơ nào được nộp bằng thẻ căn cước này.")
WAITING = N_("Đang tra cứu, xin chờ một chút…")


class DossiersScreen(Screen):
    name = "dossiers"
    title = N_("Hồ sơ của bạn")

    def enter(self, **params: Any) -> None:
        self.params = params
        self.listed: list[dict[str, Any]] | None = params.get("listed")
        self.message = ""
        self.waiting: bytes | None = None
        self.asked_code = ""
        citizen = self.kiosk.lookup.citizen(self.kiosk.session)
        if self.listed is None:
            if citizen is None:
                self.kiosk.nav.replace("login", next="dossiers", next_params={"purpose": self.purpose})
            else:
                self._ask(lambda now: self.kiosk.lookup.list(citizen, now))
        super().enter(**params)

    @property
    def purpose(self) -> str:
        return str(self.params.get("purpose", "status"))

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        back = Button(_("Quay lại"), "back", pygame.Rect(area.left, area.bottom - row_h, area.width, row_h),
                      "secondary")
        if self.waiting:
            return [Label(_(WAITING), area, "title", bold=True, align="center", valign="middle")]
        message_h = line_height(t.body, True) * (3 if self.message else 0)
        widgets: list[Widget] = [Label(self.message, pygame.Rect(area.left, area.top, area.width, message_h), "body",
                                       "danger", bold=True)]
        if self.listed is not None and not self.listed and not self.message:
            widgets.append(Label(_(NONE_YET), pygame.Rect(area.left, area.top, area.width, back.rect.top - area.top),
                                 "title", bold=True, align="center", valign="middle"))
        elif self.listed:
            intro_h = line_height(t.body, True) * 2
            widgets.append(Label(_("Chạm vào hồ sơ bạn muốn xem:"), pygame.Rect(area.left, area.top + message_h,
                                                                             area.width, intro_h), "body", bold=True))
            top = area.top + message_h + intro_h
            rect = pygame.Rect(area.left, top, area.width - t.px(24), back.rect.top - t.gap - top)
            widgets.append(ScrollList(rect, self._rows(rect)))
        widgets.append(back)
        return widgets

    def _rows(self, rect: pygame.Rect) -> list[Button]:
        t = self.theme
        rows: list[Button] = []
        top = rect.top
        text_w = rect.width - 2 * t.px(20) - t.gap - t.px(40)
        for i, item in enumerate(self.listed or []):
            detail = f"{day(item.get('received_at'))} · {item.get('label') or item.get('status')}\n{item['code']}"
            lines = sum(len(wrap(part, t.body, text_w, True)) for part in detail.split("\n"))
            height = max(t.min_target, t.button_height,
                         line_height(t.small) * 5 // 4 + lines * line_height(t.body, True) + t.px(24))
            rows.append(Button(str(item.get("procedure") or item["code"]), f"open:{i}",
                               pygame.Rect(rect.left, top, rect.width, height), "secondary", detail=detail, tag="›"))
            top += height + t.gap // 2
        return rows

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action.startswith("open:") and self.listed:
            item = self.listed[int(action[5:])]
            self.asked_code = str(item["code"])
            citizen = self.kiosk.lookup.citizen(self.kiosk.session)
            self._ask(lambda now: self.kiosk.lookup.ask(self.asked_code, now, citizen))

    def _ask(self, send: Any) -> None:
        asked = send(self.kiosk.clock.now())
        if asked.state == "asked":
            self.waiting, self.message = asked.correlation, ""
        else:
            self.message = _(OFFLINE)
            self.speak("lookup_offline")
        if self.widgets:
            self.relayout()

    def on_event(self, event: KioskEvent) -> bool:
        if not (isinstance(event, Response) and event.correlation == self.waiting):
            return super().on_event(event)
        self.waiting = None
        body = event.body if event.outcome == "answered" else None
        if body is None:
            self.message = _(OFFLINE)
            self.speak("lookup_offline")
        elif event.request == "dossiers":
            self.listed = list(body.get("dossiers") or [])
            self.params["listed"] = self.listed  # back from a dossier: the list as it was, not asked again
        elif not body.get("found"):
            self.message = _(NOT_FOUND).format(code=self.asked_code)
            self.speak("lookup_not_found")
        else:
            open_answer(self.kiosk, body, self.purpose)
        self.relayout()
        return True

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"listed": [
            {"code": "000.00.20.H26-261124-0002", "received_at": "2026-11-24T10:00:00+07:00",
             "procedure": "Đăng ký khai sinh", "status": "need_more", "label": "Cần bổ sung giấy tờ"},
            {"code": "000.00.20.H26-261020-0007", "received_at": "2026-10-20T09:12:00+07:00",
             "procedure": "Đăng ký kết hôn", "status": "returned", "label": "Đã trả kết quả"}]}
