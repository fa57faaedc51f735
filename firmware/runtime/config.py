"""Typed, bounded TOML configuration: one section per component.

Every section is a frozen dataclass; bounds and choices live in field metadata. Loading rejects an unknown
section or key, a wrong type and a value out of bounds, naming the file, the key, the line and what was
expected, so a technician's typo stops start-up loudly instead of being ignored (as Klipper's configfile does).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hw import backlight, camera, cardreader, printer, qr, scanner, sensors, speaker


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, key and what was expected."""


def bounded(default: float, lo: float, hi: float) -> Any:
    return field(default=default, metadata={"min": lo, "max": hi})


def choice(default: str | int, *options: str | int) -> Any:
    return field(default=default, metadata={"choices": options})


def matching(default: str, pattern: str, hint: str) -> Any:
    return field(default=default, metadata={"pattern": pattern, "hint": hint})


@dataclass(frozen=True)
class KioskSection:
    id: str = matching("kiosk-sim-01", r"^[a-z0-9-]{3,24}$", "3 to 24 of a-z, 0-9 and '-'")
    province_code: str = matching("hn", r"^[a-z0-9-]{2,24}$", "2 to 24 of a-z, 0-9 and '-'")
    province_name: str = "Thành phố Hà Nội"
    commune_name: str = "Phường Ba Đình"
    language: str = choice("vi", "vi", "en")
    # "systemd": trust the wall clock once systemd-timesyncd says it is synchronised; "trust": always (desktop).
    clock_check: str = choice("systemd", "systemd", "trust")


@dataclass(frozen=True)
class DisplaySection:
    # "auto": a window where there is a display, headless otherwise; "kmsdrm": fullscreen on the Pi's console.
    driver: str = choice("auto", "auto", "window", "kmsdrm", "offscreen")
    width: int = bounded(1080, 320, 4096)
    height: int = bounded(1920, 320, 4096)
    rotate: int = choice(0, 0, 90, 180, 270)
    # Desktop only: shrink the window so a 1080x1920 kiosk fits on a laptop screen.
    window_scale: float = bounded(1.0, 0.2, 2.0)
    # 0 = guess from the resolution (see screens/ui/theme.py); used to keep touch targets at least 9 mm.
    px_per_mm: float = bounded(0.0, 0.0, 20.0)
    active_fps: int = bounded(30, 5, 60)
    idle_fps: int = bounded(4, 1, 30)


@dataclass(frozen=True)
class SessionSection:
    warn_after_s: float = bounded(60.0, 10.0, 600.0)
    timeout_s: float = bounded(90.0, 15.0, 900.0)


TIME_RANGE = r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d"


@dataclass(frozen=True)
class HelpSection:
    """When a member of staff can come to the kiosk (`Gọi cán bộ`), and who to call otherwise."""
    office_hours: str = matching("07:30-11:30,13:30-17:00", rf"^{TIME_RANGE}(,{TIME_RANGE})*$",
                                 "HH:MM-HH:MM ranges separated by commas, e.g. 07:30-11:30,13:30-17:00")
    office_days: str = matching("1,2,3,4,5", r"^[1-7](,[1-7])*$",
                                "weekday numbers, 1 Monday to 7 Sunday, e.g. 1,2,3,4,5")
    hotline: str = matching("1022", r"^[0-9 .]{3,20}$", "a telephone number, 3 to 20 digits")


@dataclass(frozen=True)
class CameraSection:
    backend: str = choice("sim", *camera.BACKENDS)
    fps: int = bounded(15, 1, 60)


@dataclass(frozen=True)
class QrSection:
    decoder: str = choice("zxing", *qr.BACKENDS)
    # A serial QR module (pyserial URL: /dev/ttyACM0, /dev/ttyAMA0, loop://); empty when there is none.
    serial_url: str = ""
    serial_baud: int = bounded(9600, 1200, 921600)
    forget_after_frames: int = bounded(5, 1, 100)


@dataclass(frozen=True)
class PrinterSection:
    backend: str = choice("sim", *printer.BACKENDS)
    # escpos: "usb:04b8:0202", "serial:/dev/ttyUSB0:19200" or "network:192.0.2.10:9100"
    connection: str = ""
    width_px: int = bounded(576, 384, 832)
    poll_s: float = bounded(5.0, 0.5, 300.0)


@dataclass(frozen=True)
class ScannerSection:
    backend: str = choice("sim", *scanner.BACKENDS)
    device: str = ""
    source: str = "ADF"
    resolution: int = bounded(200, 100, 600)


@dataclass(frozen=True)
class CardReaderSection:
    # pcsc: a PC/SC reader (Debian's pcscd, python3-pyscard); sim: the simulator's virtual reader; none: no reader.
    backend: str = choice("sim", *cardreader.BACKENDS)
    # The CSCA certificates that passive authentication trusts (PEM or DER, one per file).
    csca_dir: str = "/etc/motcua/csca"


