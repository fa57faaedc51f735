"""Document scanners deliver one page at a time as a PIL image, and give the paper back.

`SimScanner` models a sheet-fed slot: `insert_document(image)` puts a page in; `set_state("jam" | "absent" |
"ok")`. `SaneScanner` runs `scanimage` and maps its exit status (the SANE status) to our errors.
"""

from __future__ import annotations

import io
import subprocess
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from PIL import Image

from hw.absent import Absent
from hw.errors import DeviceAbsent, DeviceBusy, DeviceError, NoDocument, PaperJam

STATES = ("ok", "jam", "absent")


class Scanner(Protocol):
    def scan(self) -> Image.Image:
        """Scan the page in the slot. Raises NoDocument, PaperJam, DeviceAbsent or DeviceError."""
        ...

    def state(self) -> str:
        """One of STATES, as far as the scanner can tell without scanning."""
        ...

    def status(self, now: float) -> dict[str, Any]: ...


class SimScanner:
    def __init__(self) -> None:
        self._slot: deque[Image.Image] = deque()
        self._state = "ok"
        self.pages_scanned = 0
        self.history: list[str] = []

    def insert_document(self, image: Image.Image) -> None:
        self._slot.append(image)
        self.history.append("insert")

    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"scanner state {state!r}; expected one of {', '.join(STATES)}")
        self._state = state
        self.history.append(state)

    def state(self) -> str:
        return self._state

    @property
    def has_paper(self) -> bool:
        return bool(self._slot)

    def scan(self) -> Image.Image:
        if self._state == "absent":
            raise DeviceAbsent("scanner", "not connected")
        if self._state == "jam":
            raise PaperJam("scanner", "paper jammed in the feeder")
        if not self._slot:
            raise NoDocument("scanner", "no paper in the slot")
        self.pages_scanned += 1
        self.history.append("scan")
        return self._slot.popleft()

    def status(self, now: float) -> dict[str, Any]:
        return {"state": self._state, "pages": self.pages_scanned, "paper_in_slot": self.has_paper}


# scanimage exits with the SANE status of the failure
SANE_ERRORS = {3: DeviceBusy, 6: PaperJam, 7: NoDocument, 8: PaperJam, 9: DeviceError, 11: DeviceAbsent}
SANE_STATES = {6: "jam", 8: "jam", 11: "absent"}  # 7 (no document) is an empty slot, not a fault
SANE_REASONS = {3: "device busy", 6: "paper jammed", 7: "no document", 8: "cover open", 9: "I/O error",
                11: "access denied"}


class SaneScanner:
    def __init__(self, device: str = "", source: str = "ADF", resolution: int = 200, timeout_s: float = 60) -> None:
        self.device = device
        self.source = source
        self.resolution = resolution
        self.timeout_s = timeout_s
        self.pages_scanned = 0
        self.last_error = ""
        self.last_status = 0  # scanimage's exit status last time, the SANE status
        self.reason = ""

    def state(self) -> str:
        """From the last scan's SANE status: a jam or an open cover stays "jam" until a scan succeeds."""
        return SANE_STATES.get(self.last_status, "ok")

    def scan(self) -> Image.Image:
        command = ["scanimage", "--format=png", f"--resolution={self.resolution}", "--mode=Gray",
                   f"--source={self.source}", "--batch-count=1"]
        if self.device:
            command[1:1] = ["-d", self.device]
        try:
            done = subprocess.run(command, capture_output=True, timeout=self.timeout_s, check=False)
        except FileNotFoundError:
            self.last_status, self.reason = 11, "scanimage is not installed"
            raise DeviceAbsent("scanner", "scanimage is not installed (Debian package sane-utils)") from None
        except subprocess.TimeoutExpired:
            # Some feeders never report "empty": a page that does not come in time is no page.
            raise NoDocument("scanner", f"no page within {self.timeout_s:g} s") from None
        self.last_status = done.returncode
        if done.returncode:
            error = SANE_ERRORS.get(done.returncode, DeviceError)
            self.last_error = SANE_REASONS.get(done.returncode, f"scanimage exit {done.returncode}")
            self.reason = self.last_error
            raise error("scanner", f"{self.last_error}: {done.stderr.decode(errors='replace').strip()}")
        self.last_error = self.reason = ""
        self.pages_scanned += 1
        return Image.open(io.BytesIO(done.stdout)).convert("L")

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok" if not self.last_error else self.last_error, "pages": self.pages_scanned}


# Backends by their config name (`[scanner] backend`): config validation, the device builder and doctor read it.
BACKENDS: dict[str, Callable[[Any], Any]] = {
    "sim": lambda section: SimScanner(),
    "sane": lambda section: SaneScanner(section.device, section.source, section.resolution),
    "none": lambda section: Absent("scanner"),
}
