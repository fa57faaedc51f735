"""The wire protocol between kiosks and the province: topic names and message envelopes (docs/protocol.md).

This is the one module the provincial side shares with the kiosk. Payloads are msgpack; every decode checks
size and shape and raises `BadMessage`, so a malformed or oversized message is logged and dropped, never fatal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import msgpack

from firmware.common import schema

ROOT = "motcua/v1"
MAX_MESSAGE_BYTES = 1_500_000  # well under mosquitto's 2 MB default packet limit
EVENT_KINDS = ("dossier", "part", "supplement", "rating", "payment", "usage", "technician")
# A visit (firmware/services/usage.py), no personal data: the known fields typed; a newer kiosk's extra ones
# pass as plain values.
SCREEN_NAME = schema.text(40, r"[a-z_]{2,40}", "a screen name")
USAGE = schema.mapping({
    "started": schema.iso_datetime, "duration_s": schema.integer(0, 86_400),
    "woken_by": schema.choice("presence", "touch"),
    "ended_by": schema.choice("finished", "timeout", "walked_away", "another_person", "left"),
    "screens": schema.sequence(SCREEN_NAME, 40), "furthest": SCREEN_NAME,
    "abandoned_at": schema.optional(SCREEN_NAME), "services": schema.sequence(schema.text(20), 20),
    "procedure": schema.optional(schema.text(40)), "login": schema.optional(schema.text(20)),
    "outcome": schema.choice("submitted", "paid", "rated", "looked_up", "nothing"),
    "outcomes": schema.sequence(schema.choice("submitted", "paid", "rated", "looked_up"), 4),
    "staff_called": schema.boolean,
}, rest=schema.plain())
SEALED_KINDS = ("dossier", "part", "supplement")  # what carries a citizen's data: sealed to the province
CITIZEN_SALT = b"motcua.citizen/1:"


def citizen_key(id_number: str) -> str:
    """What a kiosk sends to find a citizen's dossiers instead of the ID number itself (and what the gateway keeps
    beside each dossier). A pseudonym, not a secret: the wire's TLS is what keeps it from others."""
    return hashlib.sha256(CITIZEN_SALT + id_number.encode()).hexdigest()


class BadMessage(ValueError):
    """A message that cannot be used; the text says why (for the log)."""


def kiosk_topic(province: str, kiosk: str, leaf: str) -> str:
    return f"{ROOT}/{province}/{kiosk}/{leaf}"


def event_topic(province: str, kiosk: str, kind: str) -> str:
    return kiosk_topic(province, kiosk, f"evt/{kind}")


def gateway_subscription(group: str = "gateway") -> str:
    """Shared subscription: gateway processes in one group split the kiosks' events between them."""
    return f"$share/{group}/{ROOT}/+/+/evt/#"


def parse_kiosk_topic(topic: str) -> tuple[str, str, str]:
    """(province, kiosk, leaf) of `motcua/v1/{province}/{kiosk}/{leaf...}`."""
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:2]) != ROOT:
        raise BadMessage(f"not a kiosk topic: {topic!r}")
    return parts[2], parts[3], "/".join(parts[4:])


@dataclass(frozen=True)
class Envelope:
    """`{id, seq, ts, kind, body}` plus whether the kiosk's clock was synchronised when it was made."""

    id: str
    seq: int
    ts: str
    kind: str
    body: dict[str, Any]
    synced: bool = True

    def pack(self) -> bytes:
        return msgpack.packb({"id": self.id, "seq": self.seq, "ts": self.ts, "kind": self.kind,
                              "synced": self.synced, "body": self.body}, use_bin_type=True)


def unpack(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"message of {len(payload)} bytes is over the {MAX_MESSAGE_BYTES}-byte limit")
    try:
        data = msgpack.unpackb(payload, raw=False, strict_map_key=True, max_bin_len=MAX_MESSAGE_BYTES)
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise BadMessage(f"not msgpack: {exc}") from None
    if not isinstance(data, dict):
        raise BadMessage(f"expected a map, got {type(data).__name__}")
    return data


EVENT_ID = schema.text(64, r"[A-Za-z0-9_.:-]+", "1 to 64 of A-Z, a-z, 0-9, '_', '.', ':', '-'")
SHA256 = schema.text(64, r"[0-9a-f]{64}", "64 hex digits")
SHORT = schema.text(200)
PAGES = schema.sequence(schema.mapping({"sha256": SHA256, "bytes": schema.integer(0, MAX_MESSAGE_BYTES)},
                                      required=("sha256",), rest=schema.plain()), 500)
