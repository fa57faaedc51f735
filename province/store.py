"""The gateway's store: SQLite (a file, the embedded default) or PostgreSQL (a URL), through province/db.py.

Every event is stored once by (kiosk, event id); resending is safe. A dossier is registered, and acknowledged,
only when every page it lists is present with a matching SHA-256; so is a supplement (papers brought later). A
manifest that arrives before its pages (two gateways share the kiosks' events) is kept in `waiting` and completed,
and acknowledged, by whichever gateway stores its last page. A rating is kept once per dossier. Official codes
`<unit>-YYMMDD-XXXX` come from a counter row in the database, in the same transaction as the dossier, so gateway
processes sharing the store, on one machine or several, never give a code twice; XXXX is the counter through a
keyed permutation (firmware/common/codes.py), so codes are not guessable from one another.

Many events share one transaction (`transaction`), each inside its own savepoint (`event`): one commit, one fsync,
for a batch, and one event's failure undoes only that event.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgpack

from firmware.common.catalog import Catalog
from firmware.common.codes import SPAN, scrambled
from firmware.common.due_date import WorkCalendar
from firmware.common.protocol import Envelope
from province import citizens, fleet_history, history, lookup, payments, ratings, supplements
from province import db as store_db
from province.history import HistoryError, Step

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (id TEXT, province TEXT, kiosk TEXT, kind TEXT, seq INTEGER,
    ts TEXT, synced INTEGER, stored_at TEXT, body BLOB, PRIMARY KEY (kiosk, id));
CREATE INDEX IF NOT EXISTS events_by_id ON events (id);
CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, stored_at);
CREATE TABLE IF NOT EXISTS waiting (kiosk TEXT, id TEXT, province TEXT, kind TEXT, seq INTEGER, ts TEXT,
    synced INTEGER, body BLOB, at TEXT, PRIMARY KEY (kiosk, id));
CREATE TABLE IF NOT EXISTS parts (dossier_id TEXT, sha256 TEXT, bytes INTEGER, data BLOB,
    PRIMARY KEY (dossier_id, sha256));
CREATE TABLE IF NOT EXISTS dossiers (id TEXT PRIMARY KEY, kiosk TEXT, receipt_code TEXT, code TEXT UNIQUE,
    procedure TEXT, received_at TEXT, due_date TEXT, pages TEXT, stored_at TEXT);
CREATE INDEX IF NOT EXISTS dossiers_by_receipt ON dossiers (receipt_code);
CREATE INDEX IF NOT EXISTS dossiers_by_received ON dossiers (received_at);
CREATE TABLE IF NOT EXISTS counters (unit TEXT, day TEXT, last INTEGER, PRIMARY KEY (unit, day));
CREATE TABLE IF NOT EXISTS code_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (n INTEGER PRIMARY KEY, at TEXT, topic TEXT, kiosk TEXT, event_id TEXT,
    reason TEXT, payload BLOB);
"""
log = logging.getLogger("motcua.gateway")
QUARANTINE_KEEP_BYTES = 64 * 1024  # enough of a bad message for an official to see what it was


