"""The inactivity guard: ask "more time?" after `warn_after_s`, wipe the visit at `timeout_s`.

A citizen who walks away leaves nothing behind: the session is wiped and the kiosk goes back to `attract`.
Runs as a loop timer; any touch counts as activity (the loop calls `Session.touch`).
"""

from __future__ import annotations

from firmware.rules.i18n import _
from firmware.services.kiosk import Kiosk
from screens.base import CLOSE_MODAL
from screens.stack import ScreenStack
from screens.ui.widgets import Modal

MODAL_NAME = "more_time"
CHECK_EVERY_S = 0.5


class InactivityGuard:
    def __init__(self, kiosk: Kiosk, stack: ScreenStack) -> None:
        self.kiosk = kiosk
        self.stack = stack
        self.timeouts = 0
        self._shown_seconds: int | None = None

    def tick(self, now: float) -> float:
        screen = self.stack.top
        settings = self.kiosk.config.session
        if screen is None or not screen.session_timeout:
            return now + CHECK_EVERY_S
        if not self.kiosk.session.active:
            self.kiosk.session.touch(now)  # a visit begins when a timed screen first shows (presence wake)
        idle = now - self.kiosk.session.last_activity
        warning = screen.modal if screen.modal and screen.modal.name == MODAL_NAME else None
        if idle >= settings.timeout_s:
            self.timeouts += 1
            # Nobody in front of the sensor when time ran out: they walked away, not just stopped.
            self.kiosk.session.wipe("walked_away" if self.kiosk.health.present is False else "timeout")
            self.stack.reset("attract")
        elif idle >= settings.warn_after_s:
            left = max(1, int(settings.timeout_s - idle + 0.999))
            if warning is None:
                warning = Modal(_("Bạn cần thêm thời gian?"), "", [(_("Cần thêm thời gian"), CLOSE_MODAL)],
                                name=MODAL_NAME)
                screen.show_modal(warning, speak="still_there")
            if left != self._shown_seconds:
                self._shown_seconds = left
                warning.message = _("Nếu không, phiên làm việc sẽ kết thúc sau {seconds} giây và thông tin "
                                    "của bạn sẽ được xoá.").format(seconds=left)
                screen.dirty = True
        elif warning is not None:
            screen.close_modal()
        return now + CHECK_EVERY_S

    def status(self, now: float) -> dict[str, int]:
        return {"timeouts": self.timeouts}
