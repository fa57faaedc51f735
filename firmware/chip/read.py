"""Reading a card: select the eMRTD application, BAC with each candidate key in turn, read EF.COM, DG1, DG2,
DG13 and EF.SOD through secure messaging, check them (passive authentication where CSCA certificates are
installed), and hand back the identity the rest of the kiosk uses, with the extra fields of DG13.

Runs on the card reader's worker thread; every failure is a CardError whose code firmware/chip/messages.py
explains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from firmware.chip import bac, pace, passive_auth
from firmware.chip.apdu import AID, OK, CardError, Command, Transmit, read_length
from firmware.chip.datagroups import FILES, decode_face, face_image, parse_dg1, parse_dg13
from firmware.chip.messages import CHIP_ONLY, VERIFIED
from firmware.chip.mrz import BacKey
from firmware.chip.secure_messaging import SecureChannel
from firmware.rules.identity import read_cccd

log = logging.getLogger("motcua.cardreader")
CHUNK = 0xDF  # the most a 3DES secure-messaging response carries in one short APDU
EXTRA_KEYS = ("nationality", "ethnicity", "religion", "place_of_origin", "identifying_marks", "expiry_date",
              "father_name", "mother_name", "spouse_name")

@dataclass
class ChipRead:
    identity: dict[str, Any]  # IDENTITY_KEYS, EXTRA_KEYS, "verification" and "face" (JPEG 2000 bytes)
    checked: list[int]  # data groups whose hashes were verified (empty: not verified)
    access: str = "BAC"  # how the chip was opened: "BAC" or "PACE <protocol>"


def guarded(transmit: Transmit) -> Transmit:
    """A reader error mid-read (the card lifted off, the reader unplugged) is CardError("removed")."""
    def send(apdu: bytes) -> tuple[bytes, int]:
        try:
            return transmit(apdu)
        except CardError:
            raise
        except Exception as exc:  # pyscard's CardConnectionException, NoCardException, OSError
            raise CardError("removed", f"{type(exc).__name__}: {exc}"[:200]) from None
    return send


Exchange = Callable[[Command], tuple[bytes, int]]  # a command -> (plain response data, status word)


def read_file(exchange: Exchange, fid: int) -> bytes:
    """A whole elementary file, selected and read in chunks, in the clear or through secure messaging."""
    _data, sw = exchange(Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
    if sw != OK:
        raise CardError("data", f"file {fid:04X} cannot be selected ({sw:04X})")
    head, sw = exchange(Command(0x00, 0xB0, 0x00, 0x00, le=4))
    if sw != OK or len(head) < 2:
        raise CardError("data", f"file {fid:04X} cannot be read ({sw:04X})")
    try:
        length, value_at = read_length(head, 1)
    except ValueError as exc:
        raise CardError("data", f"file {fid:04X}: {exc}") from None
    total = value_at + length
    if total > 64_000:
        raise CardError("data", f"file {fid:04X} says it has {total} bytes")
    content = bytearray(head[:total])
    while len(content) < total:
        offset = len(content)
        want = min(CHUNK, total - offset)
        chunk, sw = exchange(Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=want))
        if sw != OK or not chunk:
            raise CardError("data", f"file {fid:04X} stops at {offset} of {total} ({sw:04X})")
        content += chunk[:want]
    return bytes(content)


def secure(send: Transmit, channel: SecureChannel) -> Exchange:
    return lambda command: channel.unprotect(*send(channel.protect(command)))


def pace_offer(send: Transmit) -> list[pace.PaceInfo]:
    """What EF.CardAccess offers; [] for a card without one (BAC only)."""
    try:
        return pace.parse_card_access(read_file(lambda command: send(command.encode()), pace.CARD_ACCESS))
    except CardError as exc:
        if exc.code != "data":
            raise
        return []


def open_channel(send: Transmit, keys: Sequence[BacKey]) -> tuple[SecureChannel, str]:
    """A secure channel into the eMRTD application, and how it was opened: PACE where the card offers a protocol
    this code speaks, else BAC. Each candidate key is tried in turn."""
    offer = pace_offer(send)
    info = pace.choose(offer)
    if info is not None:
        for key in keys:
            try:
                channel = pace.authenticate(send, key, info, reference=len(offer) > 1)
            except CardError as exc:
                if exc.code == "pace":
                    log.warning("card: PACE %s failed (%s), reading by BAC", info.describe(), exc.detail)
                    break
                if exc.code != "bac_key":
                    raise
                continue
            _data, sw = secure(send, channel)(Command(0x00, 0xA4, 0x04, 0x0C, AID))
            if sw != OK:
                raise CardError("not_mrtd", f"no eMRTD application ({sw:04X})")
            return channel, f"PACE {info.describe()}"
        else:
            raise CardError("bac_key", f"{len(keys)} candidate keys refused by PACE")
    elif offer:
        log.info("card: offers PACE only as %s, reading by BAC", ", ".join(i.describe() for i in offer))
    _data, sw = send(Command(0x00, 0xA4, 0x04, 0x0C, AID).encode())
    if sw != OK:
        raise CardError("not_mrtd", f"no eMRTD application ({sw:04X})")
    for key in keys:
        try:
            return bac.authenticate(send, key), "BAC"
        except CardError as exc:
            if exc.code != "bac_key":
                raise
    raise CardError("bac_key", f"{len(keys)} candidate keys refused")


def identity_from(dg1: bytes, dg13: bytes, today: Any) -> dict[str, Any]:
    """The identity checked by the same rules as the printed QR (firmware/rules/identity.py)."""
    mrz, values = parse_dg1(dg1), parse_dg13(dg13)
    texts = [str(values.get(key) or "") for key in ("id_number", "old_id", "full_name")]
    born, issued = values.get("date_of_birth"), values.get("issue_date")
    shown = [d.strftime("%d%m%Y") if d else "" for d in (born, issued)]
    fields = [texts[0], texts[1], texts[2], shown[0], str(values.get("sex") or ""), str(values.get("address") or ""),
              shown[1]]
    if any("|" in field for field in fields):
        raise CardError("data", "a DG13 field holds a separator")
    card = read_cccd("|".join(fields), today=today)
    if card is None or not card.valid:
        raise CardError("data", f"DG13 fails the identity rules: {[e.code for e in card.errors] if card else []}")
    if mrz.id_number != card.id_number:
        raise CardError("data", "DG1 and DG13 carry different numbers")
    identity: dict[str, Any] = {key: getattr(card, key) for key in
                                ("id_number", "old_id", "full_name", "date_of_birth", "sex", "address", "issue_date")}
    identity.update({key: values[key] for key in EXTRA_KEYS if values.get(key)})
    return identity


def read_card(transmit: Transmit, keys: Sequence[BacKey], cscas: list[x509.Certificate],
              now: datetime) -> ChipRead:
    send = guarded(transmit)
    channel, access = open_channel(send, keys)
    exchange = secure(send, channel)
    groups = {number: read_file(exchange, FILES[f"dg{number}"]) for number in (1, 13, 2)}
    sod = read_file(exchange, FILES["sod"])
    face = face_image(groups[2])
    decode_face(face)  # a face that does not decode is a damaged chip
    checked = passive_auth.verify(sod, groups, cscas, now) if cscas else []
    identity = identity_from(groups[1], groups[13], now.date())
    identity["verification"] = VERIFIED if checked else CHIP_ONLY
    identity["face"] = face
    return ChipRead(identity, checked, access)
