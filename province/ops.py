"""`motcua ops`: the fleet as operations staff see it, from the retained `availability` and `status` topics.

A kiosk is `online`, `offline` (stopped cleanly: its last status says "stopped") or `crashed` (offline by its
Will while its status still said "running").
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.common.protocol import ROOT, BadMessage, parse_kiosk_topic

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
        return {"kiosk": self.kiosk, "province": self.province, "state": self.state, "last_seen": self.last_seen,
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
            view.last_seen = datetime.now().astimezone().isoformat(timespec="seconds")
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
        while True:
            time.sleep(0.1)
            quiet = time.monotonic() - max(fleet.last_message, started) >= QUIET_S
            if once and (quiet or time.monotonic() - started > MAX_WAIT_S):
                return fleet
            if not once:
                show(fleet.rows())
    finally:
        client.loop_stop()
        client.disconnect()


def send(host: str, port: int, tls: ssl.SSLContext | None, province: str, kiosk: str, command_id: str,
         payload: bytes, wait_s: float) -> dict[str, Any] | None:
    """Publish a signed command on the kiosk's `cmd` and wait for its answer on `reply` (None: no answer)."""
    answers: list[dict[str, Any]] = []
    got, subscribed = threading.Event(), threading.Event()
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if tls is not None:
        client.tls_set_context(tls)
    root = f"{ROOT}/{province}/{kiosk}"

    def on_message(c: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            answer = msgpack.unpackb(bytes(message.payload), raw=False)
        except Exception:  # not an answer at all: keep waiting for the real one
            return
        if isinstance(answer, dict) and answer.get("id") == command_id:
            answers.append(answer)
            got.set()

    client.on_connect = lambda c, u, f, r, p: c.subscribe(f"{root}/reply", qos=1)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_message = on_message
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        if not subscribed.wait(MAX_WAIT_S):
            raise ConnectionError(f"no answer from the broker at {host}:{port}")
        client.publish(f"{root}/cmd", payload, qos=1)
        got.wait(wait_s)
    finally:
        client.loop_stop()
        client.disconnect()
    return answers[0] if answers else None
