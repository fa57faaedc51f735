"""Small emulators at the real backends' transport seams: a socat pty pair with an ESC/POS printer answering
DLE EOT on the far end, a fake `scanimage` on PATH, a fake `picamera2` module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import serial

# The answers to DLE EOT n, by the printer's state (ESC/POS real-time status; python-escpos's masks).
ONLINE, OFFLINE = 0x12, 0x1A
PAPER = {"ok": 0x12, "paper_low": 0x1E, "paper_out": 0x72}
COVER_OPEN = 0x04  # DLE EOT 2, offline cause


@contextmanager
def pty_pair(tmp: Path) -> Iterator[tuple[str, str]]:
    """Two linked pseudo-terminals from socat; the links exist before this yields."""
    near, far = str(tmp / "near"), str(tmp / "far")
    proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={near}", f"pty,raw,echo=0,link={far}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (os.path.exists(near) and os.path.exists(far)):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("socat made no pty pair")
            time.sleep(0.01)
        yield near, far
    finally:
        proc.kill()
        proc.wait()


class EscposEmulator:
    """A receipt printer on the far end of a serial line: it answers DLE EOT 1/2/4 from its state and keeps every
    other byte it is sent."""

    def __init__(self, port: str) -> None:
        self.line = serial.Serial(port, timeout=0.05)
        self.state = "ok"
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _answer(self, n: int) -> int:
        if n == 1:
            return OFFLINE if self.state in ("offline", "cover_open") else ONLINE
        if n == 2:
            return COVER_OPEN if self.state == "cover_open" else 0
        return PAPER.get(self.state, PAPER["ok"])

    def _take(self, pending: bytes) -> int:
        """Consume one command or byte from the front of `pending`; 0 when more bytes are needed."""
        if pending.startswith(b"\x1dv0"):  # GS v 0 m xL xH yL yH, then (xL + 256 xH) * (yL + 256 yH) bytes
            if len(pending) < 8:
                return 0
            size = 8 + (pending[4] + 256 * pending[5]) * (pending[6] + 256 * pending[7])
            if len(pending) < size:
                return 0
            self.received += pending[:size]
            return size
        if pending.startswith(b"\x10\x04"):
            if len(pending) < 3:
                return 0
            if self.state != "absent":
                self.line.write(bytes([self._answer(pending[2])]))
            return 3
        if pending in (b"\x1d", b"\x1dv", b"\x10"):
            return 0
        self.received += pending[:1]
        return 1

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            pending += self.line.read(4096)
            while pending and (used := self._take(pending)):
                pending = pending[used:]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.line.close()


FAKE_SCANIMAGE = '''#!{python}
"""scanimage as the contract tests need it: the page in $SCAN_SLOT, or the SANE status in $SCAN_STATUS."""
import os, sys
status = int(open(os.environ["SCAN_STATUS"]).read() or 0)
if status:
    sys.stderr.write("scanimage: sane_start: error %d\\n" % status)
    sys.exit(status)
slot = os.environ["SCAN_SLOT"]
if not os.path.exists(slot):
    sys.stderr.write("scanimage: sane_start: Document feeder out of documents\\n")
    sys.exit(7)
sys.stdout.buffer.write(open(slot, "rb").read())
os.remove(slot)
'''


@contextmanager
def fake_scanimage(tmp: Path) -> Iterator[tuple[Path, Path]]:
    """A `scanimage` first on PATH; yields (slot file, status file)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    script = bin_dir / "scanimage"
    script.write_text(FAKE_SCANIMAGE.format(python=sys.executable))
    script.chmod(0o755)
    slot, status = tmp / "slot.png", tmp / "status"
    status.write_text("0")
    saved = {k: os.environ.get(k) for k in ("PATH", "SCAN_SLOT", "SCAN_STATUS")}
    os.environ.update(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", SCAN_SLOT=str(slot),
                      SCAN_STATUS=str(status))
    try:
        assert shutil.which("scanimage") == str(script)
        yield slot, status
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class FakePicamera2:
    """picamera2's `Picamera2` as `hw.camera.PiCamera` uses it: lores YUV420 with a padded row stride."""

    instances: list[FakePicamera2] = []
    frame: np.ndarray | None = None  # the Y plane the camera sees (480x640), None: a dark room
    stride_pad = 64

    def __init__(self) -> None:
        self.started = self.closed = False
        self.config: dict[str, Any] = {}
        FakePicamera2.instances.append(self)

    def create_video_configuration(self, **config: Any) -> dict[str, Any]:
        return config

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config

    def start(self) -> None:
        self.started = True

    def capture_array(self, stream: str) -> np.ndarray:
        assert stream == "lores" and self.started and not self.closed
        width, height = self.config["lores"]["size"]
        y_plane = FakePicamera2.frame if FakePicamera2.frame is not None else np.zeros((height, width), np.uint8)
        padded = np.full((height * 3 // 2, width + self.stride_pad), 128, np.uint8)  # YUV420: Y then U, V
        padded[:height, :width] = y_plane
        time.sleep(1 / 30)
        return padded

    def close(self) -> None:
        self.closed = True


def install_fake_picamera2() -> types.ModuleType:
    module = types.ModuleType("picamera2")
    module.Picamera2 = FakePicamera2  # type: ignore[attr-defined]
    sys.modules["picamera2"] = module
    return module
