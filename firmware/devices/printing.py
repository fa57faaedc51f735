"""The printer job worker: renders the slip and sends it on its own thread (a raster slip takes seconds to send),
then posts the result. The dossier is already in the outbox before a job is queued.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from firmware.render.slip import SlipData, render_slip
from firmware.runtime import events
from firmware.runtime.events import KioskEvent
from hw.errors import DeviceAbsent, DeviceError, PrinterNotReady


@dataclass(frozen=True)
class PrintJob:
    receipt_code: str
    slip: SlipData
    width: int


class PrintWorker:
    def __init__(self, printer: Any, post: Callable[[KioskEvent], None]) -> None:
        self.printer = printer
        self._post = post
        self._jobs: queue.Queue[PrintJob | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="printer-jobs", daemon=True)
        self.last_slip: Image.Image | None = None
        self.last_slip_code: str | None = None
        self.printed = 0
        self.failed = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, job: PrintJob) -> None:
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            started = time.perf_counter()
            image = render_slip(job.slip, job.width)
            self.last_slip = image
            self.last_slip_code = job.receipt_code
            render_ms = (time.perf_counter() - started) * 1000
            result: dict[str, Any] = {"code": job.receipt_code, "render_ms": round(render_ms, 2)}
            try:
                result["bytes"] = self.printer.print_image(image)
                result["ok"] = True
                self.printed += 1
            except PrinterNotReady as exc:
                result.update(ok=False, state=exc.reason)
            except DeviceAbsent:
                result.update(ok=False, state="absent")
            except DeviceError as exc:
                result.update(ok=False, state="offline", detail=str(exc))
            if not result["ok"]:
                self.failed += 1
            self._post(KioskEvent(events.PRINT_RESULT, result, time.monotonic()))

    def stop(self) -> None:
        self._jobs.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def status(self, now: float) -> dict[str, Any]:
        return {"queued": self._jobs.qsize(), "printed": self.printed, "failed": self.failed}
