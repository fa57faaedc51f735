"""VietQR (NAPAS, EMVCo merchant-presented) payloads for a transfer to an account (DESIGN.md section 6).

TLV fields in ascending ID order: 00 `01`; 01 `11` static (no amount) or `12` dynamic (with one); 38 = {00
`A000000727`, 01 = {00 bank BIN, 01 account}, 02 `QRIBFTTA`}; 53 `704`; 54 amount; 58 `VN`; 62 = {08 purpose};
63 CRC-16/CCITT-FALSE over everything before it, `6304` included, as 4 uppercase hex digits.
"""

from __future__ import annotations

import re

from firmware.common.marks import without_marks

GUID = "A000000727"
SERVICE = "QRIBFTTA"
PURPOSE_MAX = 25
PURPOSE_CHARS = re.compile(r"^[A-Za-z0-9 .-]*$")


class VietQrError(ValueError):
    """An input a bank would refuse; the message says which and why."""


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQrError(f"field {tag} is {len(value)} characters long; at most 99 fit")
    return f"{tag}{len(value):02d}{value}"


def ascii_purpose(text: str) -> str:
    """What a bank accepts of a text in the purpose field: no diacritics (đ -> d), only A-Z a-z 0-9 space . -,
    at most 25 characters."""
    plain = without_marks(text)
    kept = "".join(c if PURPOSE_CHARS.match(c) else " " for c in plain)
    return " ".join(kept.split())[:PURPOSE_MAX].rstrip()


def check(bin_code: str, account: str, amount: int | None, purpose: str) -> None:
    if not re.fullmatch(r"\d{6}", bin_code):
        raise VietQrError(f"--bin {bin_code!r}: a bank BIN is 6 digits, e.g. 970415")
    if not re.fullmatch(r"\d{6,19}", account):
        raise VietQrError(f"--account {account!r}: an account number is 6 to 19 digits")
    if amount is not None and (isinstance(amount, bool) or amount <= 0 or amount >= 10**13):
        raise VietQrError(f"--amount {amount!r}: a positive whole number of đồng")
    if len(purpose) > PURPOSE_MAX:
        raise VietQrError(f"--purpose: {len(purpose)} characters; banks take at most {PURPOSE_MAX}")
    if not PURPOSE_CHARS.match(purpose):
        raise VietQrError("--purpose: only A-Z, a-z, 0-9, space, '.' and '-' (banks refuse diacritics there)")


def payload(bin_code: str, account: str, amount: int | None = None, purpose: str = "") -> str:
    """The payload string (raises VietQrError for input a bank would refuse)."""
    check(bin_code, account, amount, purpose)
    beneficiary = _tlv("00", bin_code) + _tlv("01", account)
    text = (_tlv("00", "01") + _tlv("01", "12" if amount is not None else "11")
            + _tlv("38", _tlv("00", GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE))
            + _tlv("53", "704") + (_tlv("54", str(amount)) if amount is not None else "") + _tlv("58", "VN")
            + (_tlv("62", _tlv("08", purpose)) if purpose else "") + "6304")
    return text + crc16(text)


def fields(text: str) -> dict[str, str]:
    """The top-level TLV fields of a payload (for checking one read back from a screen); raises VietQrError."""
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        tag, length = text[i:i + 2], text[i + 2:i + 4]
        if not (tag.isdigit() and length.isdigit()) or i + 4 + int(length) > len(text):
            raise VietQrError(f"not a TLV payload at character {i}")
        out[tag] = text[i + 4:i + 4 + int(length)]
        i += 4 + int(length)
    if out.get("63") != crc16(text[:-4]):
        raise VietQrError("the CRC does not match")
    return out
