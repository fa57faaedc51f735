"""Papers a citizen brings later (bổ sung): a `supplement` event names the dossier, the documents and its pages.

Stored like a dossier: only when every page it lists has arrived with a matching SHA-256, in one transaction.
The pages then belong to the dossier (an official sees them with the rest) and its history gains "Đã bổ sung"
with the documents' names. A supplement for a dossier this gateway does not know is kept for an official and
acknowledged, so the kiosk does not resend it forever.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from province import history, lookup
from province.db import Db

log = logging.getLogger("motcua.gateway")


def attach(db: Db, supplement_id: str, body: dict[str, Any], unit: str, synced: bool,
           now: datetime) -> str | None:
    """Attach a supplement's pages to its dossier (inside the caller's transaction); the dossier id, or None."""
    dossier_id = lookup.find(db, str(body["dossier"]), unit)
    if dossier_id is None:
        log.warning("supplement %s names no dossier known here; kept for an official", supplement_id)
        return None
    db.execute("UPDATE parts SET dossier_id = ? WHERE dossier_id = ? AND sha256 NOT IN "
               "(SELECT sha256 FROM parts WHERE dossier_id = ?)", (dossier_id, supplement_id, dossier_id))
    at = datetime.fromisoformat(str(body["received_at"])) if synced else now
    names = tuple(str(name)[:200] for name in body.get("documents", []))[:history.MAX_DOCUMENTS]
    history.record(db, dossier_id, history.Step("supplemented", documents=names, at=at))
    return dossier_id
