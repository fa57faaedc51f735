"""One contract for every printer backend: the sim (python-escpos's Dummy) and the real one (python-escpos's Serial
on a socat pty, with an emulated printer answering DLE EOT). Same inputs, same states, same bytes, same events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from firmware.devices.printing import PrintJob, PrintWorker
from firmware.render.slip import SlipData
from firmware.runtime.events import KioskEvent, PrintResult
from hw.errors import DeviceAbsent, PrinterNotReady
from hw.printer import EscposPrinter, SimPrinter, raster_job
from tests.conftest import wait_until
from tests.contract.emulators import EscposEmulator, pty_pair


@dataclass
class Rig:
    printer: Any
    set_state: Callable[[str], None]
    sent: Callable[[], bytes]  # every byte that reached the paper side


@pytest.fixture(params=["sim", "escpos"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    if request.param == "sim":
        sim = SimPrinter(576)
        yield Rig(sim, sim.set_state, lambda: b"".join(job.data for job in sim.jobs))
        return
    with pty_pair(tmp_path) as (near, far):
        emulator = EscposEmulator(far)
        real = EscposPrinter(f"serial:{near}:19200", 576)
        try:
            yield Rig(real, lambda s: setattr(emulator, "state", s), lambda: bytes(emulator.received))
        finally:
            real.close()
            emulator.close()


def slip_like() -> Image.Image:
    image = Image.new("L", (576, 260), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 120), fill=0)
    draw.line((0, 250, 575, 130), fill=0, width=5)
    return image


@pytest.mark.parametrize("state", ["ok", "paper_low", "paper_out", "cover_open", "offline"])
def test_state_is_read_the_same(rig: Rig, state: str) -> None:
    rig.set_state(state)
    assert rig.printer.state() == state


def test_a_slip_sends_the_same_raster_bytes(rig: Rig) -> None:
    image = slip_like()
    expected = raster_job(image, 576)
    assert expected.startswith(b"\x1b@") or b"\x1dv0" in expected
    sent = rig.printer.print_image(image)
    assert sent == len(expected)
    wait_until(lambda: len(rig.sent()) >= len(expected), seconds=10)
    assert rig.sent() == expected


@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline"])
def test_a_printer_that_is_not_ready_prints_nothing(rig: Rig, state: str) -> None:
    rig.set_state(state)
    with pytest.raises(PrinterNotReady) as caught:
        rig.printer.print_image(slip_like())
    assert caught.value.reason == state and rig.sent() == b""


def test_paper_low_still_prints(rig: Rig) -> None:
    rig.set_state("paper_low")
    assert rig.printer.print_image(slip_like()) > 0


def test_the_print_worker_posts_the_same_results(rig: Rig) -> None:
    posted: list[KioskEvent] = []
    worker = PrintWorker(rig.printer, posted.append)
    worker.start()
    slip = SlipData("Phường Ba Đình", "kiosk-sim-01", "kiosk-sim-01-261124-0001", "Đăng ký khai sinh",
                    datetime(2026, 11, 24, 9, 30), None)
    try:
        worker.submit(PrintJob("A", slip, 576))
        wait_until(lambda: len(posted) == 1, seconds=20)
        rig.set_state("paper_out")
        worker.submit(PrintJob("B", slip, 576))
        wait_until(lambda: len(posted) == 2, seconds=20)
    finally:
        worker.stop()
    first, second = posted
    assert isinstance(first, PrintResult) and first.ok and first.bytes > 10_000
    assert len(rig.sent()) == first.bytes
    assert second.data == {"code": "B", "ok": False, "state": "paper_out", "render_ms": second.data["render_ms"]}


def test_a_printer_that_is_not_there_is_absent(tmp_path: Path) -> None:
    sim = SimPrinter()
    sim.set_state("absent")
    real = EscposPrinter(f"serial:{tmp_path / 'no-such-tty'}")
    for printer in (sim, real):
        assert printer.state() == "absent"
        with pytest.raises(DeviceAbsent):
            printer.print_image(slip_like())
    assert "no-such-tty" in real.status(0)["reason"]
