"""Kiosk to province over a real mosquitto: outbox sending, gateway store, acks, faults."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common import catalog_message
from firmware.services.outbox import OutboxEvent
from hw.qr import make_decoder
from province.broker import Broker

from .conftest import REPO, gateway_config, steps, store_in, wait_until

PAGE = str(REPO / "firmware" / "demo" / "giay_chung_sinh.png")
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def kiosk(make_app: Callable[..., App], broker: Broker, kiosk_id: str = "kiosk-sim-01") -> Simulator:
    """A simulated kiosk on the test broker; two at once need two ids (one client id each, or they kick each other)."""
    app = make_app(f'[kiosk]\nid = "{kiosk_id}"\n'
                   f"[mqtt]\nenabled = true\nport = {broker.port}\nbackoff_max_s = 2\nack_timeout_s = 3\n")
    sim = Simulator(app)
    sim.settle()
    return sim


def pump(sim: Simulator) -> Callable[[], None]:
    def step() -> None:
        sim.app.clock.advance(0.1)  # type: ignore[attr-defined]
        sim.app.loop.step([])
    return step


def dossiers(config: Path) -> list[dict]:  # type: ignore[type-arg]
    result = subprocess.run([sys.executable, "-m", "firmware", "gateway", "dossiers", "--json", "--config",
                             str(config)], capture_output=True, text=True, cwd=REPO, timeout=60)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_five_page_dossier_reaches_the_gateway_and_is_acknowledged(make_app: Callable[..., App], broker: Broker,
                                                                      gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
                  ("tap", "Bắt đầu"), ("type", "An"), ("tap", "Tiếp tục"), ("type", "05112026"),
                  ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", PAGE),
                  ("expect_screen", "review"), ("tap", "Giấy chứng sinh (bản chính)")))
    for _ in range(4):
        sim.run(steps(("tap", "Thêm trang"), ("insert_document", PAGE)))
    sim.run(steps(("expect_text", "Đã quét 5 trang"), ("tap", "Tiếp tục"), ("tap", "Tôi đồng ý"),
                  ("tap", "Nộp hồ sơ"), ("expect_screen", "done")))
    record = sim.app.kiosk.submissions.last.record  # type: ignore[union-attr]
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    (stored,) = dossiers(gateway)
    official = stored["code"]
    assert stored["receipt_code"] == record["receipt_code"] and re.fullmatch(r"000\.00\.20\.H26-261124-\d{4}", official)
    assert [p["sha256"] for p in stored["pages"]] == [p["sha256"] for p in record["pages"]]
    assert len(stored["pages"]) == 5
    stub = sim.app.outbox.stub(record["receipt_code"])
    assert stub is not None and stub.official_code == official
    # the ack came while the citizen was on `done`: the screen and the slip show the official code
    sim.run(steps(("expect_text", official)))
    sim.wait_for(lambda: sim.app.printing.last_slip_code == record["receipt_code"], "no slip")
    sim.wait_for(lambda: not sim.app.outbox.unprinted_stubs(), "slip not printed")
    slip = np.asarray(sim.app.printing.last_slip.convert("L"))  # type: ignore[union-attr]
    assert [c.text for c in make_decoder("zxing").decode(slip)] == [official]


def test_broker_restart_mid_stream_stores_every_event_once(make_app: Callable[..., App], broker: Broker,
                                                           gateway: Path, tmp_path: Path) -> None:
    sim = kiosk(make_app, broker)
    sim.app.outbox.commit([OutboxEvent("usage", {"n": n}, "2026-11-24T09:30:00+07:00") for n in range(20)])
    wait_until(lambda: sim.app.sender.acked >= 5, step=pump(sim))  # type: ignore[union-attr]
    broker.stop()
    wait_until(lambda: sim.app.kiosk.health["network"] == "down", step=pump(sim))
    broker.start()
    wait_until(lambda: sim.app.outbox.backlog() == 0, seconds=40, step=pump(sim))
    from province.store import Store

    store = Store(store_in(tmp_path), "x")
    assert store.count("usage") == 20
    store.close()


def test_malformed_messages_are_dropped_and_both_sides_keep_running(make_app: Callable[..., App], broker: Broker,
                                                                    gateway: Path, tmp_path: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    read_by_either_side = ["evt/dossier", "evt/part", "evt/usage", "req/lookup", "ack", "res", "cmd"]
    for payload in (b"\xc1\xff garbage", b"\x93\x01\x02\x03", b"x" * 1_600_000):
        for leaf in read_by_either_side:
            client.publish(f"motcua/v1/hn/kiosk-sim-01/{leaf}", payload, qos=1).wait_for_publish(5)
        client.publish("homeassistant/status", payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()
    wait_until(lambda: sim.app.sender.dropped_messages >= 2, step=pump(sim))  # type: ignore[union-attr]
    sim.app.outbox.commit([OutboxEvent("rating", {"stars": 5}, "2026-11-24T09:30:00+07:00")])
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))


def test_refused_authentication_is_reported_and_retried_slowly(make_app: Callable[..., App], tmp_path: Path) -> None:
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "province", "secret"], check=True,
                   capture_output=True)
    closed = Broker(tmp_path / "closed", password_file=passwords).start()
    try:
        sim = kiosk(make_app, closed)
        wait_until(lambda: sim.app.link.state == "refused", step=pump(sim))  # type: ignore[union-attr]
        link = sim.app.link
        assert link is not None and link.refused
        assert sim.app.status(0)["link"]["state"] == "refused"
        wait_until(lambda: sim.app.kiosk.health["network"] == "refused", step=pump(sim))
        # It keeps trying, at the slowest pace (backoff_max_s = 2 here): a broker's brief auth outage must not
        # leave the fleet offline until someone restarts every kiosk.
        wait_until(lambda: len(link.delays) >= 1, seconds=10)
        assert all(1.0 <= d <= 2.0 for d in link.delays)
    finally:
        closed.stop()


def _port_open(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_gateway(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                            stderr=subprocess.DEVNULL, text=True)


def kiosk_config(tmp_path: Path, broker: Broker) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[outbox]\npath = "{tmp_path / "kiosk-outbox.db"}"\n[mqtt]\nenabled = true\n'
                    f"port = {broker.port}\nbackoff_max_s = 2\nack_timeout_s = 2\nwindow = 4\n", encoding="utf-8")
    return path


def test_kiosk_killed_with_events_pending_sends_them_all_once_after_restart(broker: Broker, gateway: Path,
                                                                             tmp_path: Path) -> None:
    config = kiosk_config(tmp_path, broker)
    first = subprocess.run([sys.executable, "-m", "tests.kiosk_proc", str(config), "20", "3"], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == -9, first.stderr
    second = subprocess.run([sys.executable, "-m", "tests.kiosk_proc", str(config), "0", "0"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    from province.store import Store

    store = Store(store_in(tmp_path), "x")
    assert store.count("usage") == 20
    store.close()


@contextmanager
def two_gateways(config: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Two gateway processes sharing the province's subscription, killed at the end whatever happened."""
    gateways = [start_gateway(config), start_gateway(config)]
    try:
        yield gateways
    finally:
        for process in gateways:
            process.kill()
            process.wait(timeout=10)


