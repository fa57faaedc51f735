"""Fees and their payments at the province.

The fee of a dossier is fixed when the gateway registers it: the province's catalog (its own copy, the one it
publishes) for the procedure and the number of scanned pages, at the online rate; the kiosk's figure only for a
procedure the province's catalog does not hold. A payment comes from the bank's notification (here
`motcua gateway confirm-payment`, standing in for it): the fee's amount is `paid`; any other amount is a
`mismatch` (kept for an official, not paid); a second payment of a paid dossier is `duplicate` (to refund); the
same bank reference twice is the same payment, recorded once.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Any

from firmware.common.catalog import Catalog
from province import lookup
from province.db import Db

SCHEMA = """
CREATE TABLE IF NOT EXISTS fees (dossier_id TEXT PRIMARY KEY, fee_vnd INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS payments (n INTEGER PRIMARY KEY, dossier_id TEXT NOT NULL, amount_vnd INTEGER NOT NULL,
    ref TEXT NOT NULL, at TEXT NOT NULL, status TEXT NOT NULL, UNIQUE (dossier_id, ref));
"""
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$")
MAX_AMOUNT = 100_000_000_000
log = logging.getLogger("motcua.gateway")


class PaymentError(Exception):
    """`code` 1: no such dossier; 2: a bad amount or reference."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def fee_of(catalog: Catalog | None, record: dict[str, Any]) -> int:
    procedure = record.get("procedure") or {}
    known = catalog.by_code(str(procedure.get("code", ""))) if catalog else None
    if known is not None:
        return known.fee_vnd(len(record.get("pages") or []))
    kiosk_figure = procedure.get("fee_vnd", 0)
    return kiosk_figure if isinstance(kiosk_figure, int) and 0 <= kiosk_figure <= MAX_AMOUNT else 0


def remember(db: Db, dossier_id: str, fee_vnd: int) -> None:
    """Inside the caller's transaction, with the dossier."""
    db.execute("INSERT INTO fees VALUES (?, ?) ON CONFLICT (dossier_id) DO UPDATE SET fee_vnd = excluded.fee_vnd",
               (dossier_id, fee_vnd))


def state(db: Db, dossier_id: str) -> dict[str, Any]:
    """{fee_vnd, paid, paid_at, amount_vnd, ref}; `paid` is True for a free dossier (nothing is owed)."""
    row = db.execute("SELECT fee_vnd FROM fees WHERE dossier_id = ?", (dossier_id,)).fetchone()
    fee = int(row[0]) if row else 0
    paid = db.execute("SELECT amount_vnd, ref, at FROM payments WHERE dossier_id = ? AND status = 'paid' "
                      "ORDER BY n LIMIT 1", (dossier_id,)).fetchone()
    return {"fee_vnd": fee, "paid": bool(paid) or fee == 0, "paid_at": paid[2] if paid else None,
            "amount_vnd": int(paid[0]) if paid else 0, "ref": paid[1] if paid else ""}


def answer(db: Db, code: str, unit: str) -> dict[str, Any]:
    """The answer to a kiosk's `req/payment`: what is owed and whether it is paid; no personal data."""
    dossier_id = lookup.find(db, code.strip(), unit)
    if dossier_id is None:
        return {"found": False}
    row = db.execute("SELECT code, procedure FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()
    return {"found": True, "code": row[0], "procedure": lookup.procedure_name(row[1]), "unit": unit,
            **state(db, dossier_id)}


def confirm(db: Db, code: str, unit: str, amount: int | None, ref: str | None,
            now: datetime) -> dict[str, Any]:
    """Record a payment from the bank's notification; the row as `payments()` lists it (raises PaymentError)."""
    if amount is not None and not 0 < amount <= MAX_AMOUNT:
        raise PaymentError(f"--amount {amount}: a positive whole number of đồng", 2)
    if ref is not None and not REF.match(ref):
        raise PaymentError("--ref: 1 to 64 characters, letters, digits, space and . _ / -", 2)
    dossier_id = lookup.find(db, code.strip(), unit)
    if dossier_id is None:
        raise PaymentError(f"no dossier with the code {code!r}", 1)
    db.execute("BEGIN IMMEDIATE")
    try:
        owed = state(db, dossier_id)
        ref = ref or f"SIM{secrets.token_hex(5).upper()}"
        amount = owed["fee_vnd"] if amount is None else amount
        same = db.execute("SELECT n FROM payments WHERE dossier_id = ? AND ref = ?", (dossier_id, ref)).fetchone()
        if same is None:
            if amount != owed["fee_vnd"] or owed["fee_vnd"] == 0:
                status = "mismatch"
            else:
                status = "duplicate" if owed["paid"] else "paid"
            db.execute("INSERT INTO payments (dossier_id, amount_vnd, ref, at, status) VALUES (?, ?, ?, ?, ?)",
                       (dossier_id, amount, ref, now.isoformat(timespec="seconds"), status))
            log.info("payment for dossier %s: %s đồng, %s (fee %s)", dossier_id, amount, status, owed["fee_vnd"])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return next(p for p in listing(db, dossier_id) if p["ref"] == ref)


def listing(db: Db, dossier_id: str | None = None) -> list[dict[str, Any]]:
    where, args = ("WHERE p.dossier_id = ?", (dossier_id,)) if dossier_id else ("", ())
    rows = db.execute("SELECT d.code, d.receipt_code, d.kiosk, d.procedure, f.fee_vnd, p.amount_vnd, p.ref, p.at, "
                      "p.status FROM payments p JOIN dossiers d ON d.id = p.dossier_id "
                      f"LEFT JOIN fees f ON f.dossier_id = p.dossier_id {where} ORDER BY p.n", args).fetchall()
    return [{"code": r[0], "receipt_code": r[1], "kiosk": r[2], "procedure": lookup.procedure_name(r[3]),
             "fee_vnd": r[4] or 0, "amount_vnd": r[5], "ref": r[6], "at": r[7], "status": r[8]} for r in rows]
