"""Raw 32-byte public keys as site files and configs carry them: base64 text (the seal key, the operator key)."""

from __future__ import annotations

import base64
import binascii


def raw_key(text: str, kind: str) -> bytes:
    """The 32 bytes of a `kind` public key (X25519, Ed25519) from its base64 text; ValueError says what is wrong."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != 32:
        raise ValueError(f"{len(raw)} bytes; an {kind} public key is 32")
    return raw


def key_text(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
