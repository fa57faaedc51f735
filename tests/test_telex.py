"""Telex typing: marks, tones by the modern rule, escapes, case, backspace."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.rules.telex import backspace, press, type_keys


@pytest.mark.parametrize("keys,expected", [
    ("Nguyeenx", "Nguyễn"), ("dd", "đ"), ("ddaay", "đây"), ("Ddaij hocj", "Đại học"),
    ("Traanf Thij Hoa", "Trần Thị Hoa"), ("Vieetj Nam", "Việt Nam"), ("truwowngf", "trường"),
    ("nguoiwf", "người"), ("dduwowcj", "được"), ("Phuwowngf Ba DDinhf", "Phường Ba Đình"), ("muaw", "mưa"),
    ("hoawcj", "hoặc"), ("quyeets", "quyết"), ("giaf", "già"), ("gif", "gì"), ("w", "ư"), ("cuar", "của"),
    ("ddoongf", "đồng"), ("khoong", "không"), ("Huyeenf", "Huyền"),
])
def test_words(keys: str, expected: str) -> None:
    assert type_keys(keys) == expected


@pytest.mark.parametrize("keys,expected", [
    ("hoaf", "hoà"), ("khoer", "khoẻ"), ("thuyr", "thuỷ"),      # modern rule: on the second vowel
    ("toans", "toán"), ("hoangf", "hoàng"),                     # closed syllable: the last vowel
    ("mias", "mía"), ("muaf", "mùa"), ("ngoaif", "ngoài"),      # open: the first, or the middle of three
    ("tieengs", "tiếng"), ("nguwowif", "người"),                 # a marked vowel takes the tone
    ("Nguyexen", "Nguyễn"), ("Nguyeexn", "Nguyễn"),              # the tone can come before the last letters
])
def test_tone_placement(keys: str, expected: str) -> None:
    assert type_keys(keys) == expected


@pytest.mark.parametrize("keys,expected", [
    ("ass", "as"), ("aaa", "aa"), ("aww", "aw"), ("uoww", "uow"), ("ddd", "đd"), ("asz", "a"), ("xaz", "xaz"),
    ("asf", "à"),  # a second tone replaces the first
])
def test_escapes_and_changes(keys: str, expected: str) -> None:
    assert type_keys(keys) == expected


def test_mixed_and_upper_case() -> None:
    assert type_keys("NGUYEENX VAWN A") == "NGUYỄN VĂN A"
    assert type_keys("nGuYeEnX") == "nGuYễn"
    assert type_keys("DDOONGF") == "ĐỒNG"


def test_backspace_removes_the_tone_before_a_letter() -> None:
    text = type_keys("Nguyeenx")
    text = backspace(text)
    assert text == "Nguyên"
    assert backspace(text) == "Nguyê"
    assert backspace("Lê Văn Tám") == "Lê Văn Tam"
    assert backspace("Lê Văn ") == "Lê Văn"
    assert backspace("") == ""


def test_editing_prefilled_text() -> None:
    assert press("Nguyễn Văn Ann", "s") == "Nguyễn Văn Ánn"
    assert press("Phường Ba Đình", " ") == "Phường Ba Đình "
    assert press("12", "3") == "123"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="adefijorswxzuyqgnhAEOWDS 1-", max_size=30))
def test_never_raises_and_stays_nfc(keys: str) -> None:
    text = type_keys(keys)
    assert unicodedata.is_normalized("NFC", text)
    for _ in range(2 * len(text) + 2):  # a toned letter takes two
        text = backspace(text)
    assert text == ""
