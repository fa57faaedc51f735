"""`Gọi cán bộ`: the call raised from `help` or the help button, shown in the status (ops, Home Assistant) until
staff clear it or the visit ends; out of office hours the hotline instead; `[help]` checked at the edge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.runtime.config import ConfigError, parse
from firmware.services.staff import StaffCall, hours_of

from .conftest import steps

ALWAYS = '[help]\noffice_hours = "00:00-23:59"\noffice_days = "1,2,3,4,5,6,7"\nhotline = "1900 1234"\n'


def open_kiosk(make_app: Callable[..., App], config: str = ALWAYS) -> Simulator:
    app = make_app(config)
    app.kiosk.staff.working_day = lambda day: True  # the simulator's day is a public holiday
    sim = Simulator(app)
    sim.settle()
    return sim


def test_call_staff_from_help_until_they_come(make_app: Callable[..., App]) -> None:
    sim = open_kiosk(make_app)
    sim.run(steps(("presence", True), ("tap", "Trợ giúp"), ("tap", "Gọi cán bộ"), ("expect_text", "Đã gọi cán bộ"),
                  ("tap", "Đóng"), ("expect_text", "Cán bộ đã đến")))
    assert sim.app.kiosk.staff.called and sim.app.kiosk.staff.calls == 1
    sim.run(steps(("tap", "Cán bộ đã đến"), ("expect_text", "Gọi cán bộ")))
    assert not sim.app.kiosk.staff.called


def test_the_help_button_calls_and_the_end_of_the_visit_clears(make_app: Callable[..., App]) -> None:
    sim = open_kiosk(make_app)
    sim.run(steps(("presence", True), ("press", "help"), ("expect_screen", "help"),
                  ("expect_text", "Xin bạn chờ ở đây một chút")))
    assert sim.app.kiosk.staff.called
    sim.run(steps(("presence", False), ("wait", 200), ("expect_screen", "attract")))
    assert not sim.app.kiosk.staff.called, "the visit ended: nobody is waiting any more"
    (visit,) = [e.body for e in sim.app.outbox.pending(100) if e.kind == "usage"]
    assert visit["staff_called"] is True and "help" in visit["services"]


def test_out_of_office_hours_the_kiosk_gives_the_hotline(make_app: Callable[..., App]) -> None:
    sim = open_kiosk(make_app, '[help]\noffice_hours = "07:30-11:30"\noffice_days = "7"\nhotline = "1022"\n')
    sim.run(steps(("presence", True), ("tap", "Trợ giúp"), ("expect_text", "đường dây nóng 1022"),
                  ("tap", "Gọi cán bộ"), ("expect_text", "Ngoài giờ làm việc"), ("expect_text", "07:30-11:30")))
    assert not sim.app.kiosk.staff.called


def test_office_hours_and_days_off() -> None:
    staff = StaffCall(parse('[help]\noffice_hours = "07:30-11:30,13:30-17:00"\n').help,
                      working_day=lambda day: day.isoformat() != "2026-09-02")
    assert staff.open_now(datetime(2026, 12, 7, 8, 0)) and not staff.open_now(datetime(2026, 12, 7, 12, 0))
    assert not staff.open_now(datetime(2026, 12, 6, 9, 0)), "a Sunday"
    assert not staff.open_now(datetime(2026, 9, 2, 9, 0)), "National Day"
    assert not staff.call(datetime(2026, 12, 7, 18, 0)) and not staff.called
    assert hours_of("17:00-08:00") == []


@pytest.mark.parametrize("line", ['office_hours = "8h-17h"', 'office_hours = "25:00-26:00"',
                                  'office_days = "0,8"', 'hotline = "call us"'])
def test_a_bad_help_section_is_refused_with_its_key(line: str) -> None:
    with pytest.raises(ConfigError, match=line.split(" ")[0]):
        parse(f"[help]\n{line}\n")
