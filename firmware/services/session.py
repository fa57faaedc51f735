"""One citizen's visit: who they are and what they typed, wiped when they finish or walk away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Session:
    def __init__(self) -> None:
        self.identity: dict[str, Any] | None = None
        self.answers: dict[str, Any] = {}
        self.asked: set[str] = set()  # form fields that had their own page in this visit (they keep it)
        self.procedure_code: str | None = None
        self.pages: dict[str, list[Any]] = {}  # document key -> scanned pages (firmware.services.dossier.Page)
        self.documents_at_counter: list[str] = []  # required documents the citizen will hand in at the counter
        self.consent_at: Any = None
        self.last_activity = 0.0
        self.started_at: float | None = None
        self.wipes = 0
        # Set when the visit goes back to `home`: whoever is at the kiosk now must show a card again before the
        # visit's data is shown; the same card carries on, another card starts a new visit.
        self.locked = False
        self.woken_by = "touch"  # what opened the visit: "presence" (someone walked up) or "touch"
        self.on_end: Callable[[Session, str], None] | None = None  # the usage recorder, told before the wipe

    def touch(self, now: float) -> None:
        self.last_activity = now
        if self.started_at is None:
            self.started_at = now

    def wipe(self, reason: str = "left") -> None:
        """Forget everything personal. Values are dropped, not kept in a copy anywhere. `reason` is how the
        visit ended (firmware/services/usage.py ENDINGS)."""
        if self.on_end is not None:
            self.on_end(self, reason)
        if self.identity is not None:
            self.identity.clear()
        self.identity = None
        self.answers.clear()
        self.asked.clear()
        self.procedure_code = None
        self.pages.clear()
        self.documents_at_counter.clear()
        self.consent_at = None
        self.started_at = None
        self.locked = False
        self.woken_by = "touch"
        self.wipes += 1

    def sign_in(self, identity: dict[str, Any], now: float) -> bool:
        """The card just read becomes the visit's identity; True when it is another person's than the visit's
        (everything of the previous person is wiped first, so nothing of theirs is ever shown to this one)."""
        previous = (self.identity or {}).get("id_number")
        other = previous is not None and previous != identity.get("id_number")
        if other or (self.identity is None and (self.answers or self.pages)):
            self.wipe("another_person")
        self.identity = identity
        self.locked = False
        self.touch(now)
        return other

    def lock(self) -> None:
        if self.identity is not None:
            self.locked = True

    @property
    def signed_in(self) -> bool:
        """An identity that the person at the kiosk has shown (not one left from a visit that went home)."""
        return self.identity is not None and not self.locked

    @property
    def active(self) -> bool:
        return self.started_at is not None

    def status(self, now: float) -> dict[str, Any]:
        return {
            "active": self.active,
            "idle_s": round(now - self.last_activity, 1) if self.active else None,
            "wipes": self.wipes,
        }
