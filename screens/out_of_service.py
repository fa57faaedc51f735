"""`out_of_service`: the still screen shown when the kiosk cannot serve (the service failed too often)."""

from __future__ import annotations

import pygame

from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.widgets import Label, Widget


class OutOfServiceScreen(Screen):
    name = "out_of_service"
    title = N_("Tạm ngừng phục vụ")
    session_timeout = False

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        return [
            Label(_("Kiosk đang tạm ngừng phục vụ."), pygame.Rect(area.left, area.top + area.height // 5, area.width,
                                                               t.title * 3), "title", bold=True, align="center",
                  valign="middle"),
            Label(_("Xin mời bạn đến quầy một cửa, cán bộ sẽ tiếp nhận hồ sơ của bạn. Xin lỗi vì sự bất tiện này."),
                  pygame.Rect(area.left, area.top + area.height // 5 + t.title * 3 + t.gap, area.width,
                              t.body * 6), "body", align="center"),
        ]
