"""Papers brought later (bổ sung) for a dossier the province asked more of: scanned with the documents screen, then
one `supplement` event (the manifest) and a `part` per page, committed in one transaction through the outbox with
the same durability, ack and wipe rules as a dossier. A short slip confirms it.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from firmware.devices.printing import PrintJob, PrintWorker
from firmware.render.slip import SlipData
from firmware.rules.pages import Page
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.services.outbox import Outbox, OutboxEvent, OutboxFull
from firmware.services.session import Session

log = logging.getLogger("motcua.supplement")
KEY_PREFIX = "bo_sung_"


def document_key(index: int) -> str:
    return f"{KEY_PREFIX}{index}"


@dataclass
class SupplementService:
    config: Config
    outbox: Outbox
    clock: Clock
    printer: PrintWorker
    sent: int = 0

    def submit(self, session: Session, answer: dict[str, Any], documents: list[str]) -> str:
        """Commit the pages scanned for `documents` (the names the province asked for); returns the supplement's
        id. Raises OutboxFull (nothing stored) when the outbox refuses or the disk fails."""
        supplement_id = uuid.uuid4().hex
        wall = self.clock.wall()
        synced = self.clock.synced()
        created = wall.isoformat(timespec="seconds")
        pages: list[Page] = [page for i in range(len(documents)) for page in session.pages.get(document_key(i), [])]
        code = str(answer.get("code") or answer.get("receipt_code") or "")
        body = {"dossier": code, "receipt_code": str(answer.get("receipt_code") or ""), "received_at": created,
                "documents": [d for i, d in enumerate(documents) if session.pages.get(document_key(i))],
                "pages": [page.manifest() for page in pages]}
        parts = [OutboxEvent("part", {"dossier_id": supplement_id, **page.manifest(), "data": page.data}, created,
                             synced) for page in pages]
        try:
            self.outbox.commit([*parts, OutboxEvent("supplement", body, created, synced, id=supplement_id)])
        except (sqlite3.Error, OSError) as exc:
            log.error("supplement not stored: the outbox failed (%s)", exc)
            raise OutboxFull(f"the outbox could not be written ({exc})") from None
        log.info("supplement %s committed: %d document(s), %d page(s)", supplement_id, len(body["documents"]),
                 len(pages))
        self.sent += 1
        counts = [(name, len(session.pages.get(document_key(i), []))) for i, name in enumerate(documents)]
        slip = SlipData(self.config.kiosk.commune_name, self.config.kiosk.id, code, str(answer.get("procedure", "")),
                        wall, None, documents=[c for c in counts if c[1]], kind="supplement")
        self.printer.submit(PrintJob(f"supplement:{supplement_id}", slip, self.config.submission.slip_width))
        return supplement_id
