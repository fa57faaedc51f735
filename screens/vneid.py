"""`vneid`: login with the VNeID app. The kiosk asks the province for a login session, shows its QR with a
countdown and four plain steps, and polls until the citizen approves in the app. The identity comes back in the
card's QR format and signs in exactly as a card would (screens/login.py `sign_in`), so every later screen works
unchanged. An expired code offers `Tạo mã mới`; a refusal, no connection or a bad answer each say so; `Huỷ`
goes back to the card login.
"""

from __future__ import annotations

import logging
from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from firmware.rules.identity import read_cccd
from firmware.runtime.events import KioskEvent, Response
from screens.base import Screen
from screens.login import sign_in
from screens.ui.canvas import Canvas, line_height
from screens.ui.qrcode import qr_surface
from screens.ui.widgets import Button, Label, Widget

NEW_CODE = N_("Tạo mã mới")
CANCEL = N_("Huỷ")
QR_MM = 45.0  # a phone held at arm's length reads a short code this size
STEPS = N_("1. Mở ứng dụng VNeID trên điện thoại.\n2. Chạm «Quét mã».\n3. Hướng camera vào mã QR này.\n"
           "4. Chạm «Xác nhận» trên ứng dụng.")
MESSAGES: dict[str, tuple[str, str]] = {
    "starting": (N_("Đang tạo mã đăng nhập, xin chờ một chút…"), ""),
    "signing_in": (N_("Đã xác nhận. Đang đăng nhập…"), ""),
    "expired": (N_("Mã đã hết hạn"), N_("Mã đăng nhập chỉ dùng được trong ít phút. Chạm «Tạo mã mới» để có mã "
                                        "khác.")),
    "refused": (N_("Chưa đăng nhập"), N_("Bạn đã từ chối đăng nhập trên ứng dụng VNeID. Bạn có thể tạo mã mới, "
                                         "hoặc dùng thẻ căn cước.")),
    "offline": (N_("Chưa đăng nhập được"), N_("Không kết nối được với hệ thống. Xin mời dùng thẻ căn cước, hoặc "
                                              "thử lại sau.")),
    "bad": (N_("Chưa đăng nhập được"), N_("Thông tin nhận từ VNeID chưa đúng. Xin mời dùng thẻ căn cước, hoặc "
                                          "hỏi cán bộ.")),
}
SPOKEN = {"expired": "vneid_expired", "refused": "vneid_refused", "offline": "lookup_offline"}
log = logging.getLogger("motcua.vneid")


