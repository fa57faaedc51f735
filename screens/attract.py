"""`attract`: what a passer-by sees. Any touch, or someone stepping up to the kiosk, opens `home`."""

from __future__ import annotations

from datetime import datetime

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, Presence
from screens.base import Screen
from screens.technician_pin import open_by_card
from screens.ui.canvas import Canvas
from screens.ui.input import Pointer
from screens.ui.widgets import Label, Widget

HOLD_FOR_TECHNICIAN_S = 5.0  # a press held this long in the top-left corner: technician mode's PIN
WEEKDAYS = (N_("Thứ Hai"), N_("Thứ Ba"), N_("Thứ Tư"), N_("Thứ Năm"), N_("Thứ Sáu"), N_("Thứ Bảy"),
            N_("Chủ Nhật"))


def long_date(moment: datetime) -> str:
    return _("{weekday}, ngày {day} tháng {month} năm {year}").format(
        weekday=_(WEEKDAYS[moment.weekday()]), day=moment.day, month=moment.month, year=moment.year)


class AttractScreen(Screen):
    qr_every = 15  # a technician card only, held up a second or two: one frame a second (at 15 fps) is enough
    name = "attract"
    session_timeout = False
    show_header = False

    def enter(self, **params: object) -> None:
        self.kiosk.session.wipe("left")
        self.kiosk.voice.new_visit()
        super().enter(**params)

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        site = self.kiosk.config.kiosk
        cta_h = t.button_height * 3 // 2 if t.portrait else t.button_height
        self._cta = pygame.Rect(area.left, area.bottom - cta_h, area.width, cta_h)
        above = pygame.Rect(area.left, area.top, area.width, self._cta.top - area.top - t.gap)
        notice: list[Widget] = []
        if self.kiosk.notice:  # the operator's notice, above the call to action
            lines = 3  # NOTICE_MAX characters fit in three lines on the smallest panel
            box = pygame.Rect(above.left, above.bottom - t.body * lines * 3 // 2, above.width, t.body * lines * 3 // 2)
            notice.append(Label(self.kiosk.notice, box, "body", "text", align="center", valign="middle", bold=True))
            above.height -= box.height + t.gap
        if t.portrait:
            site_box = pygame.Rect(above.left, above.top + above.height // 12, above.width, above.height // 2)
            time_box = pygame.Rect(above.left, site_box.bottom, above.width, above.bottom - site_box.bottom)
        else:
            half = above.width // 2
            site_box = pygame.Rect(above.left, above.top, half - t.gap, above.height)
            time_box = pygame.Rect(above.left + half, above.top, above.width - half, above.height)
        # The clock is drawn each minute in draw_content; these are its boxes.
        clock_h = time_box.height * 3 // 5
        self._clock = pygame.Rect(time_box.left, time_box.top, time_box.width, clock_h)
        self._date = pygame.Rect(time_box.left, self._clock.bottom, time_box.width, time_box.height - clock_h)
        rows = ((_("Kiosk dịch vụ công"), "title", "header", 2), (site.commune_name, "huge", "text", 3),
                (site.province_name, "body", "muted", 2))
        unit = site_box.height // 7
        top = site_box.top
        widgets: list[Widget] = []
        for text, role, color, share in rows:
            rect = pygame.Rect(site_box.left, top, site_box.width, unit * share)
            widgets.append(Label(text, rect, role, color, align="center", valign="middle", bold=role != "body"))
            top = rect.bottom
        return widgets + notice

    def draw_content(self, canvas: Canvas) -> None:
        t = self.theme
        wall = self.kiosk.clock.wall()
        canvas.text(wall.strftime("%H:%M"), self._clock, t.huge * 2, t.palette.text, bold=True,
                    align="center", valign="bottom")
        canvas.text(long_date(wall), self._date, t.body, t.palette.muted, align="center", valign="top")
        canvas.fill(t.palette.primary, self._cta, t.radius)
        canvas.text(_("Chạm để bắt đầu"), self._cta, t.title, t.palette.on_primary, bold=True, align="center",
                    valign="middle")

    def on_pointer(self, pointer: Pointer) -> bool:
        corner = self.theme.px(160)
        in_corner = pointer.pos[0] < corner and pointer.pos[1] < corner
        if pointer.phase == "down":
            self._held_from = self.kiosk.clock.now() if in_corner else None
        elif pointer.phase == "up":
            held = getattr(self, "_held_from", None)
            if in_corner and held is not None and self.kiosk.clock.now() - held >= HOLD_FOR_TECHNICIAN_S:
                self.kiosk.nav.replace("technician_pin")  # the hidden gesture: the PIN alone opens it
            else:
                self.kiosk.session.woken_by = "touch"
                self.kiosk.nav.replace("home")
        return True

    def on_event(self, event: KioskEvent) -> bool:
        if open_by_card(self, event):
            return True
        if isinstance(event, Presence) and event.present:
            self.kiosk.session.woken_by = "presence"
            self.kiosk.nav.replace("home")
            return True
        return super().on_event(event)
