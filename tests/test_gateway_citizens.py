"""The province's side of citizen services, on a real SQLite store and through `motcua gateway`: ratings (one per
dossier, tied to the official of the history, counted by `ratings --json [--since]`), supplements (stored only
with all their pages, attached to their dossier), and a citizen's dossiers found by the card's pseudonym."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from firmware.common.protocol import BadMessage, Envelope, check_response, citizen_key, unpack_request
from province import citizens, lookup
from province.history import Step
from province.store import Store

from .test_gateway_history import NOW, UNIT, gateway
from .test_gateway_poison import GOOD_DOSSIER

ID_NUMBER = "001303004567"


def rating(code: str, level: str = "Hài lòng", index: int = 1, **more: Any) -> dict[str, Any]:
    return {"dossier": code, "procedure": "Đăng ký khai sinh", "scale": 3, "level": level, "level_index": index,
            "rated_at": "2026-11-28T09:00:00+07:00", "criteria": {}, "reason": "", **more}


def event(kind: str, body: dict[str, Any], event_id: str | None = None) -> Envelope:
    return Envelope(event_id or uuid.uuid4().hex, 1, "2026-11-28T09:00:00+07:00", kind, body)


@pytest.fixture
def store(store_location: str) -> Any:
    store = Store(store_location, UNIT)
    yield store
    store.close()


def filed(store: Store, id_number: str = ID_NUMBER, receipt: str = "kiosk-x-261124-0001") -> tuple[str, str]:
    """A dossier filed with this ID card: (its id, its official code)."""
    dossier_id = uuid.uuid4().hex
    body = {**GOOD_DOSSIER, "receipt_code": receipt, "identity": {"id_number": id_number,
                                                                  "full_name": "Nguyễn Thị Ngọc Ánh"}}
    outcome = store.handle("hn", "kiosk-x", event("dossier", body, dossier_id), NOW)
    return dossier_id, outcome.official[dossier_id]["code"]


def test_a_rating_is_tied_to_the_official_and_counted_once(store: Store, tmp_path: Path) -> None:
    _, code = filed(store)
    store.set_status(code, Step("returned", official="Trần Văn Bình", unit="Tư pháp - Hộ tịch"))
    first = store.handle("hn", "kiosk-x", event("rating", rating(code)), NOW)
    second = store.handle("hn", "kiosk-y", event("rating", rating(code, "Không hài lòng", 2)), NOW)
    assert bool(first.ack) and bool(second.ack), "both are acknowledged (the kiosk must not resend), only one counts"
    assert store.ratings() == [{"unit": "Tư pháp - Hộ tịch", "official": "Trần Văn Bình",
                                "procedure": "Đăng ký khai sinh", "level": "Hài lòng", "level_index": 1,
                                "scale": 3, "count": 1}]
    answer = lookup.answer(store.db, code, UNIT, date(2026, 11, 30))
    assert answer["rated_on"] == "2026-11-28"


def test_ratings_counts_by_group_and_since(store: Store, tmp_path: Path, store_location: str) -> None:
    codes = [filed(store, receipt=f"kiosk-x-261124-000{n}")[1] for n in range(1, 5)]
    for n, code in enumerate(codes):
        store.set_status(code, Step("returned", official="Lê Thị Hoa" if n < 3 else "Phạm Văn Nam"))
    levels = [("Rất hài lòng", 0, "2026-11-20"), ("Rất hài lòng", 0, "2026-11-28"), ("Hài lòng", 1, "2026-11-28"),
              ("Không hài lòng", 2, "2026-11-28")]
    for code, (level, index, day) in zip(codes, levels, strict=True):
        store.handle("hn", "kiosk-x", event("rating", rating(code, level, index, rated_at=f"{day}T09:00:00+07:00")),
                     NOW)
    store.close()
    config = tmp_path / "gateway.toml"
    config.write_text(f'[broker]\nport = 1883\n[gateway]\nstore = "{store_location}"\n'
                      f'unit_code = "{UNIT}"\n', encoding="utf-8")
    result = gateway(config, "ratings", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    counts = {(r["official"], r["level"]): r["count"] for r in rows}
    assert counts == {("Lê Thị Hoa", "Rất hài lòng"): 2, ("Lê Thị Hoa", "Hài lòng"): 1,
                      ("Phạm Văn Nam", "Không hài lòng"): 1}
    assert all(r["unit"] == UNIT and r["procedure"] == "Đăng ký khai sinh" for r in rows)
    since = [json.loads(line) for line in gateway(config, "ratings", "--json", "--since", "2026-11-21")
             .stdout.splitlines()]
    assert {(r["official"], r["level"]): r["count"] for r in since}[("Lê Thị Hoa", "Rất hài lòng")] == 1
    assert "Lê Thị Hoa" in gateway(config, "ratings").stdout  # the plain listing too
    bad = gateway(config, "ratings", "--since", "28/11/2026")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_a_supplement_waits_for_its_pages_then_joins_its_dossier(store: Store) -> None:
    dossier_id, code = filed(store)
    store.set_status(code, Step("need_more", documents=("Giấy chứng sinh bản chính",)))
    data = b"\xff\xd8 a scanned page \xff\xd9"
    sha = hashlib.sha256(data).hexdigest()
    supplement_id = uuid.uuid4().hex
    body = {"dossier": code, "receipt_code": "", "received_at":
            "2026-11-28T09:00:00+07:00", "documents": ["Giấy chứng sinh bản chính"],
            "pages": [{"sha256": sha, "bytes": len(data)}]}
    early = store.handle("hn", "kiosk-x", event("supplement", body, supplement_id), NOW)
    assert not early.ack and "not received" in early.problem
    part = {"dossier_id": supplement_id, "sha256": sha, "data": data, "document": "bo_sung_0", "index": 0}
    store.handle("hn", "kiosk-x", event("part", part), NOW)
    assert store.handle("hn", "kiosk-x", event("supplement", body, supplement_id), NOW).ack
    steps = store.history(code)
    assert [s["status"] for s in steps] == ["received", "need_more", "supplemented"]
    assert steps[-1]["label"] == "Đã bổ sung" and steps[-1]["documents"] == ["Giấy chứng sinh bản chính"]
    pages = store.db.execute("SELECT COUNT(*) FROM parts WHERE dossier_id = ?", (dossier_id,)).fetchone()[0]
    assert pages == 1, "the supplement's page belongs to the dossier now"
    again = store.handle("hn", "kiosk-x", event("supplement", body, supplement_id), NOW)
    assert again.ack and len(store.history(code)) == 3, "a resent supplement is acknowledged, not added twice"


def test_a_supplement_for_an_unknown_dossier_is_kept_and_acknowledged(store: Store) -> None:
    body = {"dossier": "000.00.20.H26-261124-9999", "received_at": "2026-11-28T09:00:00+07:00",
            "documents": ["Giấy tờ"], "pages": []}
    assert store.handle("hn", "kiosk-x", event("supplement", body), NOW).ack


def test_a_citizens_dossiers_are_found_by_the_cards_pseudonym_only(store: Store) -> None:
    mine = [filed(store, receipt=f"kiosk-x-261124-000{n}")[1] for n in (1, 2)]
    filed(store, id_number="079203001234", receipt="kiosk-x-261124-0003")
    key = citizen_key(ID_NUMBER)
    listed = citizens.dossiers_of(store.db, key)
    assert sorted(item["code"] for item in listed) == sorted(mine)
    assert all(item["label"] == "Đã tiếp nhận" and item["procedure"] == "Đăng ký khai sinh" for item in listed)
    check_response("dossiers", {"dossiers": listed})  # what the kiosk accepts
    assert citizens.dossiers_of(store.db, citizen_key("000000000000")) == []
    assert lookup.answer(store.db, mine[0], UNIT, date(2026, 11, 25), key)["mine"] is True
    assert lookup.answer(store.db, mine[0], UNIT, date(2026, 11, 25), citizen_key("079203001234"))["mine"] is False
    assert ID_NUMBER not in json.dumps(listed) and ID_NUMBER not in key


@pytest.mark.parametrize("body", [{"citizen": "001303004567"}, {"citizen": "x" * 64}, {}, {"citizen": 7}])
def test_a_dossiers_request_without_a_pseudonym_is_refused(body: dict[str, Any]) -> None:
    import msgpack

    with pytest.raises(BadMessage):
        unpack_request("dossiers", msgpack.packb(body))


def test_rating_bodies_are_checked_at_the_edge() -> None:
    from firmware.common.protocol import BODIES
    from firmware.common.schema import Invalid

    BODIES["rating"](rating("x"), "body")
    for bad in (rating("x", scale=9), rating("x", index=7), {**rating("x"), "level": ["a"]},
                {**rating("x"), "criteria": {"thai_do": 3}}):
        with pytest.raises(Invalid):
            BODIES["rating"](bad, "body")
    assert datetime.fromisoformat(rating("x")["rated_at"])
