"""Looking a dossier up for a citizen: first in this kiosk's own outbox (a dossier not yet acknowledged is
"Đang gửi", not an error), then at the province over request/response. Answers come back as `Response` events
to the screen that asked; nothing here blocks the loop."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware.common.protocol import citizen_key
from firmware.services.outbox import Outbox
from firmware.services.session import Session

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

    @staticmethod
    def citizen(session: Session) -> str | None:
        """The pseudonym of the card shown in this visit (never the ID number itself), if one was shown."""
        number = (session.identity or {}).get("id_number") if session.signed_in else None
        return citizen_key(str(number)) if number else None

    def sending(self, code: str) -> bool:
        """A dossier this kiosk holds in its outbox, not yet acknowledged by the province."""
        stub = self.outbox.stub(code.strip())
        return stub is not None and not stub.official_code and self.outbox.holds(stub.dossier_id)

    def ask(self, code: str, now: float, citizen: str | None = None) -> Asked:
        code = code.strip()
        if not CODE.match(code):
            return Asked("bad")
        stub = self.outbox.stub(code)
        if stub is not None and not stub.official_code and self.outbox.holds(stub.dossier_id):
            return Asked("sending", local={"receipt_code": stub.receipt_code, "procedure": stub.procedure_name,
                                           "received_at": stub.received_at, "due_date": stub.due_date})
        if self.send is None:
            return Asked("offline")
        correlation = self.send("lookup", {"code": code, **({"citizen": citizen} if citizen else {})}, now)
        return Asked("asked", correlation) if correlation else Asked("offline")

    def list(self, citizen: str, now: float) -> Asked:
        """This citizen's dossiers at the province (`req/dossiers`)."""
        if self.send is None:
            return Asked("offline")
        correlation = self.send("dossiers", {"citizen": citizen}, now)
        return Asked("asked", correlation) if correlation else Asked("offline")
