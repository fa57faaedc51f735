"""A serial QR scanner module: it decodes by itself and sends each code as a line of UTF-8 text.

A reader thread hands each payload to `on_code` (which posts to the loop). Works on any pyserial URL: a real
port on the kiosk (/dev/ttyACM0, /dev/ttyAMA0), `loop://` or a socat pty pair in tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class SerialQrReader:
    def __init__(self, url: str, on_code: Callable[[str], None], baudrate: int = 9600) -> None:
        import serial

        self.url = url
        self._on_code = on_code
        self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qr-serial", daemon=True)
        self.codes = 0
        self.errors = 0

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = self._port.read(256)
            except Exception:  # the port went away: count it, keep the thread for when it returns
                self.errors += 1
                self._stop.wait(1.0)
                continue
            buffer += chunk
            while b"\n" in buffer or b"\r" in buffer:
                cut = min(i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0)
                line, buffer = buffer[:cut], buffer[cut + 1:]
                text = line.decode("utf-8", errors="replace").strip()
                if text:
                    self.codes += 1
                    self._on_code(text)

    def write(self, data: bytes) -> None:
        """For tests on loop://: what the module would send."""
        self._port.write(data)

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok" if self._thread.is_alive() else "stopped", "codes": self.codes, "errors": self.errors}

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._port.close()
