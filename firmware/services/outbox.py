"""The outbox: the one durable store of everything that must leave the kiosk.

SQLite in WAL mode with `synchronous=FULL` (a committed row survives a power cut) and `secure_delete` (a deleted
row's bytes are overwritten, so personal data does not linger in free pages). `commit(events, stub)` is one
transaction: all of it or none. Rows keep their order (`seq`) and a unique id; they stay until the province
acknowledges them (sending comes with the MQTT link). Next to each dossier it keeps a slip stub with no
personal data, so a slip can be reprinted after the dossier has gone. Receipt codes come from a per-day counter
stored here, so a code never repeats, even after a clock jump or a crash.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgpack
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from firmware.common.codes import scrambled
from firmware.common.protocol import SEALED_KINDS
from firmware.common.seal import context_of, seal

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    clock_synced INTEGER NOT NULL,
    body BLOB NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS slip_stubs (
    receipt_code TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL UNIQUE,
    procedure_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    received_at TEXT NOT NULL,
    due_date TEXT,
    official_code TEXT,
    printed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rated (
    dossier TEXT PRIMARY KEY,
    rated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipt_counters (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS code_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS commands_seen (
    id TEXT PRIMARY KEY,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS operator_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS day_counts (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
);
CREATE TABLE IF NOT EXISTS write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_created ON events (created_at);
CREATE INDEX IF NOT EXISTS stubs_by_printed ON slip_stubs (printed, received_at);
"""
# Running totals of the waiting events, kept by triggers in the writing transaction itself: the space check on each
# commit and the status read them instead of summing the whole table (27-36 ms at 50,000 rows).
TOTALS = """
CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), events INTEGER NOT NULL,
    bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO totals SELECT 1, COUNT(*), COALESCE(SUM(size), 0) FROM events;
CREATE TRIGGER IF NOT EXISTS totals_in AFTER INSERT ON events BEGIN
    UPDATE totals SET events = events + 1, bytes = bytes + NEW.size; END;
CREATE TRIGGER IF NOT EXISTS totals_out AFTER DELETE ON events BEGIN
    UPDATE totals SET events = events - 1, bytes = bytes - OLD.size; END;
"""
STUB_KEEP = timedelta(days=60)  # a printed slip's stub, for a reprint or the card's list; then it goes
DOSSIER_KINDS = ("dossier", "part", "supplement")


class OutboxError(Exception):
    pass


