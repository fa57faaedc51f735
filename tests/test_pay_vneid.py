"""Fees and VNeID at the kiosk, through a real mosquitto and the reference gateway: a fee paid while the
citizen waits (receipt printed), a wait that runs out then a lookup that shows it paid, a VNeID login confirmed
(signs in as a card would), refused, and offline."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from firmware.app.compose import App
from firmware.app.sim import Simulator
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .test_link import dossier_events_without_pages, kiosk, pump
from .test_lookup import until_screen

OFFICIAL = "000.00.20.H26-261124-0001"
CARD = "001203004567|123456789|Nguyễn Văn An|05032003|Nam|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def gateway_cli(gateway: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "gateway", *args, "--config", str(gateway)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def drawn(sim: Simulator, text: str) -> bool:
    return any(text in t for t in sim.app.loop.canvas.drawn)


def submitted(make_app: Callable[..., App], broker: Broker) -> Simulator:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.app.outbox.commit(dossier_events_without_pages(1))  # temporary residence: 7.000 đồng online
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    return sim


def test_a_fee_paid_while_the_citizen_waits_prints_a_receipt(make_app: Callable[..., App], broker: Broker,
                                                             gateway: Path) -> None:
    sim = submitted(make_app, broker)
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Nộp phí"), ("tap", "Nhập mã hồ sơ"), ("type", "2611240001"), ("tap", "Tra cứu")))
    until_screen(sim, "pay")
    wait_until(lambda: sim.app.stack.top.state == "qr", step=pump(sim))  # type: ignore[union-attr]
    sim.run(steps(("expect_text", "7.000 đồng"), ("expect_text", "Bảy nghìn đồng")))
    assert gateway_cli(gateway, "confirm-payment", OFFICIAL, "--ref", "FT1").returncode == 0
    wait_until(lambda: drawn(sim, "Đã thanh toán"), seconds=20, step=pump(sim))
    wait_until(lambda: sim.app.printing.last_slip_code == f"payment:{OFFICIAL}", step=pump(sim))
    sim.run(steps(("expect_text", "FT1")))
    # again: already paid
    sim.app.stack.reset("pay", code=OFFICIAL)
    sim.app.stack.apply_pending()
    wait_until(lambda: drawn(sim, "đã được thanh toán"), step=pump(sim))


def test_the_wait_runs_out_then_a_lookup_shows_it_paid(make_app: Callable[..., App], broker: Broker,
                                                       gateway: Path) -> None:
    sim = submitted(make_app, broker)
    sim.app.stack.reset("pay", code=OFFICIAL)
    sim.app.stack.apply_pending()
    wait_until(lambda: sim.app.stack.top.state == "qr", step=pump(sim))  # type: ignore[union-attr]
    sim.app.clock.advance(sim.app.config.payment.wait_s + 1)  # type: ignore[attr-defined]
    wait_until(lambda: drawn(sim, "khoản tiền vẫn được ghi nhận"), step=pump(sim))
    assert gateway_cli(gateway, "confirm-payment", OFFICIAL, "--amount", "100").returncode == 0  # a mismatch
    assert gateway_cli(gateway, "confirm-payment", OFFICIAL).returncode == 0
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Tra cứu hồ sơ"), ("tap", "Nhập mã hồ sơ"), ("type", "2611240001"), ("tap", "Tra cứu")))
    until_screen(sim, "status")
    answer = sim.app.stack.top.answer  # type: ignore[union-attr]
    assert answer["paid"] is True and answer["fee_vnd"] == 7000
    assert "Nộp phí" not in [b.label for b in sim.app.stack.top.buttons()]  # type: ignore[union-attr]


def test_an_unknown_code_and_no_link_say_so(make_app: Callable[..., App], broker: Broker, gateway: Path,
                                            sim: Simulator) -> None:
    sim.app.stack.reset("pay", code=OFFICIAL)
    sim.app.stack.apply_pending()
    sim.settle(2)
    assert sim.app.stack.top.state == "offline"  # type: ignore[union-attr]
    online = submitted(make_app, broker)
    online.app.stack.reset("pay", code="000.00.20.H26-261124-0099")
    online.app.stack.apply_pending()
    wait_until(lambda: online.app.stack.top.state == "not_found", step=pump(online))  # type: ignore[union-attr]


def test_vneid_refused_and_expired_are_clear(make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.app.stack.reset("vneid", next="procedures")
    sim.app.stack.apply_pending()
    wait_until(lambda: bool(sim.app.kiosk.vneid.last_session), step=pump(sim))
    assert gateway_cli(gateway, "confirm-login", sim.app.kiosk.vneid.last_session, "--refuse").returncode == 0
    wait_until(lambda: sim.app.stack.top.state == "refused", seconds=20, step=pump(sim))  # type: ignore[union-attr]
    first = sim.app.kiosk.vneid.last_session
    sim.run(steps(("tap", "Tạo mã mới")))
    wait_until(lambda: sim.app.kiosk.vneid.last_session not in ("", first), step=pump(sim))
    sim.app.clock.advance(200)  # type: ignore[attr-defined]
    wait_until(lambda: sim.app.stack.top.state == "expired", step=pump(sim))  # type: ignore[union-attr]
    assert not sim.app.kiosk.session.signed_in


def test_vneid_offline(sim: Simulator) -> None:
    sim.app.stack.reset("vneid", next="procedures")
    sim.app.stack.apply_pending()
    sim.settle(2)
    assert sim.app.stack.top.state == "offline"  # type: ignore[union-attr]