class _Undo(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass(frozen=True)
class Outcome:
    """What to acknowledge: the event ids, and for a dossier its official code and due date."""

    ack: list[str]
    official: dict[str, dict[str, Any]]
    problem: str = ""
    keep: bool = False  # a problem whose writes stay (a manifest waiting for its pages)


class Store:
    def __init__(self, location: str | Path, unit_code: str, calendar: WorkCalendar | None = None,
                 catalog: Catalog | None = None) -> None:
        """`location`: a SQLite file, or a `postgresql://` URL."""
        self.calendar = calendar or WorkCalendar()
        self.catalog = catalog  # the province's own: fees are figured from it
        self.location = str(location)
        self.unit_code = unit_code
        self.writer = store_db.WriterTurn(self.location)
        # Gateways of one machine starting together on a new SQLite file: switching it to WAL fails at once
        # ("database is locked", no busy wait) while another does the same, so they open it one at a time.
        with self.writer.turn():
            self.db = store_db.connect(self.location)
            store_db.create(self.db, (SCHEMA, history.SCHEMA, citizens.SCHEMA, ratings.SCHEMA, payments.SCHEMA,
                                      fleet_history.SCHEMA))
            self.db.execute("INSERT INTO code_key VALUES (1, ?) ON CONFLICT DO NOTHING", (os.urandom(32),))
        self._code_key = bytes(self.db.execute("SELECT key FROM code_key").fetchone()[0])

    def close(self) -> None:
        self.db.close()
        self.writer.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One commit for everything inside; nothing kept if anything escapes."""
        with self.writer.turn():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @contextmanager
    def event(self) -> Iterator[None]:
        """One event inside a transaction: what it wrote is undone alone if it raises."""
        self.db.execute("SAVEPOINT event")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO SAVEPOINT event")
            self.db.execute("RELEASE SAVEPOINT event")
            raise
        self.db.execute("RELEASE SAVEPOINT event")

    def handle(self, province: str, kiosk: str, envelope: Envelope, now: datetime) -> Outcome:
        """One event in its own transaction (the batch's way, for one)."""
        with self.transaction():
            return self.handle_in_batch(province, kiosk, envelope, now)

    def handle_in_batch(self, province: str, kiosk: str, envelope: Envelope, now: datetime) -> Outcome:
        """Inside `transaction`: store one event, undoing its writes when it is not to be acknowledged. Another
        gateway storing the same event meanwhile (a resend) is a conflict: tried once more, it is seen before."""
        for attempt in (1, 2):
            try:
                with self.event():
                    outcome = self._handle(province, kiosk, envelope, now)
                    if outcome.problem and not outcome.keep:
                        raise _Undo(outcome)
                return outcome
            except _Undo as undo:
                return undo.outcome
            except store_db.CONFLICT_ERRORS + store_db.RETRY_ERRORS:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _handle(self, province: str, kiosk: str, envelope: Envelope, now: datetime) -> Outcome:
        db, body = self.db, envelope.body
        # An event is the same one only from the same kiosk (whose identity the broker checked): another kiosk
        # sending the same id neither overwrites it nor gets it acknowledged.
        senders = {row[0] for row in db.execute("SELECT kiosk FROM events WHERE id = ?", (envelope.id,))}
        if kiosk in senders:
            return Outcome([envelope.id], self._official(envelope.id, kiosk))  # seen before: acknowledge again
        if senders and envelope.kind in ("dossier", "supplement"):
            return Outcome([], {}, f"another kiosk's {envelope.kind} has the id {envelope.id}")
        if envelope.kind == "part":
            data = body.get("data")
            if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != body.get("sha256"):
                return Outcome([], {}, "a page whose SHA-256 does not match")
            store_db.lock(db, str(body.get("dossier_id")))
            db.execute("INSERT INTO parts VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (str(body.get("dossier_id")), body["sha256"], len(data), data))
            body = {k: v for k, v in body.items() if k != "data"}
        official: dict[str, dict[str, Any]] = {}
        if envelope.kind in ("dossier", "supplement"):
            store_db.lock(db, envelope.id)
            missing = self._missing_pages(envelope.id, body)
            if missing:
                self._wait(province, kiosk, envelope, now)
                return Outcome([], {}, f"{missing} page(s) not received yet; kept until they arrive", keep=True)
            db.execute("DELETE FROM waiting WHERE kiosk = ? AND id = ?", (kiosk, envelope.id))
        if envelope.kind == "dossier":
            official[envelope.id] = self._register(kiosk, envelope, now)
        elif envelope.kind == "supplement":
            supplements.attach(db, envelope.id, body, self.unit_code, envelope.synced, now)
        elif envelope.kind == "rating":
            dossier_id = lookup.find(db, str(body["dossier"]), self.unit_code)
            if not ratings.record(db, envelope.id, dossier_id, body, self.unit_code, now):
                self.log_second_rating(envelope.id)
        db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (envelope.id, province, kiosk, envelope.kind, envelope.seq, envelope.ts, int(envelope.synced),
                    now.isoformat(timespec="seconds"), msgpack.packb(body, use_bin_type=True)))
        if envelope.kind == "part":
            return self._complete(province, kiosk, str(body.get("dossier_id")), envelope.id, now)
        return Outcome([envelope.id], official)

    def _wait(self, province: str, kiosk: str, envelope: Envelope, now: datetime) -> None:
        self.db.execute("INSERT INTO waiting VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (kiosk, envelope.id, province, envelope.kind, envelope.seq, envelope.ts,
                         int(envelope.synced), msgpack.packb(envelope.body, use_bin_type=True),
                         now.isoformat(timespec="seconds")))

    def _complete(self, province: str, kiosk: str, dossier_id: str, part_id: str, now: datetime) -> Outcome:
        """A page arrived: when it was the last one a waiting manifest from the same kiosk lacked, register that
        manifest now and acknowledge both."""
        row = self.db.execute("SELECT province, kind, seq, ts, synced, body FROM waiting WHERE kiosk = ? AND id = ?",
                              (kiosk, dossier_id)).fetchone()
        if row is None:
            return Outcome([part_id], {})
        manifest = Envelope(dossier_id, int(row[2]), str(row[3]), str(row[1]),
                            msgpack.unpackb(bytes(row[5]), raw=False), bool(row[4]))
        if self._missing_pages(dossier_id, manifest.body):
            return Outcome([part_id], {})
        completed = self._handle(str(row[0]), kiosk, manifest, now)
        log.info("%s %s: its last page arrived after it; registered now", manifest.kind, dossier_id)
        return Outcome([part_id, *completed.ack], completed.official, completed.problem)

    def _missing_pages(self, dossier_id: str, record: dict[str, Any]) -> int:
        have = {row[0] for row in self.db.execute("SELECT sha256 FROM parts WHERE dossier_id = ?", (dossier_id,))}
        return sum(1 for page in record.get("pages", []) if page.get("sha256") not in have)

    def _register(self, kiosk: str, envelope: Envelope, now: datetime) -> dict[str, Any]:
        record = envelope.body
        received = datetime.fromisoformat(str(record.get("received_at"))) if envelope.synced else now
        day = received.date()
        number = self.db.execute("INSERT INTO counters VALUES (?, ?, 1) ON CONFLICT (unit, day) DO UPDATE "
                                 "SET last = counters.last + 1 RETURNING last",
                                 (self.unit_code, day.isoformat())).fetchone()[0]
        if number > SPAN:
            raise sqlite3.OperationalError(f"dossier numbers for {day} at {self.unit_code} are used up")
        code = f"{self.unit_code}-{day:%y%m%d}-{scrambled(number, self._code_key, day.isoformat()):04d}"
        if envelope.synced:
            due = record.get("due_date")
        else:  # the kiosk promised nothing: the province dates it from when it arrived
            days = int(record.get("procedure", {}).get("working_days", 0) or 0)
            due = self.calendar.due_date(now.replace(tzinfo=None), days).isoformat()
        pages = [{"sha256": p.get("sha256"), "bytes": p.get("bytes")} for p in record.get("pages", [])]
        self.db.execute("INSERT INTO dossiers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (envelope.id, kiosk, record.get("receipt_code"), code,
                         json.dumps(record.get("procedure", {}), ensure_ascii=False),
                         received.isoformat(timespec="seconds"), due, json.dumps(pages),
                         now.isoformat(timespec="seconds")))
        history.record(self.db, envelope.id, Step("received", at=received if received.tzinfo else now))
        citizens.remember(self.db, envelope.id, record)
        payments.remember(self.db, envelope.id, payments.fee_of(self.catalog, record))
        return {"code": code, "due_date": due}

    @staticmethod
    def log_second_rating(event_id: str) -> None:
        log.info("rating %s: this dossier was rated already; kept, not counted", event_id)

    def _official(self, event_id: str, kiosk: str) -> dict[str, dict[str, Any]]:
        row = self.db.execute("SELECT code, due_date FROM dossiers WHERE id = ? AND kiosk = ?",
                              (event_id, kiosk)).fetchone()
        return {event_id: {"code": row[0], "due_date": row[1]}} if row else {}

    def quarantine(self, at: datetime, topic: str, kiosk: str, event_id: str | None, reason: str,
                   payload: bytes) -> None:
        """Keep a message that failed its schema, for an official to see (`motcua gateway quarantine`)."""
        self.db.execute("INSERT INTO quarantine (at, topic, kiosk, event_id, reason, payload) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (at.isoformat(timespec="seconds"), topic[:300], kiosk[:100], event_id, reason[:500],
                         payload[:QUARANTINE_KEEP_BYTES]))

    def quarantined(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT at, topic, kiosk, event_id, reason, length(payload) FROM quarantine "
                               "ORDER BY n").fetchall()
        return [{"at": r[0], "topic": r[1], "kiosk": r[2], "event_id": r[3], "reason": r[4], "kept_bytes": r[5]}
                for r in rows]

    def dossiers(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT id, code, receipt_code, kiosk, procedure, received_at, due_date, pages "
                               "FROM dossiers ORDER BY code").fetchall()
        return [{"id": r[0], "code": r[1], "receipt_code": r[2], "kiosk": r[3], "procedure": json.loads(r[4]),
                 "received_at": r[5], "due_date": r[6], "pages": json.loads(r[7])} for r in rows]

    def find(self, code: str) -> str | None:
        """The dossier id for an official code, a kiosk's receipt code, or the short part after the unit."""
        return lookup.find(self.db, code, self.unit_code)

    def set_status(self, code: str, step: Step) -> str:
        """Record a processing step (raises HistoryError: 2 a bad value, 1 an unknown dossier); the dossier id."""
        step = step.checked()
        dossier_id = self.find(code)
        if dossier_id is None:
            raise HistoryError(f"no dossier with the code {code!r}", 1)
        history.record(self.db, dossier_id, step)  # one INSERT: its own transaction
        return dossier_id

    def history(self, code: str) -> list[dict[str, Any]]:
        dossier_id = self.find(code)
        return history.timeline(self.db, dossier_id) if dossier_id else []

    def payment(self, code: str) -> dict[str, Any]:
        return payments.answer(self.db, code, self.unit_code)

    def confirm_payment(self, code: str, amount: int | None, ref: str | None, now: datetime) -> dict[str, Any]:
        return payments.confirm(self.db, code, self.unit_code, amount, ref, now)

    def payments(self) -> list[dict[str, Any]]:
        return payments.listing(self.db)

    def ratings(self, since: date | None = None) -> list[dict[str, Any]]:
        return ratings.summary(self.db, since)

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM events WHERE kind = ?", (kind,)).fetchone()[0])

    def page_data(self, dossier_id: str) -> dict[str, bytes]:
        return {sha: data for sha, data in self.db.execute("SELECT sha256, data FROM parts WHERE dossier_id = ?",
                                                           (dossier_id,))}

