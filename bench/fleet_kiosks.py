"""Many kiosks in one process for bench/fleet.py: each has its own Outbox (SQLite) and OutboxSender, a paho client
with a persistent session, and the link's reconnect backoff; all share one `selectors` loop."""

from __future__ import annotations

import heapq
import random
import selectors
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.protocol import kiosk_topic
from firmware.link.mqtt import NO_SUBSCRIBERS, SESSION_EXPIRY_S, backoff_delay
from firmware.link.sender import OutboxSender
from firmware.runtime.events import MqttMessage, PublishFailed
from firmware.services.dossier import dossier_events
from firmware.services.health import Health
from firmware.services.outbox import Outbox

PAGE = Path(__file__).resolve().parent.parent / "firmware" / "demo" / "giay_chung_sinh.png"
BACKOFF_MIN_S, BACKOFF_MAX_S = 1.0, 120.0  # the kiosk's defaults ([mqtt] backoff_min_s, backoff_max_s)


@dataclass
class Control:
    ready: Any
    go: Any
    outage: Any
    restarted: Any
    stop: Any

    @classmethod
    def make(cls, context: Any) -> Control:
        return cls(context.Semaphore(0), context.Event(), context.Event(), context.Event(), context.Event())

    @staticmethod
    def wait_all(semaphore: Any, count: int, timeout: float) -> None:
        for _ in range(count):
            if not semaphore.acquire(timeout=timeout):
                raise RuntimeError("a kiosk worker did not get ready")


class FleetLink:
    """The part of MqttLink the sender uses: publish on this kiosk's topics while the connection is up."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk

    def publish(self, leaf: str, payload: bytes | str, qos: int = 1, retain: bool = False,
                properties: Properties | None = None) -> int:
        if not self.kiosk.health.link_up:
            return 0
        info = self.kiosk.client.publish(kiosk_topic("hn", self.kiosk.name, leaf), payload, qos=qos)
        return info.mid if info.rc == mqtt.MQTT_ERR_SUCCESS else 0


@dataclass(eq=False)
class Kiosk:
    name: str
    outbox: Outbox
    client: mqtt.Client
    health: Health
    sender: OutboxSender = field(init=False)
    attempt: int = 0
    down_since: float = 0.0
    committed_at: float = 0.0
    drained_at: float = 0.0
    socket: Any = None


def _record(kiosk: str, page: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "receipt_code": f"{kiosk}-261124-{random.randrange(10**4):04d}",
            "received_at": "2026-11-24T10:00:00+07:00", "procedure": {"code": "1.004194", "working_days": 3},
            "due_date": "2026-11-27", "official_code": None, "clock_synced": True, "pages": [page.manifest()]}


class Fleet:
    def __init__(self, names: list[str], port: int, folder: Path) -> None:
        from PIL import Image

        from firmware.rules.pages import page_from_image

        with Image.open(PAGE) as image:
            self.page = page_from_image(image, "giay", "Giấy chứng sinh", 1)
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.rng = random.Random()
        self.ticks: list[tuple[float, int, Kiosk]] = []
        self.reconnects: list[tuple[float, int, Kiosk]] = []
        self.kiosks = [self._kiosk(name, folder) for name in names]
        self.latencies: list[float] = []
        self.hold = False  # dossiers filed, not sent yet: the first phase's outboxes fill before the clock starts

    def _kiosk(self, name: str, folder: Path) -> Kiosk:
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5,
                             reconnect_on_failure=False)
        kiosk = Kiosk(name, Outbox(folder / f"{name}.db"), client, Health(time.monotonic, link=True))
        kiosk.sender = OutboxSender(kiosk.outbox, FleetLink(kiosk), kiosk.health,  # type: ignore[arg-type]
                                    lambda *_: None, clock_now=time.monotonic)
        client.on_connect = lambda c, u, f, reason, p: self._connected(kiosk, reason)
        client.on_message = lambda c, u, message: self._message(kiosk, message)
        client.on_publish = lambda c, u, mid, reason, p: self._published(kiosk, mid, reason)
        return kiosk

    # -- connections -----------------------------------------------------------------------------------
    def connect(self, kiosk: Kiosk, now: float) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        try:
            kiosk.client.connect("127.0.0.1", self.port, 30, clean_start=False, properties=properties)
        except OSError:
            self._retry(kiosk, now)
            return
        kiosk.socket = kiosk.client.socket()
        self.selector.register(kiosk.socket, selectors.EVENT_READ, kiosk)

    def _retry(self, kiosk: Kiosk, now: float) -> None:
        if kiosk.attempt == 0:
            kiosk.down_since = now
        delay = backoff_delay(kiosk.attempt, BACKOFF_MIN_S, BACKOFF_MAX_S, self.rng, now - kiosk.down_since)
        kiosk.attempt += 1
        heapq.heappush(self.reconnects, (now + delay, id(kiosk), kiosk))

    def _connected(self, kiosk: Kiosk, reason: Any) -> None:
        if getattr(reason, "is_failure", False):
            return
        kiosk.attempt = 0
        kiosk.client.subscribe(kiosk_topic("hn", kiosk.name, "ack"), qos=1)
        kiosk.health.set("network", "up")
        self.schedule(kiosk, time.monotonic())

    def _dropped(self, kiosk: Kiosk, now: float) -> None:
        if kiosk.socket is not None:
            try:
                self.selector.unregister(kiosk.socket)
            except (KeyError, ValueError):
                pass
            kiosk.socket = None
        kiosk.health.set("network", "down")
        kiosk.sender.tick(now)  # forgets what was in flight: all of it goes again on the next connection
        self._retry(kiosk, now)

    # -- the kiosk's side ------------------------------------------------------------------------------
    def _message(self, kiosk: Kiosk, message: mqtt.MQTTMessage) -> None:
        kiosk.sender.on_ack(MqttMessage(message.topic, bytes(message.payload), "ack", None))
        if not kiosk.drained_at and kiosk.outbox.backlog() == 0:
            kiosk.drained_at = time.monotonic()
            self.latencies.append(kiosk.drained_at - kiosk.committed_at)

    def _published(self, kiosk: Kiosk, mid: int, reason: Any) -> None:
        code = reason.value if hasattr(reason, "value") else int(reason)
        if code == 0x10 or code >= 0x80:
            kiosk.sender.on_publish_failed(PublishFailed(mid, NO_SUBSCRIBERS if code == 0x10 else str(reason)))

    def commit(self, now: float) -> None:
        self.latencies = []
        for kiosk in self.kiosks:
            kiosk.outbox.commit(dossier_events(_record(kiosk.name, self.page), [self.page]))
            kiosk.committed_at, kiosk.drained_at = now, 0.0
            self.schedule(kiosk, now)

    def release(self, now: float) -> None:
        """The clock starts: every kiosk's filed dossier goes now."""
        self.hold = False
        for kiosk in self.kiosks:
            kiosk.committed_at = now
            self.schedule(kiosk, now)

    def schedule(self, kiosk: Kiosk, when: float) -> None:
        heapq.heappush(self.ticks, (when, id(kiosk), kiosk))

    def drained(self) -> bool:
        return all(k.drained_at for k in self.kiosks)

    # -- the one loop ----------------------------------------------------------------------------------
    def step(self, now: float) -> None:
        while self.reconnects and self.reconnects[0][0] <= now:
            kiosk = heapq.heappop(self.reconnects)[2]
            self.connect(kiosk, now)
        while self.ticks and self.ticks[0][0] <= now and not self.hold:
            kiosk = heapq.heappop(self.ticks)[2]
            if kiosk.socket is not None and not kiosk.drained_at:
                self.schedule(kiosk, kiosk.sender.tick(now))
        wait = min([0.05] + [max(0.0, q[0][0] - now) for q in (self.ticks, self.reconnects) if q])
        for key, _ in self.selector.select(wait):
            kiosk = key.data
            if kiosk.client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
                self._dropped(kiosk, time.monotonic())
        for kiosk in self.kiosks:
            if kiosk.socket is not None and kiosk.client.want_write() and \
                    kiosk.client.loop_write() != mqtt.MQTT_ERR_SUCCESS:
                self._dropped(kiosk, time.monotonic())

    def keepalive(self, now: float) -> None:
        for kiosk in self.kiosks:
            if kiosk.socket is not None and kiosk.client.loop_misc() != mqtt.MQTT_ERR_SUCCESS:
                self._dropped(kiosk, now)

    def run_until(self, done: Any, stop: Any, deadline_s: float = 300) -> None:
        last_misc = time.monotonic()
        deadline = last_misc + deadline_s
        while not done() and not stop.is_set() and time.monotonic() < deadline:
            now = time.monotonic()
            self.step(now)
            if now - last_misc > 1.0:
                self.keepalive(now)
                last_misc = now