class VneidScreen(Screen):
    name = "vneid"
    title = N_("Đăng nhập bằng VNeID")

    def enter(self, **params: Any) -> None:
        self.state = "starting"
        self.session = ""
        self.waiting: bytes | None = None
        self.expires = self.next_poll = 0.0
        self._shown_s = -1
        self._qr: pygame.Surface | None = None
        super().enter(**params)
        if params.get("sample_state"):
            self._show({"session": "0" * 32, "qr": "VNEID-LOGIN:" + "0" * 32, "expires_in_s": 120})
            if params["sample_state"] != "showing":
                self._to(str(params["sample_state"]))
        else:
            self._start()

    @property
    def session_timeout(self) -> bool:  # type: ignore[override]
        """Not while the citizen works on a phone: the screen's own deadline ends the wait."""
        return self.state not in ("showing", "starting")

    def _start(self) -> None:
        self.state, self.session, self._qr = "starting", "", None
        self.waiting = self.kiosk.vneid.start(self.kiosk.clock.now())
        self._to("starting" if self.waiting else "offline")

    def _show(self, body: dict[str, Any]) -> None:
        now = self.kiosk.clock.now()
        self.session = str(body["session"])
        self.kiosk.vneid.last_session = self.session
        self.expires = now + int(body["expires_in_s"])
        self.next_poll = now + self.kiosk.config.vneid.poll_s
        content = self.content_rect()
        room = content.height * 2 // 5 if self.theme.portrait else min(content.height, content.width * 2 // 5)
        self._qr = qr_surface(str(body["qr"]), self.theme, QR_MM, room)
        log.info("VNeID login QR shown (%d s)", int(body["expires_in_s"]))
        self._to("showing")

    def update(self, now: float) -> None:
        super().update(now)
        if self.state != "showing":
            return
        left = max(0, int(self.expires - now + 0.999))
        if left == 0 and self.waiting is None:
            self._to("expired")
            return
        if left != self._shown_s:
            self._shown_s = left
            self.relayout()
        if self.waiting is None and now >= self.next_poll:
            self.next_poll = now + self.kiosk.config.vneid.poll_s
            self.waiting = self.kiosk.vneid.poll(self.session, now)

    def on_event(self, event: KioskEvent) -> bool:
        if not (isinstance(event, Response) and event.correlation == self.waiting and self.waiting is not None):
            return super().on_event(event)
        self.waiting = None
        body = event.body if event.outcome == "answered" else None
        if self.state == "starting":
            if body is None or "session" not in body or event.request != "login":
                self._to("offline")
            else:
                self._show(body)
        elif self.state == "showing" and body is not None and body.get("session") == self.session:
            self._status(body)
        return True  # a lost poll is asked again at the next tick

    def _status(self, body: dict[str, Any]) -> None:
        state = body.get("state")
        if state == "confirmed":
            card = read_cccd(str(body.get("cccd", "")), today=self.kiosk.clock.wall().date())
            if card is None or not card.valid:
                log.warning("VNeID confirmed a login with an identity that is not valid; refused")
                self._to("bad")
                return
            log.info("VNeID login confirmed")
            self._to("signing_in")
            self.kiosk.nav.pop()  # the card login under this screen gives way to where the citizen was going
            sign_in(self.kiosk, card, self.params)
        elif state in ("refused", "expired"):
            log.info("VNeID login %s", state)
            self._to(str(state))
        elif state == "unknown":
            self._to("expired")

    def _to(self, state: str) -> None:
        self.state = state
        if state in SPOKEN:
            self.speak(SPOKEN[state])
        self.relayout()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        row = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        if self.state == "showing" and self._qr is not None:
            return self._showing(area, row)
        title, text = MESSAGES[self.state]
        title_h = line_height(t.title, True) * 2
        widgets: list[Widget] = [
            Label(_(title), pygame.Rect(area.left, area.top, area.width, title_h), "title", bold=True),
            Label(_(text) if text else "", pygame.Rect(area.left, area.top + title_h, area.width,
                                                       row.top - t.gap - area.top - title_h), "body")]
        if self.state in ("starting", "signing_in"):
            return [*widgets, Button(_(CANCEL), "cancel", row, "secondary")]
        half = (area.width - t.gap) // 2
        return [*widgets, Button(_(CANCEL), "cancel", pygame.Rect(row.left, row.top, half, row_h), "secondary"),
                Button(_(NEW_CODE), "new", pygame.Rect(row.left + half + t.gap, row.top, half, row_h))]

    def _showing(self, area: pygame.Rect, row: pygame.Rect) -> list[Widget]:
        t = self.theme
        assert self._qr is not None
        side = self._qr.get_width()
        left = max(0, self._shown_s)
        countdown = _("Mã còn hiệu lực: {time}").format(time=f"{left // 60}:{left % 60:02d}")
        if t.portrait:
            self._qr_rect = pygame.Rect(0, 0, side, side)
            self._qr_rect.midtop = (area.centerx, area.top)
            text = pygame.Rect(area.left, self._qr_rect.bottom + t.gap, area.width, 0)
            button = row
        else:
            self._qr_rect = pygame.Rect(area.left, area.top, side, side)
            text = pygame.Rect(self._qr_rect.right + t.gap, area.top, area.right - self._qr_rect.right - t.gap, 0)
            button = pygame.Rect(text.left, row.top, text.width, row.height)
        text.height = button.top - t.gap - text.top
        count_h = line_height(t.body, True) * 2
        return [Label(_(STEPS), pygame.Rect(text.left, text.top, text.width, text.height - count_h), "body"),
                Label(countdown, pygame.Rect(text.left, text.bottom - count_h, text.width, count_h), "body",
                      bold=True, valign="bottom"),
                Button(_(CANCEL), "cancel", button, "secondary")]

    def draw_content(self, canvas: Canvas) -> None:
        if self.state == "showing" and self._qr is not None:
            canvas.fill((255, 255, 255), self._qr_rect.inflate(self.theme.px(16), self.theme.px(16)))
            canvas.blit(self._qr, self._qr_rect.topleft)

    def on_action(self, action: str) -> None:
        if action == "cancel":
            log.info("VNeID login cancelled by the citizen")
            self.kiosk.nav.pop()
        elif action == "new":
            self._start()

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"next": "procedures", "sample_state": "showing"}
