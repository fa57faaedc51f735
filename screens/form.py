"""`form`: the fields the citizen must answer, one per screen, typed on the on-screen keyboard.

Only required fields with no answer yet get a page: fields prefilled from the ID card, defaulted or optional
are confirmed on `review` (a row each, tapped to change). Text through Telex, numbers on a number pad, dates
on a pad that cannot produce an impossible date (a recent event needs only day and month), choices as big
buttons. Every key stores the answer in the session at once, so `Quay lại` between pages never loses what was
typed; the answer is checked on `Tiếp tục`, with the reason next to the field. Opened from `review` to change
one answer, `Quay lại` is "cancel": the answer goes back to what it was.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.common.catalog import FormField, Procedure
from firmware.rules import date_entry, telex
from firmware.rules.i18n import N_, _
from firmware.rules.validation import DIGIT_TYPES, Problem, check, from_identity, max_digits, stale_prefills
from screens.base import Screen
from screens.ui.canvas import Canvas, font
from screens.ui.keyboard import Keyboard
from screens.ui.widgets import Button, Label, Widget

OTHER = N_("Khác")

_MISSING = object()


class FormScreen(Screen):
    name = "form"

    @property
    def show_header(self) -> bool:  # type: ignore[override]
        return self.theme.portrait  # a 7-inch landscape panel needs the height for the keyboard

    @property
    def procedure(self) -> Procedure:
        return self.kiosk.procedure()

    @property
    def field(self) -> FormField:
        return self.procedure.form[self.index]

    @property
    def value(self) -> str:
        return str(self.kiosk.session.answers.get(self.field.key, ""))

    @value.setter
    def value(self, text: str) -> None:
        self.kiosk.session.answers[self.field.key] = text

    def header_title(self) -> str:
        return self.procedure.name

    def enter(self, **params: Any) -> None:
        self.from_review = bool(params.get("review", False))
        self.message = str(params.get("message", ""))
        self.keyboard: Keyboard | None = None
        self.typing_other = False
        self._prefill()
        steps = self.steps()
        self.index = int(params["index"]) if "index" in params else (steps[0] if steps else 0)
        if not self.from_review:
            self.kiosk.session.asked.add(self.field.key)
        self._before = self.kiosk.session.answers.get(self.field.key, _MISSING)
        super().enter(**params)
        if isinstance(params.get("message"), Problem):  # sent back from `review` by a check that failed
            self.speak(params["message"].key)

    def steps(self) -> list[int]:
        """The fields that get a page: required ones not answered (or not acceptable) yet, and those shown."""
        session, today = self.kiosk.session, self.kiosk.clock.wall().date()
        answers = session.answers
        return [i for i, field in enumerate(self.procedure.form)
                if field.key in session.asked or (field.required and check(field, str(answers.get(field.key, "") or ""),
                                                                  today) is not None)]

    def _prefill(self) -> None:
        """Fill fields not yet answered from the ID card (when their conditions hold) or their default."""
        answers, identity = self.kiosk.session.answers, self.kiosk.session.identity or {}
        for field in self.procedure.form:
            if field.conditional and field.key in answers \
                    and answers[field.key] != from_identity(field, identity, answers) \
                    and answers[field.key] in stale_prefills(field, identity):
                del answers[field.key]  # prefilled for "Mẹ", and the answer is now "Cha": not the mother's name
            if field.key in answers:
                continue
            prefilled = from_identity(field, identity, answers)
            if prefilled is None and field.conditional:
                continue  # decided by an answer not given yet: look again after it
            if prefilled is not None or field.default is not None:
                answers[field.key] = prefilled if prefilled is not None else field.default

    # -- layout ---------------------------------------------------------------------------------------
    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        field = self.field
        buttons_h = t.footer_button_height
        steps = self.steps()
        position = steps.index(self.index) + 1 if self.index in steps else 1
        step = _("Bước {step}/{steps}").format(step=position, steps=max(len(steps), 1))
        if self.from_review:
            step = _("Sửa một mục, rồi chạm «Tiếp tục» để lưu")
        label = field.label + ("" if field.required else " " + _("(không bắt buộc)"))
        if t.portrait:
            top = pygame.Rect(area.left, area.top, area.width, t.small * 3 // 2)
            label_rect = pygame.Rect(area.left, top.bottom, area.width, t.title * 5 // 2)
            self._value_box = pygame.Rect(area.left, label_rect.bottom + t.gap, area.width, t.button_height)
            message_rect = pygame.Rect(area.left, self._value_box.bottom, area.width, t.body * 2)
            nav_y = area.bottom - buttons_h
            half = (area.width - t.gap) // 2
            nav = (pygame.Rect(area.left, nav_y, half, buttons_h),
                   pygame.Rect(area.left + half + t.gap, nav_y, half, buttons_h))
            input_rect = pygame.Rect(area.left, message_rect.bottom + t.gap, area.width,
                                     nav_y - message_rect.bottom - 2 * t.gap)
        else:  # a short panel: the label across, the answer beside the buttons, then the keyboard
            left_w = area.width * 3 // 5
            step_w = 0 if self.from_review else font(t.small).get_rect(step).width + t.px(8)
            label_rect = pygame.Rect(area.left, area.top, area.width - step_w - t.gap, t.body * 3 // 2)
            top = pygame.Rect(area.right - step_w, area.top, step_w, label_rect.height)
            self._value_box = pygame.Rect(area.left, label_rect.bottom, left_w, t.min_target)
            message_rect = pygame.Rect(area.left, self._value_box.bottom + t.gap // 3, left_w, t.min_target)
            side = area.width - left_w - t.gap
            right = area.left + left_w + t.gap
            voice = pygame.Rect(area.right - self._voice_width(), message_rect.top, self._voice_width(),
                                t.min_target)  # no header here: `Nghe hướng dẫn` under the buttons
            if self.from_review:  # the long "change one answer" line goes where the message would
                step, top = (step, message_rect) if not self.message and not self._hint() else ("", top)
            buttons_h = t.min_target
            nav = (pygame.Rect(right, self._value_box.top, side // 2 - t.gap // 2, buttons_h),
                   pygame.Rect(right + side // 2 + t.gap // 2, self._value_box.top, side - side // 2 - t.gap // 2,
                               buttons_h))
            input_rect = pygame.Rect(area.left, message_rect.bottom + t.gap // 3, area.width,
                                     area.bottom - message_rect.bottom - t.gap // 3)
        widgets: list[Widget] = [
            Label(step, top, "small", "muted"),
            Label(label, label_rect, "title" if t.portrait else "body", bold=True, valign="bottom"),
            Label(self.message or self._hint(), message_rect, "small" if not t.portrait else "body",
                  "danger" if self.message else "muted", bold=bool(self.message)),
            Button(_("Quay lại"), "back", nav[0], "secondary"),
            Button(_("Tiếp tục"), "next", nav[1], "primary"),
        ]
        widgets.extend(self._inputs(input_rect))
        if not t.portrait:
            widgets.append(self._voice_toggle(voice))
        return widgets

    def _inputs(self, rect: pygame.Rect) -> list[Widget]:
        t, field = self.theme, self.field
        if field.type == "choice" or self._picking():
            options = [*field.choices, *([_(OTHER)] if field.type != "choice" else [])]
            columns = 1 if (rect.height - t.gap * (len(options) - 1)) // len(options) >= t.min_target else 2
            rows = -(-len(options) // columns)
            height = min(t.button_height, (rect.height - t.gap * (rows - 1)) // rows)
            width = (rect.width - t.gap * (columns - 1)) // columns
            return [Button(option, f"choose:{i}", pygame.Rect(rect.left + (i % columns) * (width + t.gap),
                                                              rect.top + (i // columns) * (height + t.gap),
                                                              width, height),
                           "primary" if self.value == option else "secondary")
                    for i, option in enumerate(options)]
        digits = field.type in DIGIT_TYPES
        if digits and t.portrait:
            width = min(rect.width, rect.height * 3 // 4)
            rect = pygame.Rect(rect.centerx - width // 2, rect.top, width, rect.height)
        shift = self.keyboard.shift if self.keyboard and self.keyboard.mode == "text" else self._auto_shift()
        self.keyboard = Keyboard(rect, "digits" if digits else "text", compact=not t.portrait)
        self.keyboard.set_shift(shift if not digits else False)
        self._limit_keys()
        return [self.keyboard]

    def _picking(self) -> bool:
        """A text field with a short list (the province's hospitals): chosen, not typed, until `Khác`."""
        field = self.field
        return (field.type == "text" and bool(field.choices) and not self.typing_other
                and (not self.value or self.value in field.choices))

    def _hint(self) -> str:
        if self.field.type == "date" and self.field.recent:
            return _("Chỉ cần nhập ngày và tháng.")
        return ""

    def _auto_shift(self) -> bool:
        """Names start each word with a capital without asking for it."""
        return self.field.type == "name" and (not self.value or self.value.endswith(" "))

    def _limit_keys(self) -> None:
        if not self.keyboard or self.keyboard.mode != "digits":
            return
        field = self.field
        if field.type == "date":
            today = self.kiosk.clock.wall().date()
            high = today.year if field.not_future else today.year + 10
            self.keyboard.set_allowed(date_entry.allowed_next(self.value, 1900, high))
        elif len(self.value) >= max_digits(field):
            self.keyboard.set_allowed(set())
        else:
            self.keyboard.set_allowed(None)

    def draw_content(self, canvas: Canvas) -> None:
        if self.field.type == "choice":
            return
        t, box = self.theme, self._value_box
        canvas.fill(t.palette.background, box, t.radius)
        canvas.outline(t.palette.primary, box, max(2, t.px(4)), t.radius)
        value = self.value
        if self.field.type == "date" and self.field.recent:
            value = date_entry.complete_year(value, self.kiosk.clock.wall().date())
        shown = date_entry.shown(value) if self.field.type == "date" else value
        inner = box.inflate(-2 * t.px(24), -t.px(8))
        if shown:
            canvas.text(shown, inner, t.title if t.portrait else t.body, t.palette.text, bold=True, valign="middle")
        else:
            canvas.text(_("(chưa nhập)"), inner, t.body, t.palette.muted, valign="middle")

    # -- input ----------------------------------------------------------------------------------------
    def on_action(self, action: str) -> None:
        if action == "next":
            self._next()
        elif action == "back":
            self._back()
        elif action.startswith("choose:"):
            index = int(action[7:])
            if index == len(self.field.choices):  # `Khác`: type it
                self.typing_other = True
                self.value = ""
                self.relayout()
                return
            self.value = self.field.choices[index]
            self.message = ""
            self._next()  # a choice needs no second tap; `Quay lại` comes back to it
        elif self._edit(action):
            self.message = ""
            if self.keyboard and self.keyboard.mode == "text":
                self.keyboard.set_shift(self._auto_shift())
            self.relayout()
        elif action == "shift" and self.keyboard:
            self.keyboard.set_shift(not self.keyboard.shift)

    def _edit(self, action: str) -> bool:
        text, digits = self.value, self.field.type in DIGIT_TYPES
        if action.startswith("char:"):
            key = action[5:]
            if digits:
                allowed = self.keyboard.allowed if self.keyboard else None
                if not key.isdigit() or (allowed is not None and key not in allowed):
                    return False
                self.value = text + key
            else:
                self.value = telex.press(text, key)
        elif action.startswith("tone:") and not digits:
            if not telex.has_vowel(text):
                return False
            self.value = telex.press(text, action[5:])
        elif action == "backspace":
            self.value = text[:-1] if digits else telex.backspace(text)
        else:
            return False
        return True

    def _next(self) -> None:
        today = self.kiosk.clock.wall().date()
        if self.field.type == "date" and self.field.recent:
            self.value = date_entry.complete_year(self.value, today)
        problem = check(self.field, self.value, today)
        if problem:
            self.message = problem
            self.speak(problem.key)
            self.relayout()
            return
        self._prefill()
        following = [i for i in self.steps() if i > self.index]
        if self.from_review:
            self.kiosk.nav.pop()  # changed from `review`: back to it
        elif following:
            self._go(following[0])
        else:
            self.kiosk.nav.push("documents")

    def _back(self) -> None:
        if self.from_review:
            self._restore()
            self.kiosk.nav.pop()
            return
        earlier = [i for i in self.steps() if i < self.index]
        if earlier:
            self._go(earlier[-1])
        else:
            self.kiosk.nav.pop()

    def _restore(self) -> None:
        """Leaving a change made from `review` without `Tiếp tục`: the answer it had, never a half-typed one."""
        answers = self.kiosk.session.answers
        if self._before is _MISSING:
            answers.pop(self.field.key, None)
        else:
            answers[self.field.key] = self._before

    def _go(self, index: int) -> None:
        self.index = index
        self.typing_other = False
        self.kiosk.session.asked.add(self.field.key)
        self.message = ""
        self.keyboard = None
        self.relayout()

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        kiosk.session.procedure_code = "1.001193"
        kiosk.session.identity = {"full_name": "Nguyễn Thị Ngọc Ánh", "id_number": "001303004567"}
        kiosk.session.answers["ho_ten_tre"] = "Nguyễn Hoàng Bảo Ngọc"
        return {"index": 0}
