"""`login`: show the QR code on the ID card (CCCD) to the camera (or the QR reader, where the kiosk has one), or
put the card on the card reader, where the kiosk has one, so that its chip is read.

A valid card fills the session's identity and moves on to `next` (with `next_params`); an invalid or unreadable
one says why in plain Vietnamese, with `Quét lại` to try again. The chip is preferred: a QR shown while the card
lies on the reader opens the chip with the QR's values (BAC), and a card put down first asks for the numbers
printed on it (`card_key`). The identity then says where it came from (chip verified, chip, QR only).
"""

from __future__ import annotations

import logging
from typing import Any

import pygame

from firmware.chip.messages import QR_ONLY, VERIFICATION_WORDS, message
from firmware.rules.i18n import N_, _
from firmware.rules.identity import IDENTITY_KEYS, Cccd, read_cccd
from firmware.runtime.events import CardPresence, CardRead, KioskEvent, QrDecoded
from firmware.services.cards import keys_from_qr
from screens.base import CLOSE_MODAL, Screen
from screens.ui.canvas import Canvas, font, line_height, wrap
from screens.ui.widgets import Button, Label, Modal, Widget

RESCAN = N_("Quét lại")
VNEID = N_("Đăng nhập bằng VNeID")
PUT_CARD = N_("Hoặc: Đặt thẻ lên đầu đọc thẻ, kiosk sẽ đọc chip trên thẻ.")
TYPE_NUMBERS = N_("Nhập số trên thẻ")
READING = N_("Đang đọc chip trên thẻ. Xin giữ yên thẻ trên đầu đọc…")
NEW_PERSON = N_("Bạn đã bắt đầu một lượt mới. Thông tin của người dùng trước đã được xoá.")
# Errands the new person can carry on with after another card (their own dossiers, asked with their own card).
CARRIES_ON = ("lookup", "dossiers")
log = logging.getLogger("motcua.login")


def sign_in(kiosk: Any, card: Cccd | dict[str, Any], params: dict[str, Any]) -> None:
    """A valid identity (a card's QR, VNeID's answer in the card's format, or the chip's identity, taken as it is
    so that the visit's wipe clears it) fills the session; on to `next`."""
    if isinstance(card, Cccd):
        identity: dict[str, Any] = {key: getattr(card, key) for key in IDENTITY_KEYS}
        identity["verification"] = QR_ONLY
    else:
        identity = card
    other = kiosk.session.sign_in(identity, kiosk.clock.now())
    next_screen = str(params.get("next", "procedures"))
    next_params = dict(params.get("next_params") or {})
    if other:
        log.info("another person signed in: the previous visit was wiped, a new one starts")
        if next_screen not in CARRIES_ON:  # a dossier half made was the other person's: start over
            next_screen, next_params = "procedures", {}
        next_params.pop("notice", None)  # a new person: that notice says more than where the identity came from
        kiosk.nav.replace(next_screen, **next_params, notice=_(NEW_PERSON), notice_prompt="new_person")
    else:
        kiosk.nav.replace(next_screen, **next_params)


