"""A disk that fills or fails: the citizen is told plainly, the kiosk goes out of service while idle, and it serves
again by itself when the outbox can write. Real SQLite errors: SQLITE_FULL from a page cap, a read-only
connection, the real free-space check with a floor above the disk's size."""

from __future__ import annotations

import sqlite3

import pytest

from firmware.app.sim import Simulator
from firmware.runtime.timers import Timers
from firmware.services.outbox import Outbox, OutboxEvent

from .conftest import steps
from .test_submission_flow import to_review

CONFIRM = (("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"))


def cap_pages(box: Outbox) -> None:
    """The database may not grow by one page: SQLite answers SQLITE_FULL, "database or disk is full"."""
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")


def uncap_pages(box: Outbox) -> None:
    box._db.execute("PRAGMA max_page_count = 1073741823")


def test_a_full_disk_at_submit_goes_out_of_service_and_comes_back(sim: Simulator) -> None:
    box = sim.app.outbox
    box.commit([OutboxEvent("usage", {"n": 1}, "2026-11-24T09:30:00+07:00")])
    to_review(sim)
    cap_pages(box)
    sim.run(steps(*CONFIRM, ("expect_text", "Hồ sơ của bạn chưa được lưu")))
    assert sim.app.kiosk.health["storage"] == "failed"
    assert sim.app.kiosk.session.identity is not None, "the session stays while staff can help"
    sim.run(steps(("wait", 30), ("expect_screen", "submitting")))  # a citizen's screen is never taken over

    sim.run(steps(("tap", "Kết thúc"), ("wait", 1), ("expect_screen", "out_of_service"),
                  ("expect_text", "Kiosk đang tạm ngừng phục vụ."), ("expect_text", "bộ nhớ lưu hồ sơ")))
    assert sim.app.kiosk.session.identity is None
    sim.run(steps(("presence", False), ("presence", True), ("wait", 20), ("expect_screen", "out_of_service")))  # full

    uncap_pages(box)  # space returns
    sim.run(steps(("wait", 6), ("expect_screen", "attract")))
    assert sim.app.kiosk.health["storage"] == "ok"
    kept = box.pending()
    assert kept[0].body == {"n": 1}, "nothing committed before was touched"
    assert {e.kind for e in kept} == {"usage"}, "no dossier half stored; the visit itself is counted"
    assert sim.app.loop.running


def test_an_io_error_clears_without_a_restart(sim: Simulator) -> None:
    to_review(sim)
    sim.app.outbox._db.execute("PRAGMA query_only = ON")  # every write fails
    sim.run(steps(*CONFIRM, ("expect_text", "Hồ sơ của bạn chưa được lưu"), ("tap", "Kết thúc"), ("wait", 1),
                  ("expect_screen", "out_of_service")))
    sim.app.outbox._db.execute("PRAGMA query_only = OFF")
    sim.run(steps(("wait", 6), ("expect_screen", "attract"), ("presence", False)))
    to_review(sim)  # and the next citizen's dossier is stored
    sim.run(steps(*CONFIRM, ("expect_screen", "done")))
    assert [e.kind for e in sim.app.outbox.pending()].count("dossier") == 1


def test_a_disk_below_its_floor_is_out_of_service_before_anyone_starts(sim: Simulator) -> None:
    box = sim.app.outbox
    floor = box.min_free_bytes
    box.min_free_bytes = 2**62  # the real statfs now reads as below the floor
    sim.run(steps(("wait", 11), ("expect_screen", "out_of_service")))
    assert sim.app.kiosk.health["storage"] == "full"
    assert "floor" in sim.app.kiosk.health.status(0)["faults"].get("storage", "floor")
    box.min_free_bytes = floor
    sim.run(steps(("wait", 6), ("expect_screen", "attract"), ("presence", True), ("expect_screen", "home")))


def test_a_citizen_mid_visit_keeps_the_screen_and_sees_the_banner(sim: Simulator) -> None:
    to_review(sim)
    sim.app.outbox.min_free_bytes = 2**62
    sim.run(steps(("wait", 11), ("expect_screen", "review"), ("expect_text", "Kiosk tạm thời chưa nhận hồ sơ mới")))


def test_the_storage_state_is_in_the_fleet_status(sim: Simulator) -> None:
    sim.app.outbox.min_free_bytes = 2**62
    sim.run(steps(("wait", 11)))
    assert sim.app.status(0)["health"]["storage"] == "full"


def test_a_timer_that_raises_is_retried_with_a_growing_pause_and_the_loop_goes_on() -> None:
    timers = Timers()
    calls: list[float] = []
    broken = {"yes": True}

    def sender(now: float) -> float:
        calls.append(now)
        if broken["yes"]:
            raise sqlite3.OperationalError("disk I/O error")
        return now + 0.5

    timers.add("outbox-sender", sender, 0.0)
    now = 0.0
    while now < 40:
        timers.run(now)
        now += 0.25
    pauses = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    assert pauses[:5] == pytest.approx([1, 2, 4, 8, 16], abs=0.26)
    assert timers.failing() == {"outbox-sender": len(calls)} and timers.failures == len(calls)
    broken["yes"] = False
    timers.run(calls[-1] + 64)
    assert timers.failing() == {}
