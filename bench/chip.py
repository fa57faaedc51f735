"""Reading the ID card's chip through the virtual card (real APDUs, both sides in Python): a whole read with
BAC and with PACE (ECDH-GM, AES-128, brainpoolP256r1), the median of several, and PACE's cost as a ratio."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime

from cryptography.x509 import Certificate

from firmware.chip.issuer import CardData, make_card, make_signer
from firmware.chip.mrz import BacKey, expiry_candidates
from firmware.chip.pace import BRAINPOOL_AES128
from firmware.chip.read import read_card
from firmware.chip.virtual_card import VirtualCard, transmit_to

ROUNDS = 15
BORN, ISSUED = date(2003, 3, 5), date(2021, 6, 10)
PERSON = {"id_number": "001303004567", "full_name": "Nguyễn Thị Ngọc Ánh", "date_of_birth": BORN, "sex": "Nữ",
          "address": "Thôn 3, xã Yên Phong, Bắc Ninh"}


def _read_ms(card: CardData, keys: list[BacKey], cscas: list[Certificate]) -> float:
    send = transmit_to(VirtualCard(card))
    started = time.perf_counter()
    read_card(send, keys, cscas, datetime.now(UTC))
    return (time.perf_counter() - started) * 1000


def run() -> dict[str, float]:
    signer = make_signer()
    expiry = expiry_candidates(BORN, ISSUED)[0]
    keys = [BacKey.for_card(PERSON["id_number"], BORN, expiry)]  # type: ignore[arg-type]
    figures = {}
    for name, offer in (("bac", ()), ("pace", (BRAINPOOL_AES128,))):
        card = make_card(PERSON, signer, ISSUED, expiry, offer)
        _read_ms(card, keys, [signer.csca])  # warm-up: imports, caches
        figures[f"card_read_ms_{name}"] = round(statistics.median(
            _read_ms(card, keys, [signer.csca]) for _ in range(ROUNDS)), 2)
    figures["card_read_pace_over_bac"] = round(figures["card_read_ms_pace"] / figures["card_read_ms_bac"], 2)
    return figures


if __name__ == "__main__":
    print(run())
