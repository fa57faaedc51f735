"""A device the kiosk does not have (backend "none"): every use says so, and status says "absent"."""

from __future__ import annotations

from typing import Any

from PIL import Image

from hw.errors import DeviceAbsent


class Absent:
    def __init__(self, device: str) -> None:
        self.device = device

    def _raise(self) -> Any:
        raise DeviceAbsent(self.device, "not installed on this kiosk")

    def read(self, timeout: float) -> Any:
        return self._raise()

    def scan(self) -> Image.Image:
        return self._raise()

    def print_image(self, image: Image.Image) -> int:
        return self._raise()

    def set_level(self, level: float) -> None:
        self._raise()

    def play(self, path: Any, volume: float) -> None:
        self._raise()

    def stop(self) -> None:
        pass

    def busy(self) -> bool:
        return False

    def state(self) -> str:
        return "absent"

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "absent"}

    def close(self) -> None:
        pass
