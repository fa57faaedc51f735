"""No bad message takes the gateway down: each is checked against its kind's schema, quarantined, counted and
acknowledged; the next good one is stored as usual. A broker that is down at start is waited for."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
import paho.mqtt.subscribe as subscribe
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.protocol import Envelope
from province.broker import Broker, free_port
from province.db import Db, dialect
from province.gateway import Gateway, load_gateway_config
from tests.conftest import REPO, wait_until
from tests.test_link import gateway_config

KIOSK = "motcua/v1/hn/kiosk-x"
GOOD_DOSSIER: dict[str, Any] = {
    "receipt_code": "kiosk-x-261124-0001", "received_at": "2026-11-24T10:00:00+07:00",
    "procedure": {"code": "1.004194", "name": "Đăng ký khai sinh", "working_days": 3}, "pages": [],
    "due_date": "2026-11-27"}


def dossier_with(**changes: Any) -> dict[str, Any]:
    return {**GOOD_DOSSIER, **changes}


def envelope(kind: str, body: Any, **fields: Any) -> bytes:
    data = {"id": uuid.uuid4().hex, "seq": 1, "ts": "2026-11-24T10:00:00+07:00", "kind": kind, "synced": True,
            "body": body, **fields}
    return msgpack.packb(data, use_bin_type=True)


# Every way found so far that killed the gateway, and a few more of each class.
POISON = {
    "seq too large": envelope("usage", {"n": 1}, seq=2**64 - 1),
    "seq negative": envelope("usage", {"n": 1}, seq=-1),
    "seq a string": envelope("usage", {"n": 1}, seq="1"),
    "pages a number": envelope("dossier", dossier_with(pages=3)),
    "pages a string": envelope("dossier", dossier_with(pages="abc")),
    "pages a map": envelope("dossier", dossier_with(pages={"a": 1})),
    "page sha256 a list": envelope("dossier", dossier_with(pages=[{"sha256": ["x"], "bytes": 1}])),
    "received_at not a time": envelope("dossier", dossier_with(received_at="yesterday")),
    "received_at a number": envelope("dossier", dossier_with(received_at=20261124)),
    "working_days a string": envelope("dossier", dossier_with(procedure={"working_days": "3"})),
    "working_days a list": envelope("dossier", dossier_with(procedure={"working_days": [3]})),
    "working_days a million": envelope("dossier", dossier_with(procedure={"working_days": 10**6}), synced=False),
    "working_days negative": envelope("dossier", dossier_with(procedure={"working_days": -5})),
    "receipt_code a list": envelope("dossier", dossier_with(receipt_code=["a"])),
    "due_date a map": envelope("dossier", dossier_with(due_date={"y": 2026})),
    "bytes inside procedure": envelope("dossier", dossier_with(procedure={"name": b"\xff\x00"})),
    "body a list": envelope("rating", [1, 2]),
    "unknown kind": envelope("telemetry", {}),
    "part without data": envelope("part", {"dossier_id": "d", "sha256": "0" * 64}),
    "deep nesting": envelope("usage", {"a": [[[[[[[[[[[[1]]]]]]]]]]]]}),
    "not msgpack": b"\xc1\xc1\xc1",
    "not a map": msgpack.packb([1, 2, 3]),
}


@pytest.fixture
def gateway(tmp_path: Path, broker: Broker, store_location: str) -> Iterator[Gateway]:
    running = Gateway(load_gateway_config(gateway_config(tmp_path, broker, store_location)))
    running.start()
    wait_until(running.ready.is_set, seconds=10)
    yield running
    running.stop()


class Probe:
    """A kiosk's side of the broker, in raw MQTT: publishes what it is told, keeps the acks and answers it gets."""

    def __init__(self, port: int) -> None:
        self.acks: list[list[str]] = []
        self.answers: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="probe",
                                  protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(f"{KIOSK}/ack", qos=1)
        self.client.subscribe(f"{KIOSK}/res", qos=1)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        data = msgpack.unpackb(message.payload)
        with self.lock:
            (self.acks.append(data["ids"]) if message.topic.endswith("/ack") else self.answers.append(data))

    def acked(self) -> int:
        """Event ids acknowledged so far (a batch's ids share one ack message)."""
        with self.lock:
            return sum(len(ids) for ids in self.acks)

    def publish(self, leaf: str, payload: bytes, response_topic: str | None = None) -> None:
        properties = None
        if response_topic is not None:
            properties = Properties(PacketTypes.PUBLISH)
            properties.ResponseTopic = response_topic
            properties.CorrelationData = b"c"
        self.client.publish(f"{KIOSK}/{leaf}", payload, qos=1, properties=properties).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_no_bad_event_takes_the_gateway_down(gateway: Gateway, broker: Broker) -> None:
    probe = Probe(broker.port)
    try:
        for payload in POISON.values():
            probe.publish("evt/dossier", payload)
        wait_until(lambda: gateway.counts["quarantined"] == len(POISON), seconds=20)
        good = Envelope(uuid.uuid4().hex, 7, "2026-11-24T10:00:00+07:00", "dossier", GOOD_DOSSIER).pack()
        probe.publish("evt/dossier", good)
        wait_until(lambda: gateway.counts["handled"] == 1, seconds=20)
        with_ids = len(POISON) - 2  # "not msgpack" and "not a map" carry no id to acknowledge
        wait_until(lambda: probe.acked() == with_ids + 1, seconds=20)  # in as many acks as batches
    finally:
        probe.close()
    assert gateway.counts["errors"] == 0 and gateway.counts["store_errors"] == 0
    assert gateway.client._thread is not None and gateway.client._thread.is_alive()
    kept = gateway.store.quarantined()
    assert len(kept) == len(POISON) and all(row["kiosk"] == "kiosk-x" and row["reason"] for row in kept)
    reasons = [row["reason"] for row in kept]
    assert "event.seq: 18446744073709551615 is out of range" in reasons[0]
    assert reasons[6].startswith("body.pages[0].sha256: expected a string")
    assert [d["receipt_code"] for d in gateway.store.dossiers()] == ["kiosk-x-261124-0001"]


