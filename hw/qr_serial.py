"""A serial QR scanner module: it decodes by itself and sends each code as a line of UTF-8 text.

A reader thread hands each payload to `on_code` (which posts to the loop). Works on any pyserial URL: a real
port on the kiosk (/dev/ttyACM0, /dev/ttyAMA0), `loop://` or a socat pty pair in tests.

A module that is missing at start or unplugged later is a device fault, not a dead kiosk: the reader says so,
closes the dead handle, and opens the port again when it reappears (polled, with a bounded backoff). A line is
at most `MAX_LINE` bytes; a longer run with no terminator is dropped up to the next terminator (resync).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

MAX_LINE = 4096
REOPEN_S = (0.5, 10.0)  # first wait before opening again, the longest

log = logging.getLogger("motcua.qr_serial")


class SerialQrReader:
    def __init__(self, url: str, on_code: Callable[[str], None], baudrate: int = 9600) -> None:
        self.url = url
        self.baudrate = baudrate
        self._on_code = on_code
        self._port: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qr-serial", daemon=True)
        self.codes = 0
        self.errors = 0
        self.overlong = 0
        self.reopens = 0
        self.state = "absent"
        self.reason = ""
        self._open()  # at once, so a module that is there works from the first frame

    def _open(self) -> bool:
        import serial

        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
        except Exception as exc:  # SerialException, ValueError for a bad URL, OSError
            self._set("absent", f"cannot open {self.url!r} ({exc})")
            return False
        self._set("ok", "")
        return True

    def _set(self, state: str, reason: str) -> None:
        if state == self.state and reason == self.reason:
            return
        if state == "ok":
            log.info("qr module: %s is open", self.url)
        else:
            log.warning("qr module: %s; the camera still reads cards", reason)
        self.state, self.reason = state, reason

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        buffer, dropping, failures = b"", False, 0
        while not self._stop.is_set():
            if self._port is None:
                if not self._open():
                    failures += 1
                    self._stop.wait(min(REOPEN_S[1], REOPEN_S[0] * 2 ** min(failures, 10)))
                    continue
                self.reopens += 1
                failures, buffer, dropping = 0, b"", False
            try:
                chunk = self._port.read(256)
            except Exception as exc:  # unplugged: the handle is dead, so close it and open the port again
                self.errors += 1
                self._close()
                self._set("absent", f"lost {self.url!r} ({exc})")
                continue
            buffer, dropping = self._lines(buffer + chunk, dropping)

    def _lines(self, buffer: bytes, dropping: bool) -> tuple[bytes, bool]:
        """Hand over every complete line; returns what is left and whether an overlong line is being skipped."""
        while True:
            cuts = [i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0]
            if not cuts:
                if len(buffer) > MAX_LINE:
                    if not dropping:
                        self.overlong += 1
                        log.warning("qr module: a line over %d bytes with no end; skipped", MAX_LINE)
                    return b"", True
                return buffer, dropping
            cut = min(cuts)
            line, buffer = buffer[:cut], buffer[cut + 1:]
            if dropping:  # the end of the overlong line: resynchronised
                dropping = False
                continue
            text = line[:MAX_LINE].decode("utf-8", errors="replace").strip()
            if text:
                self.codes += 1
                self._on_code(text)

    def write(self, data: bytes) -> None:
        """For tests on loop://: what the module would send."""
        self._port.write(data)

    def status(self, now: float) -> dict[str, Any]:
        return {"state": self.state if self._thread.is_alive() else "stopped", "codes": self.codes,
                "errors": self.errors, "overlong": self.overlong, "reopens": self.reopens,
                **({"reason": self.reason} if self.reason else {})}

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._close()
