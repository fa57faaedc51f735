"""Operator commands on a kiosk's `cmd` topic, signed with the province's operator key (Ed25519).

Wire: msgpack `{body: bytes, sig: bytes}`, where `body` is the msgpack of `{id, province, kiosk, command, args,
issued_at, expires_at}` and `sig` the Ed25519 signature of `motcua.cmd/1:` + body. Signing the exact bytes
means nothing needs a canonical encoding. A command lives at most a day, so a kiosk remembers every id it ran
until that id's expiry, and a replay is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from firmware.common import schema
from firmware.common.key_text import key_text, raw_key
from firmware.common.protocol import BadMessage, unpack

DOMAIN = b"motcua.cmd/1:"
MAX_TTL = timedelta(hours=24)
CLOCK_SLACK = timedelta(minutes=5)  # a command "issued" this far ahead of the kiosk's clock is still taken
NOTICE_MAX = 160  # three lines of body text on the 800x480 panel, above the call to action
COMMANDS: dict[str, schema.Spec] = {
    "notice": schema.mapping({"text": schema.text(NOTICE_MAX)}, required=("text",)),
    "clear_notice": schema.mapping({}),
    "reload_catalog": schema.mapping({}),
    "reload_calendar": schema.mapping({}),
    "report": schema.mapping({}),
    "out_of_service": schema.mapping({"reason": schema.text(200)}),
    "in_service": schema.mapping({}),
}
REJECTIONS = ("malformed", "unsigned", "bad_signature", "other_kiosk", "expired", "replayed", "no_key")
COMMAND_ID = schema.text(64, r"[0-9a-f]{16,64}", "16 to 64 hex digits")
BODY = schema.mapping({"id": COMMAND_ID, "province": schema.text(24), "kiosk": schema.text(24),
                       "command": schema.choice(*COMMANDS), "args": schema.plain(50, 1000),
                       "issued_at": schema.iso_datetime, "expires_at": schema.iso_datetime},
                      required=("id", "province", "kiosk", "command", "args", "issued_at", "expires_at"))
SIGNED = schema.mapping({"body": schema.blob(8192), "sig": schema.blob(64)}, required=("body",))


class Rejected(Exception):
    """A command the kiosk will not run: `kind` is one of REJECTIONS, `reason` says why (for the log)."""

    def __init__(self, kind: str, reason: str, command_id: str | None = None) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.command_id = command_id


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw_key(text, "Ed25519"))


def public_key_text(key: Ed25519PublicKey) -> str:
    return key_text(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(key: Ed25519PrivateKey, province: str, kiosk: str, command: str, args: dict[str, Any], now: datetime,
         ttl: timedelta = timedelta(minutes=10), command_id: str | None = None) -> tuple[str, bytes]:
    """(id, payload) of a signed command."""
    command_id = command_id or secrets.token_hex(16)
    body = msgpack.packb({"id": command_id, "province": province, "kiosk": kiosk, "command": command, "args": args,
                          "issued_at": now.isoformat(timespec="seconds"),
                          "expires_at": (now + ttl).isoformat(timespec="seconds")}, use_bin_type=True)
    return command_id, msgpack.packb({"body": body, "sig": key.sign(DOMAIN + body)}, use_bin_type=True)


def verify(key: Ed25519PublicKey | None, payload: bytes, province: str, kiosk: str, now: datetime) -> dict[str, Any]:
    """The command's body, every check passed (raises Rejected). Replays are the caller's (it keeps the ids)."""
    try:
        outer = unpack(payload)
        SIGNED(outer, "command")
    except (BadMessage, schema.Invalid) as exc:
        raise Rejected("malformed", str(exc)) from None
    if "sig" not in outer:
        raise Rejected("unsigned", "the command carries no signature")
    if key is None:
        raise Rejected("no_key", "this kiosk has no operator key ([security] operator_key)")
    try:
        key.verify(outer["sig"], DOMAIN + outer["body"])
    except InvalidSignature:
        raise Rejected("bad_signature", "the signature is not the province operator key's") from None
    try:
        body = msgpack.unpackb(outer["body"], raw=False, strict_map_key=True)
        BODY(body, "command")
        COMMANDS[body["command"]](body["args"], f"command.{body['command']}")
    except Exception as exc:  # signed, yet unusable: msgpack or schema
        raise Rejected("malformed", str(exc)[:200]) from None
    command_id = body["id"]
    if body["kiosk"] != kiosk or body["province"] != province:
        raise Rejected("other_kiosk", f"meant for {body['province']}/{body['kiosk']}", command_id)
    issued, expires = (datetime.fromisoformat(body[k]) for k in ("issued_at", "expires_at"))
    if issued.tzinfo is None or expires.tzinfo is None or expires - issued > MAX_TTL or expires <= issued:
        raise Rejected("malformed", "times without an offset, or a lifetime over 24 h", command_id)
    if now >= expires or issued > now + CLOCK_SLACK:
        raise Rejected("expired", f"valid {body['issued_at']} to {body['expires_at']}", command_id)
    return dict(body)
