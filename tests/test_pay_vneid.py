"""Fees and VNeID at the kiosk, through a real mosquitto and the reference gateway: a fee paid while the
citizen waits (receipt printed), a wait that runs out then a lookup that shows it paid, a VNeID login confirmed
(signs in as a card would), refused, and offline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.runtime.events import MqttMessage, Response
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .test_link import dossier_events_without_pages, dossiers, kiosk
from .test_lookup import until_screen
from .test_submission_flow import CHILD_KEYS, PAGE, SUBMIT

OFFICIAL = "000.00.20.H26-261124-0001"
CARD = "001203004567|123456789|Nguyễn Văn An|05032003|Nam|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def gateway_cli(gateway: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "gateway", *args, "--config", str(gateway)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def live(sim: Simulator) -> Callable[[], None]:
    """Drive the loop with the virtual clock keeping pace with real time, so that a request's 10 s timeout is not
    spent in a few milliseconds while the gateway (another process) is still answering."""
    last = [time.monotonic()]

    def step() -> None:
        now = time.monotonic()
        sim.app.clock.advance(min(0.1, now - last[0]))  # type: ignore[attr-defined]
        last[0] = now
        sim.app.loop.step([])
    return step


def drawn(sim: Simulator, text: str) -> bool:
    return any(text in t for t in sim.app.loop.canvas.drawn)


def submitted(make_app: Callable[..., App], broker: Broker) -> Simulator:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=live(sim))
    sim.app.outbox.commit(dossier_events_without_pages(1))  # temporary residence: 7.000 đồng online
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=live(sim))
    return sim


def official_code(sim: Simulator) -> tuple[str, str]:
    """The code the province gave the dossier just submitted (codes are not guessable), and its short digits."""
    assert sim.app.sender is not None
    (info,) = sim.app.sender.official.values()
    code = str(info["code"])
    return code, code.split("-", 1)[1].replace("-", "")


def test_a_fee_paid_while_the_citizen_waits_prints_a_receipt(make_app: Callable[..., App], broker: Broker,
                                                             gateway: Path) -> None:
    sim = submitted(make_app, broker)
    code, short = official_code(sim)
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Nộp phí"), ("tap", "Nhập mã hồ sơ"), ("type", short), ("tap", "Tra cứu")))
    until_screen(sim, "pay")
    wait_until(lambda: sim.app.stack.top.state == "qr", step=live(sim))  # type: ignore[union-attr]
    sim.run(steps(("expect_text", "7.000 đồng"), ("expect_text", "Bảy nghìn đồng")))
    assert gateway_cli(gateway, "confirm-payment", code, "--ref", "FT1").returncode == 0
    wait_until(lambda: drawn(sim, "Đã thanh toán"), seconds=20, step=live(sim))
    wait_until(lambda: sim.app.printing.last_slip_code == f"payment:{code}", step=live(sim))
    sim.run(steps(("expect_text", "FT1")))
    # again: already paid
    sim.app.stack.reset("pay", code=code)
    sim.app.stack.apply_pending()
    wait_until(lambda: drawn(sim, "đã được thanh toán"), step=live(sim))


def test_the_wait_runs_out_then_a_lookup_shows_it_paid(make_app: Callable[..., App], broker: Broker,
                                                       gateway: Path) -> None:
    sim = submitted(make_app, broker)
    code, short = official_code(sim)
    sim.app.stack.reset("pay", code=code)
    sim.app.stack.apply_pending()
    wait_until(lambda: sim.app.stack.top.state == "qr", step=live(sim))  # type: ignore[union-attr]
    sim.app.clock.advance(sim.app.config.payment.wait_s + 1)  # type: ignore[attr-defined]
    wait_until(lambda: drawn(sim, "khoản tiền vẫn được ghi nhận"), step=live(sim))
    assert gateway_cli(gateway, "confirm-payment", code, "--amount", "100").returncode == 0  # a mismatch
    assert gateway_cli(gateway, "confirm-payment", code).returncode == 0
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Tra cứu hồ sơ"), ("tap", "Nhập mã hồ sơ"), ("type", short), ("tap", "Tra cứu")))
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
    wait_until(lambda: online.app.stack.top.state == "not_found", step=live(online))  # type: ignore[union-attr]


def test_a_vneid_login_tapped_from_the_card_login_signs_in_as_a_card_would(
        make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    sim = submitted(make_app, broker)  # the gateway is up and answering
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Nộp hồ sơ"), ("expect_screen", "login"), ("tap", "Đăng nhập bằng VNeID")))
    wait_until(lambda: sim.app.stack.top_name == "vneid", step=live(sim))
    wait_until(lambda: bool(sim.app.kiosk.vneid.last_session), step=live(sim))
    session = sim.app.kiosk.vneid.last_session
    assert gateway_cli(gateway, "confirm-login", session, "--cccd", "not|a|card").returncode == 2
    assert gateway_cli(gateway, "confirm-login", "0" * 32, "--cccd", CARD).returncode == 1  # no such session
    assert gateway_cli(gateway, "confirm-login", session, "--cccd", CARD).returncode == 0
    assert gateway_cli(gateway, "confirm-login", session, "--refuse").returncode == 1  # a replay
    wait_until(lambda: sim.app.stack.top_name == "procedures", step=live(sim))
    identity = sim.app.kiosk.session.identity
    assert identity is not None and identity["full_name"] == "Nguyễn Văn An"
    assert [s.name for s in sim.app.stack.screens] == ["home", "procedures"]


def test_vneid_refused_and_expired_are_clear(make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    sim = submitted(make_app, broker)
    sim.app.stack.reset("vneid", next="procedures")
    sim.app.stack.apply_pending()
    wait_until(lambda: bool(sim.app.kiosk.vneid.last_session), step=live(sim))
    assert gateway_cli(gateway, "confirm-login", sim.app.kiosk.vneid.last_session, "--refuse").returncode == 0
    wait_until(lambda: sim.app.stack.top.state == "refused", seconds=20, step=live(sim))  # type: ignore[union-attr]
    first = sim.app.kiosk.vneid.last_session
    sim.run(steps(("tap", "Tạo mã mới")))
    wait_until(lambda: sim.app.kiosk.vneid.last_session not in ("", first), step=live(sim))
    sim.app.clock.advance(200)  # type: ignore[attr-defined]
    wait_until(lambda: sim.app.stack.top.state == "expired", step=live(sim))  # type: ignore[union-attr]
    assert not sim.app.kiosk.session.signed_in


def test_vneid_offline(sim: Simulator) -> None:
    sim.app.stack.reset("vneid", next="procedures")
    sim.app.stack.apply_pending()
    sim.settle(2)
    assert sim.app.stack.top.state == "offline"  # type: ignore[union-attr]


def _answer(sim: Simulator, body: object) -> None:
    """Put an answer on the wire for the one request the kiosk is waiting on (no gateway is running)."""
    requests = sim.app.requests
    assert requests is not None
    wait_until(lambda: len(requests.pending) == 1, step=live(sim))
    (correlation,) = requests.pending
    requests.on_response(MqttMessage("res", msgpack.packb(body), "res", correlation))
    sim.settle(2)


@pytest.mark.parametrize("screen, params, body, state", [
    ("pay", {"code": OFFICIAL}, {"found": True, "code": OFFICIAL, "fee_vnd": "lots"}, "offline"),
    ("pay", {"code": OFFICIAL}, [1, 2, 3], "offline"),
    ("vneid", {"next": "procedures"}, {"session": "not hex", "qr": "x", "expires_in_s": 60}, "offline"),
    ("vneid", {"next": "procedures"}, {"session": "ab" * 16, "qr": "x" * 5000, "expires_in_s": 60}, "offline"),
])
def test_a_malformed_answer_is_a_clear_screen_never_a_crash(make_app: Callable[..., App], broker: Broker,
                                                            screen: str, params: dict[str, str], body: object,
                                                            state: str) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=live(sim))
    sim.app.stack.reset(screen, **params)
    sim.app.stack.apply_pending()
    _answer(sim, body)
    assert sim.app.stack.top_name == screen and sim.app.stack.top.state == state  # type: ignore[union-attr]
    handled = [e for e in sim.app.loop.handled_events if isinstance(e, Response)]
    assert handled and handled[-1].outcome == "malformed"
    assert sim.app.loop.running


def test_a_confirmed_login_with_a_bad_identity_is_refused_not_signed_in(make_app: Callable[..., App],
                                                                        broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=live(sim))
    sim.app.stack.reset("vneid", next="procedures")
    sim.app.stack.apply_pending()
    _answer(sim, {"session": "ab" * 16, "qr": "VNEID-LOGIN:" + "ab" * 16, "expires_in_s": 60})
    assert sim.app.stack.top.state == "showing"  # type: ignore[union-attr]
    _answer(sim, {"session": "ab" * 16, "state": "confirmed", "cccd": "001203004567|x|y|99999999|?|z|1"})
    assert sim.app.stack.top.state == "bad" and not sim.app.kiosk.session.signed_in  # type: ignore[union-attr]
    sim.run(steps(("expect_text", "Thông tin nhận từ VNeID chưa đúng")))


def test_a_scripted_citizen_signs_in_with_vneid_and_submits_a_whole_dossier(
        make_app: Callable[..., App], broker: Broker, gateway: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_GATEWAY_CONFIG", str(gateway))
    sim = submitted(make_app, broker)
    sim.app.stack.reset("attract")
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("tap", "Đăng nhập bằng VNeID"),
                  ("expect_screen", "vneid")))
    wait_until(lambda: bool(sim.app.kiosk.vneid.last_session), step=live(sim))
    sim.run(steps(("province", f'confirm-login {{session}} --cccd "{CARD}"')))
    wait_until(lambda: sim.app.stack.top_name == "procedures", step=live(sim))
    sim.run(steps(("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"), ("type", CHILD_KEYS), ("tap", "Tiếp tục"),
                  ("type", "0511"), ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"),
                  ("insert_document", PAGE), ("expect_screen", "review"), *SUBMIT, ("expect_screen", "done")))
    record = sim.app.kiosk.submissions.last.record  # type: ignore[union-attr]
    assert record["identity"]["full_name"] == "Nguyễn Văn An"
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=live(sim))
    assert record["receipt_code"] in [d.get("receipt_code") for d in dossiers(gateway)]
