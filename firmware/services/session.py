"""One citizen's visit: who they are and what they typed, wiped when they finish or walk away."""

from __future__ import annotations

from typing import Any


class Session:
    def __init__(self) -> None:
        self.identity: dict[str, Any] | None = None
        self.answers: dict[str, Any] = {}
        self.procedure_code: str | None = None
        self.pages: dict[str, list[Any]] = {}  # document key -> scanned pages (firmware.services.dossier.Page)
        self.documents_at_counter: list[str] = []  # required documents the citizen will hand in at the counter
        self.consent_at: Any = None
        self.last_activity = 0.0
        self.started_at: float | None = None
        self.wipes = 0
        self.visits = 0

    def touch(self, now: float) -> None:
        self.last_activity = now
        if self.started_at is None:
            self.started_at = now
            self.visits += 1

    def wipe(self) -> None:
        """Forget everything personal. Values are dropped, not kept in a copy anywhere."""
        if self.identity is not None:
            self.identity.clear()
        self.identity = None
        self.answers.clear()
        self.procedure_code = None
        self.pages.clear()
        self.documents_at_counter.clear()
        self.consent_at = None
        self.started_at = None
        self.wipes += 1

    @property
    def active(self) -> bool:
        return self.started_at is not None

    def status(self, now: float) -> dict[str, Any]:
        return {
            "active": self.active,
            "idle_s": round(now - self.last_activity, 1) if self.active else None,
            "wipes": self.wipes,
        }
