"""The printer job worker: renders the slip and sends it on its own thread (a raster slip takes seconds to send),
then posts the result. The dossier is already in the outbox before a job is queued.

Whatever the driver raises, the job in hand ends as a failed `PrintResult` (the citizen is told the slip could not
be printed; the dossier stays submitted) and the worker takes the next job.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from firmware.render.slip import SlipData, render_slip
from firmware.runtime.events import KioskEvent, PrintResult
from firmware.runtime.worker import Worker
from hw.errors import DeviceAbsent, DeviceError, PrinterNotReady

log = logging.getLogger("motcua.printing")
JOB_WAIT_S = 0.5


@dataclass(frozen=True)
class PrintJob:
    receipt_code: str
    slip: SlipData
    width: int


class PrintWorker(Worker):
    stop_wait_s = 10.0  # a slip being sent is let finish
    def __init__(self, printer: Any, post: Callable[[KioskEvent], None], hold_until_released: bool = False) -> None:
        """`hold_until_released`: a job waits for `release()`, which the loop calls once the frame of its turn is
        shown. Rendering and sending a slip keeps Python busy for about 60 ms here (several times that on a Pi),
        and begun at once it held the GIL while the screen that says "printing" was drawn (a 50 ms frame)."""
        super().__init__("printer-jobs", "printer", post)
        self.printer = printer
        self._jobs: queue.Queue[PrintJob | None] = queue.Queue()  # None: wake up, the worker is stopping
        self._hold = hold_until_released
        self._held: list[PrintJob] = []  # the loop's thread only: submit and release
        self._current: PrintJob | None = None
        self.last_slip: Image.Image | None = None
        self.last_slip_code: str | None = None
        self.printed = 0
        self.failed = 0

    def submit(self, job: PrintJob) -> None:
        if self._hold:
            self._held.append(job)
        else:
            self._jobs.put(job)

    def release(self) -> None:
        """The held jobs to the worker, in order (called after each turn of the loop)."""
        while self._held:
            self._jobs.put(self._held.pop(0))

    def stop(self) -> None:
        self.release()  # as before holding: what was submitted is the worker's
        self._stop.set()
        self._jobs.put(None)  # a stop does not wait out the queue's timeout
        super().stop()

    def step(self) -> None:
        try:
            job = self._jobs.get(timeout=JOB_WAIT_S)
        except queue.Empty:
            return
        if job is None:
            return
        self._current = job
        started = time.perf_counter()
        image = render_slip(job.slip, job.width)
        self.last_slip = image
        self.last_slip_code = job.receipt_code
        render_ms = round((time.perf_counter() - started) * 1000, 2)
        try:
            sent = self.printer.print_image(image)
        except PrinterNotReady as exc:
            self._finish(PrintResult(job.receipt_code, False, state=exc.reason, render_ms=render_ms))
        except DeviceAbsent as exc:
            self._finish(PrintResult(job.receipt_code, False, state="absent", render_ms=render_ms,
                                     detail=exc.reason))
        except DeviceError as exc:
            self._finish(PrintResult(job.receipt_code, False, state="offline", render_ms=render_ms, detail=str(exc)))
        else:
            self.printed += 1
            self._finish(PrintResult(job.receipt_code, True, bytes=sent, render_ms=render_ms))

    def on_fault(self, exc: Exception) -> None:
        """The driver raised something unexpected mid-slip: that slip failed; the next job is taken as usual."""
        job, self._current = self._current, None
        if job is not None:
            self._finish(PrintResult(job.receipt_code, False, state="offline", detail=f"{type(exc).__name__}: {exc}"))

    def _finish(self, result: PrintResult) -> None:
        self._current = None
        if result.ok:
            log.info("slip %s printed (%d bytes)", result.code, result.bytes)
        else:
            self.failed += 1
            log.warning("slip %s not printed: %s%s", result.code, result.state,
                        f" ({result.detail})" if result.detail else "")
        self._post(result)

    def status(self, now: float) -> dict[str, Any]:
        return {"queued": self._jobs.qsize() + len(self._held), "printed": self.printed, "failed": self.failed,
                "driver_faults": self.faults}
