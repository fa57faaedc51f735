"""Timers run by the loop: a callback takes `now` and returns its next wake time, or None to stop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

TimerCallback = Callable[[float], float | None]


@dataclass
class _Timer:
    name: str
    callback: TimerCallback
    due: float


class Timers:
    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}

    def add(self, name: str, callback: TimerCallback, due: float) -> None:
        self._timers[name] = _Timer(name, callback, due)

    def cancel(self, name: str) -> None:
        self._timers.pop(name, None)

    def run(self, now: float) -> None:
        for timer in [t for t in self._timers.values() if t.due <= now]:
            following = timer.callback(now)
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
