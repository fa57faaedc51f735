"""Typing a date as digits (ddmmyyyy) so that an impossible date cannot be produced.

`allowed_next` gives the digits that keep some real date reachable: after "3" only 0 or 1 may follow; after
"3002" no year at all exists, so "30" then "02" is never offered; "2902" leaves only leap years.
"""

from __future__ import annotations

import calendar
from datetime import date

DIGITS = "0123456789"


def _years(prefix: str, low: int, high: int) -> range:
    if not prefix:
        return range(low, high + 1)
    span = 10 ** (4 - len(prefix))
    start = int(prefix) * span
    return range(max(low, start), min(high, start + span - 1) + 1)


def reachable(digits: str, low: int = 1900, high: int = 2100) -> bool:
    """Can `digits` (a prefix of ddmmyyyy) still become a real date with a year in low..high?"""
    if len(digits) > 8 or not digits.isdigit() and digits:
        return False
    day_part, month_part, year_part = digits[:2], digits[2:4], digits[4:]
    for day in range(1, 32):
        if not f"{day:02d}".startswith(day_part):
            continue
        for month in range(1, 13):
            if not f"{month:02d}".startswith(month_part) or day > 31:
                continue
            for year in _years(year_part, low, high):
                if day <= calendar.monthrange(year, month)[1]:
                    return True
                if not (month == 2 and day == 29):
                    break  # only Feb 29 depends on which year
    return False


def allowed_next(digits: str, low: int = 1900, high: int = 2100) -> set[str]:
    if len(digits) >= 8:
        return set()
    return {d for d in DIGITS if reachable(digits + d, low, high)}


def parse(digits: str) -> date | None:
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def complete_year(digits: str, today: date) -> str:
    """A recent event typed as ddmm: this year's date, or last year's when this year's has not come yet."""
    if len(digits) != 4 or not digits.isdigit():
        return digits
    for year in (today.year, today.year - 1):
        day = parse(f"{digits}{year}")
        if day is not None and day <= today:
            return f"{digits}{year}"
    return digits


def shown(digits: str) -> str:
    """'0503' -> '05/03/____'"""
    padded = digits.ljust(8, "_")
    return f"{padded[:2]}/{padded[2:4]}/{padded[4:]}"
