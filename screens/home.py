"""`home`: the six things a citizen can do, as large buttons."""

from __future__ import annotations

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent
from screens.base import Screen
from screens.technician_pin import open_by_card
from screens.ui.widgets import Button, Label, Widget

# (label, action, one line saying what it is for); the labels are the ones scripts tap (DESIGN.md §10).
CHOICES = (
    (N_("Nộp hồ sơ"), "submit", N_("Làm thủ tục hành chính")),
    (N_("Tra cứu hồ sơ"), "lookup", N_("Xem hồ sơ đã nộp")),
    (N_("Nộp phí"), "pay", N_("Trả phí, lệ phí bằng mã QR")),
    (N_("Đánh giá"), "rate", N_("Góp ý về cán bộ")),
    (N_("Thủ tục"), "procedures", N_("Tìm hiểu các thủ tục")),
    (N_("Trợ giúp"), "help", N_("Hướng dẫn sử dụng")),
)
# action -> (screen, parameters), for the screens that exist so far
BUILT: dict[str, tuple[str, dict[str, str]]] = {
    "submit": ("login", {"next": "procedures"}), "procedures": ("procedures", {}), "help": ("help", {}),
    "lookup": ("lookup", {}), "rate": ("lookup", {"purpose": "rate"}),
    "pay": ("lookup", {"purpose": "pay"}),
}


class HomeScreen(Screen):
    qr_every = 8  # a technician card only
    name = "home"

    def enter(self, **params: object) -> None:
        self.kiosk.session.lock()  # back at the start: the next person must show their own card
        super().enter(**params)

    def resume(self) -> None:
        self.kiosk.session.lock()
        super().resume()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        greeting_h = t.title * 2 if t.portrait else t.title * 3 // 2
        greeting = Label(_("Xin chào! Bạn cần làm gì?"), pygame.Rect(area.left, area.top, area.width, greeting_h),
                         "title", bold=True, valign="middle")
        widgets: list[Widget] = [greeting]
        columns = 2 if t.portrait else 3
        rows = -(-len(CHOICES) // columns)
        finish_h = t.footer_button_height
        grid_top = greeting.rect.bottom + t.gap
        grid_h = area.bottom - grid_top - finish_h - t.gap
        cell_w = (area.width - (columns - 1) * t.gap) // columns
        cell_h = min((grid_h - (rows - 1) * t.gap) // rows, t.button_height * 5 // 2)
        for index, (label, action, detail) in enumerate(CHOICES):
            row, col = divmod(index, columns)
            rect = pygame.Rect(area.left + col * (cell_w + t.gap), grid_top + row * (cell_h + t.gap),
                               cell_w, cell_h)
            widgets.append(Button(_(label), action, rect, "primary", detail=_(detail)))
        finish = pygame.Rect(area.left, area.bottom - finish_h, area.width, finish_h)
        widgets.append(Button(_("Kết thúc"), "finish", finish, "secondary"))
        return widgets

    def on_event(self, event: KioskEvent) -> bool:
        return open_by_card(self, event) or super().on_event(event)

    def on_action(self, action: str) -> None:
        if action == "finish":
            self.kiosk.nav.reset("attract")
        elif action in BUILT:
            screen, params = BUILT[action]
            self.kiosk.nav.push(screen, **params)
        else:
            self.coming_soon()
