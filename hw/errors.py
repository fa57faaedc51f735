"""One exception tree for devices, caught by category at the top (as gpiozero's exc.py)."""

from __future__ import annotations


class DeviceError(Exception):
    """A device could not do what was asked. `reason` is for logs and staff, not for citizens."""

    def __init__(self, device: str, reason: str) -> None:
        super().__init__(f"{device}: {reason}")
        self.device = device
        self.reason = reason


class DeviceAbsent(DeviceError):
    """Not connected, not found, or switched off."""


class DeviceBusy(DeviceError):
    """Try again shortly."""


class PaperJam(DeviceError):
    """The scanner's feeder jammed: the citizen must take the paper out."""


class NoDocument(DeviceError):
    """The scanner found no paper in its slot."""


class PrinterNotReady(DeviceError):
    """Out of paper, cover open or offline: nothing was printed."""
