"""Basic Access Control (ICAO 9303 part 11, section 4.3): keys from the MRZ, mutual authentication, and the
session keys and send-sequence counter that open secure messaging. `card_answer` is the chip's half, for the
simulator's virtual card."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from firmware.chip import crypto
from firmware.chip.apdu import OK, CardError, Command, Transmit
from firmware.chip.mrz import BacKey
from firmware.chip.secure_messaging import SecureChannel

GET_CHALLENGE = Command(0x00, 0x84, 0x00, 0x00, le=8)


def document_keys(key: BacKey) -> tuple[bytes, bytes]:
    """K_enc and K_mac from the MRZ information (K_seed: the first 16 bytes of its SHA-1)."""
    seed = hashlib.sha1(key.mrz_information).digest()[:16]
    return crypto.derive_key(seed, crypto.ENC), crypto.derive_key(seed, crypto.MAC)


def session_keys(k_ifd: bytes, k_icc: bytes) -> tuple[bytes, bytes]:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc, strict=True))
    return crypto.derive_key(seed, crypto.ENC), crypto.derive_key(seed, crypto.MAC)


def authenticate(transmit: Transmit, key: BacKey, random: Callable[[int], bytes] = os.urandom) -> SecureChannel:
    """Mutual authentication with the card; a secure channel, or CardError("bac_key") when the card refuses
    these MRZ values (a wrong expiry date, a mistyped number)."""
    k_enc, k_mac = document_keys(key)
    rnd_icc, sw = transmit(GET_CHALLENGE.encode())
    if sw != OK or len(rnd_icc) != 8:
        raise CardError("not_mrtd", f"GET CHALLENGE answered {sw:04X}")
    rnd_ifd, k_ifd = random(8), random(16)
    e_ifd = crypto.encrypt(k_enc, rnd_ifd + rnd_icc + k_ifd)
    command = Command(0x00, 0x82, 0x00, 0x00, e_ifd + crypto.retail_mac(k_mac, e_ifd), le=40)
    answer, sw = transmit(command.encode())
    if sw != OK or len(answer) != 40:
        raise CardError("bac_key", f"EXTERNAL AUTHENTICATE answered {sw:04X}")
    e_icc, m_icc = answer[:32], answer[32:]
    if not hmac.compare_digest(crypto.retail_mac(k_mac, e_icc), m_icc):
        raise CardError("bac_key", "the card's authentication checksum is wrong")
    r = crypto.decrypt(k_enc, e_icc)
    if r[:8] != rnd_icc or r[8:16] != rnd_ifd:
        raise CardError("bac_key", "the card did not answer our challenge")
    ks_enc, ks_mac = session_keys(k_ifd, r[16:])
    return SecureChannel(ks_enc, ks_mac, rnd_icc[4:] + rnd_ifd[4:])


def card_answer(key: BacKey, rnd_icc: bytes, data: bytes,
                random: Callable[[int], bytes] = os.urandom) -> tuple[bytes, SecureChannel] | None:
    """The chip's side of EXTERNAL AUTHENTICATE: its answer and the channel, or None (6300) for a wrong key."""
    k_enc, k_mac = document_keys(key)
    if len(data) != 40 or not hmac.compare_digest(crypto.retail_mac(k_mac, data[:32]), data[32:]):
        return None
    s = crypto.decrypt(k_enc, data[:32])
    rnd_ifd, echoed, k_ifd = s[:8], s[8:16], s[16:]
    if echoed != rnd_icc:
        return None
    k_icc = random(16)
    e_icc = crypto.encrypt(k_enc, rnd_icc + rnd_ifd + k_icc)
    ks_enc, ks_mac = session_keys(k_ifd, k_icc)
    return e_icc + crypto.retail_mac(k_mac, e_icc), SecureChannel(ks_enc, ks_mac, rnd_icc[4:] + rnd_ifd[4:])
