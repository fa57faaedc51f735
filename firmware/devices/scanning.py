"""The scanner worker: while a screen wants pages, it feeds the scanner, checks and compresses each page, and
posts the result. Scanning takes seconds on a real feeder, so the loop never waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from firmware.rules.pages import page_from_image, page_problem, thumbnail
from firmware.runtime.events import KioskEvent, ScanResult
from firmware.runtime.worker import Worker
from hw.errors import DeviceAbsent, DeviceError, NoDocument, PaperJam

IDLE_WAIT_S = 0.25


class ScanWorker(Worker):
    def __init__(self, scanner: Any, post: Callable[[KioskEvent], None]) -> None:
        super().__init__("scanner", "scanner", post)
        self.scanner = scanner
        self._request: tuple[str, str, int] | None = None  # document key, name, page index
        self._lock = threading.Lock()
        self._last_fault = ""
        self.pages = 0
        self.refused = 0
        self.results = 0

    def want(self, document: str, name: str, index: int) -> None:
        """Scan the next page put in the slot as page `index` of `document`."""
        with self._lock:
            self._request = (document, name, index)
            self._last_fault = ""
        self._wake.set()

    def cancel(self) -> None:
        with self._lock:
            self._request = None

    def step(self) -> None:
        with self._lock:
            request = self._request
        if request is None:
            self._nap(IDLE_WAIT_S)
            return
        try:
            image = self.scanner.scan()
        except NoDocument:
            self._nap(IDLE_WAIT_S)  # or until paper arrives (a feeder's sensor pokes)
            return
        except (PaperJam, DeviceAbsent, DeviceError) as exc:
            fault = "jam" if isinstance(exc, PaperJam) else "absent" if isinstance(exc, DeviceAbsent) else "error"
            self._report(fault, str(exc))
            self._stop.wait(IDLE_WAIT_S)
            return
        self._last_fault = ""
        self._handle_page(request, image)

    def _report(self, fault: str, detail: str) -> None:
        if fault != self._last_fault:
            self._last_fault = fault
            self._send(ScanResult(False, fault=fault, detail=detail))

    def on_fault(self, exc: Exception) -> None:
        """An unexpected driver error: the screen offers to try again, as for any scanner error."""
        self._report("error", f"{type(exc).__name__}: {exc}")

    def _handle_page(self, request: tuple[str, str, int], image: Any) -> None:
        document, name, index = request
        problem = page_problem(image)
        if problem:
            self.refused += 1
            self._send(ScanResult(False, document=document, problem=problem))
            return
        with self._lock:
            if self._request == request:
                self._request = None  # one page per request
        page = page_from_image(image, document, name, index)
        self.pages += 1
        self._send(ScanResult(True, document=document, page=page, thumb=thumbnail(image)))

    def _send(self, result: ScanResult) -> None:
        self.results += 1
        self._post(result)

    def status(self, now: float) -> dict[str, Any]:
        return {"waiting": self._request is not None, "pages": self.pages, "refused": self.refused,
                "fault": self._last_fault or None, "driver_faults": self.faults}
