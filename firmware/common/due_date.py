"""When results are due: national working days (a table made from the `holidays` package, the package itself
for years outside it), overridden by the province's calendar.

Rules: a dossier received on a working day before the cutoff makes that day day 0; at or after the cutoff, or
on a non-working day, the next working day is day 0. The due date is the N-th working day after day 0 (N = 0:
day 0 itself). The package gives Labour Code art. 112 holidays (Tết and Hùng Kings by the lunar calendar) and
the State's swapped working Saturdays; the province calendar (TOML `days_off`, `working_days`) has the last word,
since it changes every year. No due date is promised while the clock is not synchronised.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.common import national_days

if TYPE_CHECKING:
    import holidays

log = logging.getLogger("motcua.due_date")

DEFAULT_CUTOFF = time(16, 0)
MAX_WORKING_DAYS = 365


class CalendarError(Exception):
    """The province calendar file cannot be used; the message names the file and the key."""


class WorkCalendar:
    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = (), source: str = "") -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)
        self.source = source
        clash = self.days_off & self.working_days
        if clash:
            raise CalendarError(f"{source}: {min(clash)} is listed both in days_off and in working_days")

    @cached_property
    def _table(self) -> national_days.NationalDays | None:
        try:
            return national_days.shipped()
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged firmware file: the package answers
            log.error("the national days table cannot be read (%s); asking the holidays package", exc)
            return None

    @cached_property
    def _national(self) -> holidays.HolidayBase:
        import holidays  # only for a year outside the table: 12 MB and the lunar arithmetic

        log.info("a due date outside the national days table: the holidays package is loaded")
        return holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        known = self._table.is_working_day(day) if self._table else None
        return bool(self._national.is_working_day(day)) if known is None else known

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def day_zero(self, received: datetime, cutoff: time = DEFAULT_CUTOFF) -> date:
        day = received.date()
        if self.is_working_day(day) and received.time() < cutoff:
            return day
        return self.next_working_day(day)

    def due_date(self, received: datetime, working_days: int, cutoff: time = DEFAULT_CUTOFF) -> date:
        if not 0 <= working_days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be from 0 to {MAX_WORKING_DAYS}, got {working_days}")
        day = self.day_zero(received, cutoff)
        for _ in range(working_days):
            day = self.next_working_day(day)
        return day


def promised_due_date(calendar: WorkCalendar, received: datetime, working_days: int, clock_synced: bool,
                      cutoff: time = DEFAULT_CUTOFF) -> date | None:
    """The date to print on the slip, or None ("Ngày hẹn sẽ được thông báo") when the clock may be wrong."""
    return calendar.due_date(received, working_days, cutoff) if clock_synced else None


def load_calendar(path: str | Path) -> WorkCalendar:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read the calendar ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CalendarError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - {"days_off", "working_days", "year", "source"})
    if unknown:
        raise CalendarError(f"{path}: unknown key {unknown[0]!r}; expected days_off, working_days (and year, source)")
    lists = {}
    for key in ("days_off", "working_days"):
        values = raw.get(key, [])
        if not isinstance(values, list) or not all(type(v) is date for v in values):
            raise CalendarError(f"{path}: {key} must be a list of dates like [2027-02-04, 2027-02-05]")
        lists[key] = values
    return WorkCalendar(lists["days_off"], lists["working_days"], str(path))
