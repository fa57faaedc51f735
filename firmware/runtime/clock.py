"""Time for the loop: monotonic seconds for timers, local wall time for citizens.

The simulator uses VirtualClock and advances it, so timeouts are tested without sleeping.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

# Vietnam has kept UTC+7, with no daylight saving, since 1975: a fixed offset is its time for every date a kiosk
# meets. zoneinfo would need the tz database on the image and loads Python's build configuration to find it
# (sysconfig's 0.5 MB, held for the life of the process).
VIETNAM = timezone(timedelta(hours=7), "ICT")


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds; only differences mean anything."""
        ...

    def wall(self) -> datetime:
        """Aware local time in Vietnam (UTC+7)."""
        ...

    def synced(self) -> bool:
        """Whether the wall clock can be trusted (a Pi has no real-time clock until NTP has answered)."""
        ...


TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")


class SystemClock:
    def __init__(self, trust_wall_clock: bool = False) -> None:
        self.trust_wall_clock = trust_wall_clock

    def synced(self) -> bool:
        return self.trust_wall_clock or TIMESYNC_FLAG.exists()

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(VIETNAM)


class VirtualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None, synced: bool = True) -> None:
        self._t = 1000.0
        self._wall0 = start or datetime(2026, 11, 24, 9, 30, tzinfo=VIETNAM)
        self._synced = synced

    def synced(self) -> bool:
        return self._synced

    def now(self) -> float:
        return self._t

    def wall(self) -> datetime:
        return self._wall0 + timedelta(seconds=self._t - 1000.0)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._t += seconds
