"""The display's backlight: full on for a visitor, dimmed when nobody is near."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from hw.absent import Absent
from hw.errors import DeviceAbsent


class Backlight(Protocol):
    def set_level(self, level: float) -> None:
        """0.0 (off) .. 1.0 (full)."""
        ...

    def status(self, now: float) -> dict[str, Any]: ...


class SimBacklight:
    def __init__(self) -> None:
        self.level = 1.0
        self.history: list[float] = []
        self.absent = False

    def set_level(self, level: float) -> None:
        if self.absent:
            raise DeviceAbsent("backlight", "no backlight control")
        self.level = max(0.0, min(1.0, level))
        self.history.append(self.level)

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "absent" if self.absent else "ok", "level": self.level}


class SysfsBacklight:
    """/sys/class/backlight/<name>/brightness; writable through the udev rule provisioning installs."""

    def __init__(self, root: Path = Path("/sys/class/backlight")) -> None:
        devices = sorted(root.glob("*/max_brightness")) if root.exists() else []
        if not devices:
            raise DeviceAbsent("backlight", f"nothing under {root}")
        self.path = devices[0].parent
        self.maximum = int((self.path / "max_brightness").read_text().strip())
        self.level = 1.0

    def set_level(self, level: float) -> None:
        self.level = max(0.0, min(1.0, level))
        try:
            (self.path / "brightness").write_text(str(round(self.level * self.maximum)))
        except OSError as exc:
            raise DeviceAbsent("backlight", str(exc)) from None

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok", "level": self.level, "device": self.path.name}


# Backends by their config name (`[backlight] backend`): config validation, the device builder and doctor read it.
BACKENDS: dict[str, Callable[[Any], Any]] = {
    "sim": lambda section: SimBacklight(),
    "sysfs": lambda section: SysfsBacklight(),
    "none": lambda section: Absent("backlight"),
}
