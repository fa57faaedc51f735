"""The outbox's disk, watched: while it cannot take a dossier, the kiosk is out of service; when it can, it serves.

Two ways to learn of trouble: a submit that fails (disk full, I/O error; the submission service reports it at
once), and this timer, which asks the outbox for its refusal (cap, free-space floor) every few seconds. While
in trouble it also tries one dossier-sized durable write (PROBE_BYTES), so an I/O error that clears (a disk
remounted, space freed) is seen without a restart. A citizen in the middle of a visit keeps the screen they are
on (staff can help them); the kiosk goes to `out_of_service` when it is idle, and back to `attract` when storage
works again.
"""

from __future__ import annotations

import logging
import sqlite3

from firmware.services.health import Health
from firmware.services.kiosk import Navigator
from firmware.services.outbox import Outbox

log = logging.getLogger("motcua.storage")
PART = "storage"
CHECK_EVERY_S = 10.0  # while storage is fine: the refusal is a SUM and a statfs
RETRY_EVERY_S = 5.0  # while in trouble: a write, to see it clear
IDLE_SCREENS = ("attract", "home")  # no citizen data entered yet: safe to take over
PROBE_BYTES = 2 * 2**20  # a dossier of several scanned pages


class StorageWatch:
    def __init__(self, outbox: Outbox, health: Health, nav: Navigator) -> None:
        self.outbox = outbox
        self.health = health
        self.nav = nav
        self._next_check = float("-inf")
        self._took_over = False

    @property
    def ok(self) -> bool:
        return self.health.get(PART, "ok") == "ok"

    def failed(self, state: str, reason: str) -> None:
        """A submit failed: `state` is `full` (refused for space) or `failed` (the disk would not write)."""
        self.health.set(PART, state, reason)

    def tick(self, now: float) -> float:
        if now >= self._next_check:
            self._check()
            self._next_check = now + (CHECK_EVERY_S if self.ok else RETRY_EVERY_S)
        self._steer()
        return now + 0.5

    def _check(self) -> None:
        try:
            refusal = self.outbox.refusal()
            if refusal is None and not self.ok:
                self.outbox.probe_write(PROBE_BYTES)
        except (sqlite3.Error, OSError) as exc:
            self.health.set(PART, "failed", f"the outbox cannot be written ({exc})")
            return
        if refusal is not None:
            self.health.set(PART, "full", refusal)
        else:
            self.health.set(PART, "ok", "the outbox takes dossiers again")

    def _steer(self) -> None:
        top = self.nav.top_name
        if not self.ok and top in IDLE_SCREENS:
            self._took_over = True
            self.nav.reset("out_of_service", reason="storage")
        elif self.ok and self._took_over and top == "out_of_service":
            self._took_over = False
            self.nav.reset("attract")
