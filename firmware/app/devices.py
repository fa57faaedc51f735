"""The hardware half of the composition root: devices and their threads, from config.

Backends are chosen by config ("pi"/"escpos"/"sane"/"lgpio" on the kiosk, "sim"/"mock" on desktops and in
tests, "none" where the kiosk has no such device). Threads only post events to the loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.devices.poller import DevicePoller
from firmware.runtime import events
from firmware.runtime.config import Config
from firmware.runtime.events import KioskEvent
from hw.absent import Absent
from hw.backlight import SimBacklight, SysfsBacklight
from hw.camera import PiCamera, SimCamera
from hw.errors import DeviceAbsent
from hw.printer import EscposPrinter, SimPrinter
from hw.qr import make_decoder
from hw.qr_serial import SerialQrReader
from hw.scanner import SaneScanner, SimScanner
from hw.sensors import Pins, Sensors, SimSensorDriver, make_factory

Post = Callable[[KioskEvent], None]


@dataclass
class Devices:
    camera: Any
    printer: Any
    scanner: Any
    backlight: Any
    decoder_worker: CameraDecodeWorker
    poller: DevicePoller
    sensors: Sensors | None = None
    sensor_driver: SimSensorDriver | None = None  # only with gpiozero's MockFactory
    qr_serial: SerialQrReader | None = None
    problems: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.decoder_worker.start()
        self.poller.start()
        if self.qr_serial:
            self.qr_serial.start()

    def close(self) -> None:
        self.decoder_worker.stop()
        self.poller.stop()
        if self.qr_serial:
            self.qr_serial.close()
        if self.sensors:
            self.sensors.close()
        self.camera.close()

    def status(self, now: float) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "camera": self.decoder_worker.status(now), "printer": self.printer.status(now),
            "scanner": self.scanner.status(now), "backlight": self.backlight.status(now),
        }
        if self.sensors:
            parts["sensors"] = self.sensors.status(now)
        if self.qr_serial:
            parts["qr_serial"] = self.qr_serial.status(now)
        return parts


def _or_absent(name: str, make: Callable[[], Any], problems: list[str]) -> Any:
    try:
        return make()
    except DeviceAbsent as exc:
        problems.append(str(exc))
        return Absent(name)


def build_devices(config: Config, post: Post) -> Devices:
    problems: list[str] = []
    camera = {"sim": lambda: SimCamera(fps=config.camera.fps),
              "pi": lambda: _or_absent("camera", PiCamera, problems),
              "none": lambda: Absent("camera")}[config.camera.backend]()
    printer = {"sim": lambda: SimPrinter(config.printer.width_px),
               "escpos": lambda: EscposPrinter(config.printer.connection, config.printer.width_px),
               "none": lambda: Absent("printer")}[config.printer.backend]()
    scanner = {"sim": SimScanner,
               "sane": lambda: SaneScanner(config.scanner.device, config.scanner.source, config.scanner.resolution),
               "none": lambda: Absent("scanner")}[config.scanner.backend]()
    backlight = {"sim": SimBacklight, "sysfs": lambda: _or_absent("backlight", SysfsBacklight, problems),
                 "none": lambda: Absent("backlight")}[config.backlight.backend]()

    worker = CameraDecodeWorker(camera, make_decoder(config.qr.decoder), post, config.qr.forget_after_frames)
    probes = {"printer": (events.PRINTER_STATE, printer.state)}
    if isinstance(scanner, SimScanner):
        probes["scanner"] = (events.SCANNER_STATE, lambda: scanner.status(0)["state"])
    poller = DevicePoller(probes, post, config.printer.poll_s)
    devices = Devices(camera, printer, scanner, backlight, worker, poller, problems=problems)

    def notify(kind: str, data: dict[str, Any]) -> None:
        post(KioskEvent(kind, data, time.monotonic()))

    if config.gpio.factory != "none":
        g = config.gpio
        pins = Pins(g.presence_pin, g.help_pin, g.tamper_pin, g.led_pin, g.buzzer_pin)
        devices.sensors = Sensors(make_factory(g.factory), pins, notify)
        if g.factory == "mock":
            devices.sensor_driver = SimSensorDriver(devices.sensors)
    if config.qr.serial_url:
        devices.qr_serial = SerialQrReader(
            config.qr.serial_url, lambda text: notify(events.QR_DECODED, {"payload": text, "source": "serial"}),
            config.qr.serial_baud)
    return devices
