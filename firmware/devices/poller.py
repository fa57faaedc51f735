"""Polls device states (printer, scanner) on its own thread and posts each change as an event.

A real printer answers DLE EOT over USB or serial, which can block; the loop must not wait for it. `poke()`
asks for a poll now (after a job, or when the simulator changes a device).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from firmware.runtime.events import DeviceState, KioskEvent, PrintResult
from firmware.runtime.worker import Worker

Probe = Callable[[], str]


class DevicePoller(Worker):
    def __init__(self, probes: dict[str, tuple[type[DeviceState], Any]], post: Callable[[KioskEvent], None],
                 interval_s: float) -> None:
        super().__init__("device-poller", "poller", post)
        self._probes = probes  # name -> (event kind, device with state() and maybe `reason`)
        self.interval_s = interval_s
        self.states: dict[str, str] = {}
        self.polls = 0
        self._recheck: set[str] = set()
        self._recheck_lock = threading.Lock()

    def recheck(self, name: str) -> None:
        """Poll `name` now and post its state even if unchanged (a failed job said something else meanwhile)."""
        with self._recheck_lock:
            self._recheck.add(name)
        self.poke()

    def on_print_result(self, event: PrintResult) -> None:
        if not event.ok:
            self.recheck("printer")

    def poll_once(self) -> None:
        with self._recheck_lock:
            forced, self._recheck = self._recheck, set()
        for name, (kind, device) in self._probes.items():
            try:
                state = device.state()
            except Exception as exc:  # a probe that fails says the device is not answering
                state, reason = "offline", f"{type(exc).__name__}: {exc}"
            else:
                reason = str(getattr(device, "reason", "") or "") if state != "ok" else ""
            if self.states.get(name) != state or name in forced:
                self.states[name] = state
                self._post(kind(state, reason))
        self.polls += 1

    def step(self) -> None:
        self.poll_once()
        self._nap(self.interval_s)

    def status(self, now: float) -> dict[str, Any]:
        return {"states": dict(self.states), "polls": self.polls}
