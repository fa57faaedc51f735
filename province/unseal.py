"""The gateway's side of sealing: open a kiosk's sealed dossier, page or supplement with the province's private
key, check it against its kind's schema, and check that it names the kiosk whose certificate sent it.

A body that fails its authentication (one flipped byte, a body moved from another event, sealed to another
key) raises SealError: rejected and reported, never stored. Once the province has a seal key, an unsealed
dossier, page or supplement is refused too: a kiosk that sends one is misconfigured.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import msgpack
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from firmware.common.protocol import SEALED_KINDS, BadMessage, Envelope, check_body, is_sealed
from firmware.common.seal import context_of, open_sealed


@dataclass(frozen=True)
class Unsealer:
    key: X25519PrivateKey

    @classmethod
    def from_ca(cls, directory: Path) -> Unsealer:
        key = serialization.load_pem_private_key((directory / "seal.key").read_bytes(), None)
        if not isinstance(key, X25519PrivateKey):
            raise ValueError(f"{directory}/seal.key is not an X25519 key")
        return cls(key)


def opened(unsealer: Unsealer | None, envelope: Envelope, kiosk: str) -> Envelope:
    """The envelope with its body opened (raises SealError when tampered, BadMessage when unusable)."""
    body = envelope.body
    if envelope.kind in SEALED_KINDS:
        if is_sealed(body):
            if unsealer is None:
                raise BadMessage("a sealed event, and this gateway holds no seal key ([gateway] ca)")
            plain = open_sealed(unsealer.key, body["sealed"], context_of(envelope.kind, envelope.id))
            try:
                body = msgpack.unpackb(plain, raw=False, strict_map_key=True)
            except Exception as exc:  # sealed by the kiosk, so only a bug gets here; still never fatal
                raise BadMessage(f"a sealed body that is not msgpack: {exc}") from None
            body = check_body(envelope.kind, body)
        elif unsealer is not None:
            raise BadMessage(f"an unsealed {envelope.kind}: this province takes them sealed only")
    if envelope.kind == "dossier":
        named = (body.get("kiosk") or {}).get("id") if isinstance(body.get("kiosk"), dict) else None
        if named is not None and named != kiosk:
            raise BadMessage(f"the dossier names kiosk {str(named)[:64]!r} but came from {kiosk!r}")
    return dataclasses.replace(envelope, body=body)
