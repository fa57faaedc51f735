"""Technician mode's access and record: the card or the hidden gesture, then the kiosk's PIN with a back-off on
wrong PINs that a restart does not reset; every entry, refusal and action logged and sent as a `technician`
event (the technician's name, never a citizen's data).
"""

from __future__ import annotations

import collections
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware.common.technician import Card, CardRefused, pin_matches, read_card
from firmware.runtime.clock import Clock
from firmware.services.outbox import Outbox, OutboxEvent

log = logging.getLogger("motcua.technician")
FREE_TRIES = 3  # wrong PINs before the first wait
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 3600.0


class RecentErrors(logging.Handler):
    """The last warnings and errors of the kiosk's own log (the journal's lines never carry personal data)."""

    def __init__(self, keep: int = 8) -> None:
        super().__init__(logging.WARNING)
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.levelname[0]} {record.name.removeprefix('motcua.')}: "
                              f"{record.getMessage()}"[:160])
        except Exception:  # a log line that cannot be formatted is not worth a crash
            pass


@dataclass
class TechnicianService:
    outbox: Outbox
    clock: Clock
    key: Ed25519PublicKey | None
    province: str
    pin_hash: str
    report: Callable[[], list[dict[str, Any]]]  # doctor's findings (runs on a worker thread)
    actions: dict[str, Callable[[], str]] = field(default_factory=dict)  # action -> what it did, for the screen
    cancel_scan: Callable[[], None] = lambda: None
    errors: RecentErrors = field(default_factory=RecentErrors)
    entries: int = 0
    refused: int = 0
    wrong_pins: int = 0
    findings: list[dict[str, Any]] | None = None  # the last doctor report, when one has come back
    _failures: int = 0
    _locked_until: float = 0.0  # on the wall clock (epoch): the wait outlives a restart

    def __post_init__(self) -> None:
        kept = self.outbox.operator_state()
        self._failures = int(kept.get("pin_failures", "0") or 0)
        self._locked_until = float(kept.get("pin_locked_until", "0") or 0)

    @property
    def available(self) -> bool:
        return bool(self.pin_hash)

    def card(self, text: str) -> Card | str:
        """The card's technician, or why it is refused (logged and recorded)."""
        try:
            card = read_card(text, self.key, self.province, self.clock.wall())
        except CardRefused as refusal:
            self.refused += 1
            self.record("card_refused", "", str(refusal))
            return str(refusal)
        return card

    def wait_s(self) -> float:
        return max(0.0, self._locked_until - self.clock.wall().timestamp())

    def try_pin(self, pin: str, name: str) -> bool | float:
        """True for the right PIN; otherwise the seconds to wait before the next try (0: try again now)."""
        if self.wait_s() > 0:
            return self.wait_s()
        if pin_matches(pin, self.pin_hash):
            self._failures, self._locked_until = 0, 0.0
            self._keep()
            self.entries += 1
            self.record("entered", name, "")
            return True
        self._failures += 1
        self.wrong_pins += 1
        over = self._failures - FREE_TRIES
        wait = 0.0 if over < 0 else min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** over)
        self._locked_until = self.clock.wall().timestamp() + wait
        self._keep()
        self.record("wrong_pin", name, f"{self._failures} in a row; next try in {wait:g} s")
        return wait

    def _keep(self) -> None:
        try:
            self.outbox.set_operator_state("pin_failures", str(self._failures))
            self.outbox.set_operator_state("pin_locked_until", str(self._locked_until))
        except (sqlite3.Error, OSError) as exc:
            log.error("the PIN back-off could not be kept: %s", exc)

    def record(self, action: str, name: str, detail: str) -> None:
        """One line in the journal and one `technician` event for the province."""
        log_at = log.warning if action in ("wrong_pin", "card_refused") else log.info
        log_at("%s%s%s", action, f" ({name})" if name else "", f": {detail}" if detail else "")
        at = self.clock.wall().isoformat(timespec="seconds")
        body = {"action": action, "technician": name, "detail": detail[:200], "at": at}
        try:
            self.outbox.commit([OutboxEvent("technician", body, at, self.clock.synced())])
        except (sqlite3.Error, OSError) as exc:
            log.error("technician event not stored: %s", exc)

    def act(self, action: str, name: str) -> str:
        """Run one of the panel's actions; what happened, in words for the technician."""
        run = self.actions.get(action)
        try:
            outcome = run() if run else ""
        except Exception as exc:  # an action that fails is told, never a dead loop
            log.error("technician action %s failed: %s", action, exc)
            outcome = f"{action}: {exc}"[:200]
        self.record(action, name, outcome)
        return outcome

    def scan_done(self) -> None:
        self.cancel_scan()

    def run_report(self) -> None:
        """Doctor on a worker thread; `findings` is set when it is done."""
        self.findings = None

        def work() -> None:
            try:
                found = self.report()
            except Exception as exc:  # doctor never crashes; this thread must not die either way
                found = [{"check": "doctor", "result": "fail", "detail": str(exc)[:200]}]
            self.findings = found
        threading.Thread(target=work, name="technician-doctor", daemon=True).start()

    def status(self) -> dict[str, Any]:
        return {"entries": self.entries, "cards_refused": self.refused, "wrong_pins": self.wrong_pins,
                "locked_s": round(self.wait_s())}