class OutboxFull(OutboxError):
    """New dossiers are refused; `reason` says why, for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OutboxEvent:
    kind: str
    body: dict[str, Any]
    created_at: str
    clock_synced: bool = True
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    id: str
    kind: str
    created_at: str
    clock_synced: bool
    body: dict[str, Any]


@dataclass(frozen=True)
class SlipStub:
    receipt_code: str
    dossier_id: str
    procedure_code: str
    procedure_name: str
    received_at: str
    due_date: str | None
    official_code: str | None = None
    printed: bool = False


class Outbox:
    def __init__(self, path: str | Path, max_bytes: int = 512 * 2**20, min_free_bytes: int = 200 * 2**20,
                 free_bytes: Callable[[Path], int] | None = None, seal_to: X25519PublicKey | None = None) -> None:
        self.path = Path(path)
        self.seal_to = seal_to  # the province's key: a citizen's data is sealed before it is written
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.min_free_bytes = min_free_bytes
        self._free_bytes = free_bytes or (lambda p: shutil.disk_usage(p).free)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._db.executescript(f"BEGIN IMMEDIATE; {TOTALS} COMMIT;")  # totals and triggers appear together
        self._db.execute("INSERT OR IGNORE INTO code_key VALUES (1, randomblob(32))")
        self._code_key = bytes(self._db.execute("SELECT key FROM code_key").fetchone()[0])
        self.on_commit: Callable[[], None] | None = None  # told after each commit (the sender sends at once)

    def close(self) -> None:
        self._db.close()

    # -- space ----------------------------------------------------------------------------------------
    def stored_bytes(self) -> int:
        return int(self._db.execute("SELECT bytes FROM totals").fetchone()[0])

    def refusal(self, adding: int = 0) -> str | None:
        """Why new dossiers cannot be accepted now, or None."""
        stored = self.stored_bytes()
        if stored + adding > self.max_bytes:
            return f"outbox full: {stored + adding} bytes waiting, cap {self.max_bytes}"
        free = self._free_bytes(self.path.parent)
        if free - adding < self.min_free_bytes:
            return f"disk almost full: {free} bytes free, floor {self.min_free_bytes}"
        return None

    def probe_write(self, size: int) -> None:
        """Write `size` bytes durably and remove them (raises sqlite3.Error or OSError): could a dossier that big be
        stored now? A small write often succeeds on a disk too full for a dossier, so the probe is dossier-sized."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO write_probe(id, data) VALUES (1, zeroblob(?))", (size,))
        with self._transaction() as db:
            db.execute("DELETE FROM write_probe")

    # -- writing --------------------------------------------------------------------------------------
    def reserve_receipt_code(self, kiosk_id: str, day: date) -> str:
        """`<kiosk>-YYMMDD-NNNN`: the day's next number, committed before use, so it is never handed out twice,
        and scrambled (firmware/common/codes.py), so one slip's code does not give away another's."""
        key = day.isoformat()
        with self._transaction() as db:
            db.execute("INSERT INTO receipt_counters(day, last) VALUES (?, 1) "
                       "ON CONFLICT(day) DO UPDATE SET last = last + 1", (key,))
            number = db.execute("SELECT last FROM receipt_counters WHERE day = ?", (key,)).fetchone()[0]
        if number > 9999:
            raise OutboxError(f"receipt numbers for {key} are used up")
        return f"{kiosk_id}-{day:%y%m%d}-{scrambled(number, self._code_key, key):04d}"

    def commit(self, events: Iterable[OutboxEvent], stub: SlipStub | None = None,
               rated: tuple[str, ...] = ()) -> list[int]:
        """Store events (and a dossier's slip stub, or the codes of a dossier just rated) in one transaction;
        returns their sequence numbers."""
        rows = [(e.id, e.kind, e.created_at, int(e.clock_synced), self._body_bytes(e)) for e in events]
        if any(kind in DOSSIER_KINDS for _, kind, *_ in rows):
            refusal = self.refusal(sum(len(r[4]) for r in rows))
            if refusal:
                raise OutboxFull(refusal)
        seqs = []
        with self._transaction() as db:
            for row in rows:
                cursor = db.execute("INSERT INTO events(id, kind, created_at, clock_synced, body, size) "
                                    "VALUES (?, ?, ?, ?, ?, ?)", (*row, len(row[4])))
                seqs.append(int(cursor.lastrowid or 0))
                # The day's tally survives the row (deleted once acknowledged) and a restart: status counts from it.
                db.execute("INSERT INTO day_counts VALUES (?, ?, 1) ON CONFLICT(day, kind) DO UPDATE SET n = n + 1",
                           (row[2][:10], row[1]))
            if stub:
                db.execute("INSERT INTO slip_stubs(receipt_code, dossier_id, procedure_code, procedure_name, "
                           "received_at, due_date, official_code, printed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (stub.receipt_code, stub.dossier_id, stub.procedure_code, stub.procedure_name,
                            stub.received_at, stub.due_date, stub.official_code, int(stub.printed)))
                db.execute("DELETE FROM slip_stubs WHERE printed = 1 AND received_at < ?",
                           (_before(stub.received_at, STUB_KEEP),))
            for code in rated:
                db.execute("INSERT OR IGNORE INTO rated VALUES (?, ?)", (code, rows[0][2] if rows else ""))
        if self.on_commit and rows:
            self.on_commit()
        return seqs

    def _body_bytes(self, event: OutboxEvent) -> bytes:
        packed = msgpack.packb(event.body, use_bin_type=True)
        if self.seal_to is None or event.kind not in SEALED_KINDS:
            return packed
        sealed = seal(self.seal_to, packed, context_of(event.kind, event.id))
        return msgpack.packb({"sealed": sealed}, use_bin_type=True)

    def remember_command(self, command_id: str, expires: float, now: float) -> bool:
        """Keep an operator command's id until it expires (epoch seconds); False when it was run already."""
        with self._transaction() as db:
            db.execute("DELETE FROM commands_seen WHERE expires < ?", (now,))
            cursor = db.execute("INSERT OR IGNORE INTO commands_seen VALUES (?, ?)", (command_id, expires))
        return cursor.rowcount == 1

    def operator_state(self) -> dict[str, str]:
        """What the operator set and the kiosk keeps across restarts (`notice`, `out_of_service`)."""
        return {str(k): str(v) for k, v in self._db.execute("SELECT key, value FROM operator_state")}

    def set_operator_state(self, key: str, value: str | None) -> None:
        with self._transaction() as db:
            if value is None:
                db.execute("DELETE FROM operator_state WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO operator_state VALUES (?, ?)", (key, value))

    def rated_on(self, codes: Iterable[str]) -> str | None:
        """When this kiosk took a rating of the dossier known by any of these codes (ISO time), if it did."""
        for code in codes:
            row = self._db.execute("SELECT rated_at FROM rated WHERE dossier = ?", (code,)).fetchone()
            if row:
                return str(row[0])
        return None

    def delete(self, ids: Iterable[str]) -> int:
        """Remove acknowledged events; returns how many were removed."""
        ids = list(ids)
        with self._transaction() as db:
            removed = sum(db.execute("DELETE FROM events WHERE id = ?", (i,)).rowcount for i in ids)
        if removed:
            # secure_delete zeroes the database's pages, but the WAL still holds the frames written before: copy it
            # back and truncate it, so no citizen's data stays on the disk after the province has it.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    def set_official_code(self, dossier_id: str, code: str) -> None:
        """The province's dossier code, from its acknowledgement, kept on the slip stub."""
        with self._transaction() as db:
            db.execute("UPDATE slip_stubs SET official_code = ? WHERE dossier_id = ?", (code, dossier_id))

    def mark_printed(self, receipt_code: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE slip_stubs SET printed = 1 WHERE receipt_code = ?", (receipt_code,))

    # -- reading --------------------------------------------------------------------------------------
    def pending(self, limit: int = 100, after_seq: int = 0) -> list[StoredEvent]:
        rows = self._db.execute("SELECT seq, id, kind, created_at, clock_synced, body FROM events "
                                "WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()
        return [StoredEvent(seq, i, kind, created, bool(synced), msgpack.unpackb(body, raw=False))
                for seq, i, kind, created, synced, body in rows]

    def _stubs(self, where: str, args: tuple[Any, ...] = ()) -> list[SlipStub]:
        rows = self._db.execute("SELECT receipt_code, dossier_id, procedure_code, procedure_name, received_at, "
                                f"due_date, official_code, printed FROM slip_stubs WHERE {where}", args).fetchall()
        return [SlipStub(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7])) for row in rows]

    def stub(self, receipt_code: str) -> SlipStub | None:
        found = self._stubs("receipt_code = ?", (receipt_code,))
        return found[0] if found else None

    def last_stub(self) -> SlipStub | None:
        """The most recent slip's stub (what a reprint needs, and nothing of the citizen)."""
        found = self._stubs("1 ORDER BY received_at DESC, rowid DESC LIMIT 1")
        return found[0] if found else None

    def unprinted_stubs(self) -> list[SlipStub]:
        return self._stubs("printed = 0 ORDER BY received_at")

    def holds(self, event_id: str) -> bool:
        """Is this event still waiting for the province's ack?"""
        return self._db.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is not None

    def backlog(self) -> int:
        return int(self._db.execute("SELECT events FROM totals").fetchone()[0])

    def day_counts(self, day: str) -> dict[str, int]:
        """How many events of each kind were committed on a day (YYYY-MM-DD, the kiosk's wall clock)."""
        return {kind: int(n) for kind, n in self._db.execute("SELECT kind, n FROM day_counts WHERE day = ?", (day,))}

    def status(self, now: float) -> dict[str, Any]:
        oldest = self._db.execute("SELECT MIN(created_at) FROM events").fetchone()[0]
        return {"backlog": self.backlog(), "bytes": self.stored_bytes(), "oldest": oldest,
                "unprinted_slips": len(self.unprinted_stubs()), "accepting": self.refusal() is None}

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _before(moment: str, span: timedelta) -> str:
    """`moment` less `span`, written as `moment` is (ISO 8601 with the same offset), so text compares in order."""
    try:
        return (datetime.fromisoformat(moment) - span).isoformat(timespec="seconds")
    except ValueError:
        return ""  # not a time: nothing is older than it


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self._rollback()  # a COMMIT that fails (disk full) may leave the transaction open
                raise
            return
        self._rollback()

    def _rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (disk full, I/O error); the original error is the one to raise
