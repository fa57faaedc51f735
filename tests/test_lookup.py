"""Looking a dossier up at the kiosk: by the typed short code and by the slip's QR, through a real mosquitto and
the reference gateway (history set by `motcua gateway set-status`); an unknown code, the network down, a
dossier still in this kiosk's outbox, a malformed answer on the wire."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgpack
import pygame

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.runtime.events import MqttMessage, Response
from firmware.services.outbox import OutboxEvent, SlipStub
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .test_link import dossier_events_without_pages, dossiers, kiosk, pump


def until_screen(sim: Simulator, name: str) -> None:
    wait_until(lambda: sim.app.stack.top_name == name, step=pump(sim))
    sim.settle(2)


def look_up(sim: Simulator, digits: str) -> None:
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Tra cứu hồ sơ"), ("tap", "Nhập mã hồ sơ"), ("type", digits), ("tap", "Tra cứu")))


def test_a_dossier_looked_up_by_short_code_and_by_slip_qr_shows_its_steps(
        make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.app.outbox.commit(dossier_events_without_pages(1))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    (filed,) = dossiers(gateway)
    official, short = filed["code"], filed["code"].split("-", 1)[1].replace("-", "")
    result = subprocess.run([sys.executable, "-m", "firmware", "gateway", "set-status", official, "need_more",
                             "--documents", "Giấy chứng sinh bản chính", "--note", "Bản chụp bị mờ",
                             "--config", str(gateway)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    look_up(sim, short)
    until_screen(sim, "status")
    sim.run(steps(("expect_text", official), ("expect_text", "Cần bổ sung giấy tờ"),
                  ("expect_text", "Giấy chứng sinh bản chính"), ("expect_text", "Đã tiếp nhận")))
    sim.run(steps(("tap", "Quay lại"), ("expect_screen", "lookup"), ("tap", "Quay lại"),
                  ("expect_text", "Nhập mã hồ sơ")))
    sim.run(steps(("present_qr", official)))  # the slip's QR to the camera
    until_screen(sim, "status")
    sim.run(steps(("expect_text", "Bản chụp bị mờ")))

    other = f"261124{int(short[-4:]) % 9999 + 1:04d}"  # a code nobody was given
    look_up(sim, other)
    wait_until(lambda: any(f"Không tìm thấy hồ sơ «261124-{other[-4:]}»" in t for t in sim.app.loop.canvas.drawn),
               step=pump(sim))
    assert sim.app.stack.top_name == "lookup"

    broker.stop()
    wait_until(lambda: sim.app.kiosk.health["network"] == "down", step=pump(sim))
    look_up(sim, short)
    sim.run(steps(("expect_text", "Không kết nối được với hệ thống"), ("expect_screen", "lookup")))


def test_a_dossier_still_in_the_outbox_is_being_sent_not_an_error(sim: Simulator) -> None:
    sim.app.outbox.commit([OutboxEvent("dossier", {"receipt_code": "kiosk-sim-01-261124-0007"},
                                       "2026-11-24T10:00:00+07:00", id="d7")],
                          SlipStub("kiosk-sim-01-261124-0007", "d7", "1.001193", "Đăng ký khai sinh",
                                   "2026-11-24T10:00:00+07:00", "2026-11-27"))
    sim.app.stack.reset("lookup")
    sim.run(steps(("present_qr", "kiosk-sim-01-261124-0007"), ("expect_screen", "status"),
                  ("expect_text", "Đang gửi"), ("expect_text", "kiosk-sim-01-261124-0007")))


def test_without_a_link_the_citizen_is_told_at_once(sim: Simulator) -> None:
    look_up(sim, "2611240001")
    sim.run(steps(("expect_text", "Không kết nối được với hệ thống"), ("expect_no_text", "Đang tra cứu")))


def test_a_malformed_answer_is_no_answer_never_a_crash(make_app: Callable[..., App], broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    requests = sim.app.requests
    assert requests is not None
    look_up(sim, "2611240001")
    (correlation,) = requests.pending  # no gateway is running: the request waits
    bad = {"found": True, "code": ["not", "text"], "history": "x"}
    requests.on_response(MqttMessage("res", msgpack.packb(bad), "res", correlation))
    sim.settle(3)
    handled = [e for e in sim.app.loop.handled_events if isinstance(e, Response)]
    assert handled and handled[-1].outcome == "malformed"
    sim.run(steps(("expect_text", "Không kết nối được với hệ thống"), ("expect_screen", "lookup")))
    assert sim.app.loop.running


def test_a_lookup_with_no_answer_times_out_plainly(make_app: Callable[..., App], broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    look_up(sim, "2611240001")
    sim.run(steps(("expect_text", "Đang tra cứu"), ("wait", 11), ("expect_text", "Không kết nối được với hệ thống")))


def test_a_key_held_while_a_device_changes_state_still_counts(sim: Simulator) -> None:
    """A device or the link may report a new state between a finger's down and up (the screen lays itself out
    again for the banner); the key under the finger must still type (CI once lost a digit this way)."""
    sim.app.stack.reset("home")
    sim.run(steps(("tap", "Tra cứu hồ sơ"), ("tap", "Nhập mã hồ sơ"), ("type", "26112")))
    screen = sim.app.stack.top
    assert screen is not None
    (pos,) = screen.locate("4")
    sim.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
    sim.app.kiosk.health.set("camera", "absent", "a test unplugged it")
    sim.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)])
    assert getattr(sim.app.stack.top, "digits", None) == "261124"
