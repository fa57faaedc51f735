"""Fees paid by VietQR: what the province says is owed (`req/payment`), the QR for a banking app, and the
receipt once the province has the bank's confirmation.

The kiosk never decides that a fee is paid: it polls the province (every `[payment] poll_s`, for at most
`wait_s`), which alone hears from the bank. A citizen who walks away loses nothing: the payment is recorded at
the province whenever it arrives, and a later lookup shows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firmware.common import vietqr
from firmware.devices.printing import PrintJob, PrintWorker
from firmware.render.slip import SlipData
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.services.lookup import Send

log = logging.getLogger("motcua.payment")
RECEIPT_PREFIX = "payment:"


def purpose_for(code: str) -> str:
    """The transfer note: the dossier's code (the province matches payments by it), short enough for a bank."""
    if len(code) > vietqr.PURPOSE_MAX and code.count("-") >= 2:
        code = code.split("-", 1)[1]  # the part after the unit: the province knows its own unit
    return vietqr.ascii_purpose(code)


@dataclass
class PaymentService:
    config: Config
    clock: Clock
    printer: PrintWorker
    send: Send | None = None  # the link's request sender; None on a kiosk without MQTT
    receipts: int = 0

    @property
    def enabled(self) -> bool:
        return self.config.payment.enabled

    def ask(self, code: str, now: float) -> bytes | None:
        """What is owed for `code` and whether it is paid; the correlation id, or None when offline."""
        if self.send is None:
            return None
        return self.send("payment", {"code": code[:64]}, now)

    def qr_payload(self, code: str, amount: int) -> str:
        """The VietQR payload for this dossier's fee (raises VietQrError for a config a bank would refuse)."""
        section = self.config.payment
        return vietqr.payload(section.bank_bin, section.account, amount, purpose_for(code))

    def print_receipt(self, answer: dict[str, Any]) -> str:
        """The payment receipt (biên lai): unit, dossier code, amount, time, the bank's reference; no name."""
        paid_at = answer.get("paid_at")
        try:
            when = datetime.fromisoformat(str(paid_at)) if paid_at else self.clock.wall()
        except ValueError:
            when = self.clock.wall()
        code = str(answer.get("code", ""))
        slip = SlipData(self.config.kiosk.commune_name, self.config.kiosk.id, code,
                        str(answer.get("procedure", "")), when, None, kind="payment",
                        amount_vnd=int(answer.get("amount_vnd") or answer.get("fee_vnd") or 0),
                        ref=str(answer.get("ref", "")), unit=str(answer.get("unit", "")))
        job = f"{RECEIPT_PREFIX}{code}"
        self.printer.submit(PrintJob(job, slip, self.config.submission.slip_width))
        self.receipts += 1
        log.info("payment confirmed by the province; receipt queued")
        return job
