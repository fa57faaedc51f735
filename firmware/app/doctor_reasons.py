"""What doctor says when something fails: the thing to fix (a Debian package, a group, a setting, a cable),
in the technician's language, never a driver's raw exception ("No module named 'lgpio'", "No backend available").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware.rules.i18n import N_, _

RESULTS = ("ok", "warn", "fail", "off")


@dataclass(frozen=True)
class Finding:
    check: str
    result: str  # one of RESULTS
    detail: str
    status: dict[str, Any] = field(default_factory=dict)


# Python modules the kiosk's drivers import, and the Debian package that brings each (provisioning/apt.txt).
MODULE_PACKAGES = {"picamera2": "python3-picamera2", "libcamera": "python3-picamera2", "lgpio": "python3-lgpio",
                   "pyzbar": "libzbar0", "usb": "libusb-1.0-0", "escpos": "libusb-1.0-0",
                   "smartcard": "python3-pyscard"}
# Device nodes and the group the kiosk's user needs for them (provisioning/firstboot adds it to each).
NODE_GROUPS = (("/dev/gpiochip", "gpio"), ("/dev/tty", "dialout"), ("/dev/video", "video"), ("/dev/media", "video"),
               ("/dev/dri", "video, render"), ("/dev/input", "input"), ("/dev/bus/usb", "lp"), ("/dev/usb", "lp"),
               ("/dev/snd", "audio"))
CHECK_NAMES = {"font": N_("phông chữ"), "display": N_("màn hình"), "camera": N_("camera"),
               "qr decoder": N_("giải mã QR"), "qr reader": N_("đầu đọc QR"), "printer": N_("máy in"),
               "scanner": N_("máy quét"), "gpio": N_("cảm biến"), "backlight": N_("đèn nền"), "outbox": N_("hàng đợi"),
               "clock": N_("đồng hồ"), "network": N_("mạng"), "broker": N_("máy chủ"), "security": N_("bảo mật"),
               "packages": N_("gói phần mềm"), "swap": N_("swap"), "storage": N_("bộ nhớ"),
               "card reader": N_("đầu đọc thẻ")}
RESULT_LABELS = {"ok": "ok", "warn": N_("chú ý"), "fail": N_("LỖI"), "off": N_("không có")}


def _module(match: re.Match[str]) -> str:
    module = match[1].split(".")[0]
    package = MODULE_PACKAGES.get(module)
    if package:
        return _("thiếu thư viện {module}: cài gói Debian {package} (sudo apt install {package})").format(
            module=module, package=package)
    return _("thiếu mô-đun Python {module}: cài lại phần mềm kiosk (motcua provision)").format(module=module)


def _permission(match: re.Match[str]) -> str:
    path = match[1]
    group = next((g for prefix, g in NODE_GROUPS if path.startswith(prefix)), "")
    if group:
        return _("không có quyền mở {path}: người dùng motcua cần ở nhóm {group}").format(path=path, group=group)
    return _("không có quyền mở {path}: xem quyền của tệp (ls -l {path})").format(path=path)


PATTERNS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"No module named '([\w.]+)'", _module),
    (r"numpy\.dtype size changed", lambda m: _(
        "thư viện numpy trong venv khác với bản của Debian mà picamera2 dùng: làm lại thẻ nhớ bằng motcua "
        "provision (numpy được ghim theo bản Debian)")),
    (r"No backend available", lambda m: _(
        "không có thư viện USB: cài gói Debian libusb-1.0-0 (sudo apt install libusb-1.0-0)")),
    (r"scanimage is not installed", lambda m: _(
        "chưa cài scanimage: cài gói Debian sane-utils (sudo apt install sane-utils)")),
    (r"Unable to load any of the following libraries:.*zbar|zbar.*not found", lambda m: _(
        "thiếu thư viện zbar: cài gói Debian libzbar0 (sudo apt install libzbar0)")),
    (r"Permission denied: '([^']+)'", _permission),
    (r"No such file or directory: '(/dev/[^']+)'", lambda m: _(
        "không thấy {path}: thiết bị đã cắm và bật chưa? (xem dmesg)").format(path=m[1])),
    (r"Failed to establish context|Service not available|0x8010001D", lambda m: _(
        "dịch vụ thẻ thông minh pcscd chưa chạy: cài gói Debian pcscd và bật nó (sudo systemctl enable --now "
        "pcscd)")),
    (r"^not connected$", lambda m: _("chưa cắm hoặc chưa bật (xem cáp và nguồn)")),
    (r"^not installed on this kiosk$", lambda m: _("kiosk này không lắp thiết bị này (cấu hình backend)")),
)


def explain(text: str) -> str:
    """A driver's words as the thing to fix; an unknown error still says where to look."""
    for pattern, say in PATTERNS:
        match = re.search(pattern, text)
        if match:
            return say(match)
    return _("lỗi: {error} (xem journalctl -u motcua)").format(error=text[:200])


def check_name(check: str) -> str:
    return _(CHECK_NAMES[check]) if check in CHECK_NAMES else check


def result_label(result: str) -> str:
    return _(RESULT_LABELS.get(result, result))


def broker_words(reason: str) -> str:
    """The link's probe result as the thing to check."""
    if reason == "connected":
        return _("đã kết nối")
    if reason.startswith("TLS ok"):
        return _("TLS tốt, chứng chỉ được nhận")
    if reason.startswith("cannot connect"):
        return _("không kết nối được {detail}: xem mạng, broker_host và broker_port").format(
            detail=reason.removeprefix("cannot connect").strip())
    if reason.startswith("TLS refused"):
        return _("máy chủ từ chối TLS ({detail}): chứng chỉ hết hạn, bị thu hồi, hoặc sai CA?").format(
            detail=reason.removeprefix("TLS refused:").strip())
    return _("{reason}: xem journalctl -u motcua").format(reason=reason)
