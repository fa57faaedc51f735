"""Secure messaging (ICAO 9303 part 11, 9.8): each command and each response is encrypted, MACed over the
send-sequence counter, and checked. `SecureChannel` is the 3DES channel BAC (and 3DES PACE) opens: an 8-byte
SSC, zero IV, the retail MAC. `AesChannel` is AES PACE's: a 16-byte SSC, the IV from the SSC encrypted with
KS_enc, and CMAC. The reader's side (`protect`, `unprotect`) and the card's (`open_command`, `seal_response`,
for the simulator's virtual card) share one counter discipline: every command and every response increments
SSC once."""

from __future__ import annotations

import hmac

from firmware.chip import crypto
from firmware.chip.apdu import OK, CardError, Command, children, tlv


class SecureChannel:
    BLOCK = 8
    SSC_BYTES = 8

    def __init__(self, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self.ssc = int.from_bytes(ssc, "big")

    def _next(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << (8 * self.SSC_BYTES))
        return self.ssc.to_bytes(self.SSC_BYTES, "big")

    def _encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.encrypt(self.ks_enc, crypto.pad(data, self.BLOCK))

    def _decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.unpad(crypto.decrypt(self.ks_enc, data))

    def _mac(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.retail_mac(self.ks_mac, ssc + data)

    def _padded_header(self, cla: int, ins: int, p1: int, p2: int) -> bytes:
        return crypto.pad(bytes((cla, ins, p1, p2)), self.BLOCK)

    # -- the reader -------------------------------------------------------------------------------------
    def protect(self, command: Command) -> bytes:
        ssc = self._next()
        cla = command.cla | 0x0C
        objects = b""
        if command.data:
            objects += tlv(0x87, b"\x01" + self._encrypt(ssc, command.data))
        if command.le is not None:
            objects += tlv(0x97, bytes((command.le,)))
        mac = self._mac(ssc, self._padded_header(cla, command.ins, command.p1, command.p2) + objects)
        body = objects + tlv(0x8E, mac)
        return bytes((cla, command.ins, command.p1, command.p2, len(body))) + body + b"\x00"

    def unprotect(self, data: bytes, sw: int) -> tuple[bytes, int]:
        """The plain response data and status word; raises CardError("sm") when the MAC or the format is wrong."""
        ssc = self._next()
        try:
            parts = children(data)
        except ValueError as exc:
            raise CardError("sm", f"a response that is not secure messaging ({exc})") from None
        if 0x8E not in parts or 0x99 not in parts:
            raise CardError("sm", f"a response with no checksum (status {sw:04X})")
        covered = b"".join(tlv(tag, parts[tag]) for tag in (0x87, 0x99) if tag in parts)
        if not hmac.compare_digest(self._mac(ssc, covered), parts[0x8E]):
            raise CardError("sm", "a response's checksum is wrong")
        plain = b""
        if 0x87 in parts:
            body = parts[0x87]
            if not body or body[0] != 0x01 or (len(body) - 1) % self.BLOCK:
                raise CardError("sm", "an encrypted response with no padding indicator or a partial block")
            try:
                plain = self._decrypt(ssc, body[1:])
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
        ssc = self._next()
        parts = children(command.data)
        covered = b"".join(tlv(tag, parts[tag]) for tag in (0x87, 0x97) if tag in parts)
        header = self._padded_header(command.cla, command.ins, command.p1, command.p2)
        if 0x8E not in parts or not hmac.compare_digest(self._mac(ssc, header + covered), parts[0x8E]):
            raise CardError("sm", "a command's checksum is wrong")
        data = self._decrypt(ssc, parts[0x87][1:]) if 0x87 in parts else b""
        le = parts[0x97][0] if 0x97 in parts else None
        return Command(command.cla & ~0x0C, command.ins, command.p1, command.p2, data, le)

    def seal_response(self, data: bytes, sw: int = OK) -> bytes:
        ssc = self._next()
        objects = b""
        if data:
            objects += tlv(0x87, b"\x01" + self._encrypt(ssc, data))
        objects += tlv(0x99, sw.to_bytes(2, "big"))
        return objects + tlv(0x8E, self._mac(ssc, objects))


class AesChannel(SecureChannel):
    BLOCK = 16
    SSC_BYTES = 16

    def _encrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.aes_encrypt(self.ks_enc, crypto.pad(data, 16), crypto.aes_block(self.ks_enc, ssc))

    def _decrypt(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.unpad(crypto.aes_decrypt(self.ks_enc, data, crypto.aes_block(self.ks_enc, ssc)))

    def _mac(self, ssc: bytes, data: bytes) -> bytes:
        return crypto.aes_cmac(self.ks_mac, crypto.pad(ssc + data, 16))


def channel_for(cipher: str, ks_enc: bytes, ks_mac: bytes) -> SecureChannel:
    """The channel PACE opens: its SSC starts at zero."""
    return SecureChannel(ks_enc, ks_mac, bytes(8)) if cipher == "3des" else AesChannel(ks_enc, ks_mac, bytes(16))
