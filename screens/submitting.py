"""`submitting`: the dossier goes into the outbox (durable) before anything is printed; then `done`.

The commit runs on the second update, so this screen has been drawn once and the citizen sees that the kiosk
is working. If the outbox refuses (disk or cap), nothing was stored and the citizen is told to see staff.
"""

from __future__ import annotations

import pygame

from firmware.rules.i18n import N_, _
from firmware.services.outbox import OutboxFull
from screens.base import Screen
from screens.ui.widgets import Button, Label, Widget


class SubmittingScreen(Screen):
    name = "submitting"
    title = N_("Đang nộp hồ sơ")

    def enter(self, **params: object) -> None:
        self._updates = 0
        self.refused = ""
        super().enter(**params)

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        if not self.refused:
            return [Label(_("Đang lưu hồ sơ của bạn, xin chờ một chút…"), area, "title", bold=True, align="center",
                          valign="middle")]
        row_h = t.footer_button_height
        text = _("Kiosk tạm thời chưa nhận được hồ sơ. Hồ sơ của bạn chưa được lưu. Xin mời bạn đến quầy một cửa "
                 "để nộp trực tiếp. Xin lỗi vì sự bất tiện này.")
        return [Label(text, pygame.Rect(area.left, area.top, area.width, area.height - row_h - t.gap), "body",
                      bold=True, valign="middle"),
                Button(_("Kết thúc"), "finish", pygame.Rect(area.left, area.bottom - row_h, area.width, row_h))]

    def update(self, now: float) -> None:
        super().update(now)
        self._updates += 1
        if self._updates == 2 and not self.refused:
            self._submit()

    def _submit(self) -> None:
        kiosk = self.kiosk
        procedure = kiosk.catalog.by_code(kiosk.session.procedure_code or "")
        if procedure is None or not kiosk.session.identity:
            kiosk.nav.reset("attract")
            return
        try:
            done = kiosk.submissions.submit(kiosk.session, procedure)
        except OutboxFull as exc:
            self.refused = exc.reason
            self.speak("not_stored")
            self.relayout()
            return
        kiosk.nav.replace("done", code=done.record["receipt_code"])

    def on_action(self, action: str) -> None:
        if action == "finish":
            self.kiosk.session.wipe("finished")
            self.kiosk.nav.reset("attract")
