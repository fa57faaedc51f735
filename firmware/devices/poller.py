"""Polls device states (printer, scanner) on its own thread and posts each change as an event.

A real printer answers DLE EOT over USB or serial, which can block; the loop must not wait for it. `poke()`
asks for a poll now (after a job, or when the simulator changes a device).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware.runtime.events import DeviceState, KioskEvent
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

    def poll_once(self) -> None:
        for name, (kind, device) in self._probes.items():
            try:
                state = device.state()
            except Exception as exc:  # a probe that fails says the device is not answering
                state, reason = "offline", f"{type(exc).__name__}: {exc}"
            else:
                reason = str(getattr(device, "reason", "") or "") if state != "ok" else ""
            if self.states.get(name) != state:
                self.states[name] = state
                self._post(kind(state, reason))
        self.polls += 1

    def step(self) -> None:
        self.poll_once()
        self._nap(self.interval_s)

    def status(self, now: float) -> dict[str, Any]:
        return {"states": dict(self.states), "polls": self.polls}
