"""A small schema language for messages from outside: each spec checks a value and raises `Invalid` naming the
field's path and what was expected (`body.pages[2].sha256: expected 64 hex digits, got a list`).

Deliberately tiny: types, ranges, lengths, patterns, ISO dates. One spec per message kind lives beside the
message (`firmware/common/protocol.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

Spec = Callable[[Any, str], None]
INT64 = (-(2**63), 2**63 - 1)
MAX_DEPTH = 8


class Invalid(ValueError):
    """A value that does not match its spec; the text names the path and the rule."""


def _kind(value: Any) -> str:
    return {dict: "a map", list: "a list", str: "a string", bytes: "bytes", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def text(max_len: int = 1000, pattern: str | None = None, hint: str = "") -> Spec:
    compiled = re.compile(pattern) if pattern else None

    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise Invalid(f"{path}: expected a string, got {_kind(value)}")
        if len(value) > max_len:
            raise Invalid(f"{path}: longer than {max_len} characters")
        if compiled and not compiled.fullmatch(value):
            raise Invalid(f"{path}: expected {hint or compiled.pattern}")
    return check


def choice(*options: str) -> Spec:
    def check(value: Any, path: str) -> None:
        if value not in options:
            raise Invalid(f"{path}: expected one of {', '.join(options)}")
    return check


def integer(lo: int = INT64[0], hi: int = INT64[1]) -> Spec:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"{path}: expected a whole number, got {_kind(value)}")
        if not lo <= value <= hi:
            raise Invalid(f"{path}: {value} is out of range {lo}..{hi}")
    return check


def boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise Invalid(f"{path}: expected true or false, got {_kind(value)}")


def blob(max_len: int) -> Spec:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, bytes):
            raise Invalid(f"{path}: expected bytes, got {_kind(value)}")
        if len(value) > max_len:
            raise Invalid(f"{path}: more than {max_len} bytes")
    return check


def iso_datetime(value: Any, path: str) -> None:
    text(40)(value, path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{path}: expected an ISO 8601 time, got {value!r}") from None
    if moment.tzinfo is None:
        raise Invalid(f"{path}: expected an ISO 8601 time with its offset, got {value!r}")


def iso_date(value: Any, path: str) -> None:
    text(10)(value, path)
    try:
        date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{path}: expected a date YYYY-MM-DD, got {value!r}") from None


def optional(spec: Spec) -> Spec:
    """The spec, or nothing (None)."""
    def check(value: Any, path: str) -> None:
        if value is not None:
            spec(value, path)
    return check


def sequence(item: Spec, max_items: int) -> Spec:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise Invalid(f"{path}: expected a list, got {_kind(value)}")
        if len(value) > max_items:
            raise Invalid(f"{path}: more than {max_items} items")
        for index, element in enumerate(value):
            item(element, f"{path}[{index}]")
    return check


def plain(max_items: int = 1000, max_text: int = 10_000) -> Spec:
    """Any data a JSON document could hold (no bytes), bounded in depth, size and length."""
    def check(value: Any, path: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise Invalid(f"{path}: nested deeper than {MAX_DEPTH}")
        if value is None or isinstance(value, bool | float):
            return
        if isinstance(value, int):
            integer()(value, path)
        elif isinstance(value, str):
            text(max_text)(value, path)
        elif isinstance(value, list):
            if len(value) > max_items:
                raise Invalid(f"{path}: more than {max_items} items")
            for index, element in enumerate(value):
                check(element, f"{path}[{index}]", depth + 1)
        elif isinstance(value, dict):
            if len(value) > max_items:
                raise Invalid(f"{path}: more than {max_items} keys")
            for key, element in value.items():
                text(200)(key, f"{path} key")
                check(element, f"{path}.{key}", depth + 1)
        else:
            raise Invalid(f"{path}: {_kind(value)} is not allowed here")
    return check


def mapping(fields: dict[str, Spec], required: tuple[str, ...] = (), rest: Spec | None = None) -> Spec:
    """A map whose listed fields match their specs; other keys match `rest` (or are refused when it is None)."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"{path}: expected a map, got {_kind(value)}")
        for key in required:
            if key not in value:
                raise Invalid(f"{path}.{key}: missing")
        for key, element in value.items():
            if not isinstance(key, str):
                raise Invalid(f"{path}: a key is {_kind(key)}, not a string")
            spec = fields.get(key, rest)
            if spec is None:
                raise Invalid(f"{path}.{key}: not a known field")
            spec(element, f"{path}.{key}")
    return check
