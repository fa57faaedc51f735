"""Events that reach the loop from other threads, and the inbox they travel through.

Threads (camera decode, paho's network loop, gpiozero callbacks, the printer worker) never touch state: they
call `Inbox.post`, which is thread-safe and wakes the loop if it is waiting.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any

PRESENCE = "presence"          # data: {"present": bool}
QR_DECODED = "qr_decoded"      # data: {"payload": str, "source": str}
LINK_STATE = "link_state"      # data: {"state": "up" | "down"}
PRINTER_STATE = "printer_state"  # data: {"state": "ok" | "paper_low" | "paper_out" | ...}
BUTTON = "button"              # data: {"name": "help" | "tamper"}
CAMERA_STATE = "camera_state"  # data: {"state": "ok" | "absent"}
SCANNER_STATE = "scanner_state"  # data: {"state": "ok" | "jam" | "absent"}
SCAN_RESULT = "scan_result"    # data: {"ok": True, "page", "thumb"} | {"ok": False, "fault" | "problem": ...}
MQTT_MESSAGE = "mqtt_message"  # data: {"topic": str, "payload": bytes}
RESPONSE = "response"          # data: {"correlation", "kind", "body": map | None, "outcome": answered|timeout|...}
PUBLISH_FAILED = "publish_failed"  # data: {"mid": int, "reason": str}
PRINT_RESULT = "print_result"  # data: {"code": str, "ok": bool, "state"?: str, "bytes"?: int}


@dataclass(frozen=True)
class KioskEvent:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    posted_at: float = 0.0


class Inbox:
    """A thread-safe queue drained by the loop once per tick."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[KioskEvent] = queue.SimpleQueue()
        self._wake = threading.Event()
        self.posted = 0

    def post(self, event: KioskEvent) -> None:
        self._queue.put(event)
        self.posted += 1
        self._wake.set()

    def drain(self) -> list[KioskEvent]:
        self._wake.clear()
        events: list[KioskEvent] = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds, returning early (True) when an event is posted."""
        return self._wake.wait(timeout)