def dossier_events_without_pages(count: int) -> list[OutboxEvent]:
    return [OutboxEvent("dossier", {"receipt_code": f"kiosk-sim-01-261124-{n:04d}", "received_at":
                                    "2026-11-24T10:00:00+07:00", "procedure": {"code": "1.004194"}, "pages": [],
                                    "due_date": "2026-11-27"}, "2026-11-24T10:00:00+07:00") for n in range(count)]


def test_two_gateways_give_unique_gap_free_codes(make_app: Callable[..., App], broker: Broker,
                                                 tmp_path: Path, store_location: str) -> None:
    config = gateway_config(tmp_path, broker, store_location)
    with two_gateways(config):
        sim = kiosk(make_app, broker)
        sim.app.outbox.commit(dossier_events_without_pages(40))
        wait_until(lambda: sim.app.outbox.backlog() == 0, seconds=60, step=pump(sim))
        codes = {d["code"] for d in dossiers(config)}
        assert len(codes) == 40 and all(re.fullmatch(r"000\.00\.20\.H26-261124-\d{4}", c) for c in codes)
        from province.store import Store

        store = Store(store_in(tmp_path), "000.00.20.H26")
        try:  # gap-free: the counter behind the (scrambled) codes went 1..40
            assert store.db.execute("SELECT last FROM counters").fetchall() == [(40,)]
        finally:
            store.close()


def test_one_of_two_gateways_killed_mid_stream_loses_nothing(make_app: Callable[..., App], broker: Broker,
                                                             tmp_path: Path, store_location: str) -> None:
    config = gateway_config(tmp_path, broker, store_location)
    with two_gateways(config) as gateways:
        sim = kiosk(make_app, broker)
        sim.app.outbox.commit([OutboxEvent("usage", {"n": n}, "2026-11-24T09:30:00+07:00") for n in range(60)])
        wait_until(lambda: sim.app.sender.acked >= 10, step=pump(sim))  # type: ignore[union-attr]
        gateways[0].kill()
        wait_until(lambda: sim.app.outbox.backlog() == 0, seconds=60, step=pump(sim))
        from province.store import Store

        store = Store(store_in(tmp_path), "x")
        assert store.count("usage") == 60
        store.close()


