"""The one small object screens reach firmware services through (never hw/ or paho directly)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from firmware.common.catalog import Catalog, Procedure
from firmware.devices.scanning import ScanWorker
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.runtime.events import KioskEvent
from firmware.services.cards import CardService
from firmware.services.health import Health
from firmware.services.lookup import LookupService
from firmware.services.payment import PaymentService
from firmware.services.rating import RatingService
from firmware.services.search import ProcedureIndex
from firmware.services.session import Session
from firmware.services.staff import StaffCall
from firmware.services.submission import SubmissionService
from firmware.services.supplement import SupplementService
from firmware.services.technician import TechnicianService
from firmware.services.vneid import VneidService
from firmware.services.voice import Voice


class Navigator(Protocol):
    """Screen changes are requests: the stack applies them after the current event, never mid-handler."""

    def push(self, name: str, **params: Any) -> None: ...
    def pop(self) -> None: ...
    def replace(self, name: str, **params: Any) -> None: ...
    def reset(self, name: str, **params: Any) -> None: ...
    def has(self, name: str) -> bool: ...
    @property
    def top_name(self) -> str | None: ...


@dataclass
class Kiosk:
    config: Config
    clock: Clock
    nav: Navigator
    session: Session
    post: Callable[[KioskEvent], None]
    catalog: Catalog
    index: ProcedureIndex
    submissions: SubmissionService
    scanning: ScanWorker
    health: Health  # device, link, presence and tamper state (the banner reads it)
    voice: Voice
    lookup: LookupService
    ratings: RatingService
    supplements: SupplementService
    payments: PaymentService
    vneid: VneidService
    notice: str = ""  # the operator's notice on `attract` (a signed `notice` command)
    technician: TechnicianService | None = None  # technician mode's access and record
    cards: CardService = field(default_factory=lambda: CardService(None))  # the ID card reader, if fitted
    staff: StaffCall = field(default_factory=StaffCall)  # `Gọi cán bộ`: a member of staff asked for

    def procedure(self) -> Procedure:
        """The procedure this visit is about (the catalog's first when none is chosen, for sample screens)."""
        return self.catalog.by_code(self.session.procedure_code or "") or self.catalog.procedures[0]