CITIZEN = schema.text(64, r"[0-9a-f]{64}", "64 hex digits (citizen_key)")
# One schema per event kind: what the gateway reads of each body is checked here, before the store sees it.
BODIES: dict[str, schema.Spec] = {
    "part": schema.mapping({"dossier_id": EVENT_ID, "sha256": SHA256, "data": schema.blob(MAX_MESSAGE_BYTES),
                            "bytes": schema.integer(0, MAX_MESSAGE_BYTES), "index": schema.integer(0, 10_000)},
                           required=("dossier_id", "sha256", "data"), rest=schema.plain()),
    "dossier": schema.mapping({
        "receipt_code": schema.text(64), "received_at": schema.iso_datetime,
        "due_date": schema.optional(schema.iso_date),
        "procedure": schema.mapping({"working_days": schema.integer(0, 365)}, rest=schema.plain()),
        "pages": PAGES,
    }, required=("receipt_code", "received_at", "procedure", "pages"), rest=schema.plain()),
    "supplement": schema.mapping({
        "dossier": schema.text(64), "receipt_code": schema.text(64), "received_at": schema.iso_datetime,
        "documents": schema.sequence(schema.text(200), 20), "pages": PAGES,
    }, required=("dossier", "received_at", "documents", "pages")),
    "rating": schema.mapping({
        "dossier": schema.text(64), "procedure": schema.text(300), "scale": schema.integer(2, 5),
        "level": schema.text(60), "level_index": schema.integer(0, 4), "rated_at": schema.iso_datetime,
        "criteria": schema.mapping({}, rest=schema.text(60)), "reason": schema.text(200),
    }, required=("dossier", "scale", "level", "level_index", "rated_at")),
    "payment": schema.mapping({}, rest=schema.plain()),
    "usage": USAGE,
    "technician": schema.mapping({
        "action": schema.text(40, r"[a-z_]{2,40}", "an action name"), "technician": schema.text(60),
        "detail": schema.text(200), "at": schema.iso_datetime}, required=("action", "at")),
}
# A dossier, part or supplement sealed to the province (firmware/common/seal.py): opened by the gateway, then
# checked against its kind's schema above.
SEALED = schema.mapping({"sealed": schema.blob(MAX_MESSAGE_BYTES)}, required=("sealed",))
ENVELOPE = schema.mapping({"id": EVENT_ID, "seq": schema.integer(0, schema.INT64[1]), "ts": schema.text(40),
                           "kind": schema.text(16), "synced": schema.boolean, "body": schema.plain()},
                          required=("id", "seq", "ts", "kind", "body"))
SESSION = schema.text(64, r"[0-9a-f]{32,64}", "32 to 64 hex digits (a login session)")
REQUESTS: dict[str, schema.Spec] = {
    "lookup": schema.mapping({"code": schema.text(64), "citizen": CITIZEN}, required=("code",)),
    "dossiers": schema.mapping({"citizen": CITIZEN}, required=("citizen",)),
    "payment": schema.mapping({"code": schema.text(64)}, required=("code",)),
    "login": schema.mapping({}),
    "login_status": schema.mapping({"session": SESSION}, required=("session",)),
    "renew": schema.mapping({"csr": schema.blob(16_384)}, required=("csr",))}
LOGIN_STATES = ("pending", "confirmed", "refused", "expired", "unknown")
AMOUNT = schema.integer(0, 100_000_000_000)
# What a kiosk reads of each answer: checked on arrival, so a malformed reply is "no answer", never a crash.
STEP = schema.mapping({"status": schema.text(24), "label": schema.text(60), "at": schema.iso_datetime,
                       "note": schema.text(500), "documents": schema.sequence(schema.text(200), 20)},
                      required=("status", "at"))
LISTED = schema.mapping({"code": schema.text(64), "receipt_code": schema.optional(schema.text(64)),
                         "received_at": schema.iso_datetime, "procedure": schema.text(300),
                         "status": schema.text(24), "label": schema.text(60), "rated_on": schema.optional(
                             schema.iso_date)}, required=("code", "received_at", "status"))
# The gateway's answer to an enrolment or a renewal: the kiosk's new certificate and the CA's, both PEM.
CERTIFICATE = schema.mapping({"ok": schema.boolean, "cert": schema.blob(16_384), "ca": schema.blob(16_384),
                              "not_after": schema.text(40), "reason": schema.text(300)}, required=("ok",))
