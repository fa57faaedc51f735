"""The technician's card and PIN: what opens technician mode at a kiosk.

Card: a QR with `MOTCUA-KTV1:` and the URL-safe base64 of msgpack `{body, sig}`, where `body` is the msgpack of
`{name, province, issued_at, expires_at}` and `sig` the Ed25519 signature of `motcua.technician/1:` + body with the
province's operator key (the key that signs operator commands). A card lives at most a year.

PIN: set per kiosk at provisioning, kept only as `pbkdf2-sha256$ITERATIONS$SALT$HASH` (base64). The PIN is short;
what protects it is the kiosk's back-off on wrong PINs, the hash only keeps it out of the config in clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from firmware.common import schema

PREFIX = "MOTCUA-KTV1:"
DOMAIN = b"motcua.technician/1:"
MAX_LIFETIME = timedelta(days=366)
PIN_ITERATIONS = 20_000  # about 0.1 s on a Pi Zero 2: checked on the loop's thread, once per attempt
PIN_HASH = r"pbkdf2-sha256\$\d{4,7}\$[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{40,64}"
BODY = schema.mapping({"name": schema.text(60, r"[^\x00-\x1f]{2,60}", "2 to 60 characters"),
                       "province": schema.text(24), "issued_at": schema.iso_datetime,
                       "expires_at": schema.iso_datetime}, required=("name", "province", "issued_at", "expires_at"))
SIGNED = schema.mapping({"body": schema.blob(1024), "sig": schema.blob(64)}, required=("body", "sig"))


class CardRefused(Exception):
    """Not a card this kiosk takes; the text says why (for the log and the technician)."""


@dataclass(frozen=True)
class Card:
    name: str
    expires_at: datetime


def is_card(text: str) -> bool:
    return text.startswith(PREFIX)


def make_card(key: Ed25519PrivateKey, province: str, name: str, now: datetime, days: int = 90) -> str:
    body = msgpack.packb({"name": name, "province": province, "issued_at": now.isoformat(timespec="seconds"),
                          "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds")},
                         use_bin_type=True)
    signed = msgpack.packb({"body": body, "sig": key.sign(DOMAIN + body)}, use_bin_type=True)
    return PREFIX + base64.urlsafe_b64encode(signed).decode().rstrip("=")


def read_card(text: str, key: Ed25519PublicKey | None, province: str, now: datetime) -> Card:
    """The card's technician, every check passed (raises CardRefused)."""
    if key is None:
        raise CardRefused("this kiosk has no operator key ([security] operator_key): no card can be checked")
    encoded = text.removeprefix(PREFIX).strip()
    try:
        outer = msgpack.unpackb(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)), raw=False)
        SIGNED(outer, "card")
    except (binascii.Error, ValueError, msgpack.UnpackException, schema.Invalid) as exc:
        raise CardRefused(f"not a readable technician card ({str(exc)[:80]})") from None
    try:
        key.verify(outer["sig"], DOMAIN + outer["body"])
    except InvalidSignature:
        raise CardRefused("the card is not signed by this province's operator key") from None
    try:
        body = msgpack.unpackb(outer["body"], raw=False)
        BODY(body, "card")
        issued, expires = (datetime.fromisoformat(body[k]) for k in ("issued_at", "expires_at"))
    except Exception as exc:  # signed yet unusable
        raise CardRefused(f"the card's contents are malformed ({str(exc)[:80]})") from None
    if body["province"] != province:
        raise CardRefused(f"a card of province {body['province']!r}")
    if issued.tzinfo is None or expires.tzinfo is None or not issued < expires <= issued + MAX_LIFETIME:
        raise CardRefused("the card's dates are not valid (a card lives at most a year)")
    if not issued - timedelta(minutes=5) <= now < expires:
        raise CardRefused(f"the card expired on {expires.date().isoformat()}" if now >= expires else
                          "the card is dated in the future (is the kiosk's clock right?)")
    return Card(body["name"], expires)


def hash_pin(pin: str, iterations: int = PIN_ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2-sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", pin.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, binascii.Error):
        return False
