"""The symmetric primitives of ICAO 9303 part 11: the SHA key derivation (9.7.1), 3DES (two keys, CBC, zero IV)
with the retail MAC (ISO/IEC 9797-1 MAC algorithm 3), AES (CBC) with CMAC, and ISO 9797-1 padding method 2.

BAC uses 3DES only; PACE names its cipher in its protocol OID: 3DES, AES-128, AES-192 or AES-256."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ZERO_IV = bytes(8)
ENC, MAC, PACE = 1, 2, 3  # the KDF's counter: encryption key, MAC key, PACE's password key
CIPHERS = ("3des", "aes128", "aes192", "aes256")
KEY_BYTES = {"3des": 16, "aes128": 16, "aes192": 24, "aes256": 32}


def derive_key(seed: bytes, counter: int) -> bytes:
    """A 16-byte 3DES key (K1 || K2, parity adjusted) from a seed (section 9.7.1)."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])


def kdf(seed: bytes, counter: int, cipher: str) -> bytes:
    """KDF(K, c) for a cipher: SHA-1 for 3DES and AES-128, SHA-256 for AES-192 and AES-256."""
    if cipher == "3des":
        return derive_key(seed, counter)
    digest = (hashlib.sha1 if cipher == "aes128" else hashlib.sha256)(seed + counter.to_bytes(4, "big")).digest()
    return digest[:KEY_BYTES[cipher]]


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


def aes_encrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_decrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def aes_block(key: bytes, block: bytes) -> bytes:
    """One AES block encrypted (ECB): AES secure messaging's IV from the send-sequence counter."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC truncated to 8 bytes, as secure messaging and PACE's tokens use it."""
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()[:8]


def pad(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80, then zeros to a multiple of the block."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


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
