"""The loop: one thread owns all state. Input and posted events in, timers, update, draw only when dirty."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import pygame

from firmware.runtime.clock import Clock
from firmware.runtime.events import KioskEvent
from firmware.runtime.inbox import Inbox
from firmware.runtime.router import Router
from firmware.runtime.timers import Timers
from firmware.runtime.watchdog import Watchdog
from firmware.services.kiosk import Kiosk
from screens.stack import ScreenStack
from screens.ui.canvas import Canvas
from screens.ui.input import to_pointer

log = logging.getLogger("motcua.loop")
ACTIVE_AFTER_INPUT_S = 2.0


class Loop:
    def __init__(self, kiosk: Kiosk, stack: ScreenStack, canvas: Canvas, display: Any, inbox: Inbox,
                 timers: Timers, clock: Clock, watchdog: Watchdog, router: Router) -> None:
        self.kiosk = kiosk
        self.stack = stack
        self.canvas = canvas
        self.display = display
        self.inbox = inbox
        self.timers = timers
        self.clock = clock
        self.watchdog = watchdog
        self.router = router
        self.running = True
        self.restart_requested = False  # the technician's "restart": `motcua run` exits 75 and systemd restarts it
        self.frames = 0
        self.after_step: list[Callable[[], None]] = []  # run once the turn's frame (if any) is shown
        self.handled_events: list[KioskEvent] = []  # the last 50, for `motcua sim` and tests; see forget_events
        self._last_input = float("-inf")

    def step(self, raw: Iterable[pygame.event.Event] = ()) -> bool:
        """One turn of the loop; returns True when a frame was drawn."""
        now = self.clock.now()
        for event in raw:
            if event.type == pygame.QUIT:
                self.running = False
                continue
            pointer = to_pointer(event, self.display.window_size, self.display.to_logical)
            if pointer is not None:
                self._last_input = now
                self.kiosk.session.touch(now)
                self.stack.handle(pointer)
                self.stack.apply_pending()
        for posted in self.inbox.drain():
            self._dispatch(posted)
            self.stack.apply_pending()
        self.timers.run(now)
        self.stack.apply_pending()
        self.stack.update(now)
        drew = False
        if self.stack.dirty:
            self.stack.draw(self.canvas)
            self.display.present(self.canvas.damage)
            self.frames += 1
            drew = True
        for hook in self.after_step:
            try:
                hook()
            except Exception:
                log.exception("an after-frame hook failed; the loop goes on")
        self.watchdog.ping(now)
        return drew

    def _dispatch(self, event: KioskEvent) -> None:
        self.router.dispatch(event)
        self.handled_events.append(event)
        del self.handled_events[:-50]

    def forget_events(self) -> None:
        """At the end of a visit: the events kept carry its card's QR payload, identity and scanned pages, and
        nothing of a visit is kept past it (firmware/services/session.py)."""
        self.handled_events.clear()

    def request_restart(self) -> None:
        self.restart_requested = True
        self.running = False

    @property
    def active(self) -> bool:
        """Full frame rate while someone is using the kiosk; a trickle on `attract`."""
        return self.stack.top_name != "attract" or self.clock.now() - self._last_input < ACTIVE_AFTER_INPUT_S

    def run(self) -> None:
        """Run on the real clock until the window closes. Waiting on the inbox lets a thread wake us."""
        settings = self.kiosk.config.display
        self.watchdog.ready()
        while self.running:
            started = self.clock.now()
            self.step(pygame.event.get())
            fps = settings.active_fps if self.active else settings.idle_fps
            deadline = started + 1.0 / fps
            next_timer = self.timers.next_due()
            if next_timer is not None:
                deadline = min(deadline, next_timer)
            delay = deadline - self.clock.now()
            if delay > 0:
                self.inbox.wait(delay)
        self.watchdog.stopping()

    def status(self, now: float) -> dict[str, Any]:
        return {"frames": self.frames, "active": self.active, **self.stack.status(now)}
