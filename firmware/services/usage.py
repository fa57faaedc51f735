"""How the kiosk serves people: one `usage` event per visit through the outbox, with no personal data.

A visit starts when a screen other than `attract` first shows (woken by someone walking up or by a touch) and
ends when its session is wiped: finished (`Kết thúc`), timed out, walked away (the presence sensor saw nobody when
it timed out), another person's card, or left (back to `attract` otherwise). The event says which screens the
visit reached, the furthest along the submission, where an unfinished one stopped, the services used, the
procedure, how the citizen logged in, the outcomes (counted from the services' own counters) and how long it took.
The province's `motcua gateway stats` and `report` read these; the status's counters of the day come from the
outbox's tally of them (firmware/services/outbox.py `day_counts`), so they survive a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firmware.runtime.clock import Clock
from firmware.services.outbox import Outbox, OutboxEvent
from firmware.services.session import Session

log = logging.getLogger("motcua.usage")
FUNNEL = ("home", "login", "procedures", "procedure", "form", "documents", "review", "submitting", "done")
NOT_A_VISIT = ("attract", "out_of_service", "technician_pin", "technician")
SERVICE_OF = {"login": "login", "vneid": "login", "card_key": "login", "procedures": "submit",
              "procedure": "submit", "form": "submit", "documents": "submit", "review": "submit",
              "submitting": "submit", "done": "submit", "lookup": "lookup", "dossiers": "lookup",
              "status": "lookup", "pay": "pay", "rate": "rate", "help": "help"}
ENDINGS = ("finished", "timeout", "walked_away", "another_person", "left")
OUTCOMES = ("submitted", "paid", "rated", "looked_up")  # in this order of weight; none of them: "nothing"
Counters = Callable[[], dict[str, int]]  # outcome -> how many so far (the services' own counters)


@dataclass
class Visit:
    started: float
    started_wall: datetime
    woken_by: str
    counters: dict[str, int]
    screens: list[str] = field(default_factory=list)


class UsageRecorder:
    def __init__(self, outbox: Outbox, clock: Clock, counters: Counters, top: Callable[[], str | None],
                 woken_by: Callable[[], str]) -> None:
        self.outbox = outbox
        self.clock = clock
        self.counters = counters
        self.top = top
        self.woken_by = woken_by
        self.visit: Visit | None = None

    def on_screen(self, name: str | None) -> None:
        """The screen stack's change hook: a visit starts, or reaches another screen."""
        if name is None or name in NOT_A_VISIT:
            return
        if self.visit is None:
            now = self.clock.now()
            self.visit = Visit(now, self.clock.wall(), self.woken_by(), self.counters())
        if name not in self.visit.screens:
            self.visit.screens.append(name)

    def on_end(self, session: Session, reason: str) -> None:
        """The session's wipe hook (before it forgets): the visit's event goes to the outbox."""
        visit, self.visit = self.visit, None
        if visit is None:
            return
        try:
            self._record(visit, session, reason if reason in ENDINGS else "left")
        except Exception:  # never lose the wipe for a tally: log it (a full disk is said by StorageWatch)
            log.exception("usage: a visit's event could not be stored")
        if reason == "another_person":
            self.on_screen(self.top())  # the next person's visit starts on the screen they are on

    def _record(self, visit: Visit, session: Session, ended_by: str) -> None:
        now, counters = self.clock.now(), self.counters()
        outcomes = [o for o in OUTCOMES if counters.get(o, 0) > visit.counters.get(o, 0)]
        if "status" in visit.screens and "looked_up" not in outcomes:
            outcomes.append("looked_up")  # the lookup answered with a dossier
        reached = [s for s in FUNNEL if s in visit.screens]
        finished = ended_by == "finished" or bool(outcomes)
        services = sorted({SERVICE_OF[s] for s in visit.screens if s in SERVICE_OF})
        identity = session.identity or {}
        body: dict[str, Any] = {
            "started": visit.started_wall.isoformat(timespec="seconds"),
            "duration_s": min(86_400, round(max(0.0, now - visit.started))),
            "woken_by": visit.woken_by, "ended_by": ended_by,
            "screens": visit.screens[:40], "furthest": reached[-1] if reached else visit.screens[0],
            "abandoned_at": None if finished else (self.top() or visit.screens[-1]),
            "services": services, "procedure": session.procedure_code,
            "login": identity.get("verification") if identity else None,
            "outcome": outcomes[0] if outcomes else "nothing", "outcomes": outcomes,
            "staff_called": counters.get("staff_called", 0) > visit.counters.get("staff_called", 0),
        }
        created = self.clock.wall().isoformat(timespec="seconds")
        self.outbox.commit([OutboxEvent("usage", body, created, self.clock.synced())])
        log.info("visit: %s after %.0f s, %s, reached %s", body["outcome"], body["duration_s"], ended_by,
                 body["furthest"])
