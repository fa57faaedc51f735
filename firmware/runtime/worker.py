"""The shape every device thread shares: a daemon thread that only posts events to the loop, that `poke()` wakes
early, and that `stop()` ends within a bound (a driver stuck in a call must not hang the kiosk's shutdown).

It is guarded: any exception a driver raises is logged with the device's name, posted as a `DeviceFault`, and
the worker backs off (doubling, up to a bound) and goes on. A device thread never ends because of its driver.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from firmware.runtime.events import DeviceFault, KioskEvent

STOP_WAIT_S = 3.0
FAULT_BACKOFF_S = (0.2, 10.0)  # first wait after a fault, the longest

log = logging.getLogger("motcua.devices")


class Worker:
    stop_wait_s = STOP_WAIT_S

    def __init__(self, name: str, device: str, post: Callable[[KioskEvent], None]) -> None:
        self.name = name
        self.device = device
        self._post = post
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.faults = 0
        self.last_fault = ""

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.stop_wait_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _nap(self, seconds: float) -> None:
        """Sleep until poked, stopped, or `seconds` have passed."""
        self._wake.wait(seconds)
        self._wake.clear()

    def step(self) -> None:
        """One unit of work (a frame, a poll, a page, a job); may block briefly. Subclasses define it."""
        raise NotImplementedError

    def _run(self) -> None:
        streak = 0
        while not self._stop.is_set():
            try:
                self.step()
                streak = 0
            except Exception as exc:
                streak += 1
                self._fault(exc, streak)
                low, high = FAULT_BACKOFF_S
                self._stop.wait(min(high, low * 2 ** (streak - 1)))

    def _fault(self, exc: Exception, streak: int) -> None:
        error = f"{type(exc).__name__}: {exc}"
        self.faults += 1
        self.last_fault = error
        log.error("%s: driver fault (%s); retrying, %d in a row", self.device, error, streak,
                  exc_info=streak == 1)
        self._post(DeviceFault(self.device, error))
        self.on_fault(exc)

    def on_fault(self, exc: Exception) -> None:
        """What a fault means for this device beyond the log line (e.g. the job in hand failed)."""
