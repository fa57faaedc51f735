"""The one owner of the kiosk's health: device, link, presence and tamper state, taken from events on the loop's
thread. The banner, the status publisher, the sender and the screens all ask it; paho's thread and the device
threads only post events. Every change is one line in the journal, with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from firmware.runtime.events import (
    ButtonPressed,
    CameraState,
    CardReaderState,
    DeviceFault,
    DeviceState,
    LinkState,
    Presence,
    PrinterState,
    PrintResult,
    ScannerState,
)

log = logging.getLogger("motcua.health")
PARTS: dict[type[DeviceState], str] = {LinkState: "network", PrinterState: "printer", CameraState: "camera",
                                       ScannerState: "scanner", CardReaderState: "cardreader"}


class Health(Mapping[str, str]):
    """Read as a mapping: part -> state (`health["network"] == "up"`)."""

    def __init__(self, now: Callable[[], float], on_change: Callable[[], None] = lambda: None, *,
                 link: bool = False) -> None:
        self._now = now  # the loop's clock: presence is compared with the session's last touch
        self._states: dict[str, str] = {"network": "down" if link else "up", "printer": "ok", "storage": "ok"}
        self._on_change = on_change
        self.last_presence = float("-inf")
        self.present: bool | None = None  # the presence sensor's last word; None: it has said nothing
        self.faults: dict[str, str] = {}  # device -> its last unexpected driver error
        self.changes = 0

    # -- the mapping the banner and the status read ---------------------------------------------------------
    def __getitem__(self, part: str) -> str:
        return self._states[part]

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    @property
    def link_up(self) -> bool:
        return self._states.get("network") == "up"

    # -- event handlers (registered with the router) -----------------------------------------------------
    def set(self, part: str, state: str, reason: str = "") -> None:
        previous = self._states.get(part)
        if previous == state:
            return
        self._states[part] = state
        self.changes += 1
        log.info("%s: %s -> %s%s", part, previous or "unknown", state, f" ({reason})" if reason else "")
        self._on_change()

    def on_device_state(self, event: DeviceState) -> None:
        self.set(PARTS[type(event)], event.state, event.reason)

    def on_print_result(self, event: PrintResult) -> None:
        """A failed slip tells the banner and status at once, not at the printer's next poll."""
        if not event.ok:
            self.set("printer", event.state or "offline", event.detail or "a slip could not be printed")

    def on_button(self, event: ButtonPressed) -> None:
        if event.name == "tamper":
            self.set("tamper", "opened", "the tamper switch was pressed")

    def on_presence(self, event: Presence) -> None:
        self.present = event.present
        if event.present:
            self.last_presence = self._now()

    def on_device_fault(self, event: DeviceFault) -> None:
        self.faults[event.device] = event.error

    def status(self, now: float) -> dict[str, Any]:
        return {**self._states, "faults": dict(self.faults)}
