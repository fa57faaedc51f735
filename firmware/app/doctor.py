"""`motcua doctor`: the kiosk's self-test for technicians. One line per part: ok, warn, FAIL or off.

Each part is opened the way the kiosk opens it and its `status(now)` read, so a failure here is the failure the
kiosk would meet, with its reason. It never takes the kiosk's place: the MQTT check connects under its own client
id, and a device the running kiosk holds is reported busy with the reason the driver gives.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.app.doctor_card import card_reader
from firmware.app.doctor_reasons import Finding, broker_words, explain
from firmware.rules.i18n import _
from firmware.runtime.config import Config

Probe = Callable[[Config], Finding]


def _failure(check: str, exc: BaseException) -> Finding:
    reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
    return Finding(check, "fail", explain(reason))


def font(config: Config) -> Finding:
    import pygame.freetype

    from screens.ui.canvas import missing_glyphs

    pygame.freetype.init()
    sample = "Nguyễn Thị Ảnh, Đắk Lắk, thủ tục, hồ sơ, phiếu hẹn"
    missing = missing_glyphs(sample) + missing_glyphs(sample, bold=True)
    if missing:
        return Finding("font", "fail", _("phông chữ thiếu chữ {letters}: cài lại phần mềm kiosk (phông Noto Sans "
                                         "đi kèm)").format(letters="".join(sorted(set(missing)))))
    return Finding("font", "ok", _("Noto Sans có đủ mọi chữ tiếng Việt"))


def display(config: Config) -> Finding:
    from firmware.app.display import SYS_DRM, connected_card, unreadable_inputs

    driver = config.display.driver
    if driver != "kmsdrm":
        return Finding("display", "ok", _("trình điều khiển {driver}, {width}x{height}").format(
            driver=driver, width=config.display.width, height=config.display.height))
    return kms_display(SYS_DRM, Path("/dev/dri"), connected_card(SYS_DRM), unreadable_inputs())


def kms_display(sys_drm: Path, dev_dri: Path, card: tuple[int, str] | None, unreadable: list[str]) -> Finding:
    if card is None:
        return Finding("display", "fail", _("không thấy màn hình nào cắm vào {path}: xem cáp, và "
                       "dtoverlay=vc4-kms-v3d trong config.txt").format(path=sys_drm))
    node = dev_dri / f"card{card[0]}"
    if not os.access(node, os.R_OK | os.W_OK):
        return Finding("display", "fail", _("không có quyền mở {node}: người dùng motcua cần ở nhóm "
                       "video và render").format(node=node))
    if unreadable:
        return Finding("display", "fail", _("không đọc được cảm ứng và phím ({devices}): người dùng motcua "
                       "cần ở nhóm input").format(devices=", ".join(unreadable)))
    return Finding("display", "ok", _("kmsdrm trên {node} ({output} đã cắm)").format(node=node, output=card[1]),
                   {"card": card[0]})


def camera(config: Config) -> Finding:
    from hw.camera import PiCamera, SimCamera

    backend = config.camera.backend
    if backend == "none":
        return Finding("camera", "off", _("kiosk này không có (cấu hình camera.backend)"))
    try:
        device = SimCamera(fps=config.camera.fps) if backend == "sim" else PiCamera()
    except Exception as exc:  # DeviceAbsent with the driver's reason, or libcamera's own errors
        return _failure("camera", exc)
    try:
        device.read(1.0)
        return Finding("camera", "ok", _("{backend}: có hình").format(backend=backend),
                       device.status(time.monotonic()))
    except Exception as exc:
        return _failure("camera", exc)
    finally:
        device.close()


def decoder(config: Config) -> Finding:
    from hw.camera import camera_frame
    from hw.qr import make_decoder

    payload = "MOTCUA-DOCTOR"
    try:
        reader = make_decoder(config.qr.decoder)
        started = time.perf_counter()
        found = [d.text for d in reader.decode(camera_frame(payload))]
        took_ms = (time.perf_counter() - started) * 1000
    except Exception as exc:  # a missing libzbar0 shows up here, not at import time
        return _failure("qr decoder", exc)
    if payload not in found:
        return Finding("qr decoder", "fail", _("{decoder} không đọc được mã thử: cài lại phần mềm kiosk").format(
            decoder=config.qr.decoder))
    return Finding("qr decoder", "ok", _("{decoder} đọc mã thử trong {ms} ms").format(
        decoder=config.qr.decoder, ms=f"{took_ms:.1f}"))


def qr_serial(config: Config) -> Finding:
    url = config.qr.serial_url
    if not url:
        return Finding("qr reader", "off", _("không có đầu đọc QR nối tiếp (cấu hình qr.serial_url)"))
    import serial

    try:
        serial.serial_for_url(url, baudrate=config.qr.serial_baud, timeout=0.2).close()
    except (serial.SerialException, ValueError, OSError) as exc:
        return _failure("qr reader", exc)
    return Finding("qr reader", "ok", _("{url} mở được").format(url=url))


def printer(config: Config) -> Finding:
    from hw.printer import EscposPrinter, SimPrinter

    backend = config.printer.backend
    if backend == "none":
        return Finding("printer", "off", _("kiosk này không có (cấu hình printer.backend)"))
    device = SimPrinter(config.printer.width_px) if backend == "sim" else EscposPrinter(
        config.printer.connection, config.printer.width_px)
    status = device.status(time.monotonic())
    state = status["state"]
    where = config.printer.connection or backend
    if state == "ok":
        return Finding("printer", "ok", _("{where}: sẵn sàng").format(where=where), status)
    if state == "paper_low":
        return Finding("printer", "warn", _("{where}: sắp hết giấy, thay cuộn giấy").format(where=where), status)
    words = {"absent": _("chưa cắm hoặc chưa bật (xem cáp và nguồn)"), "paper_out": _("hết giấy: lắp cuộn giấy mới"),
             "offline": _("không sẵn sàng: nắp đang mở hoặc máy tắt?")}
    reason = f" ({explain(status['reason'])})" if status.get("reason") else ""
    return Finding("printer", "fail", f"{where}: {words.get(state, state)}{reason}", status)


def scanner(config: Config) -> Finding:
    backend = config.scanner.backend
    if backend == "none":
        return Finding("scanner", "off", _("kiosk này không có (cấu hình scanner.backend)"))
    if backend == "sim":
        return Finding("scanner", "ok", _("mô phỏng"))
    if not shutil.which("scanimage"):
        return Finding("scanner", "fail", explain("scanimage is not installed"))
    try:
        listing = subprocess.run(["scanimage", "-L"], capture_output=True, text=True, timeout=30).stdout
    except subprocess.TimeoutExpired:
        return Finding("scanner", "fail", _("scanimage -L không trả lời trong 30 giây: rút và cắm lại máy quét"))
    devices = [line.split("`", 1)[1].split("'", 1)[0] for line in listing.splitlines() if "`" in line]
    wanted = config.scanner.device
    if not devices or (wanted and wanted not in devices):
        found = ", ".join(devices) or _("không thấy máy quét nào (xem cáp USB và nguồn)")
        return Finding("scanner", "fail", _("SANE thấy: {found}").format(found=found)
                       + (_(", không thấy {wanted} (cấu hình scanner.device)").format(wanted=wanted) if wanted else ""))
    return Finding("scanner", "ok", _("SANE thấy: {found}").format(found=", ".join(devices)), {"devices": devices})


def gpio(config: Config) -> Finding:
    from hw.sensors import make_factory

    kind = config.gpio.factory
    if kind == "none":
        return Finding("gpio", "off", _("không có cảm biến (cấu hình gpio.factory)"))
    try:
        factory = make_factory(kind)
        factory.close()
    except Exception as exc:  # lgpio says busy, missing chip or no permission in its own words
        return _failure("gpio", exc)
    return Finding("gpio", "ok", _("{kind}: mở được các chân GPIO").format(kind=kind))


def backlight(config: Config) -> Finding:
    from hw.backlight import SysfsBacklight

    backend = config.backlight.backend
    if backend != "sysfs":
        return Finding("backlight", "off" if backend == "none" else "ok", _("cấu hình backlight.backend = {backend}")
                       .format(backend=backend))
    try:
        device = SysfsBacklight()
    except Exception as exc:
        return _failure("backlight", exc)
    if not os.access(device.path / "brightness", os.W_OK):
        return Finding("backlight", "fail", _("không ghi được {path}/brightness: thiếu luật udev của "
                       "motcua (/etc/udev/rules.d/70-motcua.rules)").format(path=device.path))
    return Finding("backlight", "ok", str(device.path))


def outbox(config: Config) -> Finding:
    from firmware.services.outbox import Outbox

    try:
        store = Outbox(config.outbox.path, config.outbox.max_mb * 2**20, config.outbox.min_free_mb * 2**20)
    except Exception as exc:
        return Finding("outbox", "fail", _("{path}: không mở được ({error}); thư mục phải ghi được").format(
            path=config.outbox.path, error=exc))
    try:
        status = store.status(time.time())
        refusal = store.refusal()
    finally:
        store.close()
    if refusal is not None:
        return Finding("outbox", "fail", _("{path}: không nhận hồ sơ mới: {refusal}").format(
            path=config.outbox.path, refusal=refusal), status)
    waiting = status["backlog"]
    detail = _("{path}: {count} sự kiện chờ gửi về tỉnh").format(path=config.outbox.path, count=waiting)
    if status["oldest"]:
        detail += _(", cũ nhất từ {oldest}").format(oldest=status["oldest"])
    return Finding("outbox", "ok", detail, status)


def clock(config: Config) -> Finding:
    from firmware.runtime.clock import SystemClock

    if SystemClock(trust_wall_clock=config.kiosk.clock_check == "trust").synced():
        return Finding("clock", "ok", _("đã đồng bộ"))
    return Finding("clock", "warn", _("chưa đồng bộ (máy chủ NTP chưa trả lời): phiếu hẹn chưa ghi "
                   "ngày trả kết quả cho đến khi đồng bộ"))


def network(config: Config) -> Finding:
    """Addresses per interface (`ip -j addr`) and the Wi-Fi signal (/proc/net/wireless)."""
    found = network_finding(_ip_addresses(), Path("/proc/net/wireless"))
    if found.result == "fail" and config.display.driver != "kmsdrm":  # a desktop off the network is not a fault
        return dataclasses.replace(found, result="warn")
    return found


def _ip_addresses() -> list[dict[str, Any]]:
    import json

    try:
        done = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, timeout=5)
        return list(json.loads(done.stdout or "[]"))
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return []


def network_finding(interfaces: list[dict[str, Any]], wireless: Path) -> Finding:
    signal = {}
    if wireless.exists():  # "wlan0: 0000   52.  -58.  -256 ...": link quality, level in dBm
        for line in wireless.read_text().splitlines()[2:]:
            name, _colon, rest = line.partition(":")
            fields = rest.split()
            if len(fields) >= 3:
                signal[name.strip()] = int(float(fields[2].rstrip(".")))
    parts, addressed = [], {}
    for interface in interfaces:
        name = str(interface.get("ifname", ""))
        if not name or name == "lo":
            continue
        addresses = [f"{a.get('local')}/{a.get('prefixlen')}" for a in interface.get("addr_info", [])
                     if a.get("family") == "inet" or (a.get("family") == "inet6" and a.get("scope") == "global")]
        level = _(", sóng {dbm} dBm").format(dbm=signal[name]) + (_(" (yếu)") if signal[name] < -75 else "") \
            if name in signal else ""
        parts.append(f"{name} {' '.join(addresses) or _('chưa có địa chỉ')}{level}")
        if addresses:
            addressed[name] = addresses
    if not addressed:
        return Finding("network", "fail", (", ".join(parts) + ": " if parts else "") + _(
            "không giao diện nào có địa chỉ: xem cáp mạng, hoặc wifi_ssid, wifi_passphrase và wifi_country trong "
            "tệp cấu hình của điểm đặt"), {"signal_dbm": signal})
    weak = any(level < -75 for name, level in signal.items() if name in addressed)
    return Finding("network", "warn" if weak else "ok", ", ".join(parts), {"addresses": addressed,
                                                                          "signal_dbm": signal})


def broker(config: Config) -> Finding:
    if not config.mqtt.enabled:
        return Finding("broker", "off", _("MQTT tắt (cấu hình mqtt.enabled)"))
    from firmware.link.mqtt import link_settings, probe_broker, probe_tls

    settings = link_settings(config)
    if settings.ca_file and settings.cert_file:
        # With certificates the broker makes the client id the certificate's name: an MQTT connection would
        # throw the running kiosk off. A TLS handshake alone shows the broker, the CA, and that the
        # certificate is taken (not expired, not revoked).
        ok, reason = probe_tls(settings)
        return Finding("broker", "ok" if ok else "fail", f"{settings.host}:{settings.port}: {broker_words(reason)}")
    # Its own client id: connecting as the kiosk would throw the running kiosk off the broker.
    ok, reason = probe_broker(settings, f"{config.kiosk.id}-doctor")
    return Finding("broker", "ok" if ok else "fail", f"{settings.host}:{settings.port}: {broker_words(reason)}")



def security(config: Config) -> Finding:
    """Sealing and the kiosk's certificate (docs/security.md)."""
    from firmware.link.identity import expires_at

    problems = []
    if not config.security.province_key:
        problems.append(_("hồ sơ được lưu không niêm phong: đặt [security] province_key (province_key của "
                          "tệp cấu hình điểm đặt)"))
    settings = config.mqtt
    status: dict[str, Any] = {"sealed": bool(config.security.province_key), "tls": bool(settings.ca_file)}
    if settings.enabled and not settings.ca_file:
        problems.append(_("MQTT không mã hoá: đặt [mqtt] ca_file, cert_file, key_file (CA của tỉnh)"))
    elif settings.enabled and settings.cert_file:
        ends = expires_at(Path(settings.cert_file))
        if ends is None:
            waiting = settings.token_file and Path(settings.token_file).exists()
            problems.append(_("chưa có chứng chỉ ở {path}: ").format(path=settings.cert_file) + (
                _("kiosk sẽ đăng ký bằng mã một lần khi máy chủ trả lời") if waiting else
                _("và không có mã đăng ký ([mqtt] token_file): xin tỉnh một mã (motcua ca token)")))
        else:
            status["certificate_until"] = ends.isoformat()
    if problems:
        return Finding("security", "warn", "; ".join(problems), status)
    until = _(", chứng chỉ đến {date}").format(date=status["certificate_until"][:10]) \
        if "certificate_until" in status else ""
    return Finding("security", "ok", _("hồ sơ được niêm phong cho tỉnh") + until, status)


