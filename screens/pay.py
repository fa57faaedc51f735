"""`pay`: a dossier's fee by VietQR. The amount in digits and in words, a QR for a banking app (at least
`[payment] qr_mm` on the panel), and the bank, account and transfer note as text for those who type.

The kiosk asks the province what is owed (`req/payment`) and keeps asking every `poll_s` until the province has
the bank's confirmation: then `Đã thanh toán` and a printed receipt. After `wait_s` without it, the screen says
the payment is still recorded if it was made, and a lookup will show it; walking away loses nothing. A free
dossier, one already paid, an unknown code and no connection each say so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pygame

from firmware.common.vietqr import VietQrError
from firmware.rules.i18n import N_, _
from firmware.rules.money import in_words, money
from firmware.runtime.events import KioskEvent, PrintResult, Response
from firmware.services.payment import purpose_for
from screens.base import Screen
from screens.ui.canvas import Canvas, line_height, wrap
from screens.ui.qrcode import qr_surface
from screens.ui.widgets import Button, Label, Widget

PAID = N_("Đã thanh toán")
WAITING = N_("Đang chờ ngân hàng xác nhận…")
STEPS = N_("Mở ứng dụng ngân hàng trên điện thoại, chọn quét mã QR và hướng vào mã này. Số tiền và nội dung "
           "đã có sẵn.")
# state -> (title, text) for the screens that are one message
MESSAGES: dict[str, tuple[str, str]] = {
    "asking": (N_("Đang tra cứu, xin chờ một chút…"), ""),
    "sending": (N_("Đang gửi hồ sơ"), N_("Hồ sơ đang được gửi lên hệ thống. Xin chờ một chút…")),
    "offline": (N_("Chưa nộp phí được"), N_("Không kết nối được với hệ thống. Xin thử lại sau hoặc hỏi cán bộ.")),
    "not_found": (N_("Không tìm thấy hồ sơ"), N_("Không tìm thấy hồ sơ «{code}». Xin mời kiểm tra lại mã trên "
                                                  "phiếu hẹn.")),
    "free": (N_("Không mất phí"), N_("Hồ sơ {code} không mất phí. Bạn không cần nộp tiền.")),
    "already": (N_("Đã thanh toán"), N_("Hồ sơ {code} đã được thanh toán ngày {date}. Bạn không cần nộp lại.")),
    "timeout": (N_("Chưa nhận được xác nhận"), N_(
        "Ngân hàng chưa báo về kiosk. Nếu bạn đã chuyển tiền, khoản tiền vẫn được ghi nhận cho hồ sơ {code}; "
        "bạn có thể xem lại sau bằng «Tra cứu hồ sơ». Nếu chưa chuyển, xin nộp phí tại quầy một cửa.")),
    "unavailable": (N_("Chưa nộp phí được"), N_("Kiosk này chưa nhận nộp phí. Xin mời nộp phí tại quầy một cửa.")),
}
SPOKEN = {"offline": "lookup_offline", "not_found": "lookup_not_found", "free": "no_fee",
          "already": "already_paid", "timeout": "payment_wait_over", "paid": "paid"}
RECEIPT = {"printing": N_("Đang in biên lai, xin chờ một chút…"), "printed": N_("Mời bạn nhận biên lai ở khe máy in."),
           "failed": N_("Máy in đang tạm ngừng nên chưa in được biên lai. Khoản phí đã được ghi nhận; xin mời "
                        "chụp lại màn hình này.")}


def day(text: Any) -> str:
    try:
        return datetime.fromisoformat(str(text)).strftime("%d/%m/%Y")
    except ValueError:
        return ""


class PayScreen(Screen):
    name = "pay"
    title = N_("Nộp phí")

    def enter(self, **params: Any) -> None:
        self.code = str(params.get("code", ""))[:64]
        self.state = "asking"
        self.answer: dict[str, Any] = {}
        self.waiting: bytes | None = None
        self.deadline = self.next_poll = 0.0
        self.receipt = ""  # the print job's code once the receipt is queued
        self.receipt_state = "printing"
        self._qr: pygame.Surface | None = None
        self._payload = ""
        self._qr_room = 0
        super().enter(**params)
        if params.get("sample_state"):
            self._sample(str(params["sample_state"]))
        elif not self.kiosk.payments.enabled:
            self._to("unavailable")
        else:
            self._ask()

    @property
    def show_header(self) -> bool:  # type: ignore[override]
        return self.theme.portrait or self.state != "qr"  # a 7-inch panel needs the height for a 60 mm QR

    @property
    def session_timeout(self) -> bool:  # type: ignore[override]
        """Not while the citizen works on a phone: the screen's own deadline ends the wait."""
        return self.state not in ("qr", "sending")

    # -- the province -----------------------------------------------------------------------------------------
    def _ask(self) -> None:
        now = self.kiosk.clock.now()
        self.next_poll = now + self.kiosk.config.payment.poll_s
        self.waiting = self.kiosk.payments.ask(self.code, now)
        if self.waiting is None and self.state in ("asking", "sending"):
            self._to("offline")

    def update(self, now: float) -> None:
        super().update(now)
        if self.state not in ("qr", "sending") or self.waiting is not None:
            return
        if now >= self.deadline:
            self._to("timeout")
        elif now >= self.next_poll:
            self._ask()

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, Response) and event.correlation == self.waiting and self.waiting is not None:
            self.waiting = None
            self._answered(event.body if event.outcome == "answered" else None)
            return True
        if isinstance(event, PrintResult) and event.code == self.receipt:
            self.receipt_state = "printed" if event.ok else "failed"
            self.relayout()
            return True
        return super().on_event(event)

    def _answered(self, body: dict[str, Any] | None) -> None:
        if self.state in ("qr", "sending"):  # polling: a lost or malformed answer is asked again
            if body and body.get("found") and body.get("paid") and self.state == "qr":
                self._paid(body)
            elif body and body.get("found") and self.state == "sending":
                self._owed(body)
            return
        if body is None:
            self._to("offline")
        elif not body.get("found"):
            if self.kiosk.lookup.sending(self.code):  # not at the province yet: wait for it
                self.deadline = self.kiosk.clock.now() + self.kiosk.config.payment.wait_s
                self._to("sending")
            else:
                self._to("not_found")
        else:
            self._owed(body)

    def _owed(self, body: dict[str, Any]) -> None:
        self.answer = body
        self.code = str(body.get("code") or self.code)
        fee = int(body.get("fee_vnd") or 0)
        if fee == 0:
            self._to("free")
        elif body.get("paid"):
            self._to("already")
        else:
            try:
                payload = self.kiosk.payments.qr_payload(self.code, fee)
            except VietQrError:
                self._to("unavailable")
                return
            self._payload = payload
            self.deadline = self.kiosk.clock.now() + self.kiosk.config.payment.wait_s
            self._to("qr")

    def _paid(self, body: dict[str, Any]) -> None:
        self.answer = {**self.answer, **body}
        self.receipt = self.kiosk.payments.print_receipt(self.answer)
        if self.kiosk.health.get("printer", "ok") in ("paper_out", "cover_open", "offline", "absent"):
            self.receipt_state = "failed"
        self._to("paid")

    def _to(self, state: str) -> None:
        self.state = state
        if state in SPOKEN:
            self.speak(SPOKEN[state])
        self.relayout()

    # -- layout -----------------------------------------------------------------------------------------------
    def _qr_for(self, area: pygame.Rect) -> pygame.Surface:
        """Drawn for the room there is now (a banner that appears takes some), at least `qr_mm` where it fits."""
        room = min(area.width, area.height * 2 // 5) if self.theme.portrait else min(area.height, area.width // 2)
        if self._qr is None or self._qr_room != room:
            self._qr_room = room
            self._qr = qr_surface(self._payload, self.theme, self.kiosk.config.payment.qr_mm, room)
        return self._qr

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        half = (area.width - t.gap) // 2
        row = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        back = Button(_("Quay lại"), "back", pygame.Rect(row.left, row.top, half, row_h), "secondary")
        finish = Button(_("Kết thúc"), "finish", pygame.Rect(row.left + half + t.gap, row.top, half, row_h))
        if self.state == "qr":  # a short panel: the smallest footer (9 mm) leaves the bank's details room
            return self._qr_layout(area, row_h if t.portrait else t.min_target)
        if self.state == "paid":
            return [*self._paid_layout(pygame.Rect(area.left, area.top, area.width, row.top - t.gap - area.top)),
                    Button(_("Kết thúc"), "finish", row)]
        title, text = MESSAGES[self.state]
        title_h = line_height(t.title, True) * (2 if t.portrait else 3) // (1 if t.portrait else 2)
        body = _(text).format(code=self.code, date=day(self.answer.get("paid_at"))) if text else ""
        widgets: list[Widget] = [
            Label(_(title), pygame.Rect(area.left, area.top, area.width, title_h), "title", bold=True),
            Label(body, pygame.Rect(area.left, area.top + title_h, area.width, row.top - t.gap - area.top - title_h),
                  "body")]
        return widgets if self.state == "asking" else [*widgets, back, finish]

    def _amount_lines(self) -> tuple[str, str]:
        fee = int(self.answer.get("fee_vnd") or 0)
        return money(fee), in_words(fee)

    def _qr_layout(self, area: pygame.Rect, row_h: int) -> list[Widget]:
        """Amount, QR, bank details; a short panel puts the QR left and leaves the app steps to the voice."""
        t, section = self.theme, self.kiosk.config.payment
        digits, words = self._amount_lines()
        side = self._qr_for(area).get_width()
        bank = "\n".join((_("Ngân hàng: {bank}").format(bank=section.bank_name),
                          _("Số tài khoản: {account}").format(account=section.account),
                          _("Chủ tài khoản: {name}").format(name=section.account_name),
                          _("Nội dung: {purpose}").format(purpose=purpose_for(self.code))))
        if t.portrait:
            column = pygame.Rect(area.left, area.top, area.width, 0)
            button = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
            text: tuple[str, ...] = (_(STEPS), bank, _(WAITING))
        else:
            self._qr_rect = pygame.Rect(area.left, area.top, side, side)
            left = self._qr_rect.right + t.gap
            column = pygame.Rect(left, area.top, area.right - left, 0)
            button = pygame.Rect(left, area.bottom - row_h, column.width, row_h)
            text = (bank, _(WAITING))
        digits_h = line_height(t.title, True)
        words_h = line_height(t.body) * len(wrap(f"({words})", t.body, column.width))
        top = column.top + digits_h + words_h
        if t.portrait:
            self._qr_rect = pygame.Rect(0, 0, side, side)
            self._qr_rect.midtop = (area.centerx, top + t.gap // 2)
            top = self._qr_rect.bottom + t.gap
        return [
            Label(digits, pygame.Rect(column.left, column.top, column.width, digits_h), "title", bold=True),
            Label(f"({words})", pygame.Rect(column.left, column.top + digits_h, column.width, words_h), "body"),
            Label("\n".join(text), pygame.Rect(column.left, top, column.width, button.top - t.gap - top), "body"),
            Button(_("Huỷ"), "back", button, "secondary"),
        ]

    def _paid_layout(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        digits, words = self._amount_lines()
        title_h = line_height(t.huge, True) * 3 // 2
        lines = [_("Hồ sơ: {code}").format(code=self.code), _("Số tiền: {amount} ({words})").format(
            amount=digits, words=words)]
        if self.answer.get("ref"):
            lines.append(_("Mã giao dịch: {ref}").format(ref=self.answer["ref"]))
        lines.append(_(RECEIPT[self.receipt_state]))
        return [Label(_(PAID), pygame.Rect(area.left, area.top, area.width, title_h), "huge", bold=True,
                      valign="middle"),
                Label("\n".join(lines), pygame.Rect(area.left, area.top + title_h, area.width,
                                                    area.height - title_h), "body",
                      "danger" if self.receipt_state == "failed" else "text")]

    def draw_content(self, canvas: Canvas) -> None:
        if self.state == "qr" and self._qr is not None:
            canvas.fill((255, 255, 255), self._qr_rect.inflate(self.theme.px(16), self.theme.px(16)))
            canvas.blit(self._qr, self._qr_rect.topleft)

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action == "finish":
            self.kiosk.session.wipe("finished")
            self.kiosk.nav.reset("attract")

    # -- samples (`motcua screens`, the layout check) -----------------------------------------------------------
    def _sample(self, state: str) -> None:
        body = {"found": True, "code": self.code or "000.00.20.H26-261124-0002", "procedure": "Đăng ký thường trú",
                "fee_vnd": 10000, "paid": state in ("already", "paid"), "paid_at": "2026-11-24T10:05:00+07:00",
                "amount_vnd": 10000, "ref": "FT26328123456", "unit": "000.00.20.H26"}
        if state == "qr":
            self._owed({**body, "paid": False})
        elif state == "paid":
            self.answer = body
            self._to("paid")
        else:
            self.answer = body
            self._to(state)

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"code": "000.00.20.H26-261124-0002", "sample_state": "qr"}
