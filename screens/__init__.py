"""Screens by their stable names (DESIGN.md §4)."""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from screens.attract import AttractScreen  # noqa: E402
from screens.base import Screen  # noqa: E402
from screens.help import HelpScreen  # noqa: E402
from screens.home import HomeScreen  # noqa: E402

REGISTRY: dict[str, type[Screen]] = {cls.name: cls for cls in (AttractScreen, HomeScreen, HelpScreen)}