RESPONSES: dict[str, schema.Spec] = {
    "lookup": schema.mapping({
        "found": schema.boolean, "code": schema.text(64), "receipt_code": schema.optional(schema.text(64)),
        "received_at": schema.optional(schema.iso_datetime), "due_date": schema.optional(schema.iso_date),
        "procedure": schema.text(300), "status": schema.text(24), "late": schema.boolean,
        "name_masked": schema.text(120), "history": schema.sequence(STEP, 20), "mine": schema.boolean,
        "rated_on": schema.optional(schema.iso_date), "fee_vnd": AMOUNT, "paid": schema.boolean},
        required=("found",)),
    "dossiers": schema.mapping({"dossiers": schema.sequence(LISTED, 20)}, required=("dossiers",)),
    "payment": schema.mapping({
        "found": schema.boolean, "code": schema.text(64), "procedure": schema.text(300), "fee_vnd": AMOUNT,
        "paid": schema.boolean, "paid_at": schema.optional(schema.iso_datetime), "amount_vnd": AMOUNT,
        "ref": schema.text(64), "unit": schema.text(64)}, required=("found",)),
    "login": schema.mapping({"session": SESSION, "qr": schema.text(200), "expires_in_s": schema.integer(1, 3600)},
                            required=("session", "qr", "expires_in_s")),
    "login_status": schema.mapping({"session": SESSION, "state": schema.choice(*LOGIN_STATES),
                                    "cccd": schema.text(400)}, required=("state",)),
    "renew": CERTIFICATE}


def check_response(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The answer to a request, checked against its schema (raises BadMessage)."""
    spec = RESPONSES.get(kind)
    if spec is not None:
        try:
            spec(body, "answer")
        except schema.Invalid as exc:
            raise BadMessage(str(exc)) from None
        if body.get("found") and not body.get("code"):
            raise BadMessage("answer.code: missing for a dossier that was found")
    return body


def event_id_of(payload: bytes) -> str | None:
    """The id of an event that failed its schema, if it has a usable one (so it can still be acknowledged)."""
    try:
        data = unpack(payload)
        EVENT_ID(data.get("id"), "id")
    except (BadMessage, schema.Invalid):
        return None
    return str(data["id"])


def unpack_envelope(payload: bytes) -> Envelope:
    """An event, every field checked against the envelope's and its kind's schema."""
    data = unpack(payload)
    try:
        ENVELOPE({k: v for k, v in data.items() if k != "body"} | {"body": None}, "event")
        kind = data["kind"]
        if kind not in BODIES:
            raise schema.Invalid(f"event.kind: {kind!r} is not one of {', '.join(EVENT_KINDS)}")
        body = data["body"]
        (SEALED if kind in SEALED_KINDS and is_sealed(body) else BODIES[kind])(body, "body")
    except schema.Invalid as exc:
        raise BadMessage(str(exc)) from None
    return Envelope(data["id"], data["seq"], data["ts"], kind, body, data.get("synced", True))


def is_sealed(body: Any) -> bool:
    return isinstance(body, dict) and "sealed" in body


def check_body(kind: str, body: Any) -> dict[str, Any]:
    """An opened sealed body, checked against its kind's schema (raises BadMessage)."""
    if kind not in BODIES or not isinstance(body, dict):
        raise BadMessage(f"a sealed {kind!r} that does not hold a map")
    try:
        BODIES[kind](body, "sealed body")
    except schema.Invalid as exc:
        raise BadMessage(str(exc)) from None
    return body


def unpack_request(kind: str, payload: bytes) -> dict[str, Any]:
    spec = REQUESTS.get(kind)
    if spec is None:
        raise BadMessage(f"no such request: {kind!r}")
    body = unpack(payload)
    try:
        spec(body, f"req/{kind}")
    except schema.Invalid as exc:
        raise BadMessage(str(exc)) from None
    return body


def pack_ack(ids: list[str], official: dict[str, dict[str, Any]] | None = None) -> bytes:
    """The gateway's acknowledgement of stored events; `official` carries a dossier's code and due date."""
    return msgpack.packb({"ids": ids, "official": official or {}}, use_bin_type=True)


def unpack_ack(payload: bytes) -> tuple[list[str], dict[str, dict[str, Any]]]:
    data = unpack(payload)
    ids, official = data.get("ids"), data.get("official", {})
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not isinstance(official, dict):
        raise BadMessage("not an ack: expected ids (list of strings) and official (map)")
    return ids, official
