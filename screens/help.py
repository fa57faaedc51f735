"""`help`: how to use the kiosk, in short steps, and where to find a person."""

from __future__ import annotations

import pygame

from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.widgets import Button, Label, Widget

STEPS = (
    N_("1. Chạm vào việc bạn cần làm, ví dụ «Nộp hồ sơ»."),
    N_("2. Đưa mã QR trên thẻ căn cước (CCCD) vào trước camera để đăng nhập."),
    N_("3. Chọn thủ tục, điền thông tin bằng bàn phím trên màn hình."),
    N_("4. Đưa từng giấy tờ vào khe máy quét. Máy sẽ trả lại bản gốc."),
    N_("5. Kiểm tra lại, chạm «Tôi đồng ý», «Nộp hồ sơ» và nhận phiếu hẹn in ra."),
)


class HelpScreen(Screen):
    name = "help"
    title = N_("Trợ giúp")

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        back_h = t.footer_button_height
        text = "\n".join(_(step) for step in STEPS)
        staff = _("Nếu cần giúp đỡ, xin mời bạn đến quầy một cửa, cán bộ sẽ hỗ trợ.")
        back = pygame.Rect(area.left, area.bottom - back_h, area.width, back_h)
        if t.portrait:
            body_h = area.height - back_h - t.gap * 2 - t.body * 3
            staff_rect = pygame.Rect(area.left, area.top + body_h + t.gap, area.width, t.body * 3)
        else:  # a short panel: the staff line beside `Quay lại`
            body_h = area.height - back_h - t.gap
            back.width = area.width // 3
            back.right = area.right
            staff_rect = pygame.Rect(area.left, back.top, back.left - area.left - t.gap, back_h)
        return [
            Label(text, pygame.Rect(area.left, area.top, area.width, body_h), "body"),
            Label(staff, staff_rect, "body", "muted", valign="middle"),
            Button(_("Quay lại"), "back", back, "secondary"),
        ]

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
