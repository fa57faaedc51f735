"""`help`: how to use the kiosk, in short steps, and a person: `Gọi cán bộ` calls a member of staff (the help
button does too), who clears the call when they come; out of office hours the kiosk gives the hotline instead."""

from __future__ import annotations

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import ButtonPressed, KioskEvent
from screens.base import CLOSE_MODAL, Screen
from screens.ui.widgets import Button, Label, Modal, Widget

STEPS = (
    N_("1. Chạm vào việc bạn cần làm, ví dụ «Nộp hồ sơ»."),
    N_("2. Đưa mã QR trên thẻ căn cước (CCCD) vào trước camera để đăng nhập."),
    N_("3. Chọn thủ tục, điền thông tin bằng bàn phím trên màn hình."),
    N_("4. Đưa từng giấy tờ vào khe máy quét. Máy sẽ trả lại bản gốc."),
    N_("5. Kiểm tra lại, chạm «Tôi đồng ý», «Nộp hồ sơ» và nhận phiếu hẹn in ra."),
)
CALL = N_("Gọi cán bộ")
CAME = N_("Cán bộ đã đến")


class HelpScreen(Screen):
    name = "help"
    title = N_("Trợ giúp")

    def enter(self, **params: object) -> None:
        super().enter(**params)
        if params.get("called"):  # the help button: the call is made, the citizen is told what came of it
            self.tell()

    def tell(self) -> None:
        """A modal with what came of `Gọi cán bộ`: staff are coming, or (out of hours) the hotline."""
        staff = self.kiosk.staff
        if staff.called:
            self.show_modal(Modal(_("Đã gọi cán bộ"), _("Xin bạn chờ ở đây một chút, cán bộ sẽ đến hỗ trợ bạn."),
                                  [(_("Đóng"), CLOSE_MODAL)], name="staff_called"))
        else:
            self.show_modal(Modal(_("Ngoài giờ làm việc"), _(
                "Bây giờ chưa có cán bộ ở quầy (giờ làm việc: {hours}). Xin gọi đường dây nóng {hotline} để được "
                "hỗ trợ.").format(hours=staff.hours_text(), hotline=staff.settings.hotline),
                [(_("Đóng"), CLOSE_MODAL)], name="staff_closed"))

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        back_h = t.footer_button_height
        text = "\n".join(_(step) for step in STEPS)
        called = self.kiosk.staff.called
        footer = pygame.Rect(area.left, area.bottom - back_h, area.width, back_h)
        half = (footer.width - t.gap) // 2
        call = pygame.Rect(footer.left, footer.top, half, back_h)
        back = pygame.Rect(call.right + t.gap, footer.top, footer.right - call.right - t.gap, back_h)
        widgets: list[Widget] = []
        body_bottom = footer.top - t.gap
        if t.portrait:  # room for a line about the person who can come
            staff = self.kiosk.staff
            if called:
                words = _("Đã gọi cán bộ. Xin bạn chờ ở đây, cán bộ sẽ đến hỗ trợ bạn.")
            elif staff.open_now(self.kiosk.clock.wall()):
                words = _("Nếu cần giúp đỡ, chạm «Gọi cán bộ»: cán bộ sẽ đến hỗ trợ bạn tại kiosk.")
            else:
                words = _("Ngoài giờ làm việc: xin gọi đường dây nóng {hotline} để được hỗ trợ.").format(
                    hotline=staff.settings.hotline)
            staff_rect = pygame.Rect(area.left, footer.top - t.gap - t.body * 3, area.width, t.body * 3)
            widgets.append(Label(words, staff_rect, "body", "danger" if called else "muted", valign="middle",
                                 bold=called))
            body_bottom = staff_rect.top - t.gap
        widgets.insert(0, Label(text, pygame.Rect(area.left, area.top, area.width, body_bottom - area.top), "body"))
        label, action = (_(CAME), "staff_came") if called else (_(CALL), "call_staff")
        return [*widgets, Button(label, action, call, "secondary" if called else "primary"),
                Button(_("Quay lại"), "back", back, "secondary")]

    def on_action(self, action: str) -> None:
        if action == "back":
            self.kiosk.nav.pop()
        elif action == "call_staff":
            self.kiosk.staff.call(self.kiosk.clock.wall())
            self.relayout()
            self.tell()
        elif action == "staff_came":
            self.kiosk.staff.clear("a member of staff came")
            self.relayout()

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, ButtonPressed) and event.name == "help":
            self.on_action("call_staff")
            return True
        return super().on_event(event)
