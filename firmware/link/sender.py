"""Sending the outbox: events leave in order through a bounded in-flight window, and a row is deleted only on
the gateway's `ack` for its id, never on the broker's PUBACK alone (a broker may lose what it queued, a gateway
may die holding it). Only what is unacknowledged is sent again, each event on its own clock: after an adaptive
timeout (a few round trips, once the gateway's pace is known; at most `ack_timeout_s`), doubling with each try,
with jitter, so a slow gateway is not met by a storm; soon after a PUBACK that says no subscriber matched (MQTT v5
reason 0x10: no gateway was listening), or one the broker refused. The gateway de-duplicates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.common.protocol import BadMessage, Envelope, unpack_ack
from firmware.link.mqtt import NO_SUBSCRIBERS, MqttLink
from firmware.runtime.events import MqttMessage, PublishFailed
from firmware.services.health import Health
from firmware.services.outbox import Outbox

log = logging.getLogger("motcua.sender")
MIN_TIMEOUT_S = 2.0  # the shortest wait for an ack, however fast the gateway has been
ROUND_TRIPS = 4  # an ack is late after this many smoothed round trips (plus a second)
QUICK_RETRY_S = 1.0  # the first retry after "no matching subscribers"
IDLE_LOOK_S = 5.0  # nothing in flight: a commit wakes the sender; this look is only a safety net


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
    attempts: dict[str, int] = field(default_factory=dict)  # event id -> times sent while unacknowledged
    due: dict[str, float] = field(default_factory=dict)  # event id -> when to send it again
    mids: dict[int, str] = field(default_factory=dict)  # paho's message id -> event id (for its PUBACK)
    resent: int = 0
    unheard: int = 0  # PUBACKs that said no subscriber matched
    rng: random.Random = field(default_factory=random.Random)
    _now: float = 0.0

    def timeout(self, attempt: int) -> float:
        """How long to wait for the ack of an event's `attempt`-th send: a few round trips, doubled each try."""
        base = self.ack_timeout_s
        if self.round_trip_ms is not None:
            base = min(self.ack_timeout_s, max(MIN_TIMEOUT_S, ROUND_TRIPS * self.round_trip_ms / 1000 + 1.0))
        # Jitter below the wait, never above: `ack_timeout_s` stays the longest any event waits.
        return min(self.ack_timeout_s, base * 2 ** max(0, attempt - 1)) * self.rng.uniform(0.75, 1.0)

    def _forget(self, event_id: str) -> None:
        self.in_flight.pop(event_id, None)
        self.due.pop(event_id, None)

    def tick(self, now: float) -> float:
        """Timer: fill the window with the oldest unsent events; send again what waited too long."""
        self._now = now
        if not self.health.link_up:
            self.in_flight.clear()  # everything is sent again on the next connection
            self.due.clear()
            self.mids.clear()
            return now + 0.5
        for event_id, when in list(self.due.items()):
            if now >= when:
                self._forget(event_id)  # its slot opens: it goes again below, oldest first
        room = self.window - len(self.in_flight)
        if room > 0:
            for stored in self.outbox.pending(limit=self.window + len(self.in_flight)):
                if room <= 0:
                    break
                if stored.id in self.in_flight:
                    continue
                envelope = Envelope(stored.id, stored.seq, stored.created_at, stored.kind, stored.body,
                                    stored.clock_synced)
                mid = self.link.publish(f"evt/{stored.kind}", envelope.pack())
                if mid:
                    attempt = self.attempts.get(stored.id, 0) + 1
                    self.attempts[stored.id] = attempt
                    self.resent += attempt > 1
                    self.in_flight[stored.id] = now
                    self.due[stored.id] = now + self.timeout(attempt)
                    self.mids[mid] = stored.id
                    self.sent += 1
                    room -= 1
        if len(self.mids) > 8 * self.window:  # PUBACKs that never came (a dropped link): keep the map small
            for mid in list(self.mids)[: len(self.mids) - 4 * self.window]:
                del self.mids[mid]
        # Nothing in flight: the next commit wakes this timer (Outbox.on_commit); the look is only a safety net.
        return now + (0.2 if self.in_flight or room <= 0 else IDLE_LOOK_S)

    def on_publish_failed(self, event: PublishFailed) -> None:
        """The broker refused one of our events, or no gateway was subscribed: that event, and only it, goes
        again soon (its attempt's backoff, never at once)."""
        event_id = self.mids.pop(event.mid, None)
        if event_id is None or event_id not in self.in_flight:
            return  # a request's or an event already acknowledged
        if event.reason == NO_SUBSCRIBERS:
            self.unheard += 1
        attempt = self.attempts.get(event_id, 1)
        self.due[event_id] = self._now + min(self.ack_timeout_s, QUICK_RETRY_S * 2 ** (attempt - 1)) * \
            self.rng.uniform(0.75, 1.0)

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
            self.due.pop(event_id, None)
            attempts = self.attempts.pop(event_id, 1)
            if sent_at is not None and now is not None and attempts == 1:  # a resent one's ack times nothing
                sample = (now - sent_at) * 1000
                previous = self.round_trip_ms
                self.round_trip_ms = sample if previous is None else 0.8 * previous + 0.2 * sample

    def status(self, now: float) -> dict[str, Any]:
        return {"in_flight": len(self.in_flight), "sent": self.sent, "acked": self.acked, "resent": self.resent,
                "unheard": self.unheard,
                "dropped_messages": self.dropped_messages,
                "foreign_acks": self.foreign_acks,
                "round_trip_ms": round(self.round_trip_ms, 1) if self.round_trip_ms is not None else None}
