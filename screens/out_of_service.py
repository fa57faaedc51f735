"""`out_of_service`: the still screen shown when the kiosk cannot serve.

Two ways here: the service failed too often (`motcua out-of-service`, started by systemd), or the running kiosk's
outbox cannot take a dossier (`reason="storage"`; the storage watch brings `attract` back when it can). The
reason line is for staff and names no citizen.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.widgets import Label, Widget

REASONS = {"setup": N_("Dành cho cán bộ: kiosk chưa cài đặt xong; lần khởi động sau sẽ thử lại "
                        "(xem /var/log/motcua-firstboot.log)."),
           "operator": N_("Dành cho cán bộ: kiosk được tạm dừng theo lệnh của trung tâm điều hành tỉnh."),
           "storage": N_("Dành cho cán bộ: bộ nhớ lưu hồ sơ của kiosk đã đầy hoặc bị lỗi. Kiosk sẽ tự phục vụ lại "
                         "khi bộ nhớ ghi được (xem motcua doctor).")}


class OutOfServiceScreen(Screen):
    name = "out_of_service"
    title = N_("Tạm ngừng phục vụ")
    session_timeout = False
    show_banner = False
    show_voice = False  # nothing to guide: the screen says it all

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        top = area.top + area.height // 5
        widgets: list[Widget] = [
            Label(_("Kiosk đang tạm ngừng phục vụ."), pygame.Rect(area.left, top, area.width, t.title * 3), "title",
                  bold=True, align="center", valign="middle"),
            Label(_("Xin mời bạn đến quầy một cửa, cán bộ sẽ tiếp nhận hồ sơ của bạn. Xin lỗi vì sự bất tiện này."),
                  pygame.Rect(area.left, top + t.title * 3 + t.gap, area.width, t.body * 6), "body", align="center"),
        ]
        reason = REASONS.get(str(self.params.get("reason", "")))
        if reason:
            widgets.append(Label(_(reason), pygame.Rect(area.left, area.bottom - t.small * 5, area.width, t.small * 5),
                                 "small", "muted", align="center", valign="bottom"))
        return widgets

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"reason": "storage"}
