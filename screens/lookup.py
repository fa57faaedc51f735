"""`lookup`: find a dossier by the QR on the appointment slip (camera or QR module) or by typing its code.

The short code after the unit is enough (`261124-0002`: ten digits, the dash comes by itself). A dossier still
in this kiosk's outbox shows as "Đang gửi"; offline or no answer in time says so plainly; an unknown code says
"Không tìm thấy hồ sơ" with the code as typed. The answer opens `status` (`rate` when `purpose="rate"`).
`Dùng thẻ căn cước` logs in with the ID card and lists the citizen's dossiers (`dossiers`). With `code` given
(after the card login for a supplement), the dossier is asked for at once with the card, and the province says
whether it is this citizen's.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, QrDecoded, Response
from screens.base import Screen
from screens.ui.canvas import Canvas, line_height
from screens.ui.keyboard import Keyboard
from screens.ui.widgets import Button, Label, Widget, draw_entry

SCAN = N_("Quét mã trên phiếu hẹn")
TYPE = N_("Nhập mã hồ sơ")
CARD = N_("Dùng thẻ căn cước")
SEARCH = N_("Tra cứu")
OFFLINE = N_("Không kết nối được với hệ thống. Xin thử lại sau hoặc hỏi cán bộ.")
NOT_FOUND = N_("Không tìm thấy hồ sơ «{code}». Xin mời kiểm tra lại mã trên phiếu hẹn.")
NOT_YOURS = N_("Hồ sơ «{code}» không được nộp bằng thẻ căn cước bạn vừa dùng. Xin mời dùng đúng thẻ của người "
                "nộp hồ sơ, hoặc hỏi cán bộ.")
SHORT_DIGITS = 10  # YYMMDD + NNNN


def open_answer(kiosk: Any, body: dict[str, Any], purpose: str) -> None:
    """Where a dossier found goes: `rate` to rate it, `pay` to pay its fee, `status` otherwise."""
    if purpose == "rate":
        kiosk.nav.push("rate", dossier=body)
    elif purpose == "pay":
        kiosk.nav.push("pay", code=body.get("code") or body.get("receipt_code") or "")
    else:
        kiosk.nav.push("status", answer=body)


def shown_code(digits: str) -> str:
    """'2611240002' -> '261124-0002' (as typed so far)."""
    return digits if len(digits) <= 6 else f"{digits[:6]}-{digits[6:]}"


class LookupScreen(Screen):
    qr_every = 1
    name = "lookup"
    title = N_("Tra cứu hồ sơ")

    def enter(self, **params: Any) -> None:
        self.typing = bool(params.get("typing", False))
        self.digits = ""
        self.message = ""
        self.waiting: bytes | None = None
        self.asked_code = ""
        super().enter(**params)
        if params.get("code"):
            self._ask(str(params["code"]))

    @property
    def purpose(self) -> str:
        return str(self.params.get("purpose", "status"))

    def header_title(self) -> str:
        titles = {"rate": _("Đánh giá"), "pay": _("Nộp phí")}
        return titles.get(self.purpose) or super().header_title()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        back = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        if self.waiting:
            return [Label(_("Đang tra cứu, xin chờ một chút…"), area, "title", bold=True, align="center",
                          valign="middle")]
        if not self.typing:
            return self._choices(area, back)
        half = (area.width - t.gap) // 2
        box_h = max(t.min_target, t.button_height * 2 // 3)
        intro_h = line_height(t.body, True) * 2 if t.portrait else line_height(t.body, True) * 3
        self._box = pygame.Rect(area.left, area.top + intro_h, area.width if t.portrait else half, box_h)
        message = pygame.Rect(area.left, self._box.bottom, self._box.width,
                              line_height(t.body, True) * (2 if t.portrait else 3))
        pad_top = message.bottom + t.gap // 2 if t.portrait else area.top
        pad_left = area.left if t.portrait else area.left + half + t.gap
        pad_w = min(area.width, (back.top - t.gap - pad_top) * 3 // 4) if t.portrait else half
        keypad = Keyboard(pygame.Rect(pad_left + ((area.width - pad_w) // 2 if t.portrait else 0), pad_top, pad_w,
                                      back.top - t.gap - pad_top), "digits")
        keypad.set_allowed(None if len(self.digits) < SHORT_DIGITS else set())
        buttons = [Button(_("Quay lại"), "back", pygame.Rect(back.left, back.top, half, row_h), "secondary"),
                   Button(_(SEARCH), "search", pygame.Rect(back.left + half + t.gap, back.top, half, row_h),
                          enabled=len(self.digits) == SHORT_DIGITS)]
        if not t.portrait:
            for button in buttons:
                button.rect.width = (half - t.gap) // 2
            buttons[1].rect.left = buttons[0].rect.right + t.gap
        return [Label(_("Nhập mã hồ sơ trên phiếu hẹn, ví dụ 261124-0002:"),
                      pygame.Rect(area.left, area.top, self._box.width, intro_h), "body", bold=True),
                Label(self.message, message, "body", "danger", bold=True), keypad, *buttons]

    def _choices(self, area: pygame.Rect, back: pygame.Rect) -> list[Widget]:
        t = self.theme
        intro_h = t.body * 2
        rows = 3 if t.portrait else 1  # a short panel: the three side by side
        columns = 3 // rows
        message_h = line_height(t.body, True) * (2 if t.portrait else 3)
        cell_h = min(t.button_height * 2, (back.top - t.gap - area.top - intro_h - message_h - (rows - 1) * t.gap)
                     // rows)
        cell_w = (area.width - (columns - 1) * t.gap) // columns
        top = area.top + intro_h
        widgets: list[Widget] = [
            Label(_("Đưa mã QR trên phiếu hẹn vào trước camera, hoặc chọn:"),
                  pygame.Rect(area.left, area.top, area.width, intro_h), "body", bold=True)]
        for i, (label, action) in enumerate(((SCAN, "scan"), (TYPE, "type"), (CARD, "card"))):
            row, column = divmod(i, columns)
            rect = pygame.Rect(area.left + column * (cell_w + t.gap), top + row * (cell_h + t.gap), cell_w, cell_h)
            widgets.append(Button(_(label), action, rect, "primary" if action != "card" else "secondary"))
        message_top = top + rows * (cell_h + t.gap)
        widgets.append(Label(self.message, pygame.Rect(area.left, message_top, area.width,
                                                       back.top - t.gap - message_top), "body", "danger", bold=True))
        widgets.append(Button(_("Quay lại"), "back", back, "secondary"))
        return widgets

    def draw_content(self, canvas: Canvas) -> None:
        if not self.typing or self.waiting:
            return
        draw_entry(canvas, self._box, shown_code(self.digits), bool(self.digits))

    # -- input ----------------------------------------------------------------------------------------
    def on_action(self, action: str) -> None:
        if action == "back":
            if self.typing and not self.params.get("typing"):
                self.typing, self.message = False, ""
                self.relayout()
            else:
                self.kiosk.nav.pop()
        elif action == "scan":
            self.message = _("Xin mời đưa mã QR trên phiếu hẹn vào trước camera phía trên màn hình.")
            self.relayout()
        elif action == "type":
            self.typing, self.message = True, ""
            self.relayout()
        elif action == "card":
            if self.kiosk.session.signed_in:
                self.kiosk.nav.push("dossiers", purpose=self.purpose)
            else:
                self.kiosk.nav.push("login", next="dossiers", next_params={"purpose": self.purpose})
        elif action == "search":
            self._ask(shown_code(self.digits))
        elif action.startswith("char:") and action[5:].isdigit() and len(self.digits) < SHORT_DIGITS:
            self.digits += action[5:]
            self.message = ""
            self.relayout()
        elif action == "backspace":
            self.digits = self.digits[:-1]
            self.relayout()

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, QrDecoded) and not self.waiting:
            self._ask(event.payload.strip())
            return True
        if isinstance(event, Response) and event.correlation == self.waiting:
            self.waiting = None
            body = event.body if event.outcome == "answered" else None
            if body is None:
                self._say(_(OFFLINE), prompt="lookup_offline")
            elif not body.get("found"):
                self._say(_(NOT_FOUND).format(code=self.asked_code), prompt="lookup_not_found")
            elif self.purpose == "supplement":
                if body.get("mine"):
                    self.kiosk.nav.replace("documents", supplement=body)
                else:
                    self._say(_(NOT_YOURS).format(code=self.asked_code), prompt="not_your_dossier")
            else:
                open_answer(self.kiosk, body, self.purpose)
            return True
        return super().on_event(event)

    def _ask(self, code: str) -> None:
        self.asked_code = code[:64]
        asked = self.kiosk.lookup.ask(code, self.kiosk.clock.now(), self.kiosk.lookup.citizen(self.kiosk.session))
        if asked.state == "sending" and self.purpose == "rate":
            self.kiosk.nav.push("rate", dossier={"code": code, **(asked.local or {})})
        elif asked.state == "sending" and self.purpose == "pay":
            self.kiosk.nav.push("pay", code=code)
        elif asked.state == "sending":
            self.kiosk.nav.push("status", local=asked.local)
        elif asked.state == "asked":
            self.waiting = asked.correlation
            self.message = ""
            self.relayout()
        elif asked.state == "bad":
            self._say(_(NOT_FOUND).format(code=self.asked_code), prompt="lookup_not_found")
        else:
            self._say(_(OFFLINE), prompt="lookup_offline")

    def _say(self, message: str, *, prompt: str) -> None:
        self.message = message
        self.speak(prompt)
        self.relayout()
