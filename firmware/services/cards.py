"""The card reader as screens see it: is one fitted and working, is a card on it, read it with these keys.

The BAC keys come from what the citizen already showed: the printed QR (ID number, date of birth, issue date;
the expiry tried by the law's rules, firmware/chip/mrz.py), or the values typed from the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from firmware.chip.mrz import BacKey, expiry_candidates
from firmware.runtime.events import CardPresence


def keys_from_qr(id_number: str, born: date, issued: date | None) -> list[BacKey]:
    if issued is None:
        return []
    return [BacKey.for_card(id_number, born, expiry) for expiry in expiry_candidates(born, issued)]


class CardService:
    def __init__(self, reader: Any | None, health: Mapping[str, str] | None = None) -> None:
        self.reader = reader  # firmware.devices.card_reading.CardReader, or None when the kiosk has none
        self._health = health or {}  # the reader's state is Health's `cardreader` part (ok until it says)
        self.present = False  # the reader posts a card lifted when it goes absent too

    @property
    def usable(self) -> bool:
        return self.reader is not None and self._health.get("cardreader", "ok") == "ok"

    def want(self, wanted: bool) -> None:
        if self.reader is not None:
            self.reader.want(wanted)

    def read(self, keys: list[BacKey]) -> bool:
        if self.reader is None or not keys:
            return False
        self.reader.read(keys)
        return True

    def on_presence(self, event: CardPresence) -> None:
        self.present = event.present
