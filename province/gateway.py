"""The reference provincial gateway: consumes kiosk events through a shared subscription, stores them once,
gives dossiers their official code, and acknowledges. Two or more processes in one group split the load.

A malformed or oversized message is logged and dropped; the process keeps running.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.protocol import (
    BadMessage,
    gateway_subscription,
    kiosk_topic,
    pack_ack,
    parse_kiosk_topic,
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
                             str(gateway.get("unit_code", "000.00.00.H00")), str(gateway.get("group", "gateway")))
    except (KeyError, ValueError, TypeError) as exc:
        raise GatewayConfigError(f"{path}: missing or bad key {exc}; expected [broker] port and [gateway] store") \
            from None


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.store = Store(config.store, config.unit_code)
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                                  client_id=f"gateway-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.handled = 0
        self.dropped = 0
        self.ready = threading.Event()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        client.subscribe(gateway_subscription(self.config.group), qos=1)
        self.ready.set()
        log.info("gateway connected to %s:%s", self.config.host, self.config.port)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
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

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.client.disconnect())
        self.client.connect(self.config.host, self.config.port, keepalive=30)
        try:
            self.client.loop_forever(retry_first_connection=True)
        except KeyboardInterrupt:
            self.client.disconnect()
        finally:
            self.store.close()
