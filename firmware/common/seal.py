"""Sealing to the province: what a kiosk stores of a citizen is encrypted to the province's public key before it
touches the kiosk's disk, so neither the kiosk nor anyone holding its SD card can read it; only the gateway, which
holds the private key, opens it.

An ECIES-style sealed box with the `cryptography` package: a fresh X25519 key per message, HKDF-SHA256 over the
shared secret (bound to both public keys) for an AES-256-GCM key, a random 96-bit nonce, and the event's kind and
id as associated data, so a sealed body cannot be moved to another event unnoticed. Layout:
`MS1` | ephemeral public key (32) | nonce (12) | ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from firmware.common.key_text import key_text, raw_key

MAGIC = b"MS1"
INFO = b"motcua.seal/1"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class SealError(ValueError):
    """A sealed body that cannot be opened: tampered, truncated, or sealed to another key."""


def public_key_from_text(text: str) -> X25519PublicKey:
    """The province's public key as the site file and the kiosk config carry it: 32 bytes in base64."""
    return X25519PublicKey.from_public_bytes(raw_key(text, "X25519"))


def public_key_text(key: X25519PublicKey) -> str:
    return key_text(key.public_bytes(*_RAW))


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=INFO + ephemeral + recipient).derive(shared)


def seal(recipient: X25519PublicKey, plaintext: bytes, context: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(*_RAW)
    key = _key(ephemeral.exchange(recipient), ephemeral_public, recipient.public_bytes(*_RAW))
    nonce = os.urandom(12)
    return MAGIC + ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(private: X25519PrivateKey, blob: bytes, context: bytes) -> bytes:
    if len(blob) < len(MAGIC) + 32 + 12 + 16 or not blob.startswith(MAGIC):
        raise SealError("not a sealed body (wrong header or too short)")
    ephemeral_public = blob[3:35]
    nonce, ciphertext = blob[35:47], blob[47:]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _key(shared, ephemeral_public, private.public_key().public_bytes(*_RAW))
        return AESGCM(key).decrypt(nonce, ciphertext, context)
    except (InvalidTag, ValueError):
        raise SealError("the sealed body failed its authentication: tampered, or sealed to another key") from None


def context_of(kind: str, event_id: str) -> bytes:
    return f"{kind}:{event_id}".encode()
