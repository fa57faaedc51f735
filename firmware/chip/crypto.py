"""The symmetric primitives of ICAO 9303 part 11 for BAC: the SHA-1 key derivation, 3DES (two keys, CBC, zero
IV), ISO 9797-1 padding method 2 and the retail MAC (MAC algorithm 3 with DES)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

ZERO_IV = bytes(8)
ENC, MAC = 1, 2  # the KDF's counter: encryption key, MAC key


def derive_key(seed: bytes, counter: int) -> bytes:
    """A 16-byte 3DES key (K1 || K2, parity adjusted) from a seed (section 9.7.1)."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])


def adjust_parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | ((bin(b >> 1).count("1") + 1) % 2) for b in key)


def _cipher(key: bytes) -> Cipher[modes.CBC]:
    return Cipher(TripleDES(key + key[:8] if len(key) == 16 else key), modes.CBC(ZERO_IV))


def encrypt(key: bytes, data: bytes) -> bytes:
    encryptor = _cipher(key).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def decrypt(key: bytes, data: bytes) -> bytes:
    decryptor = _cipher(key).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80, then zeros to a multiple of 8."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % 8)


def unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end or end[-1] != 0x80:
        raise ValueError("bad padding")
    return end[:-1]


def _des(key8: bytes, block: bytes, decrypt_: bool = False) -> bytes:
    cipher = Cipher(TripleDES(key8 * 3), modes.ECB())
    op = cipher.decryptor() if decrypt_ else cipher.encryptor()
    return op.update(block) + op.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES CBC with K1, then decrypt with K2 and encrypt with K1), padded."""
    k1, k2 = key[:8], key[8:16]
    message = pad(data)
    state = bytes(8)
    for i in range(0, len(message), 8):
        block = bytes(a ^ b for a, b in zip(state, message[i:i + 8], strict=True))
        state = _des(k1, block)
    return _des(k1, _des(k2, state, decrypt_=True))
