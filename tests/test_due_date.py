"""Due dates: working days, Vietnamese holidays (lunar Tết), weekends, the cutoff, the province calendar."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest

from firmware.common.due_date import CalendarError, WorkCalendar, load_calendar, promised_due_date

from .conftest import REPO

NATIONAL = WorkCalendar()


def due(received: str, days: int, calendar: WorkCalendar = NATIONAL, cutoff: time = time(16)) -> date:
    return calendar.due_date(datetime.fromisoformat(received), days, cutoff)


@pytest.mark.parametrize("received,days,expected", [
    ("2027-02-03T10:00", 0, "2027-02-03"),   # a working Wednesday before the cutoff: day 0
    ("2027-02-03T10:00", 1, "2027-02-11"),   # Tết 2027: 4-10 February off
    ("2027-02-03T16:00", 0, "2027-02-11"),   # at the cutoff: the next working day is day 0
    ("2027-02-06T09:00", 0, "2027-02-11"),   # received on Tết itself
    ("2027-09-01T10:00", 1, "2027-09-06"),   # 2/9 and the day after, then the weekend
    ("2026-11-28T09:00", 0, "2026-11-30"),   # Saturday: Monday is day 0
    ("2026-11-25T15:59", 0, "2026-11-25"),
    ("2026-11-25T16:00", 0, "2026-11-26"),
    ("2026-11-25T09:00", 7, "2026-12-04"),   # permanent residence: 7 working days
    ("2026-04-29T11:00", 1, "2026-05-04"),   # 30/4 and 1/5, then the weekend
    ("2026-08-21T10:00", 1, "2026-08-22"),   # the State's swapped working Saturday
])
def test_due_dates(received: str, days: int, expected: str) -> None:
    assert due(received, days).isoformat() == expected


def test_custom_cutoff() -> None:
    assert due("2026-11-25T15:30", 0, cutoff=time(15)).isoformat() == "2026-11-26"
    assert due("2026-11-25T14:59", 0, cutoff=time(15)).isoformat() == "2026-11-25"


def test_province_calendar_overrides_the_package(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text("year = 2026\ndays_off = [2026-11-26]\nworking_days = [2026-11-28]\n", encoding="utf-8")
    calendar = load_calendar(path)
    assert due("2026-11-25T16:30", 0, calendar).isoformat() == "2026-11-27"  # 26 off by the province
    assert due("2026-11-27T16:30", 0, calendar).isoformat() == "2026-11-28"  # a working Saturday


def test_no_due_date_is_promised_with_an_unsynchronised_clock() -> None:
    received = datetime(2026, 11, 25, 9)
    assert promised_due_date(NATIONAL, received, 3, clock_synced=False) is None
    assert promised_due_date(NATIONAL, received, 3, clock_synced=True) == date(2026, 11, 30)


@pytest.mark.parametrize("text,message", [
    ("days_of = [2026-11-26]\n", "unknown key 'days_of'"),
    ('days_off = ["26/11/2026"]\n', "days_off must be a list of dates"),
    ("days_off = [2026-11-26]\nworking_days = [2026-11-26]\n", "2026-11-26 is listed both in days_off and"),
    ("days_off = [\n", "not valid TOML"),
])
def test_bad_calendar_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=message):
        load_calendar(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "due-date", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_command_prints_the_date_and_nothing_else(tmp_path: Path) -> None:
    result = run("--received", "2027-02-03T15:30", "--working-days", "1")
    assert (result.returncode, result.stdout, result.stderr) == (0, "2027-02-11\n", "")
    result = run("--received", "2026-11-25T15:10", "--working-days", "0", "--cutoff", "15:00")
    assert result.stdout == "2026-11-26\n"
    calendar = tmp_path / "cal.toml"
    calendar.write_text("days_off = [2026-11-26]\n", encoding="utf-8")
    result = run("--received", "2026-11-25T16:10", "--working-days", "0", "--calendar", str(calendar))
    assert result.stdout == "2026-11-27\n"


@pytest.mark.parametrize("args,message", [
    (["--received", "2027-02-30T10:00", "--working-days", "1"], "--received '2027-02-30T10:00': expected"),
    (["--received", "2027-02-03", "--working-days", "1"], "expected YYYY-MM-DDTHH:MM"),
    (["--received", "2027-02-03T10:00", "--working-days", "-2"], "--working-days -2"),
    (["--received", "2027-02-03T10:00", "--working-days", "1", "--cutoff", "25:00"], "--cutoff '25:00'"),
    (["--received", "2027-02-03T10:00", "--working-days", "1", "--calendar", "/nonexistent.toml"],
     "cannot read the calendar"),
])
def test_command_bad_input(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr
