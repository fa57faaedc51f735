"""The dossier record (schema: docs/dossier.schema.json) and the outbox events that carry it.

Each scanned page is its own `part` event (grayscale JPEG with its SHA-256), well under a broker's packet
limit; the `dossier` event is the manifest listing them. The slip stub keeps no personal data.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from firmware.common.catalog import Procedure
from firmware.render.slip import SlipData
from firmware.rules.i18n import N_
from firmware.rules.identity import IDENTITY_KEYS
from firmware.rules.pages import Page
from firmware.runtime.config import KioskSection
from firmware.services.outbox import OutboxEvent, SlipStub

SCHEMA_ID = "motcua.dossier/1"
CONSENT_VERSION = "2026-11.1"
CONSENT_TEXT = N_("Tôi đồng ý để cơ quan tiếp nhận sử dụng thông tin cá nhân và giấy tờ tôi cung cấp tại kiosk "
                  "này chỉ để giải quyết thủ tục hành chính tôi đã chọn.")

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
                      "working_days": procedure.working_days, "result": procedure.result,
                      "fee_vnd": procedure.fee_vnd(len(pages))},
        "identity": {**{name: plain(identity.get(name)) for name in IDENTITY_KEYS},
                     "verification": identity.get("verification") or "qr"},  # chip+PA | chip | qr
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
    parts = [OutboxEvent("part", {"dossier_id": record["id"], **page.manifest(), "data": page.data},
                         created, synced) for page in pages]
    return [*parts, OutboxEvent("dossier", record, created, synced, id=record["id"])]


def slip_stub(record: dict[str, Any]) -> SlipStub:
    return SlipStub(record["receipt_code"], record["id"], record["procedure"]["code"], record["procedure"]["name"],
                    record["received_at"], record["due_date"], record["official_code"])


def slip_from_stub(stub: SlipStub, commune_name: str, kiosk_id: str) -> SlipData:
    return SlipData(commune_name, kiosk_id, stub.official_code or stub.receipt_code, stub.procedure_name,
                    datetime.fromisoformat(stub.received_at),
                    date.fromisoformat(stub.due_date) if stub.due_date else None)
