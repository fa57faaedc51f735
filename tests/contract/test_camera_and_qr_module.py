"""One contract for the camera backends (the sim camera, and `PiCamera` over a fake `picamera2` at the library
seam, with lores YUV420's padded stride) and for the serial QR module (pyserial's `loop://` and a socat pty).
The same code in view gives the same `QrDecoded` events."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import serial

from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.runtime.events import CameraState, KioskEvent, QrDecoded
from hw.camera import PiCamera, SimCamera, camera_frame
from hw.errors import DeviceAbsent
from hw.qr import make_decoder
from hw.qr_serial import SerialQrReader
from tests.conftest import wait_until
from tests.contract.emulators import FakePicamera2, install_fake_picamera2, pty_pair

CARD = "001303004567||Nguyễn Thị Ngọc Ánh|12031995|Nữ|Số 5 Hàng Bạc, Phường Hoàn Kiếm, Hà Nội|01052021"


@pytest.fixture(params=["sim", "pi"])
def camera(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Callable]]:
    if request.param == "sim":
        sim = SimCamera(fps=30)
        yield sim, lambda payload: sim.show_qr(payload)
        sim.close()
        return
    monkeypatch.setitem(sys.modules, "picamera2", install_fake_picamera2())
    FakePicamera2.frame = None
    pi = PiCamera()

    def show(payload: str) -> None:
        FakePicamera2.frame = camera_frame(payload)

    yield pi, show
    pi.close()
    assert FakePicamera2.instances[-1].closed


def test_frames_are_grayscale_640x480(camera: tuple[Any, Callable]) -> None:
    device, show = camera
    show("frame")
    frame = device.read(1.0)
    assert isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.shape == (480, 640)


def test_a_card_in_view_is_posted_once(camera: tuple[Any, Callable]) -> None:
    device, show = camera
    posted: list[KioskEvent] = []
    worker = CameraDecodeWorker(device, make_decoder("zxing"), posted.append)
    worker.start()
    try:
        show(CARD)
        wait_until(lambda: any(isinstance(e, QrDecoded) for e in posted), seconds=10)
        wait_until(lambda: worker.frames >= 10, seconds=10)
    finally:
        worker.stop()
    assert [(e.payload, e.source) for e in posted if isinstance(e, QrDecoded)] == [(CARD, "camera")]
    assert [e.state for e in posted if isinstance(e, CameraState)] == ["ok"]


def test_a_picamera2_that_cannot_be_imported_is_an_absent_camera(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bookworm's numpy ABI clash raises ValueError, not ImportError: still a device fault, never a dead kiosk."""
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise ValueError("numpy.dtype size changed, may indicate binary incompatibility")

    monkeypatch.setitem(sys.modules, "picamera2", Broken())
    with pytest.raises(DeviceAbsent, match="numpy.dtype size changed"):
        PiCamera()


@pytest.fixture(params=["loop", "pty"])
def qr_line(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Callable[[bytes], None]]]:
    if request.param == "loop":
        yield "loop://", lambda data: None  # the reader's own port echoes what it is written
        return
    with pty_pair(tmp_path) as (near, far):
        module = serial.Serial(far)
        yield near, module.write
        module.close()


def test_the_serial_qr_module_gives_the_same_codes(qr_line: tuple[str, Callable[[bytes], None]]) -> None:
    url, module_sends = qr_line
    codes: list[str] = []
    reader = SerialQrReader(url, codes.append)
    reader.start()
    try:
        for line in (f"{CARD}\r\n".encode(), b"second\n"):
            if url == "loop://":
                reader.write(line)
            else:
                module_sends(line)
        wait_until(lambda: len(codes) == 2, seconds=10)
    finally:
        reader.close()
    assert codes == [CARD, "second"]


def test_a_qr_module_unplugged_and_plugged_back_reads_again(tmp_path: Path) -> None:
    codes: list[str] = []
    with pty_pair(tmp_path) as (near, far):
        reader = SerialQrReader(near, codes.append)
        reader.start()
        module = serial.Serial(far)
        module.write(b"first\n")
        wait_until(lambda: codes == ["first"], seconds=10)
        module.close()
    wait_until(lambda: reader.state == "absent", seconds=10)  # unplugged: a device fault, the thread goes on
    with pty_pair(tmp_path) as (near_again, far_again):
        assert near_again == near
        wait_until(lambda: reader.state == "ok", seconds=30)
        module = serial.Serial(far_again)
        module.write(b"second\n")
        wait_until(lambda: codes == ["first", "second"], seconds=10)
        module.close()
    reader.close()
    assert reader.reopens == 1 and reader.errors >= 1


def test_a_qr_module_missing_at_start_is_absent_then_found(tmp_path: Path) -> None:
    codes: list[str] = []
    reader = SerialQrReader(str(tmp_path / "near"), codes.append)
    assert reader.state == "absent" and "cannot open" in reader.status(0)["reason"]
    reader.start()
    try:
        with pty_pair(tmp_path) as (_near, far):
            wait_until(lambda: reader.state == "ok", seconds=30)
            module = serial.Serial(far)
            module.write(b"late\n")
            wait_until(lambda: codes == ["late"], seconds=10)
            module.close()
    finally:
        reader.close()


def test_a_line_with_no_end_is_capped_and_the_reader_resyncs() -> None:
    codes: list[str] = []
    reader = SerialQrReader("loop://", codes.append)
    reader.start()
    try:
        reader.write(b"x" * 20_000)
        wait_until(lambda: reader.overlong == 1, seconds=10)
        reader.write(b"tail of the junk\r\nok\n")
        wait_until(lambda: codes == ["ok"], seconds=10)
    finally:
        reader.close()
    assert reader.status(0)["overlong"] == 1
