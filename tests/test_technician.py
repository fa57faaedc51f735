"""Technician mode: the signed card or the hidden gesture, the kiosk's PIN with a back-off that outlives a restart,
the panel's actions, the time-out, and every step recorded as a `technician` event (scripted at all three sizes)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common.commands import public_key_text
from firmware.common.protocol import BODIES
from firmware.common.technician import CardRefused, hash_pin, make_card, pin_matches, read_card
from firmware.services.technician import TechnicianService

from .conftest import REPO, steps
from .test_submission_flow import SUBMIT, to_review

NOW = datetime.fromisoformat("2026-11-24T09:30:00+07:00")
PIN = "482915"
SIZES = [(1080, 1920), (1920, 1080), (800, 480)]


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def config_text(key: Ed25519PrivateKey, pin: str | None = PIN) -> str:
    pin_line = f'technician_pin_hash = "{hash_pin(pin)}"\n' if pin else ""
    return f'[security]\noperator_key = "{public_key_text(key.public_key())}"\n{pin_line}'


def technician_events(app: App) -> list[dict]:  # type: ignore[type-arg]
    return [e.body for e in app.outbox.pending() if e.kind == "technician"]


def test_a_card_is_read_only_when_the_province_signed_it_for_now(key: Ed25519PrivateKey) -> None:
    card = make_card(key, "hn", "Lê Văn Thắng", NOW, days=90)
    assert read_card(card, key.public_key(), "hn", NOW).name == "Lê Văn Thắng"
    refusals = {
        "not signed by this province": (make_card(Ed25519PrivateKey.generate(), "hn", "X Y", NOW), "hn", NOW),
        "a card of province 'hn'": (card, "bn", NOW),
        "the card expired on 2027-02-22": (card, "hn", NOW + timedelta(days=91)),
        "dated in the future": (card, "hn", NOW - timedelta(hours=1)),
        "not a readable technician card": ("MOTCUA-KTV1:!!!not base64", "hn", NOW),
        "at most a year": (make_card(key, "hn", "X Y", NOW, days=400), "hn", NOW),
    }
    for reason, (text, province, now) in refusals.items():
        with pytest.raises(CardRefused, match=reason):
            read_card(text, key.public_key(), province, now)
    with pytest.raises(CardRefused, match="no operator key"):
        read_card(card, None, "hn", NOW)
    stored = hash_pin(PIN)
    assert PIN not in stored and pin_matches(PIN, stored) and not pin_matches("482916", stored)
    assert not pin_matches(PIN, "garbage") and not pin_matches(PIN, "md5$1$a$b")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_technician_with_a_card_and_the_pin(make_app: Callable[..., App], key: Ed25519PrivateKey,
                                              size: tuple[int, int]) -> None:
    app = make_app(config_text(key), size=size)
    sim = Simulator(app)
    sim.settle()
    to_review(sim)
    sim.run(steps(*SUBMIT, ("expect_screen", "done"), ("tap", "Kết thúc"), ("expect_screen", "attract")))
    slip_code = app.outbox.last_stub().receipt_code  # type: ignore[union-attr]
    printed = len(app.devices.printer.jobs)

    card = make_card(key, "hn", "Lê Văn Thắng", app.clock.wall())
    wrong = [("tap", d) for d in "111222"] + [("tap", "Vào")]
    sim.run(steps(("present_qr", card), ("expect_screen", "technician_pin"),
                  ("expect_text", "Kỹ thuật viên: Lê Văn Thắng"),
                  *wrong, ("expect_text", "Mã PIN không đúng."), *wrong, *wrong,
                  ("expect_text", "Thử lại sau 30 giây"),
                  *[("tap", d) for d in PIN], ("tap", "Vào"), ("expect_screen", "technician_pin"),
                  ("wait", 31), *[("tap", d) for d in PIN], ("tap", "Vào"), ("expect_screen", "technician"),
                  ("expect_text", "Chờ gửi về tỉnh"), ("expect_text", "Kỹ thuật viên: Lê Văn Thắng")))
    sim.wait_for(lambda: app.kiosk.technician.findings is not None, "doctor's findings")  # type: ignore[union-attr]
    sim.run(steps(("tap", "In lại phiếu gần nhất"), ("expect_text", "Đã gửi lệnh in lại phiếu"),
                  ("tap", "In thử")))
    sim.wait_for(lambda: len(app.devices.printer.jobs) == printed + 2, "the reprint and the test page")
    sim.wait_for(lambda: any("In thử: xong." in t for t in app.loop.canvas.drawn), "the test result on screen")
    sim.run(steps(("wait", 200), ("expect_screen", "attract")))  # timed out
    actions = [e["action"] for e in technician_events(app)]
    assert actions == ["wrong_pin", "wrong_pin", "wrong_pin", "entered", "reprint", "test_print"], actions
    assert all(e["technician"] == "Lê Văn Thắng" for e in technician_events(app))
    assert slip_code in technician_events(app)[4]["detail"]
    for body in technician_events(app):
        BODIES["technician"](body, "body")  # what the gateway checks it against
    status = app.kiosk.technician.status()  # type: ignore[union-attr]
    assert status["entries"] == 1 and status["wrong_pins"] == 3


def test_the_back_off_outlives_a_restart_and_grows(make_app: Callable[..., App], key: Ed25519PrivateKey) -> None:
    app = make_app(config_text(key))
    service = app.kiosk.technician
    assert service is not None
    waits = []
    for _ in range(5):
        waits.append(service.try_pin("000000", ""))
        app.clock.advance(service.wait_s() + 1)  # type: ignore[attr-defined]
    assert waits == [0.0, 0.0, 30.0, 60.0, 120.0]
    service.try_pin("000000", "")
    again = TechnicianService(app.outbox, app.clock, None, "hn", service.pin_hash, lambda: [])  # a restart
    assert again.wait_s() > 200 and again.try_pin(PIN, "") == pytest.approx(again.wait_s(), abs=1)
    app.clock.advance(again.wait_s() + 1)  # type: ignore[attr-defined]
    assert again.try_pin(PIN, "") is True and again.wait_s() == 0


def test_the_hidden_gesture_and_a_kiosk_without_a_pin(make_app: Callable[..., App], key: Ed25519PrivateKey) -> None:
    app = make_app(config_text(key))
    sim = Simulator(app)
    sim.settle()
    sim.run(steps(("hold_at", [20, 20, 2]), ("expect_screen", "home"), ("tap", "Kết thúc"),
                  ("hold_at", [20, 20, 5]), ("expect_screen", "technician_pin"),
                  ("expect_text", "Nhập mã PIN kỹ thuật của kiosk"), ("tap", "Huỷ"), ("expect_screen", "attract")))
    bad = make_card(Ed25519PrivateKey.generate(), "hn", "Kẻ Giả Mạo", app.clock.wall())
    sim.run(steps(("present_qr", bad), ("expect_screen", "attract"), ("expect_text", "Thẻ kỹ thuật không dùng được"),
                  ("expect_text", "not signed by this province")))
    assert [e["action"] for e in technician_events(app)] == ["card_refused"]

    shut = make_app(config_text(key, pin=None))
    closed = Simulator(shut)
    closed.settle()
    closed.run(steps(("hold_at", [20, 20, 5]), ("expect_screen", "technician_pin"),
                     ("expect_text", "chưa được đặt mã PIN kỹ thuật"), ("expect_no_text", "Vào")))


def test_a_printed_card_from_the_ca_opens_the_pin_screen(tmp_path: Path) -> None:
    import numpy
    from PIL import Image

    from firmware.app.compose import build
    from firmware.runtime.clock import VirtualClock
    from firmware.runtime.config import parse
    from hw.qr import make_decoder
    from province.pki import Authority

    authority = Authority.init(tmp_path / "ca", "hn")
    made = subprocess.run([sys.executable, "-m", "firmware", "ca", "technician-card", "Lê Văn Thắng", "--ca",
                           str(tmp_path / "ca"), "--out", str(tmp_path / "card.png")], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert made.returncode == 0, made.stderr
    frame = numpy.asarray(Image.open(tmp_path / "card.png").convert("L"))
    decoded = [code.text for code in make_decoder("zxing").decode(frame)]
    assert decoded == [made.stdout.strip()]
    config = parse(f'[security]\noperator_key = "{authority.operator_public()}"\n'
                   f'technician_pin_hash = "{hash_pin(PIN)}"\n')
    app = build(config, clock=VirtualClock(start=datetime.now().astimezone()), headless=True,
                outbox_path=str(tmp_path / "outbox.db"))  # the card was signed now, on the real clock
    try:
        sim = Simulator(app)
        sim.settle()
        sim.run(steps(("present_qr", decoded[0]), ("expect_screen", "technician_pin"),
                      ("expect_text", "Kỹ thuật viên: Lê Văn Thắng")))
    finally:
        app.close()
