"""The QR code on a chip ID card (CCCD) and on the 2024 ID card, read and checked.

Payload: `|`-separated, fixed indices 0..6: ID number (12 digits), old 9-digit ID (may be empty), full name,
date of birth `ddmmyyyy`, sex (`Nam`/`Nữ`), permanent address, issue date `ddmmyyyy`. Newer cards append
empty fields, which are ignored. The ID number is `PPP G YY NNNNNN`: province of birth registration, a digit for
sex and century (0/1 male/female born 1900s, 2/3 born 2000s, 4/5 2100s ...), the last two digits of the year
of birth, and a serial.

`read_cccd` never raises: a bad payload gives a result with `valid = False` and the reasons, each with a
plain-Vietnamese explanation a citizen can act on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from firmware.rules.i18n import N_, _

IDENTITY_KEYS = ("id_number", "old_id", "full_name", "date_of_birth", "sex", "address", "issue_date")
FIELDS = IDENTITY_KEYS
SEXES = ("Nam", "Nữ")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")

# code -> message for the citizen (Vietnamese source, translated through gettext)
MESSAGES = {
    ("id_number", "missing"): N_("Không đọc được số định danh cá nhân."),
    ("id_number", "format"): N_("Số định danh cá nhân phải có đủ 12 chữ số."),
    ("id_number", "sex_mismatch"): N_("Số định danh không khớp với giới tính trên thẻ."),
    ("id_number", "century_mismatch"): N_("Số định danh không khớp với năm sinh trên thẻ."),
    ("id_number", "birth_year_mismatch"): N_("Số định danh không khớp với năm sinh trên thẻ."),
    ("old_id", "format"): N_("Số chứng minh nhân dân cũ không đúng (phải có 9 hoặc 12 chữ số)."),
    ("full_name", "missing"): N_("Không đọc được họ và tên."),
    ("full_name", "format"): N_("Họ và tên trên thẻ có ký tự không hợp lệ."),
    ("date_of_birth", "missing"): N_("Không đọc được ngày sinh."),
    ("date_of_birth", "invalid_date"): N_("Ngày sinh trên thẻ không phải là một ngày có thật."),
    ("date_of_birth", "future_date"): N_("Ngày sinh trên thẻ ở sau ngày hôm nay."),
    ("sex", "missing"): N_("Không đọc được giới tính."),
    ("sex", "unknown_value"): N_("Giới tính trên thẻ phải là Nam hoặc Nữ."),
    ("address", "missing"): N_("Không đọc được nơi thường trú."),
    ("issue_date", "missing"): N_("Không đọc được ngày cấp thẻ."),
    ("issue_date", "invalid_date"): N_("Ngày cấp thẻ không phải là một ngày có thật."),
    ("issue_date", "future_date"): N_("Ngày cấp thẻ ở sau ngày hôm nay."),
    ("issue_date", "before_birth"): N_("Ngày cấp thẻ ở trước ngày sinh."),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str

    @property
    def message(self) -> str:
        return _(MESSAGES.get((self.field, self.code), N_("Mã QR trên thẻ không hợp lệ.")))


@dataclass(frozen=True)
class Cccd:
    id_number: str | None = None
    old_id: str | None = None
    full_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address: str | None = None
    issue_date: date | None = None
    errors: tuple[FieldError, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "cccd", "valid": self.valid}
        for name in FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
        if self.errors:
            out["errors"] = [{"field": e.field, "code": e.code} for e in self.errors]
        return out


def is_cccd(payload: str) -> bool:
    return payload.count("|") >= 6


def read_cccd(payload: str, today: date | None = None) -> Cccd | None:
    """The card's data and what is wrong with it; None when the payload is not an ID-card code at all."""
    if not isinstance(payload, str) or not is_cccd(payload):
        return None
    today = today or date.today()
    parts = [unicodedata.normalize("NFC", p).strip() for p in payload.split("|")[:7]]
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    def fail(name: str, code: str) -> None:
        errors.append(FieldError(name, code))

    id_number, old_id, name, dob_text, sex, address, issued_text = parts
    if not id_number:
        fail("id_number", "missing")
    elif not (len(id_number) == 12 and id_number.isascii() and id_number.isdigit()):
        fail("id_number", "format")
    else:
        values["id_number"] = id_number

    if old_id:
        if old_id.isascii() and old_id.isdigit() and len(old_id) in (9, 12):
            values["old_id"] = old_id
        else:
            fail("old_id", "format")

    if not name:
        fail("full_name", "missing")
    elif len(name) > 100 or not _NAME.match(name):
        fail("full_name", "format")
    else:
        values["full_name"] = re.sub(r"\s+", " ", name)

    born = _date(dob_text, "date_of_birth", today, fail)
    if born:
        values["date_of_birth"] = born

    if not sex:
        fail("sex", "missing")
    elif sex not in SEXES:
        fail("sex", "unknown_value")
    else:
        values["sex"] = sex

    if not address:
        fail("address", "missing")
    else:
        values["address"] = address

    issued = _date(issued_text, "issue_date", today, fail)
    if issued and born and issued < born:
        fail("issue_date", "before_birth")
        issued = None
    if issued:
        values["issue_date"] = issued

    if "id_number" in values:
        _check_id_digits(values["id_number"], born, values.get("sex"), fail)
    return Cccd(**values, errors=tuple(errors))


def _date(text: str, name: str, today: date, fail: Any) -> date | None:
    if not text:
        fail(name, "missing")
        return None
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        fail(name, "invalid_date")
        return None
    try:
        value = date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        fail(name, "invalid_date")
        return None
    if value.year < 1900:
        fail(name, "invalid_date")
        return None
    if value > today:
        fail(name, "future_date")
        return None
    return value


def _check_id_digits(id_number: str, born: date | None, sex: str | None, fail: Any) -> None:
    digit = int(id_number[3])
    if sex is not None and (digit % 2 == 1) != (sex == "Nữ"):
        fail("id_number", "sex_mismatch")
    if born is not None:
        if 1900 + 100 * (digit // 2) != born.year // 100 * 100:
            fail("id_number", "century_mismatch")
        elif id_number[4:6] != f"{born.year % 100:02d}":
            fail("id_number", "birth_year_mismatch")
