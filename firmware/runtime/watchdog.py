"""systemd's watchdog, pinged from the loop itself so a hung UI stops the pings (and gets restarted)."""

from __future__ import annotations

import os
import socket


class Watchdog:
    def __init__(self) -> None:
        self._address = os.environ.get("NOTIFY_SOCKET", "")
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.interval = int(usec) / 2_000_000 if usec.isdigit() else None
        self._last = float("-inf")
        self.pings = 0

    def _send(self, message: str) -> None:
        if not self._address:
            return
        address = "\0" + self._address[1:] if self._address.startswith("@") else self._address
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)

    def ready(self) -> None:
        self._send("READY=1")

    def ping(self, now: float) -> None:
        if self.interval is None or now - self._last < self.interval:
            return
        self._last = now
        self.pings += 1
        self._send("WATCHDOG=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")
