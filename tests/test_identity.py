"""The CCCD parser: fixed fields, validation with reasons, and never an exception."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.rules import i18n
from firmware.rules.identity import read_cccd

TODAY = date(2026, 11, 24)
GOOD = "001203004567|123456789|Nguyễn Văn An|05032003|Nam|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def codes(payload: str) -> list[tuple[str, str]]:
    card = read_cccd(payload, TODAY)
    assert card is not None
    return [(e.field, e.code) for e in card.errors]


def test_a_good_card() -> None:
    card = read_cccd(GOOD, TODAY)
    assert card is not None and card.valid
    assert card.to_json() == {
        "kind": "cccd", "valid": True, "id_number": "001203004567", "old_id": "123456789",
        "full_name": "Nguyễn Văn An", "date_of_birth": "2003-03-05", "sex": "Nam",
        "address": "Thôn 3, xã Yên Phong, Bắc Ninh", "issue_date": "2021-06-10",
    }


def test_trailing_fields_of_newer_cards_are_ignored_and_old_id_may_be_empty() -> None:
    card = read_cccd("038185000123||Lê Thị Hoa|12121985|Nữ|Thanh Hoá|01022022||", TODAY)
    assert card is not None and card.valid and card.old_id is None and card.sex == "Nữ"


def test_not_a_cccd() -> None:
    assert read_cccd("https://dichvucong.gov.vn", TODAY) is None
    assert read_cccd("a|b|c|d|e|f", TODAY) is None


@pytest.mark.parametrize("payload,expected", [
    ("00120300456|123456789|Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062021", [("id_number", "format")]),
    ("|123456789|Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062021", [("id_number", "missing")]),
    ("001203004567|12345|Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062021", [("old_id", "format")]),
    ("001203004567||Nguyễn V4n An|05032003|Nam|Bắc Ninh|10062021", [("full_name", "format")]),
    ("001203004567|||05032003|Nam|Bắc Ninh|10062021", [("full_name", "missing")]),
    ("001203004567||Nguyễn Văn An|31022003|Nam|Bắc Ninh|10062021", [("date_of_birth", "invalid_date")]),
    ("001203004567||Nguyễn Văn An|0503203|Nam|Bắc Ninh|10062021", [("date_of_birth", "invalid_date")]),
    ("001227004567||Nguyễn Văn An|05032027|Nam|Bắc Ninh|10062021", [("date_of_birth", "future_date")]),
    ("001203004567||Nguyễn Văn An|05032003|nam|Bắc Ninh|10062021", [("sex", "unknown_value")]),
    ("001203004567||Nguyễn Văn An|05032003|Nam||10062021", [("address", "missing")]),
    ("001203004567||Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062002", [("issue_date", "before_birth")]),
    ("001203004567||Nguyễn Văn An|05032003|Nam|Bắc Ninh|", [("issue_date", "missing")]),
    ("001203004567||Nguyễn Văn An|05032003|Nữ|Bắc Ninh|10062021", [("id_number", "sex_mismatch")]),
    ("001003004567||Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062021", [("id_number", "century_mismatch")]),
    ("001204004567||Nguyễn Văn An|05032003|Nam|Bắc Ninh|10062021", [("id_number", "birth_year_mismatch")]),
])
def test_each_problem_is_named(payload: str, expected: list[tuple[str, str]]) -> None:
    assert codes(payload) == expected


def test_invalid_card_keeps_what_it_could_read() -> None:
    card = read_cccd("001203004567||Nguyễn Văn An|31022003|Nam|Bắc Ninh|10062021", TODAY)
    assert card is not None
    out = card.to_json()
    assert out["valid"] is False and out["date_of_birth"] is None and out["full_name"] == "Nguyễn Văn An"
    assert out["errors"] == [{"field": "date_of_birth", "code": "invalid_date"}]


def test_reasons_are_plain_vietnamese_and_translated() -> None:
    card = read_cccd("001203004567||Nguyễn Văn An|31022003|Nam|Bắc Ninh|10062021", TODAY)
    assert card is not None
    assert card.errors[0].message == "Ngày sinh trên thẻ không phải là một ngày có thật."
    i18n.set_language("en")
    assert card.errors[0].message == "The date of birth on the card is not a real date."


def test_decomposed_input_comes_out_nfc() -> None:
    card = read_cccd(unicodedata.normalize("NFD", GOOD), TODAY)
    assert card is not None and card.valid and card.full_name == "Nguyễn Văn An"


field_text = st.one_of(st.text(max_size=30), st.from_regex(r"\d{0,14}", fullmatch=True),
                       st.sampled_from(["Nam", "Nữ", "Nữ", "29022000", "31122099", ""]))


@settings(max_examples=400, deadline=None)
@given(st.lists(field_text, min_size=7, max_size=10))
def test_never_raises_and_always_nfc(fields: list[str]) -> None:
    payload = "|".join(f.replace("|", "") for f in fields)
    card = read_cccd(payload, TODAY)
    assert card is not None
    for value in card.to_json().values():
        if isinstance(value, str):
            assert unicodedata.is_normalized("NFC", value)
    for error in card.errors:
        assert error.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_at_all(text: str) -> None:
    card = read_cccd(text, TODAY)
    assert card is None or isinstance(card.valid, bool)
