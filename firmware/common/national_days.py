"""Vietnam's national working days as a table shipped with the firmware, made from the `holidays` package.

The package is the source (Labour Code art. 112 holidays by the lunar calendar, the State's swapped working
Saturdays), but it costs the kiosk about 12 MB of resident memory (5 MB of imports and 7 MB for Vietnam's
calendar) and its lunar arithmetic at the first due date. The table holds only the days that differ from
"Monday to Friday": weekdays off and weekend days worked. Years outside it are asked of the package.

`python -m firmware.common.national_days` writes the table again (after upgrading `holidays`); a test checks
that it equals the installed package on every day it covers.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "national_days.json"
FIRST_YEAR, LAST_YEAR = 2024, 2036


@dataclass(frozen=True)
class NationalDays:
    first_year: int
    last_year: int
    days_off: frozenset[date]  # Monday to Friday, not worked
    weekend_worked: frozenset[date]  # Saturday or Sunday, worked (a swapped day)
    source: str  # the package and version it was made from

    def is_working_day(self, day: date) -> bool | None:
        """Whether `day` is worked nationally; None outside the table's years."""
        if not self.first_year <= day.year <= self.last_year:
            return None
        if day.weekday() < 5:
            return day not in self.days_off
        return day in self.weekend_worked


@cache
def shipped() -> NationalDays:
    """The table in firmware/data (read once; it is the firmware's own file, checked by its tests)."""
    raw = json.loads(TABLE.read_text(encoding="utf-8"))
    return NationalDays(int(raw["first_year"]), int(raw["last_year"]),
                        frozenset(date.fromisoformat(d) for d in raw["days_off"]),
                        frozenset(date.fromisoformat(d) for d in raw["weekend_worked"]), str(raw["source"]))


def from_package(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> NationalDays:
    """The table as the installed `holidays` package gives it."""
    import holidays

    national = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
    days_off, worked = set(), set()
    day, last = date(first_year, 1, 1), date(last_year, 12, 31)
    while day <= last:
        working = bool(national.is_working_day(day))
        if day.weekday() < 5 and not working:
            days_off.add(day)
        elif day.weekday() >= 5 and working:
            worked.add(day)
        day += timedelta(days=1)
    return NationalDays(first_year, last_year, frozenset(days_off), frozenset(worked),
                        f"holidays {version('holidays')}")


def to_json(table: NationalDays) -> str:
    return json.dumps({"source": table.source, "first_year": table.first_year, "last_year": table.last_year,
                       "days_off": sorted(d.isoformat() for d in table.days_off),
                       "weekend_worked": sorted(d.isoformat() for d in table.weekend_worked)}, indent=1) + "\n"


def main() -> int:
    table = from_package()
    TABLE.write_text(to_json(table), encoding="utf-8")
    print(f"{TABLE}: {table.first_year}-{table.last_year} from {table.source}, {len(table.days_off)} weekdays off, "
          f"{len(table.weekend_worked)} weekend days worked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
