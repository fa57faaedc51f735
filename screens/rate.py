"""`rate`: how satisfied the citizen is with how a dossier was handled. Large faces with the level words (the
province's scale: 3 levels by default, up to 5), then each criterion the catalog lists (thái độ, thời gian, …) with
the same faces, then an optional reason from a short list (`Bỏ qua`), then thanks.

One rating per dossier: a dossier rated already (here or at another kiosk) says on which day, and asks nothing.
The rating goes through the outbox with the dossier's code and nothing of the citizen.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from firmware.services.rating import Rated
from screens.base import Screen
from screens.status import day
from screens.ui.canvas import line_height, wrap
from screens.ui.faces import FaceButton, inner_of
from screens.ui.widgets import Button, Label, Widget

SKIP = N_("Bỏ qua")
THANKS = N_("Cảm ơn bạn đã đánh giá! Ý kiến của bạn giúp cán bộ phục vụ người dân tốt hơn.")
RATED_ALREADY = N_("Hồ sơ {code} đã được đánh giá ngày {date}. Mỗi hồ sơ chỉ được đánh giá một lần. Cảm ơn bạn.")
NOT_STORED = N_("Kiosk chưa lưu được đánh giá của bạn. Xin lỗi vì sự bất tiện này; bạn có thể góp ý với cán bộ tại "
                "quầy một cửa.")
OVERALL = N_("Bạn hài lòng thế nào với việc giải quyết hồ sơ «{procedure}»?")
REASON = N_("Bạn có muốn cho biết lý do không? (không bắt buộc)")


class RateScreen(Screen):
    name = "rate"
    title = N_("Đánh giá")

    @property
    def dossier(self) -> Rated:
        return Rated.from_answer(dict(self.params.get("dossier") or {}))

    def enter(self, **params: Any) -> None:
        self.params = params
        self.stage = 0  # 0: overall; 1..n: the catalog's criteria; then the reason; then thanks
        self.level = 0
        self.criteria: dict[str, int] = {}
        self.outcome = ""  # "", "thanks", "not_stored"
        self.rated_on = self.kiosk.ratings.rated_on(self.dossier)
        super().enter(**params)

    @property
    def scale(self) -> Any:
        return self.kiosk.ratings.scale

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        footer = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        if self.rated_on or self.outcome:
            if self.rated_on:
                text = _(RATED_ALREADY).format(code=self.dossier.code, date=day(self.rated_on))
            else:
                text = _(THANKS) if self.outcome == "thanks" else _(NOT_STORED)
            return [Label(text, pygame.Rect(area.left, area.top, area.width, footer.top - t.gap - area.top), "title",
                          bold=True, align="center", valign="middle"),
                    Button(_("Kết thúc"), "finish", footer)]
        criteria = self.scale.criteria
        if self.stage <= len(criteria):
            question = (_(OVERALL).format(procedure=self.dossier.procedure or self.dossier.code) if self.stage == 0
                        else criteria[self.stage - 1].question)
            return self._faces(area, footer, question)
        return self._reasons(area, footer)

    def _question(self, area: pygame.Rect, text: str) -> Label:
        t = self.theme
        role = "title" if t.portrait else "body"  # a short panel keeps its height for the faces
        size = getattr(t, role)
        height = len(wrap(text, size, area.width, True)) * line_height(size, True) + t.gap // 2
        return Label(text, pygame.Rect(area.left, area.top, area.width, height), role, bold=True)

    def _faces(self, area: pygame.Rect, footer: pygame.Rect, question: str) -> list[Widget]:
        t = self.theme
        label = self._question(area, question)
        levels = self.scale.levels
        top = label.rect.bottom
        room = footer.top - t.gap - top
        widgets: list[Widget] = [label]
        if t.portrait:  # one row per level, the best at the top
            row = min(t.button_height * 3 // 2, (room - (len(levels) - 1) * t.gap) // len(levels))
            for i, word in enumerate(levels):
                rect = pygame.Rect(area.left, top + i * (row + t.gap), area.width, row)
                widgets.append(FaceButton(_(word), f"level:{i}", rect, index=i, levels=len(levels)))
        else:  # a short panel: the faces side by side
            width = (area.width - (len(levels) - 1) * t.gap) // len(levels)
            inner_w = inner_of(pygame.Rect(0, 0, width, room), t.px(16)).width
            lines = max(len(wrap(_(word), t.body, inner_w, True)) for word in levels)
            for i, word in enumerate(levels):
                rect = pygame.Rect(area.left + i * (width + t.gap), top, width, room)
                widgets.append(FaceButton(_(word), f"level:{i}", rect, index=i, levels=len(levels),
                                          word_lines=lines))
        widgets.append(Button(_("Quay lại"), "back", footer, "secondary"))
        return widgets

    def _reasons(self, area: pygame.Rect, footer: pygame.Rect) -> list[Widget]:
        t = self.theme
        label = self._question(area, _(REASON))
        reasons = self.scale.reasons
        columns = 1 if t.portrait else 3
        rows = max(1, -(-len(reasons) // columns))
        top = label.rect.bottom
        height = min(t.button_height, (footer.top - t.gap - top - (rows - 1) * t.gap) // rows)
        width = (area.width - (columns - 1) * t.gap) // columns
        widgets: list[Widget] = [label]
        for i, reason in enumerate(reasons):
            row, column = divmod(i, columns)
            widgets.append(Button(_(reason), f"reason:{i}", pygame.Rect(area.left + column * (width + t.gap),
                                                                         top + row * (height + t.gap), width, height),
                                  "secondary"))
        half = (area.width - t.gap) // 2
        widgets.append(Button(_("Quay lại"), "back", pygame.Rect(footer.left, footer.top, half, footer.height),
                              "secondary"))
        widgets.append(Button(_(SKIP), "skip", pygame.Rect(footer.left + half + t.gap, footer.top, half,
                                                           footer.height)))
        return widgets

    def on_action(self, action: str) -> None:
        criteria = self.scale.criteria
        if action == "finish":
            self.kiosk.session.wipe("finished")
            self.kiosk.nav.reset("attract")
            return
        if action == "back":
            if self.stage == 0:
                self.kiosk.nav.pop()
                return
            self.stage -= 1
        elif action.startswith("level:"):
            index = int(action[6:])
            if self.stage == 0:
                self.level = index
            else:
                self.criteria[criteria[self.stage - 1].key] = index
            self.stage += 1
        elif action.startswith("reason:") or action == "skip":
            reason = self.scale.reasons[int(action[7:])] if action != "skip" else ""
            stored = self.kiosk.ratings.rate(self.dossier, self.level, dict(self.criteria), reason)
            self.outcome = "thanks" if stored else "not_stored"
            if not stored:
                self.rated_on = self.kiosk.ratings.rated_on(self.dossier)
                if not self.rated_on:
                    self.speak("rating_not_stored")
        self.relayout()

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        return {"dossier": {"code": "000.00.20.H26-261124-0002", "procedure": "Đăng ký khai sinh"}}
