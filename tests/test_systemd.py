"""The service unit's hardening score, sd_notify from the loop, and journald-friendly logs."""

from __future__ import annotations

import logging
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from firmware.runtime.logs import JournalFormatter
from firmware.runtime.watchdog import Watchdog

from .conftest import REPO

UNIT = REPO / "systemd" / "motcua.service"


def exposure(unit: Path) -> float:
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)], capture_output=True,
                            text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-500:] + result.stderr[-500:]
    return float(match.group(1))


def test_systemd_analyze_is_installed() -> None:
    assert shutil.which("systemd-analyze"), "install Debian's systemd (packages-debian.txt)"


def test_the_kiosk_unit_scores_two_or_lower() -> None:
    assert exposure(UNIT) <= 1.5


def test_the_packages_unit_is_sandboxed_as_far_as_apt_allows() -> None:
    """apt-get runs as root and writes /usr, so ProtectSystem is out; the rest is taken away (it scored 9.6)."""
    unit = REPO / "systemd" / "motcua-packages.service"
    assert exposure(unit) <= 4.0
    text = unit.read_text(encoding="utf-8")
    assert "CAP_SYS_ADMIN" not in text and "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK" in text


def test_the_score_check_can_fail(tmp_path: Path) -> None:
    plain = tmp_path / "plain.service"
    plain.write_text("[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    assert exposure(plain) > 9.0


def test_the_unit_says_what_the_kiosk_needs() -> None:
    text = UNIT.read_text(encoding="utf-8")
    for line in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "Conflicts=getty@tty1.service",
                 "TTYPath=/dev/tty1", "User=motcua", "WorkingDirectory=/var/lib/motcua",
                 "ReadWritePaths=/var/lib/motcua", "OnFailure=motcua-out-of-service.service"):
        assert line in text


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> socket.socket:
    path = tmp_path / "notify"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    return server


def received(server: socket.socket) -> list[bytes]:
    server.setblocking(False)
    messages = []
    while True:
        try:
            messages.append(server.recv(100))
        except BlockingIOError:
            return messages


def test_ready_once_and_watchdog_at_half_the_interval(notify_socket: socket.socket) -> None:
    watchdog = Watchdog()
    assert watchdog.interval == 1.0
    watchdog.ready()
    for now in (10.0, 10.4, 10.99, 11.0, 11.5, 12.1):
        watchdog.ping(now)
    watchdog.stopping()
    assert received(notify_socket) == [b"READY=1", b"WATCHDOG=1", b"WATCHDOG=1", b"WATCHDOG=1", b"STOPPING=1"]


def test_no_notify_socket_means_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    watchdog = Watchdog()
    watchdog.ready()
    watchdog.ping(1.0)
    assert watchdog.pings == 0


def test_journal_lines_carry_their_priority_and_no_timestamp() -> None:
    record = logging.LogRecord("motcua.link", logging.WARNING, __file__, 1, "broker gone\nretrying", None, None)
    assert JournalFormatter().format(record) == "<4>motcua.link: broker gone\n<4>retrying"
