"""A screen: lifecycle (enter / pause / resume / leave), input, update, and a draw with no side effects."""

from __future__ import annotations

from typing import Any, ClassVar

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import ButtonPressed, KioskEvent
from firmware.services.kiosk import Kiosk
from screens.ui.canvas import Canvas, font, line_height, wrap
from screens.ui.input import Pointer
from screens.ui.theme import Theme
from screens.ui.widgets import Banner, Button, Modal, ScrollList, ToggleButton, Widget, banner_messages

CLOSE_MODAL = "close_modal"
VOICE = N_("Nghe hướng dẫn")
VOICE_ACTION = "voice"


def CLOCK_W(t: Theme) -> int:  # noqa: N802 - a layout constant that scales with the theme
    return t.px(200)


class Screen:
    name: ClassVar[str]
    title: ClassVar[str] = ""
    # The inactivity guard returns an abandoned visit to `attract`; screens with no visit opt out.
    session_timeout: ClassVar[bool] = True
    show_header: ClassVar[bool] = True
    show_banner: ClassVar[bool] = True  # the network/printer/storage strip; a screen that says it all opts out
    notice_in_banner: ClassVar[bool] = True  # a one-time notice (params["notice"]) shows in the banner strip
    show_voice: ClassVar[bool] = True  # `Nghe hướng dẫn` in the header (screens with a header)
    # The camera's codes are decoded only where a screen takes them: every n-th frame while it is on top (0: none).
    qr_every: ClassVar[int] = 0

    def __init__(self, kiosk: Kiosk, theme: Theme) -> None:
        self.kiosk = kiosk
        self.theme = theme
        self.params: dict[str, Any] = {}
        self.widgets: list[Widget] = []
        self.modal: Modal | None = None
        self.dirty = True
        self._banner = Banner(pygame.Rect(0, 0, 0, 0))
        self._clock_text = ""
        self.spoken = False  # this screen said an error or notice of its own on arrival (its prompt waits)

    # -- lifecycle ------------------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        self.params = params
        self.relayout()
        if params.get("notice_prompt"):
            self.speak(str(params["notice_prompt"]))

    def pause(self) -> None:
        self.close_modal()

    def resume(self) -> None:
        self.params.pop("notice", None)  # a notice is said once, on arrival
        self.relayout()

    def leave(self) -> None:
        self.close_modal()

    # -- layout ---------------------------------------------------------------------------------------
    def relayout(self) -> None:
        messages = banner_messages(self.kiosk.health) if self.show_banner else []
        notice = self.params.get("notice") if self.notice_in_banner else None
        self._banner = Banner(pygame.Rect(0, 0, 0, 0), [str(notice), *messages] if notice else messages)
        held = {(b.action, b.label) for w in self.widgets for b in w.buttons() if b.pressed}
        self.widgets = self.build(self.content_rect())
        if self.show_header and self.show_voice:
            self.widgets.append(self._voice_toggle())
        if held:  # a finger is down while a device or the link changed state: its tap still counts when lifted
            for button in (b for w in self.widgets for b in w.buttons()):
                button.pressed = button.enabled and (button.action, button.label) in held
        if self.modal:
            self.modal.layout(self.theme)
        self.dirty = True

    def content_rect(self) -> pygame.Rect:
        t = self.theme
        top = t.header_height if self.show_header else 0
        if self._banner.messages:
            lines = sum(len(wrap(m, t.small, t.width - 2 * t.margin, True)) for m in self._banner.messages)
            height = lines * line_height(t.small, True) + t.px(24)
            self._banner.rect = pygame.Rect(0, top, t.width, height)
            top += height
        bottom = t.margin if t.portrait else t.gap  # a short landscape panel needs every row
        return pygame.Rect(t.margin, top + t.gap, t.width - 2 * t.margin, t.height - top - t.gap - bottom)

    def build(self, area: pygame.Rect) -> list[Widget]:
        """The screen's widgets laid out in `area`; called on enter, resume and when the banner changes."""
        return []

    def _voice_toggle(self, rect: pygame.Rect | None = None) -> ToggleButton:
        """`Nghe hướng dẫn`, in the header left of the clock (or where a headerless screen puts it): Bật / Tắt."""
        t = self.theme
        pad = t.px(12) if t.header_height - 2 * t.px(12) >= t.min_target else 0
        width = self._voice_width()
        if rect is None:
            rect = pygame.Rect(t.width - t.margin - CLOCK_W(t) - t.gap - width, pad, width,
                               t.header_height - 2 * pad)
        on = self.kiosk.voice.enabled
        return ToggleButton(_(VOICE), VOICE_ACTION, rect, "primary" if on else "secondary",
                            state_text=_("Bật") if on else _("Tắt"))

    # -- input ----------------------------------------------------------------------------------------
    def handle(self, event: Pointer | KioskEvent) -> bool:
        if isinstance(event, KioskEvent):
            return self.on_event(event)
        self.dirty = True
        targets: list[Widget] = [self.modal] if self.modal else self.widgets
        for widget in targets:
            action = widget.handle(event)
            if action:
                if self.modal and action == CLOSE_MODAL:
                    self.close_modal()
                elif action == VOICE_ACTION:
                    self.kiosk.voice.toggle()
                    self.relayout()
                else:
                    self.on_action(action)
                return True
        return self.modal is not None or self.on_pointer(event)

    def on_action(self, action: str) -> None:
        """A button was tapped."""

    def on_pointer(self, pointer: Pointer) -> bool:
        """A pointer event no widget took."""
        return False

    def on_event(self, event: KioskEvent) -> bool:
        """Events from devices and the link. The help button opens `help` from anywhere."""
        if isinstance(event, ButtonPressed) and event.name == "help" and self.name != "help":
            self.kiosk.staff.call(self.kiosk.clock.wall())  # the button asks for a person; `help` says what came of it
            self.kiosk.nav.push("help", called=True)
            return True
        return False

    def health_changed(self) -> None:
        self.relayout()

    # -- modal ----------------------------------------------------------------------------------------
    def show_modal(self, modal: Modal, speak: str = "") -> None:
        modal.layout(self.theme)
        self.modal = modal
        self.dirty = True
        if speak:
            self.speak(speak)

    def speak(self, error: str) -> None:
        """Say the prompt of an error or notice (`firmware.rules.prompts.ERRORS`), if voice guidance is on."""
        self.spoken = True
        self.kiosk.voice.say(f"error.{error}")

    def close_modal(self) -> None:
        if self.modal is not None:
            self.modal = None
            self.dirty = True

    def coming_soon(self) -> None:
        self.show_modal(Modal(
            _("Chức năng sắp có"),
            _("Chức năng này đang được hoàn thiện. Xin mời bạn liên hệ cán bộ tại quầy một cửa."),
            [(_("Quay lại"), CLOSE_MODAL)], name="coming_soon"), speak="coming_soon")

    # -- time and drawing -----------------------------------------------------------------------------
    def update(self, now: float) -> None:
        clock_text = self.kiosk.clock.wall().strftime("%H:%M")
        if clock_text != self._clock_text:
            self._clock_text = clock_text
            self.dirty = True

    def header_title(self) -> str:
        return _(self.title) if self.title else self.kiosk.config.kiosk.commune_name

    def draw(self, canvas: Canvas) -> None:
        canvas.fill(self.theme.palette.background)
        if self.show_header:
            self._draw_header(canvas)
        self._banner.draw(canvas)
        self.draw_content(canvas)
        for widget in self.widgets:
            widget.draw(canvas)
        if self.modal:
            self.modal.draw(canvas)

    def draw_content(self, canvas: Canvas) -> None:
        """Anything a screen draws besides its widgets (under them)."""

    def _draw_header(self, canvas: Canvas) -> None:
        t = self.theme
        bar = pygame.Rect(0, 0, t.width, t.header_height)
        canvas.fill(t.palette.header, bar)
        inner = bar.inflate(-2 * t.margin, 0)
        clock_w = CLOCK_W(t)
        canvas.text(self._clock_text, inner, t.title, t.palette.on_header, bold=True, align="right",
                    valign="middle")
        reserved = clock_w + t.gap + (self._voice_width() + t.gap if self.show_voice else 0)
        title_rect = pygame.Rect(inner.left, inner.top, inner.width - reserved, inner.height)
        canvas.text(self.header_title(), title_rect, t.title, t.palette.on_header, bold=True, valign="middle")

    def _voice_width(self) -> int:
        t = self.theme
        widest = max(font(t.body, True).get_rect(f"{_(VOICE)}: {_(state)}").width for state in ("Bật", "Tắt"))
        return widest + 2 * t.px(14) + t.px(12)

    def buttons(self) -> list[Button]:
        """The buttons a tap can reach now: the modal's if one is open, else the screen's."""
        targets: list[Widget] = [self.modal] if self.modal else self.widgets
        return [b for w in targets for b in w.buttons()]

    def locate(self, label: str) -> list[tuple[int, int]]:
        """Where to tap for the button(s) labelled exactly `label`, scrolling a list to show it."""
        targets: list[Widget] = [self.modal] if self.modal else self.widgets
        points = []
        for widget in targets:
            for button in widget.buttons():
                if button.label != label:
                    continue
                if isinstance(widget, ScrollList):
                    widget.ensure_visible(button)
                    self.dirty = True
                    points.append(button.rect.move(0, -widget.offset).center)
                else:
                    points.append(button.rect.center)
        return points

    @classmethod
    def sample_params(cls, kiosk: Kiosk) -> dict[str, Any]:
        """Parameters for `motcua screens`: a canonical, representative state."""
        return {}
