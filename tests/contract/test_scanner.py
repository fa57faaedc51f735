"""One contract for every scanner backend: the sim slot, and SANE's `scanimage` (a fake one first on PATH, which
answers with a page or with a SANE status as the real one does). Same pages, same faults, same events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from firmware.devices.scanning import ScanWorker
from firmware.runtime.events import KioskEvent, ScanResult
from hw.errors import DeviceAbsent, NoDocument, PaperJam
from hw.scanner import SaneScanner, SimScanner
from tests.conftest import wait_until
from tests.contract.emulators import fake_scanimage

SANE_STATUS = {"ok": 0, "jam": 6, "absent": 11}


@dataclass
class Rig:
    scanner: Any
    insert: Callable[[Image.Image], None]
    set_state: Callable[[str], object]


@pytest.fixture(params=["sim", "sane"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    if request.param == "sim":
        sim = SimScanner()
        yield Rig(sim, sim.insert_document, sim.set_state)
        return
    with fake_scanimage(tmp_path) as (slot, status):
        yield Rig(SaneScanner(), lambda image: image.save(slot, "PNG"),
                  lambda state: status.write_text(str(SANE_STATUS[state])))


def page() -> Image.Image:
    image = Image.new("L", (850, 1100), 255)
    image.paste(0, (100, 100, 750, 300))
    image.paste(60, (100, 400, 600, 420))
    return image


def test_a_page_in_the_slot_comes_back_as_it_was(rig: Rig) -> None:
    rig.insert(page())
    scanned = rig.scanner.scan()
    assert scanned.mode == "L" and scanned.size == (850, 1100)
    assert scanned.tobytes() == page().tobytes()
    assert rig.scanner.state() == "ok"


def test_an_empty_slot_is_no_document(rig: Rig) -> None:
    with pytest.raises(NoDocument):
        rig.scanner.scan()
    assert rig.scanner.state() == "ok"


def test_a_jam_is_a_jam_until_a_page_goes_through(rig: Rig) -> None:
    rig.insert(page())
    rig.set_state("jam")
    with pytest.raises(PaperJam):
        rig.scanner.scan()
    assert rig.scanner.state() == "jam"
    rig.set_state("ok")
    rig.scanner.scan()
    assert rig.scanner.state() == "ok"


def test_a_scanner_that_is_not_there_is_absent(rig: Rig) -> None:
    rig.set_state("absent")
    with pytest.raises(DeviceAbsent):
        rig.scanner.scan()
    assert rig.scanner.state() == "absent"


def test_the_scan_worker_posts_the_same_results(rig: Rig) -> None:
    posted: list[KioskEvent] = []
    worker = ScanWorker(rig.scanner, posted.append)
    worker.start()
    try:
        rig.set_state("jam")
        worker.want("giay_chung_sinh", "Giấy chứng sinh", 1)
        wait_until(lambda: len(posted) == 1, seconds=10)
        rig.set_state("ok")
        rig.insert(page())
        worker.poke()
        wait_until(lambda: len(posted) == 2, seconds=10)
    finally:
        worker.stop()
    jam, scanned = posted
    assert isinstance(jam, ScanResult) and (jam.ok, jam.fault) == (False, "jam")
    assert isinstance(scanned, ScanResult) and scanned.ok and scanned.document == "giay_chung_sinh"
    assert scanned.page.index == 1 and scanned.page.width == 850
