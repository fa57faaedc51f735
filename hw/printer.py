"""Receipt printers through python-escpos. Slips are raster images (ESC/POS text cannot print Vietnamese).

`SimPrinter` wraps escpos's own `Dummy` printer: every job's bytes are kept, with a PNG of what was printed,
and paper / cover / connection states can be set. `EscposPrinter` talks to a real one over USB, serial or the
network and reads its state with DLE EOT (only on a two-way connection).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from hw.absent import Absent
from hw.errors import DeviceAbsent, PrinterNotReady
from hw.escpos_import import printer_module

STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline", "absent")
PRINTABLE = ("ok", "paper_low")
PROFILE = "TM-T88V"
# A serial printer answers a status query with one byte within milliseconds, but python-escpos reads 16 and waits
# out its timeout (1 s by default) for the rest: two queries a poll cost 2 s of the connection's lock.
SERIAL_STATUS_TIMEOUT_S = 0.3
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"  # bit 2 of the answer: the cover is open
# Cheap printers' buffers overflow on tall raster images: send them in bands (python-escpos #628, #631).
FRAGMENT_HEIGHT = 100


def raster_job(image: Image.Image, width_px: int, profile: str = PROFILE) -> bytes:
    """The ESC/POS bytes of one slip: the image as GS v 0 raster bands, centred, then a cut. Every backend sends
    exactly these bytes."""
    job = printer_module().Dummy(profile=profile)
    job.profile.profile_data["media"]["width"]["pixels"] = width_px
    job.image(image, impl="bitImageRaster", fragment_height=FRAGMENT_HEIGHT, center=True)
    job.cut()
    return bytes(job.output)


class Printer(Protocol):
    def state(self) -> str:
        """One of STATES."""
        ...

    def print_image(self, image: Image.Image) -> int:
        """Print and cut; returns the bytes sent. Raises PrinterNotReady or DeviceAbsent."""
        ...

    def status(self, now: float) -> dict[str, Any]: ...


@dataclass
class Job:
    data: bytes  # the bytes sent to the printer (the image itself is not kept: 1-2 MB a slip)


class SimPrinter:
    KEEP_JOBS = 5  # the last jobs' bytes for tests; a simulator running for days must not grow

    def __init__(self, width_px: int = 576, out_dir: Path | None = None) -> None:
        self.width_px = width_px
        self.out_dir = out_dir
        self.jobs: list[Job] = []
        self.jobs_total = 0
        self._state = "ok"
        self.history: list[str] = []

    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"printer state {state!r}; expected one of {', '.join(STATES)}")
        self._state = state
        self.history.append(state)

    def set_paper(self, level: str) -> None:
        self.set_state({"ok": "ok", "low": "paper_low", "out": "paper_out"}.get(level, level))

    def state(self) -> str:
        return self._state

    def print_image(self, image: Image.Image) -> int:
        if self._state == "absent":
            raise DeviceAbsent("printer", "not connected")
        if self._state not in PRINTABLE:
            raise PrinterNotReady("printer", self._state)
        data = raster_job(image, self.width_px)
        self.jobs.append(Job(data))
        del self.jobs[:-self.KEEP_JOBS]
        self.jobs_total += 1
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            image.save(self.out_dir / f"job-{self.jobs_total:03d}.png")
        return len(data)

    def status(self, now: float) -> dict[str, Any]:
        return {"state": self._state, "jobs": self.jobs_total}


class EscposPrinter:
    """A real printer. `connection` is 'usb:VID:PID', 'serial:/dev/ttyUSB0[:baud]' or 'network:HOST[:PORT]'.

    The status poller and the print job thread share one connection: every use of it holds `_lock`, so a status
    query never drops the connection in the middle of a slip.
    """

    def __init__(self, connection: str, width_px: int = 576, profile: str = PROFILE) -> None:
        self.connection = connection
        self.width_px = width_px
        self.profile = profile
        self._printer: Any = None
        self._lock = threading.RLock()
        self.jobs = 0
        self.reason = ""  # why it was last found absent or offline, for staff and `doctor`

    def _open(self) -> Any:
        escpos = printer_module()

        kind, _, rest = self.connection.partition(":")
        try:
            if kind == "usb":
                vendor, product = (int(v, 16) for v in rest.split(":"))
                device = escpos.Usb(vendor, product, profile=self.profile)
            elif kind == "serial":
                port, _, baud = rest.partition(":")
                device = escpos.Serial(port, baudrate=int(baud or 19200), timeout=SERIAL_STATUS_TIMEOUT_S,
                                       profile=self.profile)
            elif kind == "network":
                host, _, port = rest.partition(":")
                device = escpos.Network(host, int(port or 9100), profile=self.profile)
            else:
                raise DeviceAbsent("printer", f"unknown connection {self.connection!r}")
            device.open()
        except DeviceAbsent:
            raise
        except Exception as exc:  # each transport raises its own kind (USBNotFoundError, SerialException, OSError)
            raise DeviceAbsent("printer", str(exc)) from None
        device.profile.profile_data["media"]["width"]["pixels"] = self.width_px
        return device

    def _drop(self, reason: str) -> None:
        """Forget the connection; it is opened again next time (python-escpos#437: after a power cycle)."""
        self.reason = reason
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                pass

    def state(self) -> str:
        with self._lock:
            try:
                if self._printer is None:
                    self._printer = self._open()
                if not self._printer.is_online():
                    cause = self._printer.query_status(DLE_EOT_OFFLINE_CAUSE)
                    if cause and cause[0] & 0x04:
                        self.reason = "the cover is open"
                        return "cover_open"
                    self.reason = "the printer says it is offline"
                    return "offline"
                paper = self._printer.paper_status()  # 2 ok, 1 near end, 0 out
                self.reason = ""
                return {0: "paper_out", 1: "paper_low"}.get(paper, "ok")
            except DeviceAbsent as exc:
                self.reason = exc.reason
                return "absent"
            except Exception as exc:
                self._drop(f"no answer to a status query ({type(exc).__name__}: {exc})")
                return "offline"

    def print_image(self, image: Image.Image) -> int:
        data = raster_job(image, self.width_px, self.profile)
        with self._lock:
            state = self.state()
            if state == "absent":
                raise DeviceAbsent("printer", self.reason or "not connected")
            if state not in PRINTABLE:
                raise PrinterNotReady("printer", state)
            try:
                self._printer._raw(data)
            except Exception:
                self._drop("the connection failed while a slip was sent")
                raise
            self.jobs += 1
            return len(data)

    def close(self) -> None:
        with self._lock:
            self._drop("closed")

    def status(self, now: float) -> dict[str, Any]:
        state = self.state()
        return {"state": state, "jobs": self.jobs, **({"reason": self.reason} if state != "ok" and self.reason else {})}


# Backends by their config name (`[printer] backend`): config validation, the device builder and doctor read it.
BACKENDS: dict[str, Callable[[Any], Any]] = {
    "sim": lambda section: SimPrinter(section.width_px),
    "escpos": lambda section: EscposPrinter(section.connection, section.width_px),
    "none": lambda section: Absent("printer"),
}
