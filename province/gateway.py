"""The reference provincial gateway: consumes kiosk events through a shared subscription, stores them once,
gives dossiers their official code, and acknowledges. Two or more processes in one group split the load.

A malformed or oversized message is logged and dropped; the process keeps running.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.catalog import default_catalog_text
from firmware.common.due_date import WorkCalendar, load_calendar
from firmware.common.protocol import (
    ROOT,
    BadMessage,
    gateway_subscription,
    kiosk_topic,
    pack_ack,
    parse_kiosk_topic,
    unpack,
    unpack_envelope,
)
from province.store import Store

log = logging.getLogger("motcua.gateway")
VIETNAM_OFFSET = "+07:00"
RUN_CONFIG = Path("out/run/motcua.toml")


class GatewayConfigError(Exception):
    pass


@dataclass(frozen=True)
class GatewayConfig:
    host: str
    port: int
    store: str
    unit_code: str
    group: str = "gateway"
    province: str = "hn"
    catalog: str = ""   # JSON catalog to publish (retained); empty: the one shipped with the firmware
    calendar: str = ""  # the province's calendar TOML (days_off, working_days)


def load_gateway_config(path: str | Path | None) -> GatewayConfig:
    """From a TOML file with [broker] host, port and [gateway] store, unit_code, group (the run file by default)."""
    path = Path(path) if path else RUN_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        hint = " (start the demo with `make run`, or pass --config)" if path == RUN_CONFIG else ""
        raise GatewayConfigError(f"{path}: cannot read the configuration{hint}") from None
    except tomllib.TOMLDecodeError as exc:
        raise GatewayConfigError(f"{path}: not valid TOML: {exc}") from None
    broker, gateway = raw.get("broker", {}), raw.get("gateway", {})
    try:
        return GatewayConfig(str(broker.get("host", "127.0.0.1")), int(broker["port"]), str(gateway["store"]),
                             str(gateway.get("unit_code", "000.00.00.H00")), str(gateway.get("group", "gateway")),
                             str(gateway.get("province", "hn")), str(gateway.get("catalog", "")),
                             str(gateway.get("calendar", "")))
    except (KeyError, ValueError, TypeError) as exc:
        raise GatewayConfigError(f"{path}: missing or bad key {exc}; expected [broker] port and [gateway] store") \
            from None


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        calendar = load_calendar(config.calendar) if config.calendar else WorkCalendar()
        self.store = Store(config.store, config.unit_code, calendar)
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                                  client_id=f"gateway-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.handled = 0
        self.dropped = 0
        self.ready = threading.Event()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        client.subscribe(gateway_subscription(self.config.group), qos=1)
        client.subscribe(f"$share/{self.config.group}/motcua/v1/+/+/req/#", qos=1)
        self._publish_reference(client)
        self.ready.set()
        log.info("gateway connected to %s:%s", self.config.host, self.config.port)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if "/req/" in message.topic:
            self._answer(client, message)
            return
        try:
            province, kiosk, _leaf = parse_kiosk_topic(message.topic)
            envelope = unpack_envelope(bytes(message.payload))
        except BadMessage as exc:
            self.dropped += 1
            log.warning("dropped a message on %s: %s", message.topic, exc)
            return
        outcome = self.store.handle(province, kiosk, envelope, datetime.now().astimezone())
        self.handled += 1
        if outcome.problem:
            log.warning("not acknowledged %s %s from %s: %s", envelope.kind, envelope.id, kiosk, outcome.problem)
            return
        client.publish(kiosk_topic(province, kiosk, "ack"), pack_ack(outcome.ack, outcome.official), qos=1)

    def _publish_reference(self, client: mqtt.Client) -> None:
        """The province's catalog and calendar, retained, versioned: a kiosk that connects gets the current ones."""
        if self.config.catalog:
            text = Path(self.config.catalog).read_text(encoding="utf-8")
        else:
            text = default_catalog_text()
        catalog = json.loads(text)
        root = f"{ROOT}/{self.config.province}"
        client.publish(f"{root}/catalog", msgpack.packb({"version": catalog.get("version"), "catalog": catalog},
                                                         use_bin_type=True), qos=1, retain=True)
        calendar = self.store.calendar
        client.publish(f"{root}/calendar", msgpack.packb({
            "source": calendar.source, "days_off": sorted(d.isoformat() for d in calendar.days_off),
            "working_days": sorted(d.isoformat() for d in calendar.working_days)}, use_bin_type=True),
            qos=1, retain=True)

    def _answer(self, client: mqtt.Client, message: mqtt.MQTTMessage) -> None:
        """Requests: `lookup` {code} -> the stored dossier's code, receipt code, received and due dates."""
        properties = message.properties
        response_topic = getattr(properties, "ResponseTopic", None) if properties else None
        correlation = getattr(properties, "CorrelationData", None) if properties else None
        if not response_topic:
            self.dropped += 1
            return
        try:
            body = unpack(bytes(message.payload))
        except BadMessage as exc:
            self.dropped += 1
            log.warning("dropped a request on %s: %s", message.topic, exc)
            return
        answer: dict[str, Any] = {"found": False}
        if message.topic.endswith("/req/lookup"):
            wanted = str(body.get("code", ""))
            for row in self.store.dossiers():
                if wanted in (row["code"], row["receipt_code"]):
                    answer = {"found": True, "code": row["code"], "receipt_code": row["receipt_code"],
                              "received_at": row["received_at"], "due_date": row["due_date"],
                              "procedure": row["procedure"].get("name", "")}
                    break
        reply = Properties(PacketTypes.PUBLISH)
        if correlation:
            reply.CorrelationData = correlation
        client.publish(response_topic, msgpack.packb(answer, use_bin_type=True), qos=1, properties=reply)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.client.disconnect())
        self.client.connect(self.config.host, self.config.port, keepalive=30)
        try:
            self.client.loop_forever(retry_first_connection=True)
        except KeyboardInterrupt:
            self.client.disconnect()
        finally:
            self.store.close()
