"""Checking one form answer against its catalog field, with a message in plain words."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from firmware.common.catalog import FormField
from firmware.rules import date_entry
from firmware.rules.i18n import _

PHONE = re.compile(r"^0\d{9,10}$")
NAME = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)*$")
DIGIT_TYPES = ("number", "phone", "id_number", "date")


def max_digits(field: FormField) -> int:
    return {"phone": 11, "id_number": 12, "date": 8}.get(field.type, len(str(field.max or 999999)))


def check(field: FormField, raw: str, today: date) -> str | None:
    """None when the answer is acceptable, else what to fix."""
    value = raw.strip()
    if not value:
        if not field.required:
            return None
        return _("Xin mời chọn một mục.") if field.type == "choice" else _("Xin mời nhập thông tin này.")
    if field.type == "name" and not NAME.match(" ".join(value.split())):
        return _("Họ tên chỉ gồm chữ cái và dấu cách.")
    if field.type in ("text", "name") and len(value) > field.max_length:
        return _("Dài quá, tối đa {count} ký tự.").format(count=field.max_length)
    if field.type == "choice" and value not in field.choices:
        return _("Xin mời chọn một mục.")
    if field.type == "number":
        number = int(value) if value.isdigit() else -1
        low = field.min if field.min is not None else 0
        high = field.max if field.max is not None else 10**9
        if not low <= number <= high:
            return _("Xin mời nhập một số từ {low} đến {high}.").format(low=low, high=high)
    if field.type == "phone" and not PHONE.match(value):
        return _("Số điện thoại gồm 10 chữ số, bắt đầu bằng số 0.")
    if field.type == "id_number" and not (len(value) == 12 and value.isdigit()):
        return _("Số định danh cá nhân gồm đủ 12 chữ số.")
    if field.type == "date":
        day = date_entry.parse(value)
        if day is None:
            return _("Xin mời nhập đủ ngày, tháng, năm.")
        if field.not_future and day > today:
            return _("Ngày này ở sau hôm nay.")
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
    """The raw (as typed) form of an ID-card value that prefills this field, if its conditions hold."""
    if not field.prefill or identity.get(field.prefill) is None:
        return None
    if any(answers.get(key) != wanted for key, wanted in field.prefill_if):
        return None
    value = identity[field.prefill]
    return value.strftime("%d%m%Y") if isinstance(value, date) else str(value)
