"""Submitting a dossier: build the record, commit it and its slip stub to the outbox, then queue the slip.

The order is the point: the dossier is durable before anything is printed, so a printer fault or a crash
between the two loses nothing; the stub stays "unprinted" for staff. Printing results come back as events.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from firmware.common.catalog import Procedure
from firmware.common.due_date import WorkCalendar, promised_due_date
from firmware.devices.printing import PrintJob, PrintWorker
from firmware.render.slip import slip_from_record
from firmware.rules.pages import Page
from firmware.rules.validation import to_record
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.runtime.events import PrintResult
from firmware.services.dossier import build_record, dossier_events, slip_stub
from firmware.services.outbox import Outbox, OutboxFull
from firmware.services.session import Session

log = logging.getLogger("motcua.submission")
KEEP_RECENT = 4


@dataclass
class Submitted:
    record: dict[str, Any]
    print_state: str = "printing"  # printing | printed | failed: <printer state>


@dataclass
class SubmissionService:
    config: Config
    outbox: Outbox
    calendar: WorkCalendar
    clock: Clock
    printer: PrintWorker
    catalog_version: str
    # With a link: how long a slip waits for the province's official code before it prints the kiosk's own.
    wait_official_s: float = 0.0
    submitted: dict[str, Submitted] = field(default_factory=dict)
    last: Submitted | None = None
    dossiers: int = 0
    # dossier id -> (print deadline on the loop clock, its record): slips waiting for the official code
    waiting: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    # (state, reason) when the outbox refuses or fails a dossier: `full` or `failed` (the storage watch hears it)
    storage_trouble: Callable[[str, str], None] = lambda state, reason: None

    def refusal(self) -> str | None:
        return self.outbox.refusal()

    def submit(self, session: Session, procedure: Procedure) -> Submitted:
        """Commit the session's dossier (raises OutboxFull with the reason), then queue its slip."""
        wall = self.clock.wall()
        synced = self.clock.synced()
        hours, minutes = (int(part) for part in self.config.submission.cutoff.split(":"))
        due = promised_due_date(self.calendar, wall.replace(tzinfo=None), procedure.working_days, synced,
                                time(hours, minutes))
        try:
            return self._submit(session, procedure, wall, synced, due)
        except OutboxFull as exc:
            log.error("dossier not stored: the outbox refused it (%s)", exc.reason)
            self.storage_trouble("full", exc.reason)
            raise
        except (sqlite3.Error, OSError) as exc:
            # Disk full, an I/O error: nothing of this dossier was stored (one transaction), nothing before it touched.
            log.error("dossier not stored: the outbox failed (%s)", exc)
            self.storage_trouble("failed", f"the outbox could not be written ({exc})")
            raise OutboxFull(f"the outbox could not be written ({exc})") from None

    def _submit(self, session: Session, procedure: Procedure, wall: datetime, synced: bool,
                due: date | None) -> Submitted:
        code = self.outbox.reserve_receipt_code(self.config.kiosk.id, wall.date())
        pages: list[Page] = [page for key in session.pages for page in session.pages[key]]
        answers = {f.key: to_record(f, str(session.answers[f.key])) for f in procedure.form if f.key in session.answers}
        record = build_record(
            kiosk=self.config.kiosk, identity=session.identity or {}, procedure=procedure,
            catalog_version=self.catalog_version, answers=answers, pages=pages,
            consent_at=session.consent_at or wall, received_at=wall, clock_synced=synced, receipt_code=code,
            due_date=due, documents_at_counter=list(session.documents_at_counter))
        self.outbox.commit(dossier_events(record, pages), slip_stub(record))
        log.info("dossier %s committed: procedure %s, %d page(s)", code, procedure.code, len(pages))
        self.committed(record)
        done = Submitted(record)
        if self.wait_official_s > 0:
            self.waiting[record["id"]] = (self.clock.now() + self.wait_official_s, record)
        else:
            self._print(record)
        self.submitted[code] = done
        self.last = done
        self.dossiers += 1
        return done

    def committed(self, record: dict[str, Any]) -> None:
        """The dossier is durable; nothing is printed yet (the point where a power cut would hurt most)."""

    def _print(self, record: dict[str, Any]) -> None:
        self.printer.submit(PrintJob(record["receipt_code"], slip_from_record(record),
                                     self.config.submission.slip_width))

    def official(self, dossier_id: str, info: dict[str, Any]) -> None:
        """The province's code arrived: the record shown on `done` takes it, and a slip still waiting prints it."""
        for done in self.submitted.values():
            if done.record["id"] == dossier_id:
                done.record["official_code"] = info.get("code")
        waiting = self.waiting.pop(dossier_id, None)
        if waiting:
            waiting[1]["official_code"] = info.get("code")
            self._print(waiting[1])

    def tick(self, now: float) -> float:
        """Timer: a slip that waited long enough for the official code prints with the kiosk's receipt code."""
        for dossier_id, (deadline, record) in list(self.waiting.items()):
            if now >= deadline:
                del self.waiting[dossier_id]
                self._print(record)
        return now + 0.25

    def on_print_result(self, event: PrintResult) -> None:
        code = event.code
        if event.ok:
            self.outbox.mark_printed(code)
            state = "printed"
        else:
            state = f"failed: {event.state or 'offline'}"
        if code in self.submitted:
            self.submitted[code].print_state = state
        while len(self.submitted) > KEEP_RECENT:  # only what a screen may still show
            del self.submitted[next(iter(self.submitted))]

    def status(self, now: float) -> dict[str, Any]:
        return {"dossiers": self.dossiers, "unprinted_slips": len(self.outbox.unprinted_stubs()),
                "accepting": self.refusal() is None, "printer_jobs": self.printer.status(now)}
