"""The backlight: full while someone is near or using the kiosk, dimmed on `attract` after a quiet spell."""

from __future__ import annotations

from typing import Any

from firmware.services.kiosk import Kiosk
from hw.errors import DeviceError

CHECK_EVERY_S = 0.25  # the loop wakes at 4 fps on attract anyway


class BacklightManager:
    def __init__(self, backlight: Any, kiosk: Kiosk, dim_after_s: float, dim_level: float) -> None:
        self.backlight = backlight
        self.kiosk = kiosk
        self.dim_after_s = dim_after_s
        self.dim_level = dim_level
        self.level: float | None = None

    def tick(self, now: float) -> float:
        quiet_since = max(self.kiosk.session.last_activity, self.kiosk.health.last_presence)
        idle = self.kiosk.nav.top_name == "attract" and now - quiet_since >= self.dim_after_s
        level = self.dim_level if idle else 1.0
        if level != self.level:
            try:
                self.backlight.set_level(level)
                self.level = level
            except DeviceError:
                self.level = level  # no backlight control: nothing to retry
        return now + CHECK_EVERY_S