def packages(config: Config) -> Finding:
    from firmware.runtime.packages import pending_packages, what_waits

    names = pending_packages(Path(config.outbox.path).parent)
    if not names:
        return Finding("packages", "ok", _("không còn gói nào chờ cài"))
    return Finding("packages", "warn", _("chưa cài, sẽ cài ở lần khởi động có mạng: {packages}").format(
        packages=what_waits(names)),
                   {"pending": names})


def swap(config: Config) -> Finding:
    try:
        lines = Path("/proc/swaps").read_text().splitlines()[1:]
    except OSError:
        return Finding("swap", "ok", _("không có /proc/swaps"))
    if lines:
        devices = ", ".join(line.split()[0] for line in lines)
        return Finding("swap", "warn", _("đang bật ({devices}): dữ liệu cá nhân có thể bị ghi ra thẻ nhớ; tắt "
                       "swap (dphys-swapfile hoặc rpi-swap)").format(devices=devices))
    return Finding("swap", "ok", _("tắt"))


def storage(config: Config) -> Finding:
    return storage_from(Path("/proc/self/mounts").read_text(), Path(config.outbox.path).resolve())


def storage_from(mounts: str, outbox: Path) -> Finding:
    """Where the outbox lives, from /proc/self/mounts: never in RAM, where a power cut would take dossiers."""
    rows = [line.split()[:3] for line in mounts.splitlines() if len(line.split()) >= 3]
    table = {point.replace("\\040", " "): (source, kind) for source, point, kind in rows}
    point = max((p for p in table if outbox.is_relative_to(p)), key=len, default="/")
    source, kind = table.get(point, ("?", "?"))
    read_only_root = table.get("/", ("", ""))[0] == "overlayroot"
    status = {"outbox_mount": point, "source": source, "type": kind, "read_only_root": read_only_root}
    if kind in ("tmpfs", "ramfs") or (point == "/" and read_only_root):
        return Finding("storage", "fail", _("{folder} nằm trong RAM ({source} trên {point}): mất điện là mất hồ "
                                            "sơ; phân vùng dữ liệu đã gắn chưa?").format(
            folder=outbox.parent, source=source, point=point), status)
    root = _("chỉ đọc (overlayroot)") if read_only_root else _("đọc-ghi")
    return Finding("storage", "ok", _("hàng đợi trên {source} ({kind}, {point}); phân vùng gốc {root}").format(
        source=source, kind=kind, point=point, root=root), status)


PROBES: tuple[Probe, ...] = (font, display, camera, decoder, qr_serial, printer, scanner, card_reader, gpio,
                             backlight, outbox, clock, network, broker, security, packages)


def examine(config: Config, skip: tuple[str, ...] = ()) -> list[Finding]:
    probes = PROBES + ((storage, swap) if config.display.driver == "kmsdrm" else ())  # a kiosk, not a desktop
    findings = []
    for probe in (p for p in probes if p.__name__ not in skip):
        try:
            findings.append(probe(config))
        except Exception as exc:  # a check that breaks is a failed check, never a crashed doctor
            findings.append(_failure(probe.__name__, exc))
    return findings
