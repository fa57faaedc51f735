"""What the gateway remembers of the fleet for the report: each kiosk's availability changes (`online` /
`offline`) and a sample of its outbox backlog at most every few minutes, from the retained `availability` and
`status` topics. The status is checked by its own small schema at this edge; a bad one is ignored and logged."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from firmware.common import schema
from province.db import Db

SCHEMA = """
CREATE TABLE IF NOT EXISTS availability (province TEXT, kiosk TEXT, at TEXT, state TEXT);
CREATE INDEX IF NOT EXISTS availability_kiosk ON availability (kiosk, at);
CREATE TABLE IF NOT EXISTS backlog_samples (province TEXT, kiosk TEXT, at TEXT, backlog INTEGER, oldest_age_s INTEGER);
CREATE INDEX IF NOT EXISTS backlog_kiosk ON backlog_samples (kiosk, at);
"""
SAMPLE_EVERY = timedelta(minutes=5)
STATUS = schema.mapping({"state": schema.text(20), "outbox_backlog": schema.optional(schema.integer(0, 10**9)),
                         "outbox_oldest_age_s": schema.optional(schema.integer(0, 10**10))}, rest=schema.plain())
log = logging.getLogger("motcua.gateway")


def record_availability(db: Db, province: str, kiosk: str, payload: bytes, now: datetime) -> None:
    state = payload.decode("utf-8", errors="replace")
    if state not in ("online", "offline"):
        return  # empty (a forgotten kiosk) or not an availability at all
    last = db.execute("SELECT state FROM availability WHERE kiosk = ? ORDER BY at DESC LIMIT 1", (kiosk,)).fetchone()
    if last is None or last[0] != state:
        db.execute("INSERT INTO availability VALUES (?, ?, ?, ?)",
                   (province, kiosk, now.isoformat(timespec="seconds"), state))


def record_status(db: Db, province: str, kiosk: str, payload: bytes, now: datetime) -> None:
    if not payload:
        return
    try:
        status = json.loads(payload)
        STATUS(status, "status")
    except (ValueError, schema.Invalid) as exc:
        log.warning("ignored a status from kiosk %s: %s", kiosk[:64], str(exc)[:200])
        return
    if status.get("outbox_backlog") is None:
        return
    last = db.execute("SELECT at, backlog FROM backlog_samples WHERE kiosk = ? ORDER BY at DESC LIMIT 1",
                      (kiosk,)).fetchone()
    if last and last[1] == status["outbox_backlog"] and now - datetime.fromisoformat(last[0]) < SAMPLE_EVERY:
        return
    db.execute("INSERT INTO backlog_samples VALUES (?, ?, ?, ?, ?)",
               (province, kiosk, now.isoformat(timespec="seconds"), status["outbox_backlog"],
                status.get("outbox_oldest_age_s")))


def hours_online(db: Db, start: datetime, end: datetime) -> dict[str, float]:
    """Hours each kiosk was online between start and end, from its availability changes."""
    changes: dict[str, list[tuple[datetime, str]]] = {}
    for kiosk, at, state in db.execute("SELECT kiosk, at, state FROM availability ORDER BY at"):
        changes.setdefault(kiosk, []).append((datetime.fromisoformat(at), state))
    hours = {}
    for kiosk, rows in changes.items():
        total = 0.0
        for (at, state), following in zip(rows, [*rows[1:], (end, "")], strict=True):
            if state == "online":
                a, b = max(at, start), min(following[0], end)
                total += max(0.0, (b - a).total_seconds())
        hours[kiosk] = round(total / 3600, 1)
    return hours


def backlog(db: Db, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [{"kiosk": k, "at": at, "backlog": b, "oldest_age_s": o} for k, at, b, o in db.execute(
        "SELECT kiosk, at, backlog, oldest_age_s FROM backlog_samples WHERE at >= ? AND at <= ? ORDER BY at",
        (start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")))]
