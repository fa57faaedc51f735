"""Device threads survive any driver exception: the fault is logged and posted, the worker backs off and goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from firmware.app.sim import Simulator
from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.devices.poller import DevicePoller
from firmware.devices.scanning import ScanWorker
from firmware.runtime.events import DeviceFault, KioskEvent, PrinterState, ScanResult
from hw.camera import SimCamera
from hw.printer import SimPrinter
from hw.qr import make_decoder
from hw.scanner import SimScanner
from tests.conftest import wait_until
from tests.test_submission_flow import stored, submit, to_review


class Flaky:
    """Wraps a method of a real sim device: the first `times` calls raise an error no driver contract names."""

    def __init__(self, method: Callable[..., Any], times: int = 1, error: Exception | None = None) -> None:
        self.method = method
        self.left = times
        self.error = error or RuntimeError("usb: [Errno 19] No such device (it was pulled out)")

    def __call__(self, *args: Any) -> Any:
        if self.left > 0:
            self.left -= 1
            raise self.error
        return self.method(*args)


def test_a_printer_driver_exception_mid_slip_fails_that_slip_and_the_next_one_prints(
        sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    printer: SimPrinter = sim.app.devices.printer
    printer.print_image = Flaky(printer.print_image)  # type: ignore[method-assign, assignment]
    caplog.set_level(logging.INFO)
    to_review(sim)
    submit(sim)
    first, _pages = stored(sim)
    code = first["receipt_code"]
    sim.wait_for(lambda: sim.app.kiosk.submissions.submitted[code].print_state != "printing", "no print result")
    assert sim.app.kiosk.submissions.submitted[code].print_state == "failed: offline"
    sim.run([])  # the screen learns it
    sim.expect_text("chưa in được phiếu hẹn")
    sim.expect_text("Hồ sơ của bạn đã được lưu")
    assert [s.receipt_code for s in sim.app.outbox.unprinted_stubs()] == [code]
    assert sim.app.outbox.backlog() == 2, "the dossier stays submitted"
    assert printer.jobs == []
    assert "printer: driver fault (RuntimeError: usb: [Errno 19] No such device" in caplog.text
    assert sim.app.printing.alive and sim.app.printing.faults == 1
    # The fault cleared: the next citizen's slip prints.
    sim.tap("Kết thúc")
    sim.expect_screen("attract")
    sim.wait_for(lambda: sim.app.kiosk.health["printer"] == "ok", "the printer's state was not checked again")
    sim.presence(False)
    to_review(sim)
    submit(sim)
    second = [e.body for e in sim.app.outbox.pending() if e.kind == "dossier"][-1]["receipt_code"]
    assert second != code
    sim.wait_for(lambda: sim.app.kiosk.submissions.submitted[second].print_state == "printed", "not printed")
    assert len(printer.jobs) == 1
    assert [s.receipt_code for s in sim.app.outbox.unprinted_stubs()] == [code]


def test_the_camera_thread_survives_a_driver_exception() -> None:
    camera = SimCamera(fps=60)
    camera.read = Flaky(camera.read, times=3)  # type: ignore[method-assign, assignment]
    posted: list[KioskEvent] = []
    worker = CameraDecodeWorker(camera, make_decoder("zxing"), posted.append)
    worker.start()
    try:
        wait_until(lambda: worker.faults == 3 and worker.state == "ok", seconds=10)
        camera.show_qr("after the fault")
        wait_until(lambda: any(getattr(e, "payload", "") == "after the fault" for e in posted), seconds=10)
    finally:
        worker.stop()
    faults = [e for e in posted if isinstance(e, DeviceFault)]
    assert len(faults) == 3 and faults[0].device == "camera" and "RuntimeError" in faults[0].error


def test_the_scanner_thread_survives_a_driver_exception() -> None:
    scanner = SimScanner()
    scanner.scan = Flaky(scanner.scan, error=TypeError("a driver bug"))  # type: ignore[method-assign, assignment]
    posted: list[KioskEvent] = []
    worker = ScanWorker(scanner, posted.append)
    worker.start()
    try:
        worker.want("giay_chung_sinh", "Giấy chứng sinh", 1)
        wait_until(lambda: any(isinstance(e, ScanResult) and e.fault == "error" for e in posted), seconds=10)
        page = Image.new("L", (800, 1100), 255)
        page.paste(0, (100, 100, 700, 900))
        page.paste(255, (200, 200, 600, 800))
        scanner.insert_document(page)
        worker.poke()
        wait_until(lambda: any(isinstance(e, ScanResult) and e.ok for e in posted), seconds=10)
    finally:
        worker.stop()
    assert worker.alive is False and worker.faults == 1


def test_a_status_probe_that_raises_reads_as_offline_and_the_poller_goes_on() -> None:
    printer = SimPrinter()
    printer.state = Flaky(printer.state, times=1, error=OSError("I/O error"))  # type: ignore[method-assign, assignment]
    posted: list[KioskEvent] = []
    poller = DevicePoller({"printer": (PrinterState, printer)}, posted.append, interval_s=0.01)
    poller.start()
    try:
        wait_until(lambda: [e.data.get("state") for e in posted] == ["offline", "ok"], seconds=10)
    finally:
        poller.stop()
    assert posted[0].data == {"state": "offline", "reason": "OSError: I/O error"}