def ops_once(config: Path) -> list[dict]:  # type: ignore[type-arg]
    result = subprocess.run([sys.executable, "-m", "firmware", "ops", "--once", "--json", "--config", str(config)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_status_discovery_and_the_ops_view(make_app: Callable[..., App], broker: Broker, tmp_path: Path) -> None:
    config = gateway_config(tmp_path, broker)
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    wait_until(lambda: sim.app.telemetry is not None and sim.app.telemetry.published > 0, step=pump(sim))
    (row,) = ops_once(config)
    assert row["kiosk"] == "kiosk-sim-01" and row["state"] == "online" and row["backlog"] == 0
    assert row["packages_pending"] == []
    telemetry = sim.app.telemetry
    assert telemetry is not None
    before = telemetry.published
    (sim.app.outbox.path.parent / "apt-pending").write_text("python3-picamera2\n")  # as first boot leaves it
    wait_until(lambda: telemetry.published > before, step=pump(sim))
    (row,) = ops_once(config)
    assert row["packages_pending"] == ["python3-picamera2"], "staff see why the camera is off"
    seen: dict[str, bytes] = {}
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: seen.__setitem__(m.topic, bytes(m.payload))
    client.connect("127.0.0.1", broker.port)
    client.subscribe("homeassistant/#")
    client.loop_start()
    wait_until(lambda: "homeassistant/sensor/kiosk-sim-01/printer/config" in seen)
    client.loop_stop()
    client.disconnect()
    discovery = json.loads(seen["homeassistant/sensor/kiosk-sim-01/printer/config"])
    assert discovery["availability_topic"] == "motcua/v1/hn/kiosk-sim-01/availability"
    sim.app.close()  # a clean stop: offline, and the status says stopped
    (row,) = ops_once(config)
    assert row["state"] == "offline"


def test_lookup_request_and_response(make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.app.outbox.commit(dossier_events_without_pages(1))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    requests = sim.app.requests
    assert requests is not None
    found = requests.send("lookup", {"code": "kiosk-sim-01-261124-0000"}, sim.app.clock.now())
    missing = requests.send("lookup", {"code": "nothing-here"}, sim.app.clock.now())
    answers = lambda: {e.data["correlation"]: e.data for e in sim.app.loop.handled_events  # noqa: E731
                       if e.kind == "response"}
    wait_until(lambda: found in answers() and missing in answers(), step=pump(sim))
    assert re.fullmatch(r"000\.00\.20\.H26-261124-\d{4}", answers()[found]["body"]["code"])
    assert answers()[missing]["body"] == {"found": False}
    broker.stop()
    wait_until(lambda: sim.app.link.state == "down", step=pump(sim))  # type: ignore[union-attr]
    assert requests.send("lookup", {"code": "x"}, sim.app.clock.now()) is None


def test_the_gateway_publishes_catalog_and_calendar_retained(broker: Broker, gateway: Path) -> None:
    import msgpack

    seen: dict[str, bytes] = {}
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: seen.__setitem__(m.topic, bytes(m.payload))
    client.connect("127.0.0.1", broker.port)
    client.subscribe([("motcua/v1/hn/+", 1), ("motcua/v1/hn/catalog/+", 1)])
    client.loop_start()
    wait_until(lambda: {"motcua/v1/hn/catalog", "motcua/v1/hn/catalog/0", "motcua/v1/hn/calendar"} <= set(seen))
    client.loop_stop()
    client.disconnect()
    parts = {int(topic.rsplit("/", 1)[1]): data for topic, data in seen.items() if "/catalog/" in topic}
    catalog = catalog_message.unpack(seen["motcua/v1/hn/catalog"], parts)
    assert catalog["version"] == "2026.11.1" and len(catalog["procedures"]) >= 8
    assert msgpack.unpackb(seen["motcua/v1/hn/calendar"])["days_off"] == []


def test_an_unsynchronised_kiosk_gets_its_due_date_from_the_province(tmp_path: Path) -> None:
    from datetime import datetime

    from firmware.common.protocol import Envelope
    from province.store import Store

    store = Store(tmp_path / "p.db", "000.00.20.H26")
    record: dict[str, Any] = {"receipt_code": "k-1", "received_at": "2020-01-01T10:00:00+07:00", "pages": [],
              "procedure": {"working_days": 3}, "due_date": None}
    arrived = datetime.fromisoformat("2026-11-25T10:00:00+07:00")
    outcome = store.handle("hn", "k", Envelope("d1", 1, "2020-01-01T10:00:00+07:00", "dossier", record, False),
                           arrived)
    assert outcome.official["d1"]["due_date"] == "2026-11-30"
    assert re.fullmatch(r"000\.00\.20\.H26-261125-\d{4}", outcome.official["d1"]["code"])


def test_after_the_ack_no_personal_data_is_left_in_any_file_of_the_data_directory(
        make_app: Callable[..., App], broker: Broker, gateway: Path) -> None:
    markers = ["Trần Thị Quỳnh Giao", "079303009876", "Số 17 ngõ Quỳnh Mai", "giấy khai sinh của bé Mận"]
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    record = {"receipt_code": "kiosk-sim-01-261124-0001", "received_at": "2026-11-24T10:00:00+07:00",
              "procedure": {"code": "1.004194"}, "pages": [], "due_date": "2026-11-27",
              "identity": {"full_name": markers[0], "id_number": markers[1], "address": markers[2]},
              "answers": {"note": markers[3] * 200}}
    sim.app.outbox.commit([OutboxEvent("dossier", record, "2026-11-24T10:00:00+07:00")])
    folder = sim.app.outbox.path.parent
    before = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    assert all(m.encode() in before for m in markers), "the markers were on disk before the ack"
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    # the kiosk is still running, its database still open
    for path in folder.iterdir():
        if path.is_file():
            raw = path.read_bytes()
            assert not [m for m in markers if m.encode() in raw], path.name
