"""Events that reach the loop from other threads: one small frozen dataclass per kind.

Threads (camera decode, paho's network loop, gpiozero callbacks, device workers) never touch state: they build an
event and hand it to `Inbox.post`. The loop's router sends each kind to the handlers registered for it
(`firmware/runtime/router.py`). `kind` names the event in logs and tests; `data` is its fields as a dict, fields
left at their default omitted.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class KioskEvent:
    kind: ClassVar[str] = "event"
    posted_at: float = field(default_factory=time.monotonic, kw_only=True, compare=False, repr=False)

    @property
    def data(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            if item.name == "posted_at":
                continue
            value = getattr(self, item.name)
            if item.default is not dataclasses.MISSING and value == item.default:
                continue
            values[item.name] = value
        return values


@dataclass(frozen=True)
class Presence(KioskEvent):
    kind: ClassVar[str] = "presence"
    present: bool


@dataclass(frozen=True)
class QrDecoded(KioskEvent):
    kind: ClassVar[str] = "qr_decoded"
    payload: str
    source: str  # camera | serial | a test's name


@dataclass(frozen=True)
class ButtonPressed(KioskEvent):
    kind: ClassVar[str] = "button"
    name: str  # help | tamper


@dataclass(frozen=True)
class DeviceState(KioskEvent):
    """A device's state changed; `reason` says why, for the journal and staff (never for citizens)."""

    kind: ClassVar[str] = "device_state"
    state: str
    reason: str = ""


@dataclass(frozen=True)
class LinkState(DeviceState):
    kind: ClassVar[str] = "link_state"  # up | down | refused


@dataclass(frozen=True)
class PrinterState(DeviceState):
    kind: ClassVar[str] = "printer_state"  # hw.printer.STATES


@dataclass(frozen=True)
class CameraState(DeviceState):
    kind: ClassVar[str] = "camera_state"  # ok | absent


@dataclass(frozen=True)
class ScannerState(DeviceState):
    kind: ClassVar[str] = "scanner_state"  # ok | jam | absent


@dataclass(frozen=True)
class CardReaderState(DeviceState):
    kind: ClassVar[str] = "cardreader_state"  # ok | absent


@dataclass(frozen=True)
class CardPresence(KioskEvent):
    kind: ClassVar[str] = "card_presence"
    present: bool


@dataclass(frozen=True)
class CardRead(KioskEvent):
    """A chip read: the identity (the session takes this very dict, so the visit's wipe clears it), or why not
    (a code of firmware.chip.read.MESSAGES)."""

    kind: ClassVar[str] = "card_read"
    ok: bool
    code: str = ""
    identity: dict[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DeviceFault(KioskEvent):
    """A driver raised something unexpected; its worker logged it, backs off and tries again."""

    kind: ClassVar[str] = "device_fault"
    device: str
    error: str


@dataclass(frozen=True)
class ScanResult(KioskEvent):
    kind: ClassVar[str] = "scan_result"
    ok: bool
    document: str = ""
    page: Any = None  # firmware.rules.pages.Page when ok
    thumb: Any = None  # a PIL image when ok
    problem: str = ""  # the page was refused: firmware.rules.pages.BLANK | DARK
    fault: str = ""  # the scanner could not scan: jam | absent | error
    detail: str = ""


@dataclass(frozen=True)
class PrintResult(KioskEvent):
    kind: ClassVar[str] = "print_result"
    code: str  # the receipt code of the slip
    ok: bool
    state: str = ""  # why not: the printer's state (paper_out, offline, absent, ...)
    bytes: int = 0
    render_ms: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class MqttMessage(KioskEvent):
    kind: ClassVar[str] = "mqtt_message"
    topic: str
    payload: bytes
    leaf: str = ""  # the topic under this kiosk's root (ack, res, cmd), or the whole topic for others
    correlation: bytes | None = None


@dataclass(frozen=True)
class PublishFailed(KioskEvent):
    kind: ClassVar[str] = "publish_failed"
    mid: int
    reason: str


@dataclass(frozen=True)
class Response(KioskEvent):
    """The answer to a request (`req/{request}`): answered, malformed or timeout."""

    kind: ClassVar[str] = "response"
    correlation: bytes
    request: str
    outcome: str
    body: dict[str, Any] | None = None


PRESENCE = Presence.kind
QR_DECODED = QrDecoded.kind
BUTTON = ButtonPressed.kind
LINK_STATE = LinkState.kind
PRINTER_STATE = PrinterState.kind
CAMERA_STATE = CameraState.kind
SCANNER_STATE = ScannerState.kind
DEVICE_FAULT = DeviceFault.kind
SCAN_RESULT = ScanResult.kind
PRINT_RESULT = PrintResult.kind
MQTT_MESSAGE = MqttMessage.kind
PUBLISH_FAILED = PublishFailed.kind
RESPONSE = Response.kind
