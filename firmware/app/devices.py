"""The hardware half of the composition root: devices and their threads, from config.

Backends are chosen by config ("pi"/"escpos"/"sane"/"lgpio" on the kiosk, "sim"/"mock" on desktops and in
tests, "none" where the kiosk has no such device). Threads only post events to the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.devices.poller import DevicePoller
from firmware.runtime.config import Config
from firmware.runtime.events import (
    BUTTON,
    PRESENCE,
    ButtonPressed,
    DeviceState,
    KioskEvent,
    Presence,
    PrinterState,
    QrDecoded,
    ScannerState,
)
from hw import backlight as hw_backlight
from hw import camera as hw_camera
from hw import printer as hw_printer
from hw import scanner as hw_scanner
from hw import speaker as hw_speaker
from hw.absent import Absent
from hw.errors import DeviceAbsent
from hw.qr import make_decoder
from hw.qr_serial import SerialQrReader
from hw.sensors import Pins, Sensors, SimSensorDriver, make_factory

Post = Callable[[KioskEvent], None]
log = logging.getLogger("motcua.devices")


@dataclass
class Devices:
    camera: Any
    printer: Any
    scanner: Any
    backlight: Any
    speaker: Any
    decoder_worker: CameraDecodeWorker
    poller: DevicePoller
    sensors: Sensors | None = None
    sensor_driver: SimSensorDriver | None = None  # only with gpiozero's MockFactory
    qr_serial: SerialQrReader | None = None
    card_reader: Any = None  # firmware.devices.card_reading.CardReader, or None when the kiosk has none
    virtual_readers: Any = None  # firmware.chip.virtual_card.VirtualReaders on the simulator
    problems: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.decoder_worker.start()
        self.poller.start()
        if self.qr_serial:
            self.qr_serial.start()
        if self.card_reader:
            self.card_reader.start()

    def close(self) -> None:
        self.decoder_worker.stop()
        self.poller.stop()
        if self.qr_serial:
            self.qr_serial.close()
        if self.card_reader:
            self.card_reader.stop()
        if self.sensors:
            self.sensors.close()
        self.camera.close()
        if hasattr(self.printer, "close"):
            self.printer.close()

    def status(self, now: float) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "camera": self.decoder_worker.status(now), "printer": self.printer.status(now),
            "scanner": self.scanner.status(now), "backlight": self.backlight.status(now),
            "speaker": self.speaker.status(now),
        }
        if self.sensors:
            parts["sensors"] = self.sensors.status(now)
        if self.qr_serial:
            parts["qr_serial"] = self.qr_serial.status(now)
        if self.card_reader:
            parts["cardreader"] = self.card_reader.status(now)
        return parts


def _build(kind: str, backends: dict[str, Callable[[Any], Any]], name: str, section: Any,
           problems: list[str]) -> Any:
    """The backend the config names; a device that is not there at start is absent (and says why)."""
    try:
        device = backends[name](section)
    except DeviceAbsent as exc:
        problems.append(str(exc))
        log.warning("%s: absent at start (%s)", kind, exc.reason)
        return Absent(kind)
    except Exception as exc:  # a driver that breaks on import or open (an ABI mismatch) is a fault, never a dead kiosk
        problems.append(f"{kind}: the {name} driver failed to start ({type(exc).__name__}: {exc})"[:300])
        log.error("%s: the %s driver failed to start (%s: %s); absent", kind, name, type(exc).__name__, exc)
        return Absent(kind)
    log.info("%s: %s backend", kind, name)
    return device


def build_devices(config: Config, post: Post) -> Devices:
    problems: list[str] = []
    camera = _build("camera", hw_camera.BACKENDS, config.camera.backend, config.camera, problems)
    printer = _build("printer", hw_printer.BACKENDS, config.printer.backend, config.printer, problems)
    scanner = _build("scanner", hw_scanner.BACKENDS, config.scanner.backend, config.scanner, problems)
    backlight = _build("backlight", hw_backlight.BACKENDS, config.backlight.backend, config.backlight, problems)
    speaker = _build("speaker", hw_speaker.BACKENDS, config.voice.backend, config.voice, problems)

    worker = CameraDecodeWorker(camera, make_decoder(config.qr.decoder), post, config.qr.forget_after_frames,
                                config.camera.fps)
    probes: dict[str, tuple[type[DeviceState], Any]] = {"printer": (PrinterState, printer),
                                                        "scanner": (ScannerState, scanner)}
    poller = DevicePoller(probes, post, config.printer.poll_s)
    devices = Devices(camera, printer, scanner, backlight, speaker, worker, poller, problems=problems)

    if config.gpio.factory != "none":
        g = config.gpio
        pins = Pins(g.presence_pin, g.help_pin, g.tamper_pin, g.led_pin, g.buzzer_pin)
        try:
            devices.sensors = Sensors(make_factory(g.factory), pins, post_sensor(post))
        except Exception as exc:  # lgpio missing or broken, pins busy: no presence sensor, the touch screen still works
            problems.append(f"gpio: the {g.factory} pins failed to start ({type(exc).__name__}: {exc})"[:300])
            log.error("gpio: the %s pins failed to start (%s: %s); no presence sensor or buttons", g.factory,
                      type(exc).__name__, exc)
        else:
            if g.factory == "mock":
                devices.sensor_driver = SimSensorDriver(devices.sensors)
    if config.qr.serial_url:
        try:
            devices.qr_serial = SerialQrReader(config.qr.serial_url, lambda text: post(QrDecoded(text, "serial")),
                                               config.qr.serial_baud)
        except Exception as exc:  # pyserial: SerialException, ValueError for a bad URL, OSError
            # The QR module is optional: the camera still reads cards. Said at start, in status and by doctor.
            problems.append(f"qr module: cannot open {config.qr.serial_url!r} ({exc})")
            log.warning("qr module: cannot open %r (%s); the camera still reads cards", config.qr.serial_url, exc)
    _build_card_reader(config, post, devices)
    return devices


def _build_card_reader(config: Config, post: Post, devices: Devices) -> None:
    """The ID card reader; the chip code (cryptography, asn1crypto) is imported only on a kiosk that has one."""
    backend = config.cardreader.backend
    if backend == "none":
        return
    try:
        from firmware.devices.card_reading import CardReader
        from hw.cardreader import pcsc_readers

        if backend == "sim":
            from firmware.chip.virtual_card import VirtualReaders

            devices.virtual_readers = VirtualReaders()
            devices.card_reader = CardReader(devices.virtual_readers, post, config.cardreader.csca_dir)
        else:
            devices.card_reader = CardReader(pcsc_readers(), post, config.cardreader.csca_dir)
    except Exception as exc:  # pyscard missing or broken: no chip reading, the QR on the card still works
        devices.problems.append(f"cardreader: the {backend} driver failed to start ({type(exc).__name__}: {exc})"[:300])
        log.error("cardreader: the %s driver failed to start (%s: %s); the QR on the card still works", backend,
                  type(exc).__name__, exc)
        return
    log.info("cardreader: %s backend", backend)


def post_sensor(post: Post) -> Callable[[str, dict[str, Any]], None]:
    """gpiozero's callbacks (on its own thread) become events: presence and buttons."""
    def notify(kind: str, data: dict[str, Any]) -> None:
        if kind == PRESENCE:
            post(Presence(bool(data.get("present"))))
        elif kind == BUTTON:
            post(ButtonPressed(str(data.get("name", ""))))
    return notify
