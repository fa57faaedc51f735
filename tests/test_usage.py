"""One `usage` event per visit, through the real loop and the real outbox: how it started and ended, how far
it got, where an unfinished one stopped, what it achieved; no personal data; the day's counts survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common.protocol import BODIES
from firmware.services.outbox import Outbox

from .conftest import steps

SCRIPTS = Path(__file__).parent / "scripts"
QR = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
OTHER = "079090001234||Trần Văn Bình|01021990|Nam|Phường 1, Quận 3, TP Hồ Chí Minh|01032021"


def visits(app: App) -> list[dict[str, Any]]:
    return [e.body for e in app.outbox.pending(1000) if e.kind == "usage"]


def test_a_whole_submission_is_one_visit_that_reached_done(sim: Simulator) -> None:
    sim.run_file(SCRIPTS / "birth_registration.yaml")
    (visit,) = visits(sim.app)
    BODIES["usage"](visit, "body")  # what the gateway checks at its edge
    assert (visit["woken_by"], visit["ended_by"], visit["outcome"], visit["furthest"]) == (
        "presence", "finished", "submitted", "done")
    assert visit["abandoned_at"] is None and visit["outcomes"] == ["submitted"]
    assert visit["procedure"] == "1.001193" and visit["login"] == "qr" and visit["services"] == ["login", "submit"]
    assert visit["screens"][:3] == ["home", "login", "procedures"] and visit["duration_s"] > 0
    raw = msgpack.packb(visit)
    for personal in (b"001303004567", "Ánh".encode(), b"Nguy", "Ngọc".encode()):
        assert personal not in raw, "a usage event carries no personal data"


def test_a_visit_left_on_the_form_says_where_and_why(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", QR), ("expect_screen", "procedures"),
                  ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"), ("expect_screen", "form"),
                  ("presence", False), ("wait", 200), ("expect_screen", "attract")))
    (visit,) = visits(sim.app)
    assert (visit["ended_by"], visit["abandoned_at"], visit["furthest"], visit["outcome"]) == (
        "walked_away", "form", "form", "nothing")
    sim.run(steps(("tap_at", [540, 1800]), ("expect_screen", "home"), ("presence", True), ("wait", 200),
                  ("expect_screen", "attract")))  # someone still in front, who stopped: a timeout
    second = visits(sim.app)[1]
    assert (second["woken_by"], second["ended_by"], second["abandoned_at"]) == ("touch", "timeout", "home")


def test_another_person_s_card_ends_one_visit_and_starts_the_next(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", QR), ("expect_screen", "procedures"),
                  ("tap", "Quay lại")))
    sim.run(steps(("tap", "Nộp hồ sơ"), ("present_qr", OTHER), ("expect_screen", "procedures")))
    (first,) = visits(sim.app)
    assert first["ended_by"] == "another_person"
    sim.run(steps(("wait", 200), ("expect_screen", "attract")))
    assert [v["ended_by"] for v in visits(sim.app)] == ["another_person", "timeout"]


def test_the_day_s_counts_come_from_the_outbox_and_survive_a_restart(make_app: Callable[..., App],
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    app = make_app(outbox=path)
    sim = Simulator(app)
    sim.settle()
    sim.run_file(SCRIPTS / "birth_registration.yaml")
    day = app.clock.wall().date().isoformat()
    assert app.outbox.day_counts(day) == {"dossier": 1, "part": 1, "usage": 1}
    for event in app.outbox.pending(1000):
        app.outbox.delete([event.id])  # the province has them all: the rows go, the tally stays
    app.close()
    again = Outbox(path)
    try:
        assert again.backlog() == 0 and again.day_counts(day)["usage"] == 1
    finally:
        again.close()
