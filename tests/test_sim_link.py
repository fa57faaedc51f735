"""`motcua sim`'s steps that reach the run stack: `network: up|down` on a real mosquitto, and `province: "ARGS"`
running the gateway's back-office command on the dossier the script just submitted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator, StepFailed
from province.broker import Broker

from .conftest import steps, wait_until
from .test_link import kiosk, pump
from .test_submission_flow import SUBMIT, to_review


def test_network_down_and_up(make_app: Callable[..., App], broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.run(steps(("presence", True), ("network", "down"), ("expect_text", "Mất kết nối mạng"), ("wait", 5)))
    assert sim.app.kiosk.health["network"] == "down", "a cut link stays cut"
    sim.run(steps(("network", "up"), ("expect_no_text", "Mất kết nối mạng")))


def test_province_sets_the_status_of_the_dossier_just_submitted(make_app: Callable[..., App], broker: Broker,
                                                                 gateway: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_GATEWAY_CONFIG", str(gateway))
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    to_review(sim)
    sim.run(steps(*SUBMIT))
    wait_until(lambda: bool(sim.app.kiosk.submissions.last and sim.app.kiosk.submissions.last.record.get(
        "official_code")), step=pump(sim))
    sim.run(steps(("province", 'set-status {code} ready --note "Nhận tại quầy 2"'), ("tap", "Kết thúc")))
    sim.app.stack.reset("lookup")
    code = sim.app.kiosk.submissions.last.record["official_code"]  # type: ignore[union-attr]
    sim.run(steps(("present_qr", code)))
    wait_until(lambda: sim.app.stack.top_name == "status", step=pump(sim))
    sim.run(steps(("expect_text", "Có kết quả"), ("expect_text", "Nhận tại quầy 2")))
    with pytest.raises(StepFailed, match="exited 2"):
        sim.run(steps(("province", "set-status {code} done")))


def test_without_a_broker_both_steps_say_what_they_need(sim: Simulator) -> None:
    with pytest.raises(StepFailed, match="network needs a broker"):
        sim.run(steps(("network", "down")))
    with pytest.raises(StepFailed, match="province needs the run stack"):
        sim.run(steps(("province", "history {code}")))
