"""`motcua ops`: the fleet as operations staff see it, from the retained `availability` and `status` topics.

A kiosk is `online`, `offline` (stopped cleanly: its last status says "stopped") or `crashed` (offline by its
Will while its status still said "running").
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.common import discovery
from firmware.common.protocol import ROOT, BadMessage, parse_kiosk_topic

VIETNAM = timezone(timedelta(hours=7))  # the kiosks' time: "last seen" reads as the staff's clock does
QUIET_S = 0.5  # --once: retained messages have stopped arriving
MAX_WAIT_S = 5.0


@dataclass
class KioskView:
    province: str
    kiosk: str
    availability: str = "unknown"
    status: dict[str, Any] = field(default_factory=dict)
    last_seen: str = ""

    @property
    def state(self) -> str:
        if self.availability == "online":
            return "online"
        if self.availability == "offline":
            return "offline" if self.status.get("state") == "stopped" else "crashed"
        return "unknown"

    def row(self) -> dict[str, Any]:
        s = self.status
        seen = s.get("at") if isinstance(s.get("at"), str) else self.last_seen  # the kiosk's own time, if it said
        return {"kiosk": self.kiosk, "province": self.province, "state": self.state, "last_seen": seen,
                "attention": s.get("attention", []), "tamper": s.get("tamper"), "staff_called": s.get("staff_called"),
                "backlog": s.get("outbox_backlog"), "printer": s.get("printer"),
                "unprinted_slips": s.get("unprinted_slips"), "dossiers_today": s.get("dossiers_today"),
                "sessions_today": s.get("sessions_today"), "link": s.get("link"),
                "packages_pending": s.get("packages_pending", [])}


class Fleet:
    def __init__(self) -> None:
        self.kiosks: dict[tuple[str, str], KioskView] = {}
        self.last_message = time.monotonic()
        self.lock = threading.Lock()

    def take(self, topic: str, payload: bytes) -> None:
        try:
            province, kiosk, leaf = parse_kiosk_topic(topic)
        except BadMessage:
            return
        with self.lock:
            view = self.kiosks.setdefault((province, kiosk), KioskView(province, kiosk))
            view.last_seen = datetime.now(VIETNAM).isoformat(timespec="seconds")
            if leaf == "availability":
                view.availability = payload.decode("utf-8", errors="replace")
            elif leaf == "status":
                try:
                    data = json.loads(payload)
                except ValueError:
                    return
                if isinstance(data, dict):
                    view.status = data
            self.last_message = time.monotonic()

    def rows(self) -> list[dict[str, Any]]:
        with self.lock:
            return [view.row() for _, view in sorted(self.kiosks.items())]


def watch(host: str, port: int, once: bool, show: Any, tls: ssl.SSLContext | None = None) -> Fleet:
    fleet = Fleet()
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if tls is not None:
        client.tls_set_context(tls)
    connected = threading.Event()

    def on_connect(c: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        c.subscribe([(f"{ROOT}/+/+/availability", 1), (f"{ROOT}/+/+/status", 0)])
        connected.set()

    client.on_connect = on_connect
    client.on_message = lambda c, u, message: fleet.take(message.topic, bytes(message.payload))
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        if not connected.wait(MAX_WAIT_S):
            raise ConnectionError(f"no answer from the broker at {host}:{port}")
        started = time.monotonic()
        shown: list[dict[str, Any]] | None = None
        while True:
            time.sleep(0.1)
            quiet = time.monotonic() - max(fleet.last_message, started) >= QUIET_S
            if once and (quiet or time.monotonic() - started > MAX_WAIT_S):
                return fleet
            rows = fleet.rows()
            if not once and rows != shown:  # redrawn only when something changed
                show(rows)
                shown = rows
    finally:
        client.loop_stop()
        client.disconnect()


@contextmanager
def subscribed(host: str, port: int, tls: ssl.SSLContext | None, topics: list[tuple[str, int]],
               on_message: Callable[[mqtt.Client, Any, mqtt.MQTTMessage], None]) -> Iterator[mqtt.Client]:
    """A client of the broker, subscribed (its SUBACK seen) to `topics`; disconnected after."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if tls is not None:
        client.tls_set_context(tls)
    done = threading.Event()
    client.on_connect = lambda c, u, f, r, p: c.subscribe(topics)
    client.on_subscribe = lambda *args: done.set()
    client.on_message = on_message
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        if not done.wait(MAX_WAIT_S):
            raise ConnectionError(f"no answer from the broker at {host}:{port}")
        yield client
    finally:
        client.loop_stop()
        client.disconnect()


def send(host: str, port: int, tls: ssl.SSLContext | None, province: str, kiosk: str, command_id: str,
         payload: bytes, wait_s: float) -> dict[str, Any] | None:
    """Publish a signed command on the kiosk's `cmd` and wait for its answer on `reply` (None: no answer)."""
    answers: list[dict[str, Any]] = []
    got = threading.Event()
    root = f"{ROOT}/{province}/{kiosk}"

    def on_message(c: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            answer = msgpack.unpackb(bytes(message.payload), raw=False)
        except Exception:  # not an answer at all: keep waiting for the real one
            return
        if isinstance(answer, dict) and answer.get("id") == command_id:
            answers.append(answer)
            got.set()

    with subscribed(host, port, tls, [(f"{root}/reply", 1)], on_message) as client:
        client.publish(f"{root}/cmd", payload, qos=1)
        got.wait(wait_s)
    return answers[0] if answers else None


def forget(host: str, port: int, tls: ssl.SSLContext | None, kiosk: str) -> list[str]:
    """A decommissioned kiosk leaves no trace on dashboards: its Home Assistant discovery, status and availability
    emptied (retained, zero bytes). Returns the topics emptied."""
    provinces: set[str] = set()
    last = [time.monotonic()]

    def on_message(c: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            province, _kiosk, _leaf = parse_kiosk_topic(message.topic)
        except BadMessage:
            return
        provinces.add(province)
        last[0] = time.monotonic()

    topics = [(f"{ROOT}/+/{kiosk}/availability", 1), (f"{ROOT}/+/{kiosk}/status", 0)]
    with subscribed(host, port, tls, topics, on_message) as client:
        started = time.monotonic()
        while time.monotonic() - max(last[0], started) < QUIET_S and time.monotonic() - started < MAX_WAIT_S:
            time.sleep(0.05)
        emptied = discovery.topics(kiosk) + [f"{ROOT}/{p}/{kiosk}/{leaf}" for p in sorted(provinces)
                                             for leaf in ("status", "availability")]
        for topic in emptied:
            client.publish(topic, b"", qos=1, retain=True).wait_for_publish(MAX_WAIT_S)
    return emptied
