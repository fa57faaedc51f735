"""Every device through its simulated backend: what it records, its failures, absent and back."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from firmware.app.devices import build_devices
from firmware.runtime.config import parse
from firmware.runtime.events import KioskEvent
from hw.absent import Absent
from hw.backlight import SimBacklight, SysfsBacklight
from hw.camera import SimCamera
from hw.errors import DeviceAbsent, NoDocument, PaperJam, PrinterNotReady
from hw.printer import SimPrinter
from hw.qr_serial import SerialQrReader
from hw.scanner import SimScanner
from hw.sensors import Pins, Sensors, SimSensorDriver, make_factory

from .conftest import wait_until


def test_printer_keeps_each_job_and_a_png(tmp_path: Path) -> None:
    printer = SimPrinter(width_px=576, out_dir=tmp_path)
    slip = Image.new("L", (576, 400), 255)
    sent = printer.print_image(slip)
    assert sent == len(printer.jobs[0].data) and sent > 576 * 400 // 8
    assert printer.jobs[0].data.startswith(b"\x1dv0")  # GS v 0: raster bit image
    assert (tmp_path / "job-001.png").exists()


@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline"])
def test_printer_not_ready_prints_nothing_and_recovers(state: str) -> None:
    printer = SimPrinter()
    printer.set_state(state)
    with pytest.raises(PrinterNotReady, match=state):
        printer.print_image(Image.new("L", (576, 100), 255))
    assert printer.jobs == []
    printer.set_state("ok")
    printer.print_image(Image.new("L", (576, 100), 255))
    assert len(printer.jobs) == 1


def test_printer_absent_and_back() -> None:
    printer = SimPrinter()
    printer.set_state("absent")
    with pytest.raises(DeviceAbsent):
        printer.print_image(Image.new("L", (576, 100), 255))
    assert printer.status(0) == {"state": "absent", "jobs": 0}
    printer.set_paper("low")
    assert printer.state() == "paper_low"
    printer.print_image(Image.new("L", (576, 100), 255))


def test_scanner_pages_jam_and_absent() -> None:
    scanner = SimScanner()
    with pytest.raises(NoDocument):
        scanner.scan()
    page = Image.new("L", (100, 140), 255)
    scanner.insert_document(page)
    scanner.set_state("jam")
    with pytest.raises(PaperJam):
        scanner.scan()
    scanner.set_state("absent")
    with pytest.raises(DeviceAbsent):
        scanner.scan()
    scanner.set_state("ok")
    assert scanner.scan() is page
    assert scanner.history == ["insert", "jam", "absent", "ok", "scan"]


def test_camera_absent_and_back() -> None:
    camera = SimCamera(fps=200)
    camera.show_qr("Quận 1")
    assert camera.read(0.1) is not None
    camera.set_absent(True)
    with pytest.raises(DeviceAbsent):
        camera.read(0.1)
    camera.set_absent(False)
    camera.show_nothing()
    assert camera.read(0.1) is None
    assert [kind for kind, _ in camera.history] == ["qr", "absent", "present", "nothing"]


def test_backlight_sim_and_sysfs(tmp_path: Path) -> None:
    light = SimBacklight()
    light.set_level(0.2)
    light.set_level(1.5)
    assert light.history == [0.2, 1.0]
    with pytest.raises(DeviceAbsent, match="nothing under"):
        SysfsBacklight(tmp_path)
    device = tmp_path / "10-0045"
    device.mkdir()
    (device / "max_brightness").write_text("255\n")
    (device / "brightness").write_text("255\n")
    sysfs = SysfsBacklight(tmp_path)
    sysfs.set_level(0.5)
    assert (device / "brightness").read_text() == "128"


def test_sensors_through_gpiozero_mock_factory() -> None:
    got: list[tuple[str, dict[str, object]]] = []
    sensors = Sensors(make_factory("mock"), Pins(), lambda kind, data: got.append((kind, data)))
    try:
        driver = SimSensorDriver(sensors)
        got.clear()
        assert driver.set_presence(True)
        wait_until(lambda: ("presence", {"present": True}) in got, seconds=5)
        driver.press("help")
        driver.press("tamper")
        wait_until(lambda: ("button", {"name": "tamper"}) in got, seconds=5)
        assert ("button", {"name": "help"}) in got
        assert driver.set_presence(False)
        wait_until(lambda: ("presence", {"present": False}) in got, seconds=5)
    finally:
        sensors.close()


def test_serial_qr_module_on_a_loop_port() -> None:
    codes: list[str] = []
    reader = SerialQrReader("loop://", codes.append)
    reader.start()
    try:
        reader.write("079203001234||Nguyễn Văn Ả|01012003|Nam|Quận 1|01012021\r\n".encode())
        reader.write(b"second\n")
        wait_until(lambda: len(codes) == 2, seconds=5)
        assert codes[0].startswith("079203001234||Nguyễn Văn Ả") and codes[1] == "second"
    finally:
        reader.close()


def test_backend_none_makes_every_device_absent() -> None:
    config = parse('[camera]\nbackend = "none"\n[printer]\nbackend = "none"\n[scanner]\nbackend = "none"\n'
                   '[backlight]\nbackend = "none"\n[gpio]\nfactory = "none"\n')
    posted: list[KioskEvent] = []
    lock = threading.Lock()

    def post(event: KioskEvent) -> None:
        with lock:
            posted.append(event)

    devices = build_devices(config, post)
    devices.start()
    try:
        assert all(isinstance(d, Absent) for d in (devices.camera, devices.printer, devices.scanner))
        wait_until(lambda: devices.decoder_worker.state == "absent", seconds=5)
        status = devices.status(0)
        assert status["printer"] == {"state": "absent"} and status["camera"]["state"] == "absent"
        with pytest.raises(DeviceAbsent, match="printer: not installed on this kiosk"):
            devices.printer.print_image(Image.new("L", (10, 10)))
        wait_until(lambda: any(e.kind == "printer_state" and e.data == {"state": "absent"} for e in posted), seconds=5)
    finally:
        devices.close()


def test_a_driver_that_breaks_on_import_is_a_device_fault_not_a_dead_kiosk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bookworm's picamera2 under a pip numpy 2.x raises ValueError on import; lgpio may be missing altogether."""
    import hw.camera as hw_camera

    def broken(section: object) -> object:
        raise ValueError("numpy.dtype size changed, may indicate binary incompatibility")

    monkeypatch.setitem(hw_camera.BACKENDS, "pi", broken)
    config = parse('[camera]\nbackend = "pi"\n[gpio]\nfactory = "lgpio"\n')  # no lgpio on this machine
    devices = build_devices(config, lambda event: None)
    try:
        assert isinstance(devices.camera, Absent) and devices.sensors is None
        assert any("camera: the pi driver failed to start (ValueError: numpy.dtype" in p for p in devices.problems)
        assert any(p.startswith("gpio: the lgpio pins failed to start") for p in devices.problems)
    finally:
        devices.close()
