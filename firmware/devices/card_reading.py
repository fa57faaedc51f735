"""The ID card reader's worker: PC/SC through pyscard on the kiosk (hw/cardreader.py), and on desktops and in
tests the same code against the virtual reader (firmware/chip/virtual_card.py).

A worker thread polls for a card only while a screen wants one (`want(True)`), reads it when the loop asks
(`read(keys)`) and posts events: the reader's state, a card put down or lifted, and each read's result. The loop
never waits for a card. A reader unplugged is `absent` (and comes back when it is plugged in again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware.chip.apdu import CardError, pcsc_transmit
from firmware.chip.mrz import BacKey
from firmware.runtime.events import CardPresence, CardRead, CardReaderState, KioskEvent
from firmware.runtime.worker import Worker

POLL_S = 0.4
log = logging.getLogger("motcua.cardreader")


class CardReader(Worker):
    def __init__(self, readers: Callable[[], list[Any]], post: Callable[[KioskEvent], None],
                 csca_dir: str | Path | None, poll_s: float = POLL_S) -> None:
        super().__init__("card-reader", "cardreader", post)
        self._readers = readers
        self._csca_dir = csca_dir
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._wanted = False
        self._keys: list[BacKey] | None = None
        self.state = ""
        self.reason = ""
        self.present = False
        self.reads = 0
        self.failures = 0
        self.access = ""  # how the last card was opened: "BAC" or "PACE <protocol>"
        self.csca_count: int | None = None  # counted on the worker when a card is first wanted, then at each read
        self._trusted: list[Any] = []  # CSCA certificates given in code (the simulator's own test CSCA)

    # -- from the loop ------------------------------------------------------------------------------------
    def want(self, wanted: bool) -> None:
        with self._lock:
            self._wanted = wanted
            if not wanted:
                self._keys = None
        self.poke()

    def trust(self, csca: Any) -> None:
        with self._lock:
            if csca not in self._trusted:
                self._trusted.append(csca)

    def read(self, keys: Sequence[BacKey]) -> None:
        """Read the card on the reader with these BAC keys, tried in order; the answer is a CardRead event."""
        with self._lock:
            self._keys = list(keys)
        self.poke()

    # -- the worker thread --------------------------------------------------------------------------------
    def step(self) -> None:
        with self._lock:
            wanted, keys, self._keys = self._wanted, self._keys, None
        if not wanted and keys is None:
            self._nap(2.0)
            return
        if self.csca_count is None:  # the first time a screen wants a card, not at start
            self._cscas()
        connection = self._connect()
        if connection is not None and keys is not None:
            self._read(connection, keys)
        elif keys is not None:
            self._post(CardRead(False, "removed" if self.state == "ok" else "reader"))
        if connection is not None:
            try:
                connection.disconnect()
            except Exception:
                pass
        self._nap(self.poll_s)

    def _connect(self) -> Any:
        try:
            found = self._readers()
        except Exception as exc:  # pcscd not running, the reader unplugged
            self._set_state("absent", f"no PC/SC service ({type(exc).__name__}: {exc})")
            return None
        if not found:
            self._set_state("absent", "no card reader is plugged in")
            return None
        self._set_state("ok", "")
        connection = found[0].createConnection()
        try:
            connection.connect()
        except Exception:  # NoCardException: nothing on the reader
            self._set_present(False)
            return None
        self._set_present(True)
        return connection

    def _read(self, connection: Any, keys: list[BacKey]) -> None:
        from firmware.chip.read import read_card  # the protocol's imports: on the worker, not before the first frame

        self.reads += 1
        try:
            result = read_card(pcsc_transmit(connection), keys, self._cscas(), datetime.now(UTC))
        except CardError as exc:
            self.failures += 1
            log.warning("card: not read (%s: %s)", exc.code, exc.detail)  # the detail carries no personal data
            self._post(CardRead(False, exc.code))
            return
        except Exception:  # a parser's bug: the citizen is told, and the worker's guard logs it and goes on
            self.failures += 1
            self._post(CardRead(False, "data"))
            raise
        self.access = result.access
        log.info("card: read by %s, verification %s, data groups checked %s", result.access,
                 result.identity["verification"], result.checked or "none")
        self._post(CardRead(True, "", result.identity))

    def _cscas(self) -> list[Any]:
        """The CSCA certificates trusted now (the province may add one without a restart)."""
        from firmware.chip.csca import load_csca

        with self._lock:
            cscas = [*load_csca(self._csca_dir), *self._trusted]
        self.csca_count = len(cscas)
        return cscas

    def _set_state(self, state: str, reason: str) -> None:
        if state != self.state:
            self.state, self.reason = state, reason
            (log.info if state == "ok" else log.warning)("card reader: %s%s", state, f" ({reason})" if reason else "")
            self._post(CardReaderState(state, reason))
            if state != "ok":
                self._set_present(False)

    def _set_present(self, present: bool) -> None:
        if present != self.present:
            self.present = present
            self._post(CardPresence(present))

    def status(self, now: float) -> dict[str, Any]:
        return {"state": (self.state or "idle") if self.alive else "stopped", "reads": self.reads,
                "failures": self.failures, "csca": self.csca_count, "faults": self.faults,
                **({"access": self.access} if self.access else {}),
                **({"reason": self.reason} if self.reason and self.state != "ok" else {})}
