"""`Gọi cán bộ`: a citizen asks for a member of staff (the help button, or the button on `help`). The call is a
state the status carries (`staff_called`, shown on `ops` and as a Home Assistant binary sensor) until a member of
staff clears it at the kiosk or the visit ends. Out of office hours (`[help]`, and the province's calendar of days
off) nobody can come: the kiosk says so and gives the hotline instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time

from firmware.runtime.config import HelpSection

log = logging.getLogger("motcua.staff")


def hours_of(text: str) -> list[tuple[time, time]]:
    """`07:30-11:30,13:30-17:00` as (start, end) pairs; a range that ends before it starts is none."""
    ranges = []
    for part in text.split(","):
        start, end = (time.fromisoformat(t) for t in part.split("-"))
        if start < end:
            ranges.append((start, end))
    return ranges


class StaffCall:
    def __init__(self, settings: HelpSection | None = None, working_day: Callable[[date], bool] | None = None) -> None:
        self.settings = settings or HelpSection()
        self.hours = hours_of(self.settings.office_hours)
        self.days = {int(d) for d in self.settings.office_days.split(",")}
        self.working_day = working_day or (lambda day: True)
        self.called_at: datetime | None = None
        self.calls = 0

    @property
    def called(self) -> bool:
        return self.called_at is not None

    def open_now(self, wall: datetime) -> bool:
        """Whether someone is at the counter now: an office day that is not a day off, within office hours."""
        return wall.isoweekday() in self.days and self.working_day(wall.date()) and any(
            start <= wall.time() < end for start, end in self.hours)

    def call(self, wall: datetime) -> bool:
        """Ask for a member of staff; False (and nothing raised) out of office hours."""
        if not self.open_now(wall):
            log.info("staff: asked for out of office hours; the kiosk gives the hotline")
            return False
        if self.called_at is None:
            self.called_at = wall
            self.calls += 1
            log.info("staff: called to the kiosk")
        return True

    def clear(self, why: str) -> None:
        if self.called_at is not None:
            self.called_at = None
            log.info("staff: call cleared (%s)", why)

    def hours_text(self) -> str:
        return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.hours)
