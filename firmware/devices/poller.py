"""Polls device states (printer, scanner) on its own thread and posts each change as an event.

A real printer answers DLE EOT over USB or serial, which can block; the loop must not wait for it. `poke()`
asks for a poll now (after a job, or when the simulator changes a device).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from firmware.runtime.events import KioskEvent
from firmware.runtime.worker import Worker

Probe = Callable[[], str]


class DevicePoller(Worker):
    def __init__(self, probes: dict[str, tuple[str, Probe]], post: Callable[[KioskEvent], None],
                 interval_s: float) -> None:
        super().__init__("device-poller")
        self._probes = probes  # name -> (event kind, probe)
        self._post = post
        self.interval_s = interval_s
        self.states: dict[str, str] = {}
        self.polls = 0

    def poll_once(self) -> None:
        for name, (kind, probe) in self._probes.items():
            try:
                state = probe()
            except Exception:  # a probe that fails says the device is not answering
                state = "offline"
            if self.states.get(name) != state:
                self.states[name] = state
                self._post(KioskEvent(kind, {"state": state}, time.monotonic()))
        self.polls += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._nap(self.interval_s)

    def status(self, now: float) -> dict[str, Any]:
        return {"states": dict(self.states), "polls": self.polls}
