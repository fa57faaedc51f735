"""Which dossiers are whose, for the card login at a kiosk (`req/dossiers`, and `mine` in a lookup's answer).

The kiosk never sends the ID number: it sends `citizen_key(id_number)` (firmware/common/protocol.py), and the
gateway keeps the same key beside each dossier it registers.
"""

from __future__ import annotations

import json
from typing import Any

from firmware.common.dossier_status import STATUSES
from firmware.common.protocol import citizen_key
from province import ratings
from province.db import Db

SCHEMA = """
CREATE TABLE IF NOT EXISTS citizens (dossier_id TEXT PRIMARY KEY, citizen TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS citizens_by_key ON citizens (citizen);
"""
MAX_LISTED = 20


def remember(db: Db, dossier_id: str, record: dict[str, Any]) -> None:
    number = (record.get("identity") or {}).get("id_number")
    if isinstance(number, str) and number:
        db.execute("INSERT INTO citizens VALUES (?, ?) ON CONFLICT DO NOTHING", (dossier_id, citizen_key(number)))


def owns(db: Db, dossier_id: str, citizen: str | None) -> bool:
    if not citizen:
        return False
    row = db.execute("SELECT 1 FROM citizens WHERE dossier_id = ? AND citizen = ?", (dossier_id, citizen)).fetchone()
    return row is not None


def dossiers_of(db: Db, citizen: str) -> list[dict[str, Any]]:
    """This citizen's dossiers, newest first: code, procedure, date and the latest status."""
    rows = db.execute(
        "SELECT d.id, d.code, d.receipt_code, d.procedure, d.received_at, "
        "(SELECT status FROM history h WHERE h.dossier_id = d.id ORDER BY n DESC LIMIT 1) "
        "FROM citizens c JOIN dossiers d ON d.id = c.dossier_id WHERE c.citizen = ? "
        "ORDER BY d.received_at DESC, d.code DESC LIMIT ?", (citizen, MAX_LISTED)).fetchall()
    listed = []
    for dossier_id, code, receipt, procedure, received_at, status in rows:
        status = status or "received"
        listed.append({"code": code, "receipt_code": receipt, "received_at": received_at,
                       "procedure": str(json.loads(procedure or "{}").get("name", "")), "status": status,
                       "label": STATUSES.get(status, status), "rated_on": ratings.rated_on(db, dossier_id)})
    return listed
