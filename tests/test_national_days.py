"""The national days table shipped with the firmware equals the `holidays` package on every day it covers, and a
due date inside it never loads the package."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from firmware.common import national_days
from firmware.common.due_date import WorkCalendar

REPO = Path(__file__).resolve().parent.parent


def test_the_table_equals_the_installed_package() -> None:
    shipped = national_days.shipped()
    made = national_days.from_package(shipped.first_year, shipped.last_year)
    assert shipped.source == made.source, "holidays was upgraded: run python -m firmware.common.national_days"
    assert shipped.days_off == made.days_off
    assert shipped.weekend_worked == made.weekend_worked
    assert shipped.last_year >= date.today().year + 2  # due dates up to 365 working days ahead stay inside it


def test_days_outside_the_table_are_not_answered_by_it() -> None:
    table = national_days.shipped()
    assert table.is_working_day(date(table.last_year + 1, 3, 3)) is None
    assert table.is_working_day(date(2026, 8, 22)) is True  # the State's swapped working Saturday
    assert table.is_working_day(date(2026, 2, 17)) is False  # Tết


def test_a_due_date_inside_the_table_does_not_load_the_package() -> None:
    code = ("import sys; from datetime import datetime; from firmware.common.due_date import WorkCalendar; "
            "print(WorkCalendar().due_date(datetime(2027, 2, 3, 10), 30), 'holidays' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2027-03-24", "False"]


def test_a_year_past_the_table_asks_the_package() -> None:
    calendar = WorkCalendar()
    last = national_days.shipped().last_year
    assert calendar.is_working_day(date(last + 1, 9, 2)) is False  # National Day, from the package
    assert "_national" in calendar.__dict__


def test_a_damaged_table_falls_back_to_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "national_days.json"
    damaged.write_text('{"first_year": 2024', encoding="utf-8")
    monkeypatch.setattr(national_days, "TABLE", damaged)
    national_days.shipped.cache_clear()
    try:
        calendar = WorkCalendar()
        assert calendar.due_date(datetime(2027, 2, 3, 10), 1) == date(2027, 2, 11)  # Tết, from the package
        assert calendar.__dict__["_table"] is None
    finally:
        national_days.shipped.cache_clear()
