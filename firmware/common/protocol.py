"""The wire protocol between kiosks and the province: topic names and message envelopes (docs/protocol.md).

This is the one module the provincial side shares with the kiosk. Payloads are msgpack; every decode checks
size and shape and raises `BadMessage`, so a malformed or oversized message is logged and dropped, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

ROOT = "motcua/v1"
MAX_MESSAGE_BYTES = 1_500_000  # well under mosquitto's 2 MB default packet limit
EVENT_KINDS = ("dossier", "part", "rating", "payment", "usage")


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


def unpack_envelope(payload: bytes) -> Envelope:
    data = unpack(payload)
    try:
        envelope = Envelope(str(data["id"]), int(data["seq"]), str(data["ts"]), str(data["kind"]),
                            data["body"], bool(data.get("synced", True)))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadMessage(f"not an event envelope: {exc!r}") from None
    if envelope.kind not in EVENT_KINDS or not isinstance(envelope.body, dict) or not envelope.id:
        raise BadMessage(f"not an event envelope: kind {envelope.kind!r}")
    return envelope


def pack_ack(ids: list[str], official: dict[str, dict[str, Any]] | None = None) -> bytes:
    """The gateway's acknowledgement of stored events; `official` carries a dossier's code and due date."""
    return msgpack.packb({"ids": ids, "official": official or {}}, use_bin_type=True)


def unpack_ack(payload: bytes) -> tuple[list[str], dict[str, dict[str, Any]]]:
    data = unpack(payload)
    ids, official = data.get("ids"), data.get("official", {})
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not isinstance(official, dict):
        raise BadMessage("not an ack: expected ids (list of strings) and official (map)")
    return ids, official
