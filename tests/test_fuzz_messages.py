"""Fuzzing every message kind the gateway and the kiosk read (hypothesis, a bounded number of examples): a message
is either accepted, and then handled without an exception, or refused with `BadMessage`. Nothing else escapes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.common.protocol import (
    EVENT_KINDS,
    BadMessage,
    unpack,
    unpack_ack,
    unpack_envelope,
    unpack_request,
)
from province.store import Store

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1),
                    st.floats(allow_nan=True), st.text(max_size=30), st.binary(max_size=40),
                    st.sampled_from(["2026-11-24T10:00:00+07:00", "2026-11-27", "0" * 64, "1.004194"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["pages", "sha256", "bytes", "procedure", "working_days", "received_at", "due_date",
                     "receipt_code", "data", "dossier_id", "name", "x"]) | st.text(max_size=8), inner, max_size=5),
    max_leaves=25)
bodies = st.dictionaries(st.sampled_from(["pages", "procedure", "received_at", "due_date", "receipt_code", "data",
                                          "dossier_id", "sha256", "n"]), values, max_size=6)
envelopes = st.fixed_dictionaries({
    "id": st.one_of(st.text(min_size=1, max_size=70), values), "seq": st.one_of(st.integers(-5, 2**64 - 1), values),
    "ts": st.one_of(st.just("2026-11-24T10:00:00+07:00"), values), "kind": st.one_of(st.sampled_from(EVENT_KINDS),
                                                                                   values),
    "synced": st.one_of(st.booleans(), values), "body": st.one_of(bodies, values)})


SHA = "ab" * 32
BASES: dict[str, dict[str, Any]] = {
    "dossier": {"receipt_code": "kiosk-x-261124-0001", "received_at": "2026-11-24T10:00:00+07:00",
                "procedure": {"code": "1.004194", "name": "Đăng ký khai sinh", "working_days": 3},
                "pages": [{"sha256": SHA, "bytes": 10, "index": 1}], "due_date": "2026-11-27"},
    "part": {"dossier_id": "d1", "sha256": SHA, "data": b"0123456789", "bytes": 10, "index": 1},
    "usage": {"n": 1}, "rating": {"stars": 5}, "payment": {"amount": 20000},
}
PLACES = ("id", "seq", "ts", "synced", "body", "body.receipt_code", "body.received_at", "body.due_date",
          "body.procedure", "body.procedure.working_days", "body.procedure.name", "body.pages", "body.pages.0",
          "body.pages.0.sha256", "body.pages.0.bytes", "body.dossier_id", "body.sha256", "body.data", "body.x")


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event of some kind with up to three of its fields replaced by anything."""
    kind = draw(st.sampled_from(sorted(BASES)))
    event: dict[str, Any] = {"id": "e1", "seq": 1, "ts": "2026-11-24T10:00:00+07:00", "kind": kind,
                             "synced": draw(st.booleans()), "body": msgpack.unpackb(pack(BASES[kind]))}
    for _ in range(draw(st.integers(0, 3))):
        place, value = draw(st.sampled_from(PLACES)).split("."), draw(values)
        target: Any = event
        for step in place[:-1]:  # walk down while the earlier replacements left a path
            if isinstance(target, dict):
                target = target.get(step)
            elif isinstance(target, list) and step.isdigit() and target:
                target = target[0]
            else:
                target = None
        if isinstance(target, dict):
            target[place[-1]] = value
        elif isinstance(target, list) and target:
            target[0] = value
    return event


def pack(data: Any) -> bytes:
    return msgpack.packb(data, use_bin_type=True)


@SETTINGS
@given(st.one_of(envelopes, mutated(), mutated()))
def test_an_event_is_stored_or_refused_never_a_crash(tmp_path_factory: Any, data: dict[str, Any]) -> None:
    try:
        envelope = unpack_envelope(pack(data))
    except BadMessage:
        return
    store = Store(Path(tmp_path_factory.mktemp("fuzz")) / "p.db", "000.00.20.H26")
    try:
        store.handle("hn", "kiosk-x", envelope, datetime.now().astimezone())
    finally:
        store.close()


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_are_a_message_or_bad_message(payload: bytes) -> None:
    for read in (unpack, unpack_envelope, unpack_ack, lambda p: unpack_request("lookup", p)):
        try:
            read(payload)
        except BadMessage:
            pass


@SETTINGS
@given(values)
def test_any_msgpack_value_read_by_the_kiosk_or_the_gateway(value: Any) -> None:
    payload = pack(value)
    for read in (unpack_ack, lambda p: unpack_request("lookup", p), lambda p: unpack_request("pay", p)):
        try:
            read(payload)
        except BadMessage:
            pass
