"""Checking one form answer against its catalog field, with a message in plain words."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from firmware.common.catalog import FormField
from firmware.rules import date_entry
from firmware.rules.i18n import _

# A mobile number has 10 digits (0 and 9 more); a landline 11, starting 02 (area code 2xx since 2017).
PHONE = re.compile(r"^(?:0\d{9}|02\d{9})$")
NAME = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)*$")
DIGIT_TYPES = ("number", "phone", "id_number", "date")


def max_digits(field: FormField) -> int:
    return {"phone": 11, "id_number": 12, "date": 8}.get(field.type, len(str(field.max or 999999)))


class Problem(str):
    """What to fix, in plain words; `key` names its spoken prompt (firmware.rules.prompts.ERRORS)."""

    key: str

    def __new__(cls, message: str, key: str) -> Problem:
        problem = super().__new__(cls, message)
        problem.key = key
        return problem


def check(field: FormField, raw: str, today: date) -> Problem | None:
    """None when the answer is acceptable, else what to fix."""
    value = raw.strip()
    if not value:
        if not field.required:
            return None
        return Problem(_("Xin mời chọn một mục."), "choose") if field.type == "choice" else \
            Problem(_("Xin mời nhập thông tin này."), "required")
    if field.type == "name" and not NAME.match(" ".join(value.split())):
        return Problem(_("Họ tên chỉ gồm chữ cái và dấu cách."), "name_letters")
    if field.type in ("text", "name") and len(value) > field.max_length:
        return Problem(_("Dài quá, tối đa {count} ký tự.").format(count=field.max_length), "too_long")
    if field.type == "choice" and value not in field.choices:
        return Problem(_("Xin mời chọn một mục."), "choose")
    if field.type == "number":
        number = int(value) if value.isdigit() else -1
        low = field.min if field.min is not None else 0
        high = field.max if field.max is not None else 10**9
        if not low <= number <= high:
            return Problem(_("Xin mời nhập một số từ {low} đến {high}.").format(low=low, high=high), "number_range")
    if field.type == "phone" and not PHONE.match(value):
        return Problem(_("Số điện thoại di động gồm 10 chữ số, bắt đầu bằng số 0 (số máy bàn: 11 chữ số, bắt "
                         "đầu bằng 02)."), "phone")
    if field.type == "id_number" and not (len(value) == 12 and value.isdigit()):
        return Problem(_("Số định danh cá nhân gồm đủ 12 chữ số."), "id_number")
    if field.type == "date":
        day = date_entry.parse(value)
        if day is None:
            return Problem(_("Xin mời nhập đủ ngày, tháng, năm."), "date_incomplete")
        if field.not_future and day > today:
            return Problem(_("Ngày này ở sau hôm nay."), "date_future")
    return None


def to_record(field: FormField, raw: str) -> Any:
    """The answer as the dossier stores it: dates ISO, numbers as integers, text trimmed."""
    value = " ".join(raw.split())
    if not value:
        return None
    if field.type == "date":
        day = date_entry.parse(value)
        return day.isoformat() if day else None
    if field.type == "number":
        return int(value)
    return value


def from_identity(field: FormField, identity: dict[str, Any], answers: dict[str, Any]) -> str | None:
    """The raw (as typed) form of the first ID-card value that prefills this field whose conditions hold."""
    for source, conditions in field.prefills:
        value = identity.get(source)
        if value is None or value == "" or any(answers.get(key) != wanted for key, wanted in conditions):
            continue
        return value.strftime("%d%m%Y") if isinstance(value, date) else str(value)
    return None


def stale_prefills(field: FormField, identity: dict[str, Any]) -> set[str]:
    """What this field would have been prefilled with under each of its conditions: an answer equal to one of
    them, when the conditions now give another value (or none), was the kiosk's, not the citizen's."""
    found = set()
    for _source, conditions in field.prefills:
        if conditions:
            value = from_identity(field, identity, dict(conditions))
            if value is not None:
                found.add(value)
    return found