@pytest.mark.parametrize("topic", ["#", "motcua/v1/hn/+/res", "motcua/v1/hn/kiosk-y/res", ""])
def test_a_lookup_answers_only_the_asking_kiosk(gateway: Gateway, broker: Broker, topic: str) -> None:
    probe = Probe(broker.port)
    try:
        probe.publish("req/lookup", msgpack.packb({"code": "x"}), response_topic=topic)
        probe.publish("req/lookup", msgpack.packb({"code": ["x"]}), response_topic=f"{KIOSK}/res")
        probe.publish("req/lookup", msgpack.packb({"code": "x"}), response_topic=f"{KIOSK}/res")
        wait_until(lambda: len(probe.answers) == 1, seconds=20)
    finally:
        probe.close()
    assert probe.answers == [{"found": False}]
    assert gateway.counts["quarantined"] == 2 and gateway.counts["errors"] == 0


def test_the_store_failing_stops_acks_until_it_works_again(gateway: Gateway, broker: Broker) -> None:
    probe = Probe(broker.port)
    try:
        writes_fail(gateway.store.db, True)  # every write fails, as on a full or broken disk
        first = Envelope(uuid.uuid4().hex, 1, "2026-11-24T10:00:00+07:00", "usage", {"n": 1}).pack()
        probe.publish("evt/usage", first)
        wait_until(lambda: gateway.counts["store_errors"] == 1, seconds=20)
        assert gateway.status()["store"] != "ok" and probe.acks == []
        wait_until(lambda: re.search("read.?only", retained_status(gateway, broker)["store"]) is not None,
                   seconds=20)  # operators see it
        writes_fail(gateway.store.db, False)
        probe.publish("evt/usage", first)  # the kiosk sends it again after its ack timeout
        wait_until(lambda: probe.acked() == 1, seconds=20)
    finally:
        probe.close()
    assert gateway.status()["store"] == "ok"
    wait_until(lambda: retained_status(gateway, broker)["store"] == "ok", seconds=20)


