"""Each dossier's history at the province: one row per step (received, processing, need more documents, ready,
returned, rejected), with the date, the official's note, the documents asked for, the official and the unit.

The gateway writes `received` with the dossier, in the same transaction; the back office (here
`motcua gateway set-status`, standing in for the officials' system) writes the rest. Lookups read the timeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firmware.common.dossier_status import SETTABLE, STATUSES
from province.db import Db

SCHEMA = """
CREATE TABLE IF NOT EXISTS history (n INTEGER PRIMARY KEY, dossier_id TEXT NOT NULL, status TEXT NOT NULL,
    at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', documents TEXT NOT NULL DEFAULT '[]',
    official TEXT NOT NULL DEFAULT '', unit TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS history_by_dossier ON history (dossier_id, n);
"""
MAX_NOTE = 500
MAX_DOCUMENTS = 20


class HistoryError(Exception):
    """A step that cannot be recorded: `code` 2 for a bad value, 1 for an unknown dossier."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Step:
    status: str
    note: str = ""
    documents: tuple[str, ...] = ()
    official: str = ""
    unit: str = ""
    at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    def checked(self) -> Step:
        if self.status not in SETTABLE and self.status != "supplemented":
            raise HistoryError(f"unknown status {self.status!r}; one of: {' '.join(SETTABLE)}", 2)
        for name, text in (("note", self.note), ("official", self.official), ("unit", self.unit)):
            if len(text) > MAX_NOTE or any(ord(c) < 32 and c not in "\n\t" for c in text):
                raise HistoryError(f"--{name}: at most {MAX_NOTE} characters, no control characters", 2)
        if len(self.documents) > MAX_DOCUMENTS or any(not d.strip() or len(d) > 200 for d in self.documents):
            raise HistoryError(f"--documents: 1 to {MAX_DOCUMENTS} names separated by ';', each under 200 "
                               "characters", 2)
        if self.status == "need_more" and not self.documents:
            raise HistoryError("need_more needs --documents: which papers the citizen must bring", 2)
        return self


def record(db: Db, dossier_id: str, step: Step) -> None:
    db.execute("INSERT INTO history (dossier_id, status, at, note, documents, official, unit) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               (dossier_id, step.status, step.at.isoformat(timespec="seconds"), step.note,
                json.dumps(list(step.documents), ensure_ascii=False), step.official, step.unit))


def timeline(db: Db, dossier_id: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT status, at, note, documents, official, unit FROM history WHERE dossier_id = ? "
                      "ORDER BY n", (dossier_id,)).fetchall()
    return [{"status": r[0], "label": STATUSES.get(r[0], r[0]), "at": r[1], "note": r[2],
             "documents": json.loads(r[3]), "official": r[4], "unit": r[5]} for r in rows]
