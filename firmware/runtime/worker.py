"""The shape every device thread shares: a daemon thread that only posts events to the loop, that `poke()` wakes
early, and that `stop()` ends within a bound (a driver stuck in a call must not hang the kiosk's shutdown)."""

from __future__ import annotations

import threading

STOP_WAIT_S = 3.0


class Worker:
    def __init__(self, name: str) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=STOP_WAIT_S)

    def _nap(self, seconds: float) -> None:
        """Sleep until poked, stopped, or `seconds` have passed."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        raise NotImplementedError
