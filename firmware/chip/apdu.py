"""Command APDUs and BER-TLV, just what the LDS needs (short lengths, one- and two-byte tags)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Transmit = Callable[[bytes], tuple[bytes, int]]  # a command APDU -> (response data, status word)
OK = 0x9000
AID = bytes.fromhex("A0000002471001")  # the eMRTD application (ICAO 9303 part 10)


def pcsc_transmit(connection: Any) -> Transmit:
    """pyscard's `connection.transmit(list[int]) -> (data, sw1, sw2)` (a PC/SC reader's or the virtual one's) as a
    Transmit."""
    def transmit(apdu: bytes) -> tuple[bytes, int]:
        data, sw1, sw2 = connection.transmit(list(apdu))
        return bytes(data), sw1 << 8 | sw2
    return transmit


class CardError(Exception):
    """What went wrong with a card, as a code the kiosk turns into a message (see firmware/chip/read.py)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # expected length; 0 means 256

    def encode(self) -> bytes:
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out

    @classmethod
    def decode(cls, raw: bytes) -> Command:
        if len(raw) < 4:
            raise ValueError("a command APDU has at least 4 bytes")
        head, body = raw[:4], raw[4:]
        data, le = b"", None
        if len(body) == 1:
            le = body[0]
        elif body:
            lc = body[0]
            data = body[1:1 + lc]
            if len(data) != lc or len(body) > lc + 2:
                raise ValueError("the command's length does not match its data")
            if len(body) == lc + 2:
                le = body[-1]
        return cls(head[0], head[1], head[2], head[3], data, le)


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def tlv(tag: int, value: bytes) -> bytes:
    return tag.to_bytes(2 if tag > 0xFF else 1, "big") + encode_length(len(value)) + value


def read_tlv(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, offset after it) of the TLV at `at`. Raises ValueError when it runs past the data."""
    if at >= len(data):
        raise ValueError("no TLV here")
    tag = data[at]
    at += 1
    if tag & 0x1F == 0x1F:  # a two-byte tag
        if at >= len(data):
            raise ValueError("a tag cut short")
        tag = tag << 8 | data[at]
        at += 1
    length, at = read_length(data, at)
    if at + length > len(data):
        raise ValueError("a value runs past its data")
    return tag, data[at:at + length], at + length


def read_length(data: bytes, at: int) -> tuple[int, int]:
    if at >= len(data):
        raise ValueError("a length cut short")
    first = data[at]
    at += 1
    if first < 0x80:
        return first, at
    count = first & 0x7F
    if count == 0 or count > 3 or at + count > len(data):
        raise ValueError("a bad length")
    return int.from_bytes(data[at:at + count], "big"), at + count


def children(data: bytes) -> dict[int, bytes]:
    """The TLVs one after another in `data`, by tag (the first of each)."""
    out: dict[int, bytes] = {}
    at = 0
    while at < len(data):
        if data[at] in (0x00, 0xFF):  # padding between objects
            at += 1
            continue
        tag, value, at = read_tlv(data, at)
        out.setdefault(tag, value)
    return out
