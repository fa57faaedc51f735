"""A citizen's satisfaction rating of how a dossier was handled: one `rating` event through the outbox, tied to the
dossier's code (the gateway finds the unit and the official from its history), with nothing of the citizen in it.

One rating per dossier: this kiosk remembers the codes it took a rating for (in the same transaction as the event),
and the province's lookup answer says whether, and on which day, it was rated anywhere.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from firmware.common.catalog import RatingScale
from firmware.runtime.clock import Clock
from firmware.services.outbox import Outbox, OutboxEvent

log = logging.getLogger("motcua.rating")


@dataclass(frozen=True)
class Rated:
    """The dossier being rated, as the screens know it: its codes, procedure, and the day it was rated, if so."""

    code: str
    receipt_code: str = ""
    procedure: str = ""
    rated_on: str | None = None  # YYYY-MM-DD

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> Rated:
        return cls(str(answer.get("code") or answer.get("receipt_code") or ""), str(answer.get("receipt_code") or ""),
                   str(answer.get("procedure") or ""), answer.get("rated_on"))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for c in (self.code, self.receipt_code) if c))


class RatingService:
    def __init__(self, outbox: Outbox, clock: Clock, scale: RatingScale) -> None:
        self.outbox = outbox
        self.clock = clock
        self.scale = scale
        self.given = 0

    def rated_on(self, dossier: Rated) -> str | None:
        """The day it was rated: at the province (from the lookup) or at this kiosk."""
        here = self.outbox.rated_on(dossier.codes)
        return dossier.rated_on or (here[:10] if here else None)

    def rate(self, dossier: Rated, level_index: int, criteria: dict[str, int], reason: str) -> bool:
        """Commit the rating; False (and nothing stored) when the dossier was rated already or the disk fails."""
        if self.rated_on(dossier) or not dossier.codes:
            return False
        levels = self.scale.levels
        wall = self.clock.wall()
        body: dict[str, Any] = {
            "dossier": dossier.code, "procedure": dossier.procedure[:300], "scale": len(levels),
            "level": levels[level_index], "level_index": level_index, "rated_at": wall.isoformat(timespec="seconds"),
            "criteria": {key: levels[index] for key, index in criteria.items()}, "reason": reason[:200]}
        try:
            self.outbox.commit([OutboxEvent("rating", body, body["rated_at"], self.clock.synced())],
                               rated=dossier.codes)
        except (sqlite3.Error, OSError) as exc:
            log.error("rating not stored: %s", exc)
            return False
        self.given += 1
        log.info("rating stored: level %d of %d, %d criteria", level_index + 1, len(levels), len(criteria))
        return True
