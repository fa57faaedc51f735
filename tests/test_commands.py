"""Signed operator commands: every kind of refusal, and `motcua ops send` against a kiosk over the province's
TLS broker (notice, out of service and back, a doctor report, a replay)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import msgpack
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.app.compose import App, build
from firmware.app.sim import Simulator
from firmware.common.commands import Rejected, sign, verify
from firmware.runtime.clock import VirtualClock
from firmware.runtime.config import parse
from firmware.runtime.events import MqttMessage
from firmware.services.commands import CommandService

from .conftest import REPO, steps, wait_until
from .secure_stack import SecureStack
from .test_link import pump

NOW = datetime.fromisoformat("2026-12-06T09:00:00+07:00")


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def refusal(key: Ed25519PrivateKey, payload: bytes, now: datetime = NOW) -> str:
    with pytest.raises(Rejected) as caught:
        verify(key.public_key(), payload, "hn", "kiosk-a", now)
    return caught.value.kind


def test_every_kind_of_bad_command_is_refused(key: Ed25519PrivateKey) -> None:
    _, good = sign(key, "hn", "kiosk-a", "notice", {"text": "Chiều nay nghỉ"}, NOW)
    assert verify(key.public_key(), good, "hn", "kiosk-a", NOW)["args"] == {"text": "Chiều nay nghỉ"}
    outer = msgpack.unpackb(good)
    assert refusal(key, b"\xc1junk") == "malformed"
    assert refusal(key, msgpack.packb({"body": outer["body"]})) == "unsigned"
    assert refusal(key, sign(Ed25519PrivateKey.generate(), "hn", "kiosk-a", "report", {}, NOW)[1]) == "bad_signature"
    forged = bytearray(outer["body"])
    forged[-3] ^= 1
    assert refusal(key, msgpack.packb({"body": bytes(forged), "sig": outer["sig"]})) == "bad_signature"
    assert refusal(key, sign(key, "hn", "kiosk-b", "report", {}, NOW)[1]) == "other_kiosk"
    assert refusal(key, sign(key, "bn", "kiosk-a", "report", {}, NOW)[1]) == "other_kiosk"
    assert refusal(key, good, NOW + timedelta(minutes=11)) == "expired"
    assert refusal(key, good, NOW - timedelta(minutes=6)) == "expired"  # issued in the kiosk's future
    assert refusal(key, sign(key, "hn", "kiosk-a", "report", {}, NOW, timedelta(days=2))[1]) == "malformed"
    assert refusal(key, sign(key, "hn", "kiosk-a", "notice", {}, NOW)[1]) == "malformed"
    assert refusal(key, sign(key, "hn", "kiosk-a", "notice", {"text": "x" * 161}, NOW)[1]) == "malformed"
    assert refusal(key, sign(key, "hn", "kiosk-a", "reboot", {}, NOW)[1]) == "malformed"
    with pytest.raises(Rejected, match="no_key"):
        verify(None, good, "hn", "kiosk-a", NOW)


def ops_send(config: Path, sim: Simulator, *words: str) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen([sys.executable, "-m", "firmware", "ops", "--config", str(config), "--wait", "20",
                                "send", "kiosk-a", *words], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    wait_until(lambda: process.poll() is not None, 40, step=pump(sim))
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def kiosk_now(secure: SecureStack, tmp_path: Path) -> Iterator[App]:
    """Kiosk A with a virtual clock that starts at the real time: `motcua ops send` signs with the real time."""
    app = build(parse(secure.kiosk_config("kiosk-a")), clock=VirtualClock(start=datetime.now().astimezone()),
                headless=True, outbox_path=str(tmp_path / "outbox.db"))
    yield app
    app.close()


def test_ops_send_runs_signed_commands_and_a_replay_is_refused(kiosk_now: App, secure: SecureStack,
                                                               secure_gateway: Path) -> None:
    app = kiosk_now
    sim = Simulator(app)
    wait_until(lambda: app.kiosk.health["network"] == "up", 30, step=pump(sim))
    sent = ops_send(secure_gateway, sim, "notice", "Chiều nay kiosk nghỉ từ 16:00")
    assert sent.returncode == 0 and "done" in sent.stdout, sent.stderr
    sim.settle(2)
    sim.run(steps(("expect_screen", "attract"), ("expect_text", "Chiều nay kiosk nghỉ từ 16:00")))
    assert ops_send(secure_gateway, sim, "out_of_service", "Bảo trì máy in").returncode == 0
    wait_until(lambda: app.stack.top_name == "out_of_service", 10, step=pump(sim))
    sim.run(steps(("expect_text", "trung tâm điều hành")))
    assert ops_send(secure_gateway, sim, "in_service").returncode == 0
    wait_until(lambda: app.stack.top_name == "attract", 10, step=pump(sim))
    bad = ops_send(secure_gateway, sim, "notice")
    assert bad.returncode == 2 and "needs its text" in bad.stderr

    # a replay: the same signed bytes again, as someone who recorded them would send them
    from firmware.common.commands import sign as make

    command_id, payload = make(secure.ca.operator_key(), "hn", "kiosk-a", "clear_notice", {}, app.clock.wall())
    watcher = secure.connect("ops")
    secure.subscribe(watcher, "motcua/v1/hn/kiosk-a/reply", "motcua/v1/hn/kiosk-a/doctor")
    assert watcher.client is not None
    for _ in range(2):
        watcher.client.publish("motcua/v1/hn/kiosk-a/cmd", payload, qos=1)
    replies = lambda: [msgpack.unpackb(p) for t, p in watcher.received if t.endswith("/reply")]  # noqa: E731
    wait_until(lambda: len(replies()) == 2, 20, step=pump(sim))
    first, second = replies()
    assert first["id"] == second["id"] == command_id
    assert first["ok"] is True and second == {**second, "ok": False, "rejected": "replayed"}
    assert app.kiosk.notice == ""
    watcher.client.publish("motcua/v1/hn/kiosk-a/cmd", msgpack.packb({"body": b"x"}), qos=1)  # unsigned
    wait_until(lambda: len(replies()) == 3, 20, step=pump(sim))
    assert replies()[2]["rejected"] == "unsigned"
    commands = app.telemetry.collect(0.0)["commands"]  # type: ignore[union-attr]
    assert commands["rejected"] == {"replayed": 1, "unsigned": 1}  # type: ignore[index]

    watcher.close()  # `ops send` connects as `ops` too: one client id per certificate

    assert ops_send(secure_gateway, sim, "report").returncode == 0
    watcher = secure.connect("ops")
    secure.subscribe(watcher, "motcua/v1/hn/kiosk-a/doctor")  # retained: there when it is done
    wait_until(lambda: any(t.endswith("/doctor") for t, _ in watcher.received), 60, step=pump(sim))
    report = json.loads(next(p for t, p in watcher.received if t.endswith("/doctor")))
    checks = {finding["check"]: finding["result"] for finding in report["findings"]}
    assert checks["broker"] == "ok" and checks["network"] == "ok" and checks["printer"] == "ok", checks
    assert "camera" not in checks or checks["camera"] != "fail", "the kiosk's own camera is not probed again"
    assert "font" not in checks, "FreeType is not thread-safe: the glyphs are not checked while the loop draws"


def service_on(app: App, key: Ed25519PrivateKey, replies: list[dict]) -> CommandService:  # type: ignore[type-arg]
    def publish(leaf: str, payload: bytes | str, qos: int, retain: bool) -> int:
        replies.append(msgpack.unpackb(payload))
        return 1
    return CommandService(app.config, key.public_key(), app.outbox, app.kiosk, app.clock.wall, publish,
                          lambda: "v1", lambda: "built-in", lambda: [])


def test_out_of_service_waits_for_the_citizen_and_outlives_a_restart(make_app: Callable[..., App],
                                                                     key: Ed25519PrivateKey) -> None:
    app = make_app()
    sim = Simulator(app)
    sim.settle()
    replies: list[dict] = []  # type: ignore[type-arg]
    service = service_on(app, key, replies)
    command = lambda name, **args: MqttMessage("cmd", sign(  # noqa: E731
        key, app.config.kiosk.province_code, app.config.kiosk.id, name, args, app.clock.wall())[1])
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ")))
    service.on_cmd(command("out_of_service", reason="Bảo trì máy in"))
    service.on_cmd(command("notice", text="Chiều nay nghỉ từ 16:00"))
    assert [r["ok"] for r in replies] == [True, True] and "once the citizen" in replies[0]["detail"]
    service.tick(0.0)
    sim.settle(1)
    assert app.stack.top_name != "out_of_service", "the citizen at the kiosk finishes first"
    sim.run(steps(("presence", False)))
    sim.run(steps(("wait", 200), ("expect_screen", "attract")))  # the visit times out
    service.tick(0.0)
    sim.settle(1)
    assert app.stack.top_name == "out_of_service"

    app.kiosk.notice = ""
    app.kiosk.nav.reset("attract")
    sim.settle(1)
    restarted = service_on(app, key, replies)  # a power cut: the state comes back from the outbox
    assert app.kiosk.notice == "Chiều nay nghỉ từ 16:00" and restarted.out_of_service == "Bảo trì máy in"
    restarted.tick(0.0)
    sim.settle(1)
    assert app.stack.top_name == "out_of_service"
    restarted.on_cmd(command("in_service"))
    restarted.on_cmd(command("clear_notice"))
    sim.settle(1)
    assert app.stack.top_name == "attract" and app.kiosk.notice == ""
    assert service_on(app, key, replies).out_of_service is None and app.kiosk.notice == ""
