"""The answer to a kiosk's `req/lookup`: a dossier found by its official code, the kiosk's receipt code, or the
short part after the unit (`261124-0002`) when only one dossier at this unit ends so. By code alone the answer
holds no personal data beyond a masked name (`Nguyễn T*** N*** Á**`) and the procedure."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import msgpack

from province import citizens, history, ratings
from province.db import Db

LATE_UNLESS = ("ready", "returned", "rejected")
MAX_STEPS = 20


def mask(name: str) -> str:
    """'Nguyễn Thị Ngọc Ánh' -> 'Nguyễn T** N*** Á**': the family name, then each initial."""
    words = name.split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0] + "*" * max(2, len(w) - 1) for w in words[1:])])


def procedure_name(stored: str | None) -> str:
    """The procedure's name from a dossier row's JSON column."""
    return str(json.loads(stored).get("name", "")) if stored else ""


def find(db: Db, code: str, unit: str) -> str | None:
    row = db.execute("SELECT id FROM dossiers WHERE code = ? OR receipt_code = ?", (code, code)).fetchone()
    if row:
        return str(row[0])
    if "-" in code and not code.startswith(unit):  # the short form, unambiguous at this unit only
        rows = db.execute("SELECT id FROM dossiers WHERE code = ?", (f"{unit}-{code}",)).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
    return None


def answer(db: Db, code: str, unit: str, today: date, citizen: str | None = None) -> dict[str, Any]:
    """`mine` says the card shown at the kiosk is the one the dossier was filed with (supplement needs it)."""
    dossier_id = find(db, code.strip(), unit)
    if dossier_id is None:
        return {"found": False}
    row = db.execute("SELECT code, receipt_code, received_at, due_date, procedure FROM dossiers WHERE id = ?",
                     (dossier_id,)).fetchone()
    body = db.execute("SELECT body FROM events WHERE id = ?", (dossier_id,)).fetchone()
    record = msgpack.unpackb(body[0], raw=False) if body else {}
    steps = history.timeline(db, dossier_id)[-MAX_STEPS:]
    status = steps[-1]["status"] if steps else "received"
    due = row[3]
    late = bool(due) and status not in LATE_UNLESS and today > date.fromisoformat(due)
    return {"found": True, "code": row[0], "receipt_code": row[1], "received_at": row[2], "due_date": due,
            "procedure": procedure_name(row[4]), "status": status, "late": late,
            "name_masked": mask(str((record.get("identity") or {}).get("full_name") or "")),
            "history": [{k: s[k] for k in ("status", "label", "at", "note", "documents")} for s in steps],
            "mine": citizens.owns(db, dossier_id, citizen), "rated_on": ratings.rated_on(db, dossier_id)}
