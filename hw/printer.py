"""Receipt printers through python-escpos. Slips are raster images (ESC/POS text cannot print Vietnamese).

`SimPrinter` wraps escpos's own `Dummy` printer: every job's bytes are kept, with a PNG of what was printed,
and paper / cover / connection states can be set. `EscposPrinter` talks to a real one over USB, serial or the
network and reads its state with DLE EOT (only on a two-way connection).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from hw.errors import DeviceAbsent, PrinterNotReady

STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline", "absent")
PRINTABLE = ("ok", "paper_low")


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
    data: bytes
    image: Image.Image


class SimPrinter:
    KEEP_JOBS = 50  # history for tests; a simulator running for days must not grow without bound

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
        from escpos.printer import Dummy

        if self._state == "absent":
            raise DeviceAbsent("printer", "not connected")
        if self._state not in PRINTABLE:
            raise PrinterNotReady("printer", self._state)
        printer = Dummy(profile="TM-T88V")
        printer.profile.profile_data["media"]["width"]["pixels"] = self.width_px
        printer.image(image, impl="bitImageRaster", fragment_height=128, center=True)
        printer.cut()
        data = printer.output
        self.jobs.append(Job(data, image.copy()))
        del self.jobs[:-self.KEEP_JOBS]
        self.jobs_total += 1
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            image.save(self.out_dir / f"job-{self.jobs_total:03d}.png")
        return len(data)

    def status(self, now: float) -> dict[str, Any]:
        return {"state": self._state, "jobs": self.jobs_total}


class EscposPrinter:
    """A real printer. `connection` is 'usb:VID:PID', 'serial:/dev/ttyUSB0[:baud]' or 'network:HOST[:PORT]'."""

    def __init__(self, connection: str, width_px: int = 576, profile: str = "TM-T88V") -> None:
        self.connection = connection
        self.width_px = width_px
        self.profile = profile
        self._printer: Any = None
        self.jobs = 0
        self.reason = ""  # why it was last found absent, for staff and `doctor`

    def _open(self) -> Any:
        from escpos import printer as escpos

        kind, _, rest = self.connection.partition(":")
        try:
            if kind == "usb":
                vendor, product = (int(v, 16) for v in rest.split(":"))
                device = escpos.Usb(vendor, product, profile=self.profile)
            elif kind == "serial":
                port, _, baud = rest.partition(":")
                device = escpos.Serial(port, baudrate=int(baud or 19200), profile=self.profile, rtscts=True)
            elif kind == "network":
                host, _, port = rest.partition(":")
                device = escpos.Network(host, int(port or 9100), profile=self.profile)
            else:
                raise DeviceAbsent("printer", f"unknown connection {self.connection!r}")
            device.open()
        except (OSError, ValueError, Exception) as exc:
            if isinstance(exc, DeviceAbsent):
                raise
            raise DeviceAbsent("printer", str(exc)) from None
        device.profile.profile_data["media"]["width"]["pixels"] = self.width_px
        return device

    def state(self) -> str:
        try:
            if self._printer is None:
                self._printer = self._open()
            if not self._printer.is_online():
                return "offline"
            paper = self._printer.paper_status()  # 2 ok, 1 near end, 0 out
            return {0: "paper_out", 1: "paper_low"}.get(paper, "ok")
        except DeviceAbsent as exc:
            self.reason = exc.reason
            return "absent"
        except Exception:
            self._printer = None  # re-create after a power cycle (python-escpos#437)
            return "offline"

    def print_image(self, image: Image.Image) -> int:
        state = self.state()
        if state == "absent":
            raise DeviceAbsent("printer", "not connected")
        if state not in PRINTABLE:
            raise PrinterNotReady("printer", state)
        self._printer.image(image, impl="bitImageRaster", fragment_height=100, center=True)
        self._printer.cut()
        self.jobs += 1
        return 0

    def status(self, now: float) -> dict[str, Any]:
        state = self.state()
        return {"state": state, "jobs": self.jobs, **({"reason": self.reason} if state == "absent" else {})}
