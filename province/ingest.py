"""The gateway's ingest: kiosk events, and the fleet's status and availability, leave paho's network thread
through a bounded queue (a full queue holds paho back, so TCP slows the broker down, and nothing is dropped). One
thread stores them in batches: whatever is waiting, up to `BATCH_MAX`, in one transaction and one fsync, each
event inside its own savepoint. Acks go after the commit, one message per kiosk per batch: an event is
acknowledged only once it is on disk.

Every message is checked against its kind's schema (firmware/common/protocol.py) before the store sees it; a bad
one is logged, counted, quarantined for an official and acknowledged, and the thread keeps running.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firmware.common.protocol import (
    BadMessage,
    Envelope,
    event_id_of,
    kiosk_topic,
    pack_ack,
    parse_kiosk_topic,
    unpack_envelope,
)
from firmware.common.seal import SealError
from province import db as store_db
from province import fleet_history, unseal
from province.store import Store

log = logging.getLogger("motcua.gateway")
BATCH_MAX = 200
QUEUE_MAX = 5000


@dataclass
class Checked:
    """A message after its check: an event's envelope, or why it was refused (then it is quarantined)."""

    topic: str
    province: str
    kiosk: str
    leaf: str
    payload: bytes
    envelope: Envelope | None = None
    refused: str = ""


@dataclass
class Acks:
    """What one batch acknowledges, kiosk by kiosk."""

    ids: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    official: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, province: str, kiosk: str, ids: list[str], official: dict[str, dict[str, Any]] | None = None) -> None:
        self.ids.setdefault((province, kiosk), []).extend(ids)
        if official:
            self.official.setdefault((province, kiosk), {}).update(official)


class Ingest:
    def __init__(self, store: Store, unsealer: unseal.Unsealer | None, counts: dict[str, int],
                 publish: Callable[[str, bytes], None], on_trouble: Callable[[str], None]) -> None:
        """`publish(topic, payload)` sends an ack; `on_trouble(why)` is told when the store fails ("" when it
        works again) and when quarantining changed the counts (operators see it in the gateway's status)."""
        self.store = store
        self.unsealer = unsealer
        self.counts = counts
        self.publish = publish
        self.on_trouble = on_trouble
        self.trouble = ""
        self.batches = 0
        self.queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(QUEUE_MAX)
        self.thread = threading.Thread(target=self._run, name="gateway-ingest", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def put(self, topic: str, payload: bytes) -> None:
        self.queue.put((topic, payload))

    def stop(self) -> None:
        """Store what is queued, then end the thread."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(timeout=30)

    def idle(self) -> bool:
        return self.queue.unfinished_tasks == 0

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            items = [first]
            while len(items) < BATCH_MAX and items[-1] is not None:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            work = [item for item in items if item is not None]
            try:
                if work:
                    self.process(work)
            except Exception:  # the thread outlives any one batch
                self.counts["errors"] += 1
                log.exception("a batch of %d message(s) could not be handled; not acknowledged", len(work))
            finally:
                for _ in items:
                    self.queue.task_done()
            if items[-1] is None:
                return

    def process(self, items: list[tuple[str, bytes]]) -> None:
        """Check a batch, then store it in one transaction and acknowledge it; a store failure acknowledges
        nothing (the kiosks keep their copies and send them again). Checking (msgpack, schema, seal) happens
        before the transaction: the store's write lock is held only while writing, so gateways sharing a store
        overlap all the rest."""
        acks = Acks()
        quarantined = self.counts["quarantined"]
        now = datetime.now().astimezone()
        checked = [c for c in (self._check(topic, payload) for topic, payload in items) if c is not None]
        try:
            with self.store.transaction():
                for message in checked:
                    self._store(message, now, acks)
        except store_db.ERRORS as exc:
            self.counts["store_errors"] += 1
            if not self.trouble:
                log.error("the store failed (%s): not acknowledging until it works again", exc)
                self.trouble = str(exc)
                self.on_trouble(self.trouble)
            return
        self.batches += 1
        if self.trouble:
            log.info("the store works again (it failed with: %s)", self.trouble)
            self.trouble = ""
            self.on_trouble("")
        elif self.counts["quarantined"] != quarantined:
            self.on_trouble("")
        for (province, kiosk), ids in acks.ids.items():
            if ids:
                self.publish(kiosk_topic(province, kiosk, "ack"), pack_ack(ids, acks.official.get((province, kiosk))))

    def _check(self, topic: str, payload: bytes) -> Checked | None:
        """What one message is, by its topic and its schema; None for one on a topic no kiosk may use."""
        try:
            province, kiosk, leaf = parse_kiosk_topic(topic)
        except BadMessage as exc:
            self.counts["quarantined"] += 1
            log.warning("ignored a message on %s: %s", topic[:200], exc)
            return None
        checked = Checked(topic, province, kiosk, leaf, payload)
        if leaf in ("availability", "status"):
            return checked
        try:
            checked.envelope = unseal.opened(self.unsealer, unpack_envelope(payload), kiosk)
        except SealError as exc:
            self.counts["tampered"] += 1
            log.error("REJECTED a sealed event from kiosk %s: %s", kiosk[:64], exc)
            checked.refused = f"tampered: {exc}"
        except BadMessage as exc:
            checked.refused = str(exc)
        except Exception:  # a checker's own bug: this message is not stored, nor acknowledged
            self.counts["errors"] += 1
            log.exception("a message on %s could not be checked; not acknowledged", topic[:200])
            return None
        return checked

    def _store(self, message: Checked, now: datetime, acks: Acks) -> None:
        """One checked message inside the batch's transaction. A store error aborts the batch; anything else
        that one message raises undoes that message alone."""
        try:
            if message.leaf in ("availability", "status"):
                self._fleet(message, now)
            elif message.envelope is None:
                self._quarantine(message, now, acks)
            else:
                outcome = self.store.handle_in_batch(message.province, message.kiosk, message.envelope, now)
                self.counts["handled"] += 1
                if outcome.problem:
                    log.log(logging.INFO if outcome.keep else logging.WARNING, "not acknowledged yet %s %s from "
                            "%s: %s", message.envelope.kind, message.envelope.id, message.kiosk, outcome.problem)
                acks.add(message.province, message.kiosk, outcome.ack, outcome.official)
        except store_db.ERRORS:
            raise
        except Exception:
            self.counts["errors"] += 1
            log.exception("a message on %s could not be handled; not acknowledged", message.topic[:200])

    def _fleet(self, message: Checked, now: datetime) -> None:
        """A kiosk's availability or status: remembered for the report (fleet_history.py), never acknowledged."""
        record = fleet_history.record_availability if message.leaf == "availability" else fleet_history.record_status
        try:
            with self.store.event():
                record(self.store.db, message.province, message.kiosk, message.payload, now)
        except store_db.ERRORS as exc:
            log.warning("the fleet's history was not recorded: %s", exc)

    def _quarantine(self, message: Checked, now: datetime, acks: Acks) -> None:
        """Kept for an official, counted, and acknowledged when it has an id, so it is not redelivered forever."""
        event_id = event_id_of(message.payload)
        self.counts["quarantined"] += 1
        log.warning("quarantined a message on %s from kiosk %s (event %s): %s", message.topic[:200],
                    message.kiosk[:64], event_id or "without an id", message.refused)
        with self.store.event():
            self.store.quarantine(now, message.topic, message.kiosk, event_id, message.refused, message.payload)
        if event_id:
            acks.add(message.province, message.kiosk, [event_id])
