"""Citizens' satisfaction ratings at the province: one per dossier, tied to the unit and the official who handled it
(from the dossier's history), never to the citizen. `motcua gateway ratings` counts them.

A second rating of the same dossier (two kiosks, a citizen who tries again elsewhere) is acknowledged and kept as
an event, but not counted: the first one stands, and a lookup says on which day it was given.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from province.db import Db

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratings (dossier_key TEXT PRIMARY KEY, event_id TEXT NOT NULL, dossier_id TEXT,
    unit TEXT NOT NULL, official TEXT NOT NULL, procedure TEXT NOT NULL, scale INTEGER NOT NULL,
    level TEXT NOT NULL, level_index INTEGER NOT NULL, criteria TEXT NOT NULL, reason TEXT NOT NULL,
    rated_at TEXT NOT NULL, stored_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ratings_by_day ON ratings (rated_at);
"""
GROUP = ("unit", "official", "procedure", "level")


def handler_of(db: Db, dossier_id: str, default_unit: str) -> tuple[str, str]:
    """(unit, official) of the latest step that names them; the gateway's unit and no official otherwise."""
    official = db.execute("SELECT official FROM history WHERE dossier_id = ? AND official != '' "
                          "ORDER BY n DESC LIMIT 1", (dossier_id,)).fetchone()
    unit = db.execute("SELECT unit FROM history WHERE dossier_id = ? AND unit != '' ORDER BY n DESC LIMIT 1",
                      (dossier_id,)).fetchone()
    return (unit[0] if unit else default_unit), (official[0] if official else "")


def record(db: Db, event_id: str, dossier_id: str | None, body: dict[str, Any], unit: str,
           now: datetime) -> bool:
    """Keep a rating (inside the caller's transaction); False when this dossier was rated already."""
    key = dossier_id or f"ref:{body['dossier']}"
    if db.execute("SELECT 1 FROM ratings WHERE dossier_key = ?", (key,)).fetchone():
        return False
    official = ""
    procedure = str(body.get("procedure", ""))
    if dossier_id:
        unit, official = handler_of(db, dossier_id, unit)
        row = db.execute("SELECT procedure FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
        if row and row[0]:
            procedure = str(json.loads(row[0]).get("name", procedure))
    db.execute("INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (key, event_id, dossier_id, unit, official, procedure, body["scale"], body["level"],
                body["level_index"], json.dumps(body.get("criteria") or {}, ensure_ascii=False),
                str(body.get("reason", "")), body["rated_at"], now.isoformat(timespec="seconds")))
    return True


def rated_on(db: Db, dossier_id: str) -> str | None:
    """The day (YYYY-MM-DD) this dossier was rated, if it was."""
    row = db.execute("SELECT rated_at FROM ratings WHERE dossier_key = ?", (dossier_id,)).fetchone()
    return str(row[0])[:10] if row else None


def summary(db: Db, since: date | None = None) -> list[dict[str, Any]]:
    """Counts by unit, official, procedure and level (best level first within a group), from `since` on."""
    where, args = ("WHERE substr(rated_at, 1, 10) >= ?", (since.isoformat(),)) if since else ("", ())
    rows = db.execute(f"SELECT unit, official, procedure, level, MIN(level_index), MAX(scale), COUNT(*) "
                      f"FROM ratings {where} GROUP BY unit, official, procedure, level "
                      f"ORDER BY unit, official, procedure, MIN(level_index)", args).fetchall()
    return [{"unit": r[0], "official": r[1], "procedure": r[2], "level": r[3], "level_index": r[4], "scale": r[5],
             "count": r[6]} for r in rows]
