"""`review`: every answer and every document, each row with `Sửa` that goes to the right place and comes back;
then consent to the use of personal data for this procedure (nothing pre-ticked; leaving is not consent) and
`Nộp hồ sơ`. The consent tick and `Nộp hồ sơ` are the two deliberate taps that submit (a typed-back code would
only repeat digits already on the screen). Every answer is checked again before it goes: one that is not
acceptable opens its field with the reason, and nothing is submitted.

Rows are tapped by their field label (labels must be unique on a screen; every row shows "Sửa").
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.common.catalog import Procedure
from firmware.rules import date_entry
from firmware.rules.i18n import N_, _
from firmware.rules.validation import check
from firmware.services.dossier import CONSENT_TEXT
from screens.base import Screen
from screens.ui.canvas import line_height, wrap
from screens.ui.widgets import Button, Label, ScrollList, Widget

AGREE = N_("Tôi đồng ý")
SUBMIT = N_("Nộp hồ sơ")


class ReviewScreen(Screen):
    name = "review"
    title = N_("Kiểm tra lại")

    @property
    def notice_in_banner(self) -> bool:  # type: ignore[override]
        return self.theme.portrait

    @property
    def procedure(self) -> Procedure:
        return self.kiosk.procedure()

    def enter(self, **params: Any) -> None:
        self.message = ""
        super().enter(**params)

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height if t.portrait else t.min_target
        intro_h = t.body * 2 if t.portrait else line_height(t.body, True) + t.px(8)
        agreed = self.kiosk.session.consent_at is not None
        if t.portrait:
            side = area
            list_right = area.right
        else:  # a short panel: the list on the left, consent and buttons on the right
            list_right = area.left + area.width * 11 // 20
            side = pygame.Rect(list_right + t.gap, area.top, area.right - list_right - t.gap, area.height)
        half = (side.width - t.gap) // 2
        back = pygame.Rect(side.left, side.bottom - row_h, half, row_h)
        agree = pygame.Rect(side.left, back.top - t.gap - row_h, side.width, row_h)
        consent_h = t.body * 4 if t.portrait else agree.top - side.top - t.gap // 2
        consent_rect = pygame.Rect(side.left, agree.top - t.gap // 2 - consent_h, side.width, consent_h)
        message_rect = pygame.Rect(side.left, consent_rect.top - t.body * 2, side.width, t.body * 2)
        intro_rect = pygame.Rect(area.left, area.top, list_right - area.left, intro_h)
        intro = _("Xin mời kiểm tra lại. Chạm vào dòng cần sửa.") if t.portrait else _("Chạm vào dòng cần sửa.")
        notice = str(self.params.get("notice") or "")
        if notice and not t.portrait:  # a short panel: the notice tops the list, the consent keeps its room
            intro = notice
            intro_h = len(wrap(notice, t.body, list_right - area.left, True)) * line_height(t.body, True)
            intro_rect = pygame.Rect(area.left, area.top, list_right - area.left, intro_h)
        if not t.portrait and self.message:  # a short panel: the message takes the intro's line
            intro, message_rect = "", intro_rect
        list_bottom = message_rect.top - t.gap // 2 if t.portrait else area.bottom
        list_rect = pygame.Rect(area.left, area.top + intro_h, list_right - area.left - t.px(24),
                                list_bottom - area.top - intro_h)
        return [
            Label(intro, intro_rect, "body", bold=True),
            ScrollList(list_rect, self._rows(list_rect)),
            Label(self.message, message_rect, "body", "danger", bold=True),
            Label(_(CONSENT_TEXT), consent_rect, "small"),
            Button(_(AGREE), "consent", agree, "primary" if agreed else "secondary",
                   detail=_("(đã chọn)") if agreed else "", tag=_("Đã chọn") if agreed else _("Chọn")),
            Button(_("Quay lại"), "back", back, "secondary"),
            Button(_(SUBMIT), "submit", back.move(half + t.gap, 0), "primary"),
        ]

    def _rows(self, rect: pygame.Rect) -> list[Button]:
        t, session = self.theme, self.kiosk.session
        height = max(t.min_target, t.button_height)
        rows: list[Button] = []

        def add(label: str, action: str, detail: str) -> None:
            top = rect.top + len(rows) * (height + t.gap // 2)
            rows.append(Button(label, action, pygame.Rect(rect.left, top, rect.width, height), "secondary",
                               detail=detail, tag=_("Sửa")))

        documents = self.procedure.documents_for(session.answers)
        again = self.params.get("rescan")
        if isinstance(again, int) and 0 <= again < len(documents) and session.pages.get(documents[again].key):
            add(_("Quét lại"), f"rescan:{again}", documents[again].name)  # the page that went on by itself
            rows[-1].tag = ""
        for i, field in enumerate(self.procedure.form):
            raw = str(session.answers.get(field.key, "") or "")
            shown = date_entry.shown(raw) if field.type == "date" and raw else raw
            add(field.label, f"edit:{i}", shown or _("(không có)"))
        for j, doc in enumerate(self.procedure.documents_for(session.answers)):
            pages = len(session.pages.get(doc.key, []))
            if pages:
                detail = _("{count} trang đã quét").format(count=pages)
            elif doc.key in session.documents_at_counter:
                detail = _("Nộp bản giấy tại quầy")
            else:
                detail = _("(không có)")
            add(doc.name, f"doc:{j}", detail)
        return rows

    def on_action(self, action: str) -> None:
        session = self.kiosk.session
        if action.startswith("edit:"):
            self.kiosk.nav.push("form", index=int(action[5:]), review=True)
        elif action.startswith("rescan:"):
            self.kiosk.nav.push("documents", index=int(action[7:]), review=True, rescan=True)
        elif action.startswith("doc:"):
            self.kiosk.nav.push("documents", index=int(action[4:]), review=True)
        elif action == "consent":
            session.consent_at = None if session.consent_at else self.kiosk.clock.wall()
            self.message = ""
            self.relayout()
        elif action == "submit":
            self._submit()
        elif action == "back":
            self.kiosk.nav.pop()

    def _submit(self) -> None:
        session = self.kiosk.session
        today = self.kiosk.clock.wall().date()
        for i, field in enumerate(self.procedure.form):
            problem = check(field, str(session.answers.get(field.key, "") or ""), today)
            if problem:
                self.kiosk.nav.push("form", index=i, review=True, message=problem)
                return
        if session.consent_at is None:
            self.message = _("Xin mời chạm «Tôi đồng ý» nếu bạn đồng ý, để nộp hồ sơ.")
            self.speak("consent")
            self.relayout()
            return
        self.kiosk.nav.push("submitting")

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        kiosk.session.procedure_code = "1.001193"
        kiosk.session.answers.update({"ho_ten_tre": "Nguyễn Hoàng Bảo Ngọc", "ngay_sinh_tre": "05112026",
                                      "gioi_tinh_tre": "Nữ", "quan_he": "Mẹ", "dan_toc": "Kinh"})
        return {}