@dataclass(frozen=True)
class GpioSection:
    factory: str = choice("mock", *sensors.BACKENDS)
    presence_pin: int = bounded(17, 0, 27)
    help_pin: int = bounded(27, 0, 27)
    tamper_pin: int = bounded(22, 0, 27)
    led_pin: int = bounded(23, 0, 27)
    buzzer_pin: int = bounded(24, 0, 27)


@dataclass(frozen=True)
class BacklightSection:
    backend: str = choice("sim", *backlight.BACKENDS)
    dim_after_s: float = bounded(120.0, 10.0, 3600.0)
    dim_level: float = bounded(0.15, 0.0, 1.0)


@dataclass(frozen=True)
class SubmissionSection:
    # Received at or after the cutoff: the next working day is day 0.
    cutoff: str = matching("16:00", r"^([01]\d|2[0-3]):[0-5]\d$", "a time HH:MM, e.g. 16:00")
    # The province's calendar (TOML: days_off, working_days); empty: the national holidays only.
    calendar: str = ""
    # The province's own catalog (JSON, as firmware/data/catalog.json); empty or unreadable: the shipped one.
    catalog: str = ""
    slip_width: int = choice(576, 576, 384)


@dataclass(frozen=True)
class PaymentSection:
    """Fees paid by VietQR into the province's collection account (the values shipped are a sample)."""

    enabled: bool = True
    bank_bin: str = matching("970415", r"^\d{6}$", "the bank's 6-digit BIN, e.g. 970415")
    account: str = matching("113000006100", r"^\d{6,19}$", "6 to 19 digits")
    account_name: str = "KHO BAC NHA NUOC THANH PHO HA NOI"
    bank_name: str = "VietinBank"
    qr_mm: float = bounded(60.0, 40.0, 150.0)  # the QR's side on the panel: a phone reads it at arm's length
    wait_s: float = bounded(180.0, 30.0, 900.0)  # how long the kiosk waits for the bank's confirmation
    poll_s: float = bounded(3.0, 1.0, 30.0)


@dataclass(frozen=True)
class VneidSection:
    enabled: bool = True  # `Đăng nhập bằng VNeID` on `login`
    poll_s: float = bounded(2.0, 1.0, 30.0)


@dataclass(frozen=True)
class OutboxSection:
    path: str = "out/data/outbox.db"
    max_mb: int = bounded(512, 1, 32768)
    min_free_mb: int = bounded(200, 0, 65536)


@dataclass(frozen=True)
class MqttSection:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = bounded(1883, 1, 65535)
    username: str = ""
    password: str = ""
    ca_file: str = ""  # the province's CA (PEM): TLS on
    cert_file: str = ""  # this kiosk's certificate (PEM), written by enrolment
    key_file: str = ""  # this kiosk's private key (PEM), made on the kiosk at first boot; it never leaves it
    # Enrolment: the one-time token from the site file, and the broker's bootstrap listener (0: no enrolment).
    token_file: str = ""
    enrol_port: int = bounded(0, 0, 65535)
    renew_days: int = bounded(30, 1, 365)  # a certificate this close to its expiry is renewed
    backoff_min_s: float = bounded(1.0, 1.0, 60.0)
    backoff_max_s: float = bounded(120.0, 1.0, 3600.0)
    window: int = bounded(16, 1, 256)
    ack_timeout_s: float = bounded(30.0, 1.0, 3600.0)
    # How long the slip waits for the province's official code (shown on `done` and printed) before it prints
    # the kiosk's own receipt code.
    official_code_wait_s: float = bounded(4.0, 0.0, 30.0)


@dataclass(frozen=True)
class SecuritySection:
    # The province's public key (X25519, 32 bytes in base64, from the site file): dossiers, pages and supplements
    # are sealed to it before they touch the disk. Empty only on a developer's desk: the kiosk warns at start.
    province_key: str = matching("", r"^([A-Za-z0-9+/]{43}=)?$", "the province's X25519 public key: 44 characters of "
                                 "base64 (`motcua ca init` prints it), or empty")
    # The province's operator key (Ed25519, base64): commands on `cmd` signed with it are run, others refused.
    operator_key: str = matching("", r"^([A-Za-z0-9+/]{43}=)?$", "the province's Ed25519 operator key: 44 "
                                 "characters of base64 (`motcua ca init` prints it), or empty (no commands)")
    # The technician's PIN for this kiosk, hashed (`motcua provision` writes it from the site's technician_pin):
    # technician mode asks for it after the card or the hidden gesture. Empty: technician mode stays shut.
    technician_pin_hash: str = matching(
        "", r"^(pbkdf2-sha256\$\d{4,7}\$[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64})?$",
        "pbkdf2-sha256$ITERATIONS$SALT$HASH as provisioning writes it, or empty")


