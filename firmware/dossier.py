"""The dossier record (schema: docs/dossier.schema.json) and the outbox events that carry it.

Each scanned page is its own `part` event (grayscale JPEG with its SHA-256), well under a broker's packet
limit; the `dossier` event is the manifest listing them. The slip stub keeps no personal data.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PIL import Image

from firmware.catalog import Procedure
from firmware.config import KioskSection
from firmware.i18n import N_
from firmware.identity import IDENTITY_KEYS
from firmware.outbox import OutboxEvent, SlipStub

SCHEMA_ID = "motcua.dossier/1"
CONSENT_VERSION = "2026-11.1"
CONSENT_TEXT = N_("Tôi đồng ý để cơ quan tiếp nhận sử dụng thông tin cá nhân và giấy tờ tôi cung cấp tại kiosk "
                  "này chỉ để giải quyết thủ tục hành chính tôi đã chọn.")

JPEG_QUALITY = 60
MAX_PAGE_SIDE = 1754  # A4 at 150 dpi: legible for officials, ~100-200 kB a page in grayscale


@dataclass(frozen=True)
class Page:
    document: str
    document_name: str
    index: int
    jpeg: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()

    def manifest(self) -> dict[str, Any]:
        return {"document": self.document, "document_name": self.document_name, "index": self.index,
                "mime": "image/jpeg", "sha256": self.sha256, "bytes": len(self.jpeg), "width": self.width,
                "height": self.height}


def page_from_image(image: Image.Image, document: str, document_name: str, index: int) -> Page:
    """A scanned page as a grayscale JPEG, scaled down to at most A4 at 150 dpi."""
    gray = image.convert("L")
    scale = MAX_PAGE_SIDE / max(gray.size)
    if scale < 1:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.LANCZOS)
    buffer = io.BytesIO()
    gray.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Page(document, document_name, index, buffer.getvalue(), gray.width, gray.height)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def build_record(*, kiosk: KioskSection, identity: dict[str, Any], procedure: Procedure, catalog_version: str,
                 answers: dict[str, Any], pages: list[Page], consent_at: datetime, received_at: datetime,
                 clock_synced: bool, receipt_code: str, due_date: date | None,
                 documents_at_counter: list[str] | None = None, dossier_id: str | None = None) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return {
        "schema": SCHEMA_ID,
        "id": dossier_id or uuid.uuid4().hex,
        "receipt_code": receipt_code,
        "official_code": None,
        "kiosk": {"id": kiosk.id, "province_code": kiosk.province_code, "province_name": kiosk.province_name,
                  "commune_name": kiosk.commune_name},
        "procedure": {"code": procedure.code, "name": procedure.name, "catalog_version": catalog_version,
                      "working_days": procedure.working_days, "result": procedure.result},
        "identity": {name: plain(identity.get(name)) for name in IDENTITY_KEYS},
        "answers": {key: plain(value) for key, value in answers.items()},
        "pages": [page.manifest() for page in pages],
        "documents_at_counter": list(documents_at_counter or []),
        "consent": {"text_version": CONSENT_VERSION, "accepted_at": iso(consent_at)},
        "received_at": iso(received_at),
        "clock_synced": clock_synced,
        "due_date": due_date.isoformat() if due_date else None,
    }


def dossier_events(record: dict[str, Any], pages: list[Page]) -> list[OutboxEvent]:
    """One `part` event per page, then the `dossier` manifest: all committed in one transaction."""
    created, synced = record["received_at"], record["clock_synced"]
    parts = [OutboxEvent("part", {"dossier_id": record["id"], **page.manifest(), "data": page.jpeg},
                         created, synced) for page in pages]
    return [*parts, OutboxEvent("dossier", record, created, synced, id=record["id"])]


def slip_stub(record: dict[str, Any]) -> SlipStub:
    return SlipStub(record["receipt_code"], record["id"], record["procedure"]["code"], record["procedure"]["name"],
                    record["received_at"], record["due_date"], record["official_code"])
