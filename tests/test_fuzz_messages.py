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
    check_response,
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
    "usage": {"n": 1}, "payment": {"amount": 20000},
    "rating": {"dossier": "000.00.20.H26-261124-0001", "procedure": "Đăng ký khai sinh", "scale": 3,
               "level": "Hài lòng", "level_index": 1, "rated_at": "2026-11-28T09:00:00+07:00",
               "criteria": {"thai_do": "Hài lòng"}, "reason": ""},
    "supplement": {"dossier": "000.00.20.H26-261124-0001", "receipt_code": "", "documents": ["Giấy tờ"],
                   "received_at": "2026-11-28T09:00:00+07:00", "pages": [{"sha256": SHA, "bytes": 10}]},
}
PLACES = ("id", "seq", "ts", "synced", "body", "body.receipt_code", "body.received_at", "body.due_date",
          "body.procedure", "body.procedure.working_days", "body.procedure.name", "body.pages", "body.pages.0",
          "body.pages.0.sha256", "body.pages.0.bytes", "body.dossier_id", "body.sha256", "body.data", "body.x",
          "body.dossier", "body.scale", "body.level", "body.level_index", "body.criteria", "body.criteria.thai_do",
          "body.documents", "body.documents.0", "body.rated_at")


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
    for read in (unpack_ack, lambda p: unpack_request("lookup", p), lambda p: unpack_request("pay", p),
                 lambda p: unpack_request("dossiers", p), lambda p: check_response("lookup", unpack(p)),
                 lambda p: check_response("dossiers", unpack(p))):
        try:
            read(payload)
        except BadMessage:
            pass


ANSWERS: dict[str, dict[str, Any]] = {
    "lookup": {"found": True, "code": "000.00.20.H26-261124-0001", "receipt_code": "kiosk-x-261124-0001",
               "received_at": "2026-11-24T10:00:00+07:00", "due_date": "2026-11-27", "procedure": "Khai sinh",
               "status": "need_more", "late": False, "name_masked": "Nguyễn T**", "mine": True, "rated_on": None,
               "history": [{"status": "need_more", "label": "Cần bổ sung", "at": "2026-11-25T09:00:00+07:00",
                            "note": "", "documents": ["Giấy tờ"]}]},
    "dossiers": {"dossiers": [{"code": "000.00.20.H26-261124-0001", "received_at": "2026-11-24T10:00:00+07:00",
                               "procedure": "Khai sinh", "status": "returned", "label": "Đã trả kết quả",
                               "receipt_code": None, "rated_on": "2026-11-28"}]},
}
ANSWER_PLACES = ("found", "code", "status", "history", "history.0", "history.0.at", "history.0.documents",
                 "history.0.documents.0", "mine", "rated_on", "due_date", "received_at", "dossiers", "dossiers.0",
                 "dossiers.0.code", "dossiers.0.received_at", "dossiers.0.status", "dossiers.0.rated_on", "x")


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(ANSWERS)))
    answer = msgpack.unpackb(pack(ANSWERS[kind]))
    for _ in range(draw(st.integers(0, 3))):
        *path, last = draw(st.sampled_from(ANSWER_PLACES)).split(".")
        target: Any = answer
        for step in path:
            target = target[int(step)] if isinstance(target, list) and step.isdigit() and target else (
                target.get(step) if isinstance(target, dict) else None)
        if isinstance(target, dict):
            target[last] = draw(values)
        elif isinstance(target, list) and target:
            target[0] = draw(values)
    return kind, answer


_APP: list[Any] = []


def shared_app() -> Any:
    if not _APP:
        from firmware.app.compose import build
        from firmware.runtime.clock import VirtualClock
        from firmware.runtime.config import Config

        _APP.append(build(Config(), clock=VirtualClock(), size=(800, 480), headless=True,
                          outbox_path=str(Path(tempfile_dir()) / "outbox.db")))
    return _APP[0]


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="motcua-fuzz-")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_an_answer_the_kiosk_accepts_is_shown_without_an_exception(drawn: tuple[str, dict[str, Any]]) -> None:
    kind, answer = drawn
    try:
        check_response(kind, msgpack.unpackb(pack(answer)))
    except BadMessage:
        return
    app = shared_app()
    screen = ("status", {"answer": answer}) if kind == "lookup" else ("dossiers", {"listed": answer["dossiers"]})
    for name, params in (screen, ("rate", {"dossier": answer})):
        app.stack.reset(name, **params)
        app.stack.apply_pending()
        app.stack.top.draw(app.loop.canvas)