class LoginScreen(Screen):
    qr_every = 1
    name = "login"
    title = N_("Đăng nhập")

    def enter(self, **params: Any) -> None:
        self.reading = False
        super().enter(**params)
        self.kiosk.cards.want(True)
        typed = params.get("card_keys")
        if typed:  # back from `card_key` with the numbers printed on the card
            self._read_chip(list(typed))

    def resume(self) -> None:
        super().resume()
        self.kiosk.cards.want(True)

    def pause(self) -> None:
        self.kiosk.cards.want(False)
        self.reading = False  # the reading modal closes with the pause: as if cancelled
        super().pause()

    def leave(self) -> None:
        self.kiosk.cards.want(False)
        super().leave()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        back_h = t.footer_button_height
        camera_ok = self.kiosk.health.get("camera", "ok") != "absent"
        reader = self.kiosk.cards.usable
        if camera_ok:
            text = _("Đưa mặt sau thẻ căn cước (CCCD), chỗ có mã QR, vào trước camera phía trên màn hình. "
                     "Giữ yên thẻ một chút.")
        else:
            text = _("Camera đang tạm ngừng. Xin mời bạn đến quầy một cửa để được hỗ trợ.")
        vneid = self.kiosk.vneid.enabled
        above = area.height - back_h - t.gap - (back_h + t.gap if vneid and t.portrait else 0)
        if t.portrait:
            text_rect = pygame.Rect(area.left, area.top, area.width, t.body * 5)
            self._picture = pygame.Rect(area.left, text_rect.bottom + t.gap, area.width,
                                        above - text_rect.height - t.gap)
        else:
            text_rect = pygame.Rect(area.left, area.top, area.width * 9 // 20, above)
            self._picture = pygame.Rect(text_rect.right + t.gap, area.top, area.right - text_rect.right - t.gap, above)
        back = pygame.Rect(area.left, area.bottom - back_h, area.width, back_h)
        widgets: list[Widget] = [Label(text, text_rect, "body", bold=True)]
        if reader:  # the reader's line takes the top of the picture
            box = self._picture
            height = len(wrap(_(PUT_CARD), t.body, box.width, True)) * line_height(t.body, True)
            line = pygame.Rect(box.left, box.top, box.width, height)
            box.top += height + t.gap
            box.height -= height + t.gap
            widgets.append(Label(_(PUT_CARD), line, "body", "primary", bold=True))
        if vneid and t.portrait:
            widgets.append(Button(_(VNEID), "vneid", back.move(0, -back_h - t.gap), "primary"))
        elif vneid:  # a short panel: side by side
            half = (area.width - t.gap) // 2
            widgets.append(Button(_(VNEID), "vneid", pygame.Rect(back.left + half + t.gap, back.top, half, back_h)))
            back.width = half
        return [*widgets, Button(_("Quay lại"), "back", back, "secondary")]

    def draw_content(self, canvas: Canvas) -> None:
        """A card held up under the camera, its QR corner marked (no text needed to follow it)."""
        t, box = self.theme, self._picture
        if box.height < t.px(120) or self.kiosk.health.get("camera", "ok") == "absent":
            return  # no picture of a camera that is not there
        palette = t.palette
        word = font(t.small, True).get_rect(_("Camera")).width
        camera = pygame.Rect(0, 0, max(box.width // 5, word + t.px(24)), max(box.height // 10, t.small * 3 // 2))
        camera.midtop = (box.centerx, box.top)
        canvas.fill(palette.text, camera, t.radius)
        canvas.text(_("Camera"), camera, t.small, palette.background, bold=True, align="center", valign="middle")
        tip = (box.centerx, camera.bottom + t.gap)
        canvas.polygon(palette.primary,
                       [tip, (tip[0] - t.px(40), tip[1] + t.px(50)), (tip[0] + t.px(40), tip[1] + t.px(50))])
        card_w = min(box.width * 7 // 10, (box.height - camera.height - t.px(90)) * 16 // 10)
        card = pygame.Rect(0, 0, card_w, card_w * 10 // 16)
        card.midtop = (box.centerx, tip[1] + t.px(70))
        canvas.fill(palette.secondary, card, t.radius)
        canvas.outline(palette.outline, card, max(2, t.px(4)), t.radius)
        qr = pygame.Rect(0, 0, card.height * 2 // 5, card.height * 2 // 5)
        qr.topright = (card.right - card.height // 10, card.top + card.height // 10)
        canvas.fill(palette.text, qr)
        cell = max(1, qr.width // 7)
        for row in range(7):
            for col in range(7):
                if (row * 3 + col * 5) % 4 == 0:
                    canvas.fill(palette.background, pygame.Rect(qr.left + col * cell, qr.top + row * cell, cell, cell))
        lines = pygame.Rect(card.left + card.height // 10, card.top + card.height // 8, card.width // 2, card.height)
        for i in range(4):
            canvas.fill(palette.outline, pygame.Rect(lines.left, lines.top + i * card.height // 5, lines.width,
                                                     max(2, card.height // 18)), t.px(4))

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action == "vneid":
            self.kiosk.nav.push("vneid", **self.params)
        elif action == "type_numbers":
            self.close_modal()
            params = {k: v for k, v in self.params.items() if k != "card_keys"}
            self.kiosk.nav.replace("card_key", login_params=params)
        elif action == "cancel_read":
            self.reading = False
            self.close_modal()

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, CardRead):
            self._chip_read(event)
            return True
        if isinstance(event, CardPresence):
            if event.present and self.modal is None and not self.reading:
                self._ask_numbers()
            return True
        if not isinstance(event, QrDecoded) or (self.modal is not None and self.modal.name != "card_numbers"):
            return super().on_event(event)
        self.close_modal()
        self._read(event.payload)
        return True

    def _ask_numbers(self) -> None:
        self.show_modal(Modal(_("Đã nhận thẻ"), _("Để mở chip, kiosk cần mã QR trên thẻ (đưa vào trước camera) "
                                                  "hoặc các số in trên thẻ."),
                              [(_(TYPE_NUMBERS), "type_numbers"), (_("Đóng"), CLOSE_MODAL)], name="card_numbers"))

    def _read_chip(self, keys: list[Any]) -> None:
        if self.kiosk.cards.read(keys):
            self.reading = True
            self.show_modal(Modal(_("Đang đọc thẻ"), _(READING), [(_("Huỷ"), "cancel_read")], name="card_reading"))

    def _chip_read(self, event: CardRead) -> None:
        if not self.reading:
            return  # cancelled, or a result for a visit that has moved on
        self.reading = False
        self.close_modal()
        if event.ok and event.identity is not None:
            words = VERIFICATION_WORDS.get(str(event.identity.get("verification")), "")
            sign_in(self.kiosk, event.identity, {**self.params, "next_params": {
                **dict(self.params.get("next_params") or {}), "notice": _(words)}})
            return
        buttons = [(_(TYPE_NUMBERS), "type_numbers")] if event.code == "bac_key" else []
        self.show_modal(Modal(_("Chưa đọc được thẻ"), message(event.code), [*buttons, (_(RESCAN), CLOSE_MODAL)],
                              name="card_error"), speak="card_invalid")

    def _read(self, payload: str) -> None:
        card = read_cccd(payload, today=self.kiosk.clock.wall().date())
        cards = self.kiosk.cards
        if card is not None and card.valid and cards.usable and cards.present and card.date_of_birth:
            assert card.id_number is not None
            keys = keys_from_qr(card.id_number, card.date_of_birth, card.issue_date)
            if keys:  # the chip is preferred: the QR's values open it
                self._read_chip(keys)
                return
        if card is None:
            self._refuse(_("Đây không phải mã QR trên thẻ căn cước. Xin mời bạn đưa đúng mặt có mã QR của thẻ."),
                         prompt="card_not_cccd")
        elif not card.valid:
            reasons = "\n".join(f"• {error.message}" for error in card.errors[:3])
            self._refuse(reasons + "\n" + _("Xin mời bạn quét lại, hoặc đến quầy một cửa để được hỗ trợ."),
                         prompt="card_invalid")
        else:
            sign_in(self.kiosk, card, self.params)

    def _refuse(self, message: str, prompt: str) -> None:
        self.show_modal(Modal(_("Chưa đọc được thẻ"), message, [(_(RESCAN), CLOSE_MODAL)], name="login_error"),
                        speak=prompt)

