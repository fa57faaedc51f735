"""Kiosk enrolment and renewal, answered by the gateway that holds the province's CA (docs/security.md).

Enrolment: on the broker's bootstrap listener a kiosk logs in with its id and its one-time token (the broker's
ACL lets it write `motcua/enrol/<province>/<kiosk>/csr` and read `.../cert`, nothing else) and sends
`{token, csr}`; the gateway checks the token (spent on first use), the request's signature and its name, and
answers `{ok, cert, ca}` or `{ok: false, reason}`. Renewal: a kiosk already holding a certificate sends
`req/renew {csr}` on the main listener; the broker's ACL has proved the topic's kiosk is the certificate's.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import msgpack
from cryptography.hazmat.primitives import serialization

from firmware.common import schema
from firmware.common.protocol import BadMessage, unpack
from province.pki import Authority, CaError

log = logging.getLogger("motcua.gateway")
ENROL_ROOT = "motcua/enrol"
REQUEST = schema.mapping({"token": schema.text(200), "csr": schema.blob(16_384)}, required=("token", "csr"))
RENEW = schema.mapping({"csr": schema.blob(16_384)}, required=("csr",))
_LOCK = threading.Lock()  # the registry file is read, changed and written whole


def subscription(province: str) -> str:
    return f"{ENROL_ROOT}/{province}/+/csr"


def answer_topic(province: str, kiosk: str) -> str:
    return f"{ENROL_ROOT}/{province}/{kiosk}/cert"


def parse_topic(topic: str) -> tuple[str, str]:
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != ENROL_ROOT or parts[4] != "csr":
        raise BadMessage(f"not an enrolment topic: {topic[:200]!r}")
    return parts[2], parts[3]


def _issued(authority: Authority, csr: bytes, kiosk: str) -> dict[str, Any]:
    cert = authority.sign_csr(csr, kiosk)
    return {"ok": True, "cert": cert.public_bytes(serialization.Encoding.PEM),
            "ca": authority.cert.public_bytes(serialization.Encoding.PEM),
            "not_after": cert.not_valid_after_utc.isoformat()}


def enrol(authority: Authority | None, kiosk: str, payload: bytes) -> dict[str, Any]:
    """The answer to one enrolment request (never raises for bad input)."""
    if authority is None:
        return {"ok": False, "reason": "this gateway holds no CA ([gateway] ca)"}
    try:
        body = unpack(payload)
        REQUEST(body, "enrol")
        Authority.checked_csr(body["csr"], kiosk)  # a bad request does not spend the token
        with _LOCK:
            fresh = Authority.open(authority.directory)  # another `motcua ca` may have written meanwhile
            fresh.spend_token(kiosk, body["token"])
            answer = _issued(fresh, body["csr"], kiosk)
    except (BadMessage, schema.Invalid, CaError) as exc:
        log.warning("enrolment of %s refused: %s", kiosk[:64], exc)
        return {"ok": False, "reason": str(exc)[:300]}
    log.info("kiosk %s enrolled: certificate until %s", kiosk, answer["not_after"])
    return answer


def renew(authority: Authority | None, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
    if authority is None:
        return {"ok": False, "reason": "this gateway holds no CA ([gateway] ca)"}
    try:
        with _LOCK:
            answer = _issued(Authority.open(authority.directory), body["csr"], kiosk)
    except CaError as exc:
        log.warning("renewal for %s refused: %s", kiosk[:64], exc)
        return {"ok": False, "reason": str(exc)[:300]}
    log.info("kiosk %s renewed its certificate: until %s", kiosk, answer["not_after"])
    return answer


def pack(answer: dict[str, Any]) -> bytes:
    return msgpack.packb(answer, use_bin_type=True)