def run_kiosks(names: list[str], port: int, folder: str, control: Control, results: Any) -> None:
    fleet = Fleet(names, port, Path(folder))
    now = time.monotonic()
    for kiosk in fleet.kiosks:
        fleet.connect(kiosk, now)
    fleet.run_until(lambda: all(k.health.link_up and k.socket is not None for k in fleet.kiosks)
                    and all(k.client.is_connected() for k in fleet.kiosks), control.stop, 120)
    fleet.hold = True
    fleet.commit(time.monotonic())  # filing is the kiosks' own work, before the province's clock starts
    control.ready.release()
    fleet.run_until(control.go.is_set, control.stop, 120)
    fleet.release(time.monotonic())
    for phase in ("fill", "restart"):
        if phase == "restart":
            fleet.run_until(control.outage.is_set, control.stop, 120)
            fleet.commit(time.monotonic())
            fleet.run_until(control.restarted.is_set, control.stop, 120)
        fleet.run_until(fleet.drained, control.stop)
        results.put({"phase": phase, "drained_at": max(k.drained_at or time.monotonic() for k in fleet.kiosks),
                     "latencies": fleet.latencies, "sent": sum(k.sender.sent for k in fleet.kiosks),
                     "left": sum(k.outbox.backlog() for k in fleet.kiosks)})
        for kiosk in fleet.kiosks:
            kiosk.sender.sent = 0
    fleet.run_until(control.stop.is_set, control.stop, 60)
    for kiosk in fleet.kiosks:
        kiosk.outbox.close()