def writes_fail(db: Db, fail: bool) -> None:
    if dialect(db) == "sqlite":
        db.execute(f"PRAGMA query_only = {'ON' if fail else 'OFF'}")
    else:
        db.execute(f"SET default_transaction_read_only = {'on' if fail else 'off'}")


def retained_status(gateway: Gateway, broker: Broker) -> dict[str, Any]:
    topic = f"motcua/v1/{gateway.config.province}/gateway/{gateway.config.group}/status"
    message = subscribe.simple(topic, hostname="127.0.0.1", port=broker.port, retained=True, keepalive=5)
    return dict(json.loads(message.payload))  # type: ignore[union-attr]


def test_a_gateway_started_before_its_broker_waits_for_it(tmp_path: Path) -> None:
    port = free_port()
    broker = Broker(tmp_path / "broker", port=port)
    config = tmp_path / "gateway.toml"
    config.write_text(f'[broker]\nport = {port}\n[gateway]\nstore = "{tmp_path / "p.db"}"\n', encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "waiting for the broker" in line, line
        assert process.poll() is None
        broker.start()
        lines: list[str] = []
        while not any("gateway connected" in seen for seen in lines):
            lines.append(process.stderr.readline())
            assert process.poll() is None and len(lines) < 50, lines
    finally:
        process.terminate()
        process.wait(timeout=10)
        broker.stop()


# The newer readers: a `usage` body's typed fields, and the status and availability kept for the report.
BAD_VISITS = {
    "duration a string": {"duration_s": "long"},
    "duration a day and more": {"duration_s": 10**6},
    "woken by a robot": {"woken_by": "robot"},
    "screens a string": {"screens": "home"},
    "a screen not a name": {"screens": ["../etc"]},
    "outcome unknown": {"outcome": "won"},
    "outcomes a map": {"outcomes": {"a": 1}},
    "started not a time": {"started": "this morning"},
    "staff_called a string": {"staff_called": "yes"},
}
BAD_STATUS = [b"", b"\xff\xfe", b"[1, 2]", b'{"state": 5}', b'{"state": "running", "outbox_backlog": "many"}',
              b'{"state": "running", "outbox_backlog": -1}', b"{" * 5000]
BAD_AVAILABILITY = [b"", b"maybe", b"\xff" * 100, b"online" * 1000]


def test_bad_visits_are_quarantined_and_bad_fleet_messages_ignored(gateway: Gateway, broker: Broker) -> None:
    probe = Probe(broker.port)
    try:
        for body in BAD_VISITS.values():
            probe.publish("evt/usage", envelope("usage", body))
        wait_until(lambda: gateway.counts["quarantined"] == len(BAD_VISITS), seconds=20)
        for payload in BAD_STATUS:
            probe.publish("status", payload)
        for payload in BAD_AVAILABILITY:
            probe.publish("availability", payload)
        probe.publish("availability", b"online")
        probe.publish("status", b'{"state": "running", "outbox_backlog": 4, "outbox_oldest_age_s": 9}')
        db = gateway.store.db
        wait_until(lambda: db.execute("SELECT COUNT(*) FROM backlog_samples").fetchone()[0] == 1, seconds=20)
        wait_until(lambda: probe.acked() == len(BAD_VISITS), seconds=20)
    finally:
        probe.close()
    assert db.execute("SELECT kiosk, backlog, oldest_age_s FROM backlog_samples").fetchall() == [("kiosk-x", 4, 9)]
    assert db.execute("SELECT kiosk, state FROM availability").fetchall() == [("kiosk-x", "online")]
    assert gateway.counts["errors"] == 0 and gateway.store.count("usage") == 0
    assert gateway.client._thread is not None and gateway.client._thread.is_alive()
