"""The path to the province on loopback: durable outbox commits, a 5-page dossier from commit to ack, gateway
throughput with 1 and 2 processes, and the broker's raw rate measured in the same run as the reference."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from firmware.app.compose import build  # noqa: E402
from firmware.common.protocol import Envelope  # noqa: E402
from firmware.rules.pages import page_from_image  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import parse  # noqa: E402
from firmware.services.dossier import dossier_events  # noqa: E402
from firmware.services.outbox import Outbox, OutboxEvent  # noqa: E402
from province.broker import Broker  # noqa: E402
from province.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "firmware" / "demo" / "giay_chung_sinh.png"
MESSAGES = 3000


def _client(port: int) -> mqtt.Client:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def outbox_events_per_s(directory: Path) -> float:
    box = Outbox(directory / "rate.db")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 2.0:
        box.commit([OutboxEvent("usage", {"n": count}, "2026-11-24T09:30:00+07:00")])
        count += 1
    rate = count / (time.perf_counter() - started)
    box.close()
    return rate


def broker_raw_msgs_per_s(port: int) -> float:
    received = threading.Event()
    counter = {"n": 0}

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        counter["n"] += 1
        if counter["n"] == MESSAGES:
            received.set()

    subscriber = _client(port)
    subscriber.on_message = on_message
    subscriber.subscribe("bench/raw", qos=1)
    time.sleep(0.3)  # let the subscription settle before timing
    publisher = _client(port)
    payload = b"x" * 200
    started = time.perf_counter()
    for _ in range(MESSAGES):
        publisher.publish("bench/raw", payload, qos=1)
    assert received.wait(60), "the broker did not deliver every message"
    rate = MESSAGES / (time.perf_counter() - started)
    for client in (publisher, subscriber):
        client.loop_stop()
        client.disconnect()
    return rate


def gateway_events_per_s(port: int, directory: Path, processes: int) -> float:
    store_path = directory / f"province-{processes}.db"
    config = directory / f"gateway-{processes}.toml"
    config.write_text(f'[broker]\nport = {port}\n[gateway]\nstore = "{store_path}"\nunit_code = "000.00.20.H26"\n'
                      f'group = "g{processes}"\n')
    gateways = [subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                                 stderr=subprocess.DEVNULL) for _ in range(processes)]
    try:
        time.sleep(1.0)  # let the gateways connect and subscribe before timing
        publisher = _client(port)
        started = time.perf_counter()
        for n in range(MESSAGES):
            envelope = Envelope(uuid.uuid4().hex, n, "2026-11-24T09:30:00+07:00", "usage", {"n": n})
            publisher.publish(f"motcua/v1/hn/bench-{n % 10}/evt/usage", envelope.pack(), qos=1)
        store = Store(store_path, "x")
        while store.count() < MESSAGES:
            assert time.perf_counter() - started < 120, "the gateways did not store every event"
            time.sleep(0.05)
        rate = MESSAGES / (time.perf_counter() - started)
        store.close()
        publisher.loop_stop()
        publisher.disconnect()
        return rate
    finally:
        for gateway in gateways:
            gateway.terminate()
            gateway.wait(timeout=10)


def dossier_e2e_s(port: int, directory: Path) -> float:
    config = directory / "gw-e2e.toml"
    config.write_text(f'[broker]\nport = {port}\n[gateway]\nstore = "{directory / "e2e.db"}"\nunit_code = "X"\n')
    gateway = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                               stderr=subprocess.DEVNULL)
    app = build(parse(f"[mqtt]\nenabled = true\nport = {port}\n"), clock=VirtualClock(), headless=True,
                outbox_path=str(directory / "kiosk.db"))
    try:
        from PIL import Image

        pages = [page_from_image(Image.open(PAGE), "giay", "Giấy", n + 1) for n in range(5)]
        record = {"id": uuid.uuid4().hex, "receipt_code": "kiosk-sim-01-261124-0001", "received_at":
                  "2026-11-24T10:00:00+07:00", "procedure": {"code": "1.004194"}, "due_date": None,
                  "official_code": None, "clock_synced": True, "pages": [p.manifest() for p in pages]}
        deadline = time.monotonic() + 20
        while app.link and app.link.state != "up":
            assert time.monotonic() < deadline, "no connection"
            app.loop.step([])
            app.inbox.wait(0.02)
        time.sleep(0.5)  # the gateway's subscription too
        started = time.perf_counter()
        app.outbox.commit(dossier_events(record, pages))
        while app.outbox.backlog():
            assert time.perf_counter() - started < 30, "the dossier was not acknowledged"
            app.clock.advance(0.05)  # type: ignore[attr-defined]
            app.loop.step([])
            app.inbox.wait(0.005)
        return time.perf_counter() - started
    finally:
        app.close()
        gateway.terminate()
        gateway.wait(timeout=10)


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="motcua-bench-link-") as scratch:
        directory = Path(scratch)
        broker = Broker(directory / "broker").start()
        try:
            return {
                "outbox_events_per_s": round(outbox_events_per_s(directory), 1),
                "broker_raw_msgs_per_s": round(broker_raw_msgs_per_s(broker.port)),
                "gateway_events_per_s_1": round(gateway_events_per_s(broker.port, directory, 1)),
                "gateway_events_per_s_2": round(gateway_events_per_s(broker.port, directory, 2)),
                "dossier_e2e_s": round(dossier_e2e_s(broker.port, directory), 3),
            }
        finally:
            broker.stop()