@dataclass(frozen=True)
class VoiceSection:
    """Spoken guidance: short Vietnamese prompts for each screen and error (never personal data)."""

    backend: str = choice("sim", *speaker.BACKENDS)
    enabled: bool = True  # on at start; the citizen turns it off or on with `Nghe hướng dẫn`
    volume: float = bounded(0.35, 0.0, 1.0)
    # Silent from..until (local time), e.g. an office open late; equal times: never silent.
    quiet_from: str = matching("21:00", r"^([01]\d|2[0-3]):[0-5]\d$", "a time HH:MM, e.g. 21:00")
    quiet_until: str = matching("06:30", r"^([01]\d|2[0-3]):[0-5]\d$", "a time HH:MM, e.g. 06:30")
    # A province's own recordings (same file names as the built-in ones); empty: the built-in espeak-ng voice.
    dir: str = ""


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    display: DisplaySection = field(default_factory=DisplaySection)
    session: SessionSection = field(default_factory=SessionSection)
    help: HelpSection = field(default_factory=HelpSection)
    camera: CameraSection = field(default_factory=CameraSection)
    qr: QrSection = field(default_factory=QrSection)
    printer: PrinterSection = field(default_factory=PrinterSection)
    scanner: ScannerSection = field(default_factory=ScannerSection)
    cardreader: CardReaderSection = field(default_factory=CardReaderSection)
    gpio: GpioSection = field(default_factory=GpioSection)
    backlight: BacklightSection = field(default_factory=BacklightSection)
    submission: SubmissionSection = field(default_factory=SubmissionSection)
    payment: PaymentSection = field(default_factory=PaymentSection)
    vneid: VneidSection = field(default_factory=VneidSection)
    outbox: OutboxSection = field(default_factory=OutboxSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    voice: VoiceSection = field(default_factory=VoiceSection)
    source: str = "<defaults>"


SECTIONS: dict[str, type] = {n: t for n, t in typing.get_type_hints(Config).items() if n != "source"}


def load(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the configuration file is not UTF-8 text") from None
    return parse(text, str(path))


def parse(text: str, source: str = "<string>") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not a kiosk configuration: values nested too deeply") from None
    lines = text.splitlines()
    sections: dict[str, Any] = {}
    for name, values in raw.items():
        if name not in SECTIONS:
            known = ", ".join(f"[{s}]" for s in SECTIONS)
            raise ConfigError(
                f"{source}{_line_of(lines, None, name)}: unknown section [{name}]; expected one of {known}"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{source}{_line_of(lines, None, name)}: '{name}' must be a [section] table")
        sections[name] = _build_section(SECTIONS[name], name, values, source, lines)
    config = Config(**sections, source=source)
    _check_consistency(config)
    return config


def _build_section(cls: type, section: str, values: dict[str, Any], source: str, lines: list[str]) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{source}{_line_of(lines, section, key)}: [{section}] {key}"
        if key not in fields:
            raise ConfigError(f"{where}: unknown key; expected one of {', '.join(fields)}")
        kwargs[key] = _check_value(where, hints[key], fields[key].metadata, value)
    return cls(**kwargs)


def _check_value(where: str, kind: type, meta: typing.Mapping[str, Any], value: Any) -> Any:
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r}: expected true or false")
        return value
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where} = {value!r}: expected a whole number")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} = {value!r}: expected a number")
        value = float(value)
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r}: expected a quoted string")
    if "min" in meta and not meta["min"] <= value <= meta["max"]:
        raise ConfigError(f"{where} = {value!r}: expected a value from {meta['min']} to {meta['max']}")
    if "choices" in meta and value not in meta["choices"]:
        options = ", ".join(repr(c) for c in meta["choices"])
        raise ConfigError(f"{where} = {value!r}: expected one of {options}")
    if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        raise ConfigError(f"{where} = {value!r}: expected {meta['hint']}")
    return value


def _check_consistency(config: Config) -> None:
    if config.session.warn_after_s >= config.session.timeout_s:
        raise ConfigError(
            f"{config.source}: [session] warn_after_s ({config.session.warn_after_s:g}) must be less than "
            f"timeout_s ({config.session.timeout_s:g})"
        )


def _line_of(lines: list[str], section: str | None, key: str) -> str:
    """' line N' where the key (or section header) stands, found by scanning: tomllib does not say."""
    current: str | None = None
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    assignment = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for number, line in enumerate(lines, start=1):
        match = header.match(line)
        if match:
            current = match.group(1)
            if section is None and current == key:
                return f" line {number}"
            continue
        if section is not None and current == section and assignment.match(line):
            return f" line {number}"
    return ""
