"""Secure messaging with 3DES session keys (ICAO 9303 part 11, 9.8): each command and each response is
encrypted, MACed over the send-sequence counter, and checked. The reader's side (`protect`, `unprotect`) and the
card's (`open_command`, `seal_response`, for the simulator's virtual card) share one counter discipline: every
command and every response increments SSC once."""

from __future__ import annotations

from firmware.chip import crypto
from firmware.chip.apdu import OK, CardError, Command, children, tlv


class SecureChannel:
    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self.ssc = int.from_bytes(ssc, "big")

    def _next(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << 64)
        return self.ssc.to_bytes(8, "big")

    def _mac(self, data: bytes) -> bytes:
        return crypto.retail_mac(self.ks_mac, self._next() + data)

    # -- the reader -------------------------------------------------------------------------------------
    def protect(self, command: Command) -> bytes:
        header = bytes((command.cla | 0x0C, command.ins, command.p1, command.p2))
        objects = b""
        if command.data:
            objects += tlv(0x87, b"\x01" + crypto.encrypt(self.ks_enc, crypto.pad(command.data)))
        if command.le is not None:
            objects += tlv(0x97, bytes((command.le,)))
        mac = self._mac(crypto.pad(header) + objects)
        body = objects + tlv(0x8E, mac)
        return header + bytes((len(body),)) + body + b"\x00"

    def unprotect(self, data: bytes, sw: int) -> tuple[bytes, int]:
        """The plain response data and status word; raises CardError("sm") when the MAC or the format is wrong."""
        try:
            parts = children(data)
        except ValueError as exc:
            raise CardError("sm", f"a response that is not secure messaging ({exc})") from None
        if 0x8E not in parts or 0x99 not in parts:
            raise CardError("sm", f"a response with no checksum (status {sw:04X})")
        covered = b"".join(tlv(tag, parts[tag]) for tag in (0x87, 0x99) if tag in parts)
        if self._mac(covered) != parts[0x8E]:
            raise CardError("sm", "a response's checksum is wrong")
        plain = b""
        if 0x87 in parts:
            body = parts[0x87]
            if not body or body[0] != 0x01:
                raise CardError("sm", "an encrypted response with no padding indicator")
            try:
                plain = crypto.unpad(crypto.decrypt(self.ks_enc, body[1:]))
            except ValueError as exc:
                raise CardError("sm", f"a response that does not decrypt ({exc})") from None
        inner = parts[0x99]
        return plain, int.from_bytes(inner, "big") if len(inner) == 2 else sw

    # -- the card (the simulator's virtual card) ----------------------------------------------------------
    def open_command(self, raw: bytes) -> Command:
        """A protected command, checked and decrypted; raises CardError("sm") as a card would answer 6988."""
        command = Command.decode(raw)
        if command.cla & 0x0C != 0x0C:
            raise CardError("sm", "a plain command inside secure messaging")
        parts = children(command.data)
        header = bytes((command.cla, command.ins, command.p1, command.p2))
        covered = b"".join(tlv(tag, parts[tag]) for tag in (0x87, 0x97) if tag in parts)
        if 0x8E not in parts or self._mac(crypto.pad(header) + covered) != parts[0x8E]:
            raise CardError("sm", "a command's checksum is wrong")
        data = crypto.unpad(crypto.decrypt(self.ks_enc, parts[0x87][1:])) if 0x87 in parts else b""
        le = parts[0x97][0] if 0x97 in parts else None
        return Command(command.cla & ~0x0C, command.ins, command.p1, command.p2, data, le)

    def seal_response(self, data: bytes, sw: int = OK) -> bytes:
        objects = b""
        if data:
            objects += tlv(0x87, b"\x01" + crypto.encrypt(self.ks_enc, crypto.pad(data)))
        objects += tlv(0x99, sw.to_bytes(2, "big"))
        return objects + tlv(0x8E, self._mac(objects))
