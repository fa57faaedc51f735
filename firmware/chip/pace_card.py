"""The chip's side of PACE with the ECDH generic mapping, for the simulator's virtual card
(firmware/chip/virtual_card.py): MSE:Set AT, then the four GENERAL AUTHENTICATE steps, and the secure channel the
card keeps when the reader's token is right. Each answer is (data, status word, channel or None)."""

from __future__ import annotations

import hmac
import os

from firmware.chip import pace
from firmware.chip.apdu import OK, Command, children, tlv
from firmware.chip.mrz import BacKey
from firmware.chip.secure_messaging import SecureChannel, channel_for

WRONG_DATA, WRONG_KEY, NOT_NOW, NOT_SUPPORTED = 0x6A80, 0x6300, 0x6985, 0x6A88
Answer = tuple[bytes, int, SecureChannel | None]  # data, status word, the channel PACE opened


class PaceCard:
    def __init__(self, infos: list[pace.PaceInfo], key: BacKey) -> None:
        self.infos = [info for info in infos if info.supported]
        self.key = key
        self.info: pace.PaceInfo | None = None
        self.step = 0
        self.nonce = b""
        self.generator: tuple[int, int] = (0, 0)
        self.ours = self.theirs = b""
        self.keys = (b"", b"")

    def set_at(self, data: bytes) -> int:
        """MSE:Set AT: the protocol and the password the reader chose."""
        self.info, self.step = None, 0
        try:
            parts = children(data)
        except ValueError:
            return WRONG_DATA
        wanted = [info for info in self.infos if pace.oid_bytes(info.oid) == parts.get(0x80)
                  and (0x84 not in parts or bytes((info.parameter_id or 0,)) == parts[0x84])]
        if not wanted or parts.get(0x83) != pace.MRZ_PASSWORD:
            return NOT_SUPPORTED
        self.info = wanted[0]
        return OK

    def general_authenticate(self, command: Command) -> Answer:
        info = self.info
        if info is None or info.curve is None:
            return b"", NOT_NOW, None
        try:
            inner = children(children(command.data)[0x7C])
            return self._step(info, inner, last=command.cla & 0x10 == 0)
        except (KeyError, ValueError):
            self.info = None
            return b"", WRONG_DATA, None

    def _step(self, info: pace.PaceInfo, inner: dict[int, bytes], last: bool) -> Answer:
        curve, cipher = info.curve, info.cipher
        assert curve is not None
        if self.step == 0 and not inner:
            self.nonce = os.urandom(8 if cipher == "3des" else 16)
            z = pace.encrypt_nonce(pace.password_key(self.key, cipher), cipher, self.nonce)
            return self._next(tlv(0x80, z))
        if self.step == 1 and 0x81 in inner:
            own = curve.private_key()
            self.generator = pace.mapped_generator(curve, self.nonce, own, inner[0x81])
            return self._next(tlv(0x82, curve.encode(curve.multiply(own, curve.g))))
        if self.step == 2 and 0x83 in inner:
            own = curve.private_key()
            self.ours = curve.encode(curve.multiply(own, self.generator))
            self.theirs = inner[0x83]
            shared = curve.multiply(own, curve.decode(self.theirs))
            if shared is None or self.theirs == self.ours:
                raise ValueError("a bad agreement key")
            self.keys = pace.session_keys(shared[0].to_bytes(curve.size, "big"), cipher)
            return self._next(tlv(0x84, self.ours))
        if self.step == 3 and last and 0x85 in inner:
            self.info, self.step = None, 0
            ks_enc, ks_mac = self.keys
            if not hmac.compare_digest(inner[0x85], pace.token(cipher, ks_mac, info.oid, self.ours)):
                return b"", WRONG_KEY, None
            answer = tlv(0x7C, tlv(0x86, pace.token(cipher, ks_mac, info.oid, self.theirs)))
            return answer, OK, channel_for(cipher, ks_enc, ks_mac)
        raise ValueError("a GENERAL AUTHENTICATE out of order")

    def _next(self, value: bytes) -> Answer:
        self.step += 1
        return tlv(0x7C, value), OK, None
