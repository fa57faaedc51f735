"""PACE (ICAO 9303 part 11, section 4.4) with the ECDH generic mapping, the reader's side: the card's offer in
EF.CardAccess, the password key from the MRZ, the encrypted nonce, the mapped generator, the key agreement, the
authentication tokens, and the secure channel (AES or 3DES) it opens. The chip's side, for the simulator's virtual
card, is firmware/chip/pace_card.py.

A card that offers nothing this code speaks (DH, the integrated mapping, another curve) is read with BAC, which
ICAO 9303 cards keep beside PACE."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto.core import Any, Integer, ObjectIdentifier, Sequence, SetOf

from firmware.chip import crypto
from firmware.chip.apdu import OK, CardError, Command, children, tlv
from firmware.chip.ec import CURVES, Curve
from firmware.chip.mrz import BacKey
from firmware.chip.secure_messaging import SecureChannel, channel_for

PACE_ECDH_GM = "0.4.0.127.0.7.2.2.4.2"  # id-PACE-ECDH-GM; its last arc names the cipher
CIPHER_OF = {"1": "3des", "2": "aes128", "3": "aes192", "4": "aes256"}
STRENGTH = {"3des": 0, "aes128": 1, "aes192": 2, "aes256": 3}
MRZ_PASSWORD = b"\x01"
CARD_ACCESS = 0x011C


class SecurityInfo(Sequence):
    _fields = [("protocol", ObjectIdentifier), ("required_data", Any), ("optional_data", Any, {"optional": True})]


class SecurityInfos(SetOf):
    _child_spec = SecurityInfo


@dataclass(frozen=True)
class PaceInfo:
    oid: str
    version: int
    parameter_id: int | None

    @property
    def cipher(self) -> str:
        return CIPHER_OF.get(self.oid.rsplit(".", 1)[-1], "")

    @property
    def curve(self) -> Curve | None:
        return CURVES.get(self.parameter_id) if self.parameter_id is not None else None

    @property
    def supported(self) -> bool:
        return self.oid.rsplit(".", 1)[0] == PACE_ECDH_GM and self.cipher != "" and self.version == 2 \
            and self.curve is not None

    def describe(self) -> str:
        curve = self.curve.name if self.curve else f"parameters {self.parameter_id}"
        return f"ECDH-GM {self.cipher.upper()} {curve}" if self.supported else f"{self.oid} ({curve})"


def oid_bytes(oid: str) -> bytes:
    return ObjectIdentifier(oid).dump()[2:]


def parse_card_access(raw: bytes) -> list[PaceInfo]:
    """The PACEInfos in EF.CardAccess; [] for a file that is not SecurityInfos (the card is then read by BAC)."""
    try:
        found = []
        for info in SecurityInfos.load(raw, strict=True):
            oid = info["protocol"].dotted
            if not oid.startswith("0.4.0.127.0.7.2.2.4.") or oid.count(".") != 10:
                continue  # chip authentication, terminal authentication and the like
            version = info["required_data"].parse(Integer).native
            optional = info["optional_data"]
            parameter = optional.parse(Integer).native if optional.native is not None else None
            found.append(PaceInfo(oid, version, parameter))
        return found
    except Exception:  # asn1crypto raises many kinds on malformed DER
        return []


def card_access(infos: list[PaceInfo]) -> bytes:
    """EF.CardAccess offering these PACEInfos (for the simulator's cards)."""
    return SecurityInfos([SecurityInfo({"protocol": i.oid, "required_data": Integer(i.version),
                                        **({"optional_data": Integer(i.parameter_id)}
                                           if i.parameter_id is not None else {})}) for i in infos]).dump()


def choose(infos: list[PaceInfo]) -> PaceInfo | None:
    supported = [info for info in infos if info.supported]
    return max(supported, key=lambda info: STRENGTH[info.cipher], default=None)


def password_key(key: BacKey, cipher: str) -> bytes:
    """K_pi = KDF(SHA-1(MRZ information), 3)."""
    return crypto.kdf(hashlib.sha1(key.mrz_information).digest(), crypto.PACE, cipher)


def decrypt_nonce(k_pi: bytes, cipher: str, z: bytes) -> bytes:
    return crypto.decrypt(k_pi, z) if cipher == "3des" else crypto.aes_decrypt(k_pi, z)


def encrypt_nonce(k_pi: bytes, cipher: str, s: bytes) -> bytes:
    return crypto.encrypt(k_pi, s) if cipher == "3des" else crypto.aes_encrypt(k_pi, s)


def session_keys(shared_x: bytes, cipher: str) -> tuple[bytes, bytes]:
    return crypto.kdf(shared_x, crypto.ENC, cipher), crypto.kdf(shared_x, crypto.MAC, cipher)


def token(cipher: str, ks_mac: bytes, oid: str, point: bytes) -> bytes:
    """The authentication token: the MAC of the other side's public key as a public key data object."""
    data = tlv(0x7F49, tlv(0x06, oid_bytes(oid)) + tlv(0x86, point))
    return crypto.retail_mac(ks_mac, data) if cipher == "3des" else crypto.aes_cmac(ks_mac, data)


def mapped_generator(curve: Curve, s: bytes, own: int, theirs: bytes) -> tuple[int, int]:
    """G~ = s*G + H, with H = own * (the other side's mapping key); ValueError for a bad point."""
    shared = curve.multiply(own, curve.decode(theirs))
    generator = curve.add(curve.multiply(int.from_bytes(s, "big"), curve.g), shared)
    if generator is None or shared is None:
        raise ValueError("the mapping gave the point at infinity")
    return generator


def _general_authenticate(send: Callable[[bytes], tuple[bytes, int]], tag: int, value: bytes | None,
                          answer: int, last: bool = False) -> bytes:
    inner = tlv(tag, value) if value is not None else b""
    data, sw = send(Command(0x00 if last else 0x10, 0x86, 0x00, 0x00, tlv(0x7C, inner), le=0).encode())
    if sw != OK:
        raise CardError("bac_key" if last else "pace", f"GENERAL AUTHENTICATE ({tag:02X}) answered {sw:04X}")
    try:
        return children(children(data)[0x7C])[answer]
    except (KeyError, ValueError):
        raise CardError("pace", f"GENERAL AUTHENTICATE ({tag:02X}) answered without {answer:02X}") from None


def authenticate(send: Callable[[bytes], tuple[bytes, int]], key: BacKey, info: PaceInfo, *,
                 reference: bool = False, private_key: Callable[[Curve], int] | None = None) -> SecureChannel:
    """PACE with the MRZ password; a secure channel with SSC zero. CardError("bac_key") when the card refuses
    this key, CardError("pace") when PACE itself fails (the kiosk then tries BAC)."""
    curve, cipher = info.curve, info.cipher
    if curve is None or not info.supported:
        raise CardError("pace", f"PACE {info.describe()} is not supported")
    new_key = private_key or (lambda c: c.private_key())
    mse = tlv(0x80, oid_bytes(info.oid)) + tlv(0x83, MRZ_PASSWORD)
    if reference and info.parameter_id is not None:
        mse += tlv(0x84, bytes((info.parameter_id,)))
    _data, sw = send(Command(0x00, 0x22, 0xC1, 0xA4, mse).encode())
    if sw != OK:
        raise CardError("pace", f"MSE:Set AT answered {sw:04X}")
    k_pi = password_key(key, cipher)
    z = _general_authenticate(send, 0x80, None, 0x80)
    if not z or len(z) % (8 if cipher == "3des" else 16):
        raise CardError("pace", f"an encrypted nonce of {len(z)} bytes")
    s = decrypt_nonce(k_pi, cipher, z)
    map_key = new_key(curve)
    card_map = _general_authenticate(send, 0x81, curve.encode(curve.multiply(map_key, curve.g)), 0x82)
    try:
        generator = mapped_generator(curve, s, map_key, card_map)
        own = new_key(curve)
        ours = curve.encode(curve.multiply(own, generator))
        theirs = _general_authenticate(send, 0x83, ours, 0x84)
        if theirs == ours:
            raise ValueError("the card sent back our own key")
        shared = curve.multiply(own, curve.decode(theirs))
    except ValueError as exc:
        raise CardError("pace", str(exc)) from None
    if shared is None:
        raise CardError("pace", "the key agreement gave the point at infinity")
    ks_enc, ks_mac = session_keys(shared[0].to_bytes(curve.size, "big"), cipher)
    card_token = _general_authenticate(send, 0x85, token(cipher, ks_mac, info.oid, theirs), 0x86, last=True)
    if not hmac.compare_digest(card_token, token(cipher, ks_mac, info.oid, ours)):
        raise CardError("bac_key", "the card's authentication token is wrong")
    return channel_for(cipher, ks_enc, ks_mac)


BRAINPOOL_AES128 = PaceInfo(PACE_ECDH_GM + ".2", 2, 13)  # the worked example's choice, and a common card's
