"""Screens by their stable names (DESIGN.md §4)."""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from screens.attract import AttractScreen  # noqa: E402
from screens.base import Screen  # noqa: E402
from screens.card_key import CardKeyScreen  # noqa: E402
from screens.documents import DocumentsScreen  # noqa: E402
from screens.done import DoneScreen  # noqa: E402
from screens.dossiers import DossiersScreen  # noqa: E402
from screens.form import FormScreen  # noqa: E402
from screens.help import HelpScreen  # noqa: E402
from screens.home import HomeScreen  # noqa: E402
from screens.login import LoginScreen  # noqa: E402
from screens.lookup import LookupScreen  # noqa: E402
from screens.out_of_service import OutOfServiceScreen  # noqa: E402
from screens.pay import PayScreen  # noqa: E402
from screens.procedure import ProcedureScreen  # noqa: E402
from screens.procedures import ProceduresScreen  # noqa: E402
from screens.rate import RateScreen  # noqa: E402
from screens.review import ReviewScreen  # noqa: E402
from screens.status import StatusScreen  # noqa: E402
from screens.submitting import SubmittingScreen  # noqa: E402
from screens.technician import TechnicianScreen  # noqa: E402
from screens.technician_pin import TechnicianPinScreen  # noqa: E402
from screens.vneid import VneidScreen  # noqa: E402

SCREENS: tuple[type[Screen], ...] = (AttractScreen, HomeScreen, HelpScreen, LoginScreen, ProceduresScreen,
                                     ProcedureScreen, FormScreen, DocumentsScreen, ReviewScreen, SubmittingScreen,
                                     DoneScreen, LookupScreen, DossiersScreen, StatusScreen, RateScreen,
                                     PayScreen, VneidScreen, CardKeyScreen, OutOfServiceScreen, TechnicianPinScreen,
                                     TechnicianScreen)
REGISTRY: dict[str, type[Screen]] = {cls.name: cls for cls in SCREENS}
