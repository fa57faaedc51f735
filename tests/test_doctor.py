"""`motcua doctor`: every part opened as the kiosk opens it; a missing part is named with its reason and exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware.rules import i18n
from province.broker import Broker

from .conftest import REPO


def doctor(config: Path, *extra: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "doctor", "--config", str(config), "--lang", lang,
                           *extra], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The functions called here directly speak the language set; the CLI's default (vi) is tested below."""
    i18n.set_language("en")
    yield
    i18n.set_language("vi")


def findings(config: Path, lang: str = "en") -> dict[str, dict]:  # type: ignore[type-arg]
    result = doctor(config, "--json", lang=lang)
    return {row["check"]: row for row in map(json.loads, result.stdout.splitlines())}


def write(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "motcua.toml"
    config.write_text(f'[outbox]\npath = "{tmp_path}/data/outbox.db"\n' + text, encoding="utf-8")
    return config


def test_a_simulated_kiosk_is_all_well(tmp_path: Path) -> None:
    result = doctor(write(tmp_path, '[qr]\nserial_url = "loop://"\n'))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "everything the kiosk needs answers"
    assert "  ok        qr decoder    zxing read a test code in" in result.stdout
    assert "  ok        qr reader     loop:// opens" in result.stdout
    assert "  off       broker        MQTT off" in result.stdout


def test_a_kiosk_whose_parts_are_missing_names_each_with_its_reason(tmp_path: Path) -> None:
    config = write(tmp_path, '[camera]\nbackend = "pi"\n[scanner]\nbackend = "sane"\n[gpio]\nfactory = "lgpio"\n'
                             '[printer]\nbackend = "escpos"\nconnection = "serial:/dev/motcua-no-such-port"\n'
                             '[qr]\nserial_url = "/dev/motcua-no-such-reader"\n'
                             '[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = 9\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "apt-pending").write_text("python3-picamera2\nsane-utils\n")
    found = findings(config)
    assert found["camera"]["result"] == "fail" and "picamera2" in found["camera"]["detail"]
    assert found["scanner"] == {"check": "scanner", "result": "fail", "status": {},
                                "detail": "scanimage is not installed: install the Debian package sane-utils "
                                          "(sudo apt install sane-utils)"}
    assert found["gpio"]["result"] == "fail" and "lgpio" in found["gpio"]["detail"]
    assert found["printer"]["result"] == "fail" and "not connected" in found["printer"]["detail"]
    assert found["qr reader"]["result"] == "fail" and "motcua-no-such-reader" in found["qr reader"]["detail"]
    assert found["broker"]["result"] == "fail" and "127.0.0.1:9: cannot connect" in found["broker"]["detail"]
    assert found["packages"]["result"] == "warn"
    assert "python3-picamera2 (the camera" in found["packages"]["detail"]
    assert "sane-utils (the document scanner)" in found["packages"]["detail"]
    assert found["outbox"]["result"] == "ok", "what still works is not painted red"
    text = doctor(config)
    assert text.returncode == 1
    assert text.stdout.splitlines()[-1].startswith("6 failed: camera, qr reader, printer, scanner, gpio")


def test_the_broker_check_does_not_throw_the_running_kiosk_off(tmp_path: Path, broker: Broker) -> None:
    dropped = threading.Event()
    kiosk = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="bn-yenphong-01",
                        protocol=mqtt.MQTTv5)
    kiosk.on_disconnect = lambda *args: dropped.set()
    kiosk.connect("127.0.0.1", broker.port)
    kiosk.loop_start()
    try:
        config = write(tmp_path, f'[kiosk]\nid = "bn-yenphong-01"\n'
                                 f'[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\n')
        found = findings(config)
        assert found["broker"] == {"check": "broker", "result": "ok", "status": {},
                                   "detail": f"127.0.0.1:{broker.port}: connected"}
        assert not dropped.is_set()
    finally:
        kiosk.disconnect()
        kiosk.loop_stop()


def test_a_usb_printer_has_its_library(tmp_path: Path) -> None:
    """python-escpos needs pyusb for `usb:` printers; without it every USB printer was 'not connected'."""
    found = findings(write(tmp_path, '[printer]\nbackend = "escpos"\nconnection = "usb:0x0416:0x5011"\n'))
    assert found["printer"]["result"] == "fail", "no printer is plugged in here"
    assert "usb library" not in found["printer"]["detail"], found["printer"]["detail"]


def test_an_outbox_that_cannot_be_opened_fails(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be")
    found = findings(write(tmp_path, ""))
    assert found["outbox"]["result"] == "fail" and f"{tmp_path}/data/outbox.db" in found["outbox"]["detail"]


ON_OVERLAY_ROOT = """overlayroot / overlay rw,relatime,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay 0 0
/dev/mmcblk0p2 /media/root-ro ext4 ro,relatime 0 0
tmpfs /media/root-rw tmpfs rw,relatime 0 0
/dev/mmcblk0p1 /boot/firmware vfat rw,relatime 0 0
"""


def test_storage_knows_when_the_outbox_would_live_in_ram() -> None:
    from firmware.app.doctor import storage_from

    outbox = Path("/var/lib/motcua/outbox.db")
    mounted = storage_from(ON_OVERLAY_ROOT + "/dev/mmcblk0p3 /var/lib/motcua ext4 rw,noatime 0 0\n", outbox)
    assert mounted.result == "ok"
    assert mounted.detail == "outbox on /dev/mmcblk0p3 (ext4, /var/lib/motcua); root read-only (overlayroot)"
    missing = storage_from(ON_OVERLAY_ROOT, outbox)
    assert missing.result == "fail" and "dossiers would be lost at a power cut" in missing.detail
    plain = storage_from("/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n", outbox)
    assert plain.result == "ok" and plain.detail.endswith("root read-write")
    assert storage_from("tmpfs /var/lib tmpfs rw 0 0\n/dev/root / ext4 rw 0 0\n", outbox).result == "fail"


def test_the_network_check_names_addresses_and_the_wifi_signal(tmp_path: Path) -> None:
    from firmware.app.doctor import network_finding

    wireless = tmp_path / "wireless"
    wireless.write_text("Inter-| sta-|   Quality        |   Discarded packets\n"
                        " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
                        " wlan0: 0000   31.  -79.  -256        0      0      0      0      7        0\n")
    lo = {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]}
    wlan = {"ifname": "wlan0", "addr_info": [{"family": "inet", "local": "10.0.5.23", "prefixlen": 24},
                                             {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"}]}
    weak = network_finding([lo, {"ifname": "eth0", "addr_info": []}, wlan], wireless)
    assert weak.result == "warn" and weak.detail == "eth0 no address, wlan0 10.0.5.23/24, signal -79 dBm (weak)"
    assert weak.status["addresses"] == {"wlan0": ["10.0.5.23/24"]}
    none = network_finding([lo, {"ifname": "wlan0", "addr_info": []}], wireless)
    assert none.result == "fail" and "wifi_ssid, wifi_passphrase and wifi_country" in none.detail
    wired = network_finding([{"ifname": "eth0", "addr_info": [{"family": "inet", "local": "192.0.2.2",
                                                                "prefixlen": 24}]}], tmp_path / "absent")
    assert wired.result == "ok" and wired.detail == "eth0 192.0.2.2/24"


def test_doctor_speaks_vietnamese_and_names_the_fix_never_a_raw_error(tmp_path: Path) -> None:
    config = write(tmp_path, '[camera]\nbackend = "pi"\n[scanner]\nbackend = "sane"\n[gpio]\nfactory = "lgpio"\n'
                             '[printer]\nbackend = "escpos"\nconnection = "usb:0416:5011"\n')
    table = doctor(config, lang="vi")
    camera_line = next(line for line in table.stdout.splitlines() if " camera " in line)
    assert table.returncode == 1 and camera_line.split()[0] == "LỖI" and "4 lỗi: " in table.stdout.splitlines()[-1]
    for lang in ("vi", "en"):
        found = findings(config, lang)
        for row in found.values():
            for raw in ("No module named", "No backend available", "Traceback", "Errno"):
                assert raw not in row["detail"], (lang, row)
    vietnamese = findings(config, "vi")
    assert "cài gói Debian python3-picamera2" in vietnamese["camera"]["detail"]
    assert "cài gói Debian python3-lgpio" in vietnamese["gpio"]["detail"]
    assert "cài gói Debian sane-utils" in vietnamese["scanner"]["detail"]
    assert vietnamese["font"]["detail"] == "Noto Sans có đủ mọi chữ tiếng Việt"


@pytest.mark.parametrize("raw,fix", [
    ("No module named 'lgpio'", "python3-lgpio"), ("No backend available", "libusb-1.0-0"),
    ("numpy.dtype size changed, may indicate binary incompatibility", "motcua provision"),
    ("[Errno 13] Permission denied: '/dev/gpiochip0'", "group gpio"),
    ("[Errno 2] No such file or directory: '/dev/ttyUSB0'", "plugged in"),
    ("something nobody foresaw", "journalctl -u motcua"),
    ("Failed to establish context: Service not available. (0x8010001D)", "systemctl enable --now pcscd"),
    ("No module named 'smartcard'", "python3-pyscard"),
])
def test_every_driver_error_becomes_the_thing_to_fix(raw: str, fix: str) -> None:
    from firmware.app.doctor_reasons import explain

    assert fix in explain(raw)
