"""The inbox: the one way into the loop from other threads. `post` is thread-safe and wakes a waiting loop."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from firmware.runtime.events import KioskEvent

Post = Callable[[KioskEvent], None]


class Inbox:
    """A thread-safe queue drained by the loop once per tick."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[KioskEvent] = queue.SimpleQueue()
        self._wake = threading.Event()
        self.posted = 0

    def post(self, event: KioskEvent) -> None:
        self._queue.put(event)
        self.posted += 1
        self._wake.set()

    def drain(self) -> list[KioskEvent]:
        self._wake.clear()
        events: list[KioskEvent] = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds, returning early (True) when an event is posted."""
        return self._wake.wait(timeout)
