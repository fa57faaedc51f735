"""Request/response over MQTT v5 (for lookups and payments): `req/{kind}` with a response topic and correlation
data; the answer comes on the kiosk's `res`. Unanswered requests expire; every outcome reaches the loop as a
`response` event, so a screen never waits on the network.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgpack
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.protocol import BadMessage, check_response, unpack
from firmware.link.mqtt import MqttLink
from firmware.runtime.events import MqttMessage, Response
from firmware.runtime.inbox import Post
from firmware.services.health import Health

log = logging.getLogger("motcua.requests")


@dataclass
class Requests:
    link: MqttLink
    health: Health
    post: Post
    timeout_s: float = 10.0
    pending: dict[bytes, tuple[str, float]] = field(default_factory=dict)  # correlation -> (kind, deadline)

    def send(self, kind: str, body: dict[str, Any], now: float) -> bytes | None:
        """Ask the province; returns the correlation id, or None when the link is down (answer: offline)."""
        if not self.health.link_up:
            return None
        correlation = uuid.uuid4().bytes
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = self.link.topic("res")
        properties.CorrelationData = correlation
        if not self.link.publish(f"req/{kind}", msgpack.packb(body, use_bin_type=True), qos=1, properties=properties):
            return None
        self.pending[correlation] = (kind, now + self.timeout_s)
        return correlation

    def on_response(self, message: MqttMessage) -> None:
        """A message on `res`, matched to its request by correlation data (on the loop's thread)."""
        correlation = message.correlation
        if not correlation or correlation not in self.pending:
            return
        kind, _deadline = self.pending.pop(correlation)
        try:
            body: dict[str, Any] | None = check_response(kind, unpack(message.payload))
        except BadMessage as exc:
            log.warning("a malformed answer to a %s request: %s", kind, exc)
            body = None
        self.post(Response(correlation, kind, "answered" if body is not None else "malformed", body))

    def tick(self, now: float) -> float:
        for correlation, (kind, deadline) in list(self.pending.items()):
            if now >= deadline:
                del self.pending[correlation]
                self.post(Response(correlation, kind, "timeout"))
        return now + 0.5
