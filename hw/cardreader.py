"""The ID card reader's driver: PC/SC through pyscard (Debian's `pcscd` and `python3-pyscard`), for contactless
and contact readers. Its seam is pyscard's own: `readers()`, `createConnection()`, `connect()`,
`transmit(list[int]) -> (data, sw1, sw2)`; the simulator's virtual reader (firmware/chip/virtual_card.py) has the
same, and firmware/devices/card_reading.py drives either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BACKENDS = ("sim", "pcsc", "none")


def pcsc_readers() -> Callable[[], list[Any]]:
    """pyscard's reader list; ImportError where python3-pyscard is not installed (the reader is then absent)."""
    from smartcard.System import readers

    return readers  # type: ignore[no-any-return]
