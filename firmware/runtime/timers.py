"""Timers run by the loop: a callback takes `now` and returns its next wake time, or None to stop.

A callback that raises is logged and tried again after a pause that doubles up to a minute (a broken disk under
the outbox sender must not stop the loop, nor flood the journal); the pause resets when it works again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("motcua.timers")
RETRY_S = 1.0
RETRY_MAX_S = 60.0

TimerCallback = Callable[[float], float | None]


@dataclass
class _Timer:
    name: str
    callback: TimerCallback
    due: float
    failing: int = 0


class Timers:
    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self.failures = 0

    def add(self, name: str, callback: TimerCallback, due: float) -> None:
        self._timers[name] = _Timer(name, callback, due)

    def wake(self, name: str) -> None:
        """Run this timer at the loop's next turn (something it waits for has happened)."""
        timer = self._timers.get(name)
        if timer is not None:
            timer.due = float("-inf")

    def cancel(self, name: str) -> None:
        self._timers.pop(name, None)

    def run(self, now: float) -> None:
        for timer in [t for t in self._timers.values() if t.due <= now]:
            try:
                following = timer.callback(now)
            except Exception:
                timer.failing += 1
                self.failures += 1
                pause = min(RETRY_MAX_S, RETRY_S * 2 ** (timer.failing - 1))
                log.exception("timer %s failed (%d in a row); trying again in %.0f s", timer.name, timer.failing,
                              pause)
                following = now + pause
            else:
                if timer.failing:
                    log.info("timer %s works again after %d failure(s)", timer.name, timer.failing)
                    timer.failing = 0
            if self._timers.get(timer.name) is not timer:
                continue  # the callback replaced or cancelled itself
            if following is None:
                del self._timers[timer.name]
            else:
                timer.due = max(following, now)

    def next_due(self) -> float | None:
        return min((t.due for t in self._timers.values()), default=None)

    def status(self, now: float) -> dict[str, float]:
        return {name: round(t.due - now, 3) for name, t in self._timers.items()}

    def failing(self) -> dict[str, int]:
        """Timers whose last run raised, and how many times in a row."""
        return {name: t.failing for name, t in self._timers.items() if t.failing}
