"""Looking a dossier up for a citizen: first in this kiosk's own outbox (a dossier not yet acknowledged is
"Đang gửi", not an error), then at the province over request/response. Answers come back as `Response` events
to the screen that asked; nothing here blocks the loop."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware.services.outbox import Outbox

Send = Callable[[str, dict[str, Any], float], "bytes | None"]
CODE = re.compile(r"^[A-Za-z0-9.-]{4,64}$")


@dataclass(frozen=True)
class Asked:
    """`sending` (still in the outbox: `local` holds what the kiosk knows), `asked` (wait for `correlation`),
    `offline` (no link), or `bad` (not a code at all)."""

    state: str
    correlation: bytes | None = None
    local: dict[str, Any] | None = None


class LookupService:
    def __init__(self, outbox: Outbox, send: Send | None) -> None:
        self.outbox = outbox
        self.send = send  # the link's request sender; None on a kiosk without MQTT

    def ask(self, code: str, now: float) -> Asked:
        code = code.strip()
        if not CODE.match(code):
            return Asked("bad")
        stub = self.outbox.stub(code)
        if stub is not None and not stub.official_code and self.outbox.holds(stub.dossier_id):
            return Asked("sending", local={"receipt_code": stub.receipt_code, "procedure": stub.procedure_name,
                                           "received_at": stub.received_at, "due_date": stub.due_date})
        if self.send is None:
            return Asked("offline")
        correlation = self.send("lookup", {"code": code}, now)
        return Asked("asked", correlation) if correlation else Asked("offline")
