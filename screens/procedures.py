"""`procedures`: the fields as large buttons and a search by typing (accents optional), then the list."""

from __future__ import annotations

import pygame

from firmware.rules import telex
from firmware.rules.i18n import N_, _
from screens.base import Screen
from screens.ui.keyboard import Keyboard
from screens.ui.widgets import Button, Label, ScrollList, Widget

ALL = N_("Tất cả")
SEARCH = N_("Tìm thủ tục")


class ProceduresScreen(Screen):
    name = "procedures"
    title = N_("Chọn thủ tục")

    @property
    def show_header(self) -> bool:  # type: ignore[override]
        # A 7-inch landscape panel needs the header's height for the keyboard and a row of results.
        return self.theme.portrait or not getattr(self, "searching", False)

    def enter(self, **params: object) -> None:
        self.field: str | None = None
        self.query = ""
        self.searching = False
        self.keyboard: Keyboard | None = None
        super().enter(**params)

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        row_h = t.footer_button_height
        search_h = max(t.min_target, t.px(120)) if t.portrait or not self.searching else t.min_target
        widgets: list[Widget] = []
        search = pygame.Rect(area.left, area.top, area.width, search_h)
        back = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
        if not t.portrait:  # short panel: back beside the search box
            search.width = area.width * 2 // 3
            if self.searching:  # no header while typing: `Nghe hướng dẫn` joins this row
                voice_w = self._voice_width()
                search.width = area.width - voice_w - (area.width // 5) - 2 * t.gap
                voice = pygame.Rect(search.right + t.gap, area.top, voice_w, search_h)
                widgets.append(self._voice_toggle(voice))
                back_left = voice.right + t.gap
            else:
                back_left = search.right + t.gap
            back = pygame.Rect(back_left, area.top, area.right - back_left, search_h)
        widgets.append(Button(self.query or _(SEARCH), "search", search,
                              "primary" if self.searching else "secondary"))
        widgets.append(Button(_("Quay lại"), "back", back, "secondary"))
        top = search.bottom + t.gap
        bottom = back.top - t.gap if t.portrait else area.bottom
        left = area.left
        if self.searching:
            rows_h = 6 * t.min_target + 5 * max(3, t.min_target // 12)  # six rows, none under 9 mm
            keyboard_h = max(area.height * 11 // 20, rows_h) if t.portrait else rows_h
            shift = self.keyboard.shift if self.keyboard else False
            self.keyboard = Keyboard(pygame.Rect(area.left, bottom - keyboard_h, area.width, keyboard_h), "text",
                                     compact=not t.portrait)
            self.keyboard.set_shift(shift)
            widgets.append(self.keyboard)
            bottom -= keyboard_h + t.gap
        else:
            fields = [None, *self.kiosk.catalog.fields]
            for i, field in enumerate(fields):
                if t.portrait:
                    cell_w = (area.width - t.gap * (len(fields) - 1)) // len(fields)
                    rect = pygame.Rect(area.left + i * (cell_w + t.gap), top, cell_w, row_h)
                else:
                    cell_h = min(row_h, (bottom - top) // len(fields) - t.gap // 2)
                    rect = pygame.Rect(area.left, top + i * (cell_h + t.gap // 2), area.width // 4, cell_h)
                style = "primary" if field == self.field else "secondary"
                widgets.append(Button(_(field) if field else _(ALL), f"field:{i}", rect, style))
            if t.portrait:
                top += row_h + t.gap
            else:
                left = area.left + area.width // 4 + t.gap
        widgets.append(self._list(pygame.Rect(left, top, area.right - left - t.px(24), max(0, bottom - top))))
        return widgets

    def _list(self, rect: pygame.Rect) -> Widget:
        t = self.theme
        if self.query.strip():
            procedures = [hit.procedure for hit in self.kiosk.index.search(self.query)]
        else:
            procedures = [p for p in self.kiosk.catalog.procedures if self.field in (None, p.field)]
        if not procedures:
            return Label(_("Không tìm thấy thủ tục nào. Xin mời bạn gõ cách khác, hoặc chọn theo lĩnh vực."),
                         rect, "body", "muted")
        item_h = max(t.min_target, t.button_height * 4 // 5)
        items = [Button(p.name, f"open:{p.code}", pygame.Rect(rect.left, rect.top + i * (item_h + t.gap // 2),
                                                             rect.width, item_h), "secondary")
                 for i, p in enumerate(procedures)]
        return ScrollList(rect, items)

    def on_action(self, action: str) -> None:
        if action == "back":
            if self.searching:
                self.searching, self.query = False, ""
                self.relayout()
            else:
                self.kiosk.nav.pop()
        elif action == "search":
            self.searching = True
            self.relayout()
        elif action.startswith("field:"):
            fields = [None, *self.kiosk.catalog.fields]
            self.field = fields[int(action[6:])]
            self.relayout()
        elif action.startswith("open:"):
            self.kiosk.nav.push("procedure", code=action[5:])
        elif self._type(action):
            self.relayout()

    def _type(self, action: str) -> bool:
        if action.startswith("char:"):
            self.query = telex.press(self.query, action[5:])
            if self.keyboard and self.keyboard.shift:
                self.keyboard.set_shift(False)  # one capital, like a phone keyboard
        elif action.startswith("tone:"):
            self.query = telex.press(self.query, action[5:]) if telex.has_vowel(self.query) else self.query
        elif action == "backspace":
            self.query = telex.backspace(self.query)
        elif action == "shift" and self.keyboard:
            self.keyboard.set_shift(not self.keyboard.shift)
            return False
        else:
            return False
        return True
