"""Sending the outbox: events leave in order through a bounded in-flight window, and a row is deleted only on
the gateway's `ack` for its id, never on the broker's PUBACK alone (a broker may lose what it queued, a gateway
may die holding it). Unacknowledged events are sent again after a timeout; the gateway de-duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.common.protocol import BadMessage, Envelope, unpack_ack
from firmware.link.mqtt import MqttLink
from firmware.runtime.events import MqttMessage, PublishFailed
from firmware.services.health import Health
from firmware.services.outbox import Outbox

log = logging.getLogger("motcua.sender")


@dataclass
class OutboxSender:
    outbox: Outbox
    link: MqttLink
    health: Health
    on_official: Callable[[str, dict[str, Any]], None]  # the province's code for a dossier arrived
    window: int = 16
    ack_timeout_s: float = 30.0
    in_flight: dict[str, float] = field(default_factory=dict)  # event id -> when it was sent
    sent: int = 0
    acked: int = 0
    dropped_messages: int = 0
    foreign_acks: int = 0
    official: dict[str, dict[str, Any]] = field(default_factory=dict)
    round_trip_ms: float | None = None  # event sent -> gateway's ack, smoothed
    clock_now: Callable[[], float] | None = None

    def tick(self, now: float) -> float:
        """Timer: fill the window with the oldest unsent events; send again what waited too long."""
        if not self.health.link_up:
            self.in_flight.clear()  # everything is sent again on the next connection
            return now + 0.5
        for event_id, sent_at in list(self.in_flight.items()):
            if now - sent_at > self.ack_timeout_s:
                del self.in_flight[event_id]
        room = self.window - len(self.in_flight)
        if room > 0:
            for stored in self.outbox.pending(limit=self.window + len(self.in_flight)):
                if room <= 0:
                    break
                if stored.id in self.in_flight:
                    continue
                envelope = Envelope(stored.id, stored.seq, stored.created_at, stored.kind, stored.body,
                                    stored.clock_synced)
                if self.link.publish(f"evt/{stored.kind}", envelope.pack()):
                    self.in_flight[stored.id] = now
                    self.sent += 1
                    room -= 1
        return now + 0.2

    def on_publish_failed(self, event: PublishFailed) -> None:
        self.in_flight.clear()  # cannot tell which one: the window is sent again, the gateway de-duplicates

    def on_ack(self, message: MqttMessage) -> None:
        """The gateway stored these events: delete them, and take the official codes it gave."""
        try:
            ids, official = unpack_ack(message.payload)
        except BadMessage as exc:
            self.dropped_messages += 1
            log.warning("dropped a malformed ack: %s", exc)
            return
        # Only the gateway may write here (the broker's ACL); still, an ack counts only for events this kiosk
        # holds: an official code for anything else is not taken.
        held = {event_id for event_id in ids if self.outbox.holds(event_id)}
        if len(held) < len(set(ids)):
            self.foreign_acks += len(set(ids)) - len(held)
            log.info("an ack named %d event(s) this kiosk does not hold (acknowledged before?)",
                     len(set(ids)) - len(held))
        for dossier_id, info in official.items():
            if dossier_id in held and isinstance(info, dict) and isinstance(info.get("code"), str):
                self.official[dossier_id] = info
                self.outbox.set_official_code(dossier_id, info["code"])
                log.info("dossier %s: the province's code arrived", dossier_id)
                self.on_official(dossier_id, info)
        deleted = self.outbox.delete(ids)
        self.acked += deleted
        if deleted:
            log.info("acknowledged by the province: %d event(s) deleted from the outbox", deleted)
        now = self.clock_now() if self.clock_now else None
        for event_id in ids:
            sent_at = self.in_flight.pop(event_id, None)
            if sent_at is not None and now is not None:
                sample = (now - sent_at) * 1000
                previous = self.round_trip_ms
                self.round_trip_ms = sample if previous is None else 0.8 * previous + 0.2 * sample

    def status(self, now: float) -> dict[str, Any]:
        return {"in_flight": len(self.in_flight), "sent": self.sent, "acked": self.acked,
                "dropped_messages": self.dropped_messages,
                "foreign_acks": self.foreign_acks,
                "round_trip_ms": round(self.round_trip_ms, 1) if self.round_trip_ms is not None else None}
