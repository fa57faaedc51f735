"""The procedure catalog: a versioned data file shipped with the firmware, replaceable by the province.

Loading checks every entry and names the place of the first problem (`procedures[3].form[2].type`), so a
broken file from the province is refused with a clear message and the kiosk keeps the catalog it had.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

FIELD_TYPES = ("text", "name", "number", "date", "choice", "id_number", "phone")
# The printed QR's keys, then what only the chip holds (firmware/chip/read.py EXTRA_KEYS): a QR-only identity
# leaves those fields to their default or to the citizen.
PREFILLS = ("full_name", "id_number", "date_of_birth", "sex", "address", "ethnicity", "religion", "place_of_origin",
            "nationality", "father_name", "mother_name", "spouse_name")


class CatalogError(Exception):
    """The catalog file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Document:
    key: str
    name: str
    required: bool
    note: str = ""
    pages: int = 0  # how many pages it has when that is known (1: the kiosk goes on by itself after one)
    # Not asked when an answer says it is not needed, e.g. {"quan_he": ["Mẹ", "Cha"]}: a parent needs no mandate.
    skip_if: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def needed(self, answers: dict[str, Any]) -> bool:
        return not any(answers.get(key) in values for key, values in self.skip_if)


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    type: str
    required: bool
    prefill: str | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    max_length: int = 100
    min: int | None = None
    max: int | None = None
    not_future: bool = False
    # A recent event (a birth, a death): typing day and month is enough, the year is this one (or last year's
    # when that date has not come yet).
    recent: bool = False
    # Prefill only when earlier answers say so, e.g. {"quan_he": "Mẹ"}: the mother's name from the ID card.
    prefill_if: tuple[tuple[str, str], ...] = ()
    # Other ID card values, each with its own conditions, tried after `prefill` (the catalog's "prefill_or"), e.g.
    # the father's name from the mother's card (her spouse) when she is the one registering the birth.
    prefill_or: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def prefills(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """Every (identity key, conditions) this field may be prefilled from, in order."""
        return (((self.prefill, self.prefill_if),) if self.prefill else ()) + self.prefill_or

    @property
    def conditional(self) -> bool:
        return any(conditions for _key, conditions in self.prefills)


@dataclass(frozen=True)
class Fee:
    label: str
    amount_vnd: int
    online_amount_vnd: int
    source: str
    confirmed: bool
    per: str = ""  # "trang": charged per scanned page; anything else: once per dossier
    then_after: int = 0  # from unit `then_after + 1` on, `then_vnd` a unit (the catalog's "then")
    then_vnd: int = 0
    max_vnd: int = 0  # 0: no cap

    def due(self, units: int, online: bool = True) -> int:
        """What `units` cost: the online rate for a dossier filed at a kiosk (it reaches the province online)."""
        rate = self.online_amount_vnd if online else self.amount_vnd
        units = max(1, units) if self.per == "trang" else 1
        if self.then_after and units > self.then_after:
            total = rate * self.then_after + self.then_vnd * (units - self.then_after)
        else:
            total = rate * units
        return min(total, self.max_vnd) if self.max_vnd else total


@dataclass(frozen=True)
class Procedure:
    code: str
    code_confirmed: bool
    name: str
    field: str
    summary: str
    keywords: tuple[str, ...]
    working_days: int
    processing_note: str
    processing_source: str
    processing_confirmed: bool
    fees: tuple[Fee, ...]
    documents: tuple[Document, ...]
    form: tuple[FormField, ...]
    result: str

    def fee_vnd(self, pages: int) -> int:
        """The fee for a dossier of `pages` scanned pages; 0 for a free procedure."""
        return sum(fee.due(pages) for fee in self.fees)

    @property
    def required_documents(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.required)

    def documents_for(self, answers: dict[str, Any]) -> tuple[Document, ...]:
        """The documents this citizen is asked for, given their answers (a parent needs no mandate)."""
        return tuple(d for d in self.documents if d.needed(answers))


@dataclass(frozen=True)
class Criterion:
    key: str
    question: str


DEFAULT_LEVELS = ("Rất hài lòng", "Hài lòng", "Không hài lòng")
DEFAULT_REASONS = ("Hướng dẫn tận tình", "Giải quyết nhanh", "Phải chờ lâu", "Hướng dẫn chưa rõ",
                   "Phải đi lại nhiều lần", "Lý do khác")


@dataclass(frozen=True)
class RatingScale:
    """How citizens rate a dossier (the catalog's `rating`): the levels best first (2 to 5), optional criteria
    asked one by one with the same levels, and the short list of reasons offered after a rating."""

    levels: tuple[str, ...] = DEFAULT_LEVELS
    criteria: tuple[Criterion, ...] = ()
    reasons: tuple[str, ...] = DEFAULT_REASONS


@dataclass(frozen=True)
class Catalog:
    version: str
    procedures: tuple[Procedure, ...]
    source: str = ""
    rating: RatingScale = RatingScale()

    def by_code(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)

    def by_name(self, name: str) -> Procedure | None:
        return next((p for p in self.procedures if p.name == name), None)

    @property
    def fields(self) -> list[str]:
        """The fields (lĩnh vực) in catalog order."""
        return list(dict.fromkeys(p.field for p in self.procedures))


def default_catalog_text() -> str:
    """The catalog shipped with the firmware, as JSON text (the gateway publishes it as it is)."""
    return resources.files("firmware").joinpath("data/catalog.json").read_text(encoding="utf-8")


def default_catalog() -> Catalog:
    return parse_catalog(default_catalog_text(), "firmware/data/catalog.json")


def load_catalog(path: str | Path) -> Catalog:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc})") from None
    return parse_catalog(text, str(path))


def parse_catalog(text: str, source: str = "<catalog>") -> Catalog:
    try:
        data = json.loads(unicodedata.normalize("NFC", text))
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{source}: not valid JSON: {exc}") from None
    reader = _Reader(source)
    root = reader.mapping(data, "catalog")
    version = reader.string(root, "version", "catalog")
    items = reader.get(root, "procedures", list, "catalog")
    procedures = tuple(_procedure(reader, item, f"procedures[{i}]") for i, item in enumerate(items))
    if not procedures:
        raise CatalogError(f"{source}: procedures: the catalog lists no procedure")
    duplicate = _first_repeated([p.code for p in procedures])
    if duplicate:
        raise CatalogError(f"{source}: procedures: the code {duplicate!r} appears twice")
    rating = _rating(reader, root["rating"]) if "rating" in root else RatingScale()
    return Catalog(version, procedures, source, rating)


def _first_repeated(codes: list[str]) -> str | None:
    """The first code seen twice, in one pass (`codes.count` for each was quadratic: 6,000 procedures took 1.7 s)."""
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            return code
        seen.add(code)
    return None


def _texts(r: _Reader, obj: dict[str, Any], key: str, where: str, low: int, high: int) -> tuple[str, ...]:
    items = r.get(obj, key, list, where)
    if not low <= len(items) <= high:
        raise r.fail(f"{where}.{key}", f"{len(items)} entries; expected {low} to {high}")
    texts = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or len(item) > 60:
            raise r.fail(f"{where}.{key}[{i}]", "expected a short text (1 to 60 characters)")
        texts.append(item.strip())
    if len(set(texts)) != len(texts):
        raise r.fail(f"{where}.{key}", "an entry appears twice")
    return tuple(texts)


def _rating(r: _Reader, item: Any) -> RatingScale:
    obj = r.mapping(item, "rating")
    levels = _texts(r, obj, "levels", "rating", 2, 5)
    criteria = []
    for i, entry in enumerate(r.get(obj, "criteria", list, "rating", [])[:6]):
        where = f"rating.criteria[{i}]"
        entry = r.mapping(entry, where)
        key = r.string(entry, "key", where)
        if not key.isascii() or not key.replace("_", "").isalnum() or len(key) > 40:
            raise r.fail(f"{where}.key", "1 to 40 of a-z, 0-9 and '_'")
        criteria.append(Criterion(key, r.string(entry, "question", where)[:200]))
    reasons = _texts(r, obj, "reasons", "rating", 0, 8) if "reasons" in obj else DEFAULT_REASONS
    return RatingScale(levels, tuple(criteria), reasons)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> CatalogError:
        return CatalogError(f"{self.source}: {where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        return value

    def get(self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
            default: Any = ...) -> Any:
        if key not in obj:
            if default is ...:
                raise self.fail(f"{where}.{key}", "missing")
            return default
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(f"{where}.{key}", f"expected {name}, got {type(value).__name__}")
        return value

    def string(self, obj: dict[str, Any], key: str, where: str, default: Any = ...) -> str:
        value = self.get(obj, key, str, where, default)
        if default is ... and not value.strip():
            raise self.fail(f"{where}.{key}", "must not be empty")
        return value


def _procedure(r: _Reader, item: Any, where: str) -> Procedure:
    obj = r.mapping(item, where)
    processing = r.mapping(r.get(obj, "processing", dict, where), f"{where}.processing")
    days = r.get(processing, "working_days", int, f"{where}.processing")
    if not 0 <= days <= 90:
        raise r.fail(f"{where}.processing.working_days", f"{days} is not within 0..90")
    fees = tuple(_fee(r, f, f"{where}.fees[{i}]") for i, f in enumerate(r.get(obj, "fees", list, where)))
    documents = tuple(_document(r, d, f"{where}.documents[{i}]")
                      for i, d in enumerate(r.get(obj, "documents", list, where)))
    form = tuple(_field(r, f, f"{where}.form[{i}]") for i, f in enumerate(r.get(obj, "form", list, where)))
    if not form:
        raise r.fail(f"{where}.form", "a procedure needs at least one form field")
    for group, kind in ((documents, "documents"), (form, "form")):
        keys = [entry.key for entry in group]
        repeated = next((k for k in keys if keys.count(k) > 1), None)
        if repeated:
            raise r.fail(f"{where}.{kind}", f"the key {repeated!r} appears twice")
    return Procedure(
        code=r.string(obj, "code", where), code_confirmed=r.get(obj, "code_confirmed", bool, where, False),
        name=r.string(obj, "name", where), field=r.string(obj, "field", where),
        summary=r.string(obj, "summary", where), keywords=tuple(r.get(obj, "keywords", list, where, [])),
        working_days=days, processing_note=r.string(processing, "note", f"{where}.processing", ""),
        processing_source=r.string(processing, "source", f"{where}.processing"),
        processing_confirmed=r.get(processing, "confirmed", bool, f"{where}.processing"),
        fees=fees, documents=documents, form=form, result=r.string(obj, "result", where))


def _document(r: _Reader, item: Any, where: str) -> Document:
    obj = r.mapping(item, where)
    pages = r.get(obj, "pages", int, where, 0)
    if not 0 <= pages <= 50:
        raise r.fail(f"{where}.pages", f"{pages} is not within 0..50")
    skip_if = []
    for key, values in r.get(obj, "skip_if", dict, where, {}).items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise r.fail(f"{where}.skip_if.{key}", "expected a list of answers")
        skip_if.append((str(key), tuple(values)))
    return Document(r.string(obj, "key", where), r.string(obj, "name", where), r.get(obj, "required", bool, where),
                    r.string(obj, "note", where, ""), pages, tuple(skip_if))


def _fee(r: _Reader, item: Any, where: str) -> Fee:
    obj = r.mapping(item, where)
    amount = r.get(obj, "amount_vnd", int, where)
    online = r.get(obj, "online_amount_vnd", int, where, amount)
    then = r.mapping(r.get(obj, "then", dict, where, {}), f"{where}.then")
    then_after = r.get(then, "after", int, f"{where}.then", 0)
    then_vnd = r.get(then, "amount_vnd", int, f"{where}.then", 0)
    cap = r.get(obj, "max_vnd", int, where, 0)
    if min(amount, online, then_after, then_vnd, cap) < 0 or max(amount, online, then_vnd, cap) > 100_000_000:
        raise r.fail(where, "a fee is a whole number of đồng from 0 to 100,000,000")
    return Fee(r.string(obj, "label", where), amount, online, r.string(obj, "source", where),
               r.get(obj, "confirmed", bool, where), r.string(obj, "per", where, ""), then_after, then_vnd, cap)


def _field(r: _Reader, item: Any, where: str) -> FormField:
    obj = r.mapping(item, where)
    kind = r.string(obj, "type", where)
    if kind not in FIELD_TYPES:
        raise r.fail(f"{where}.type", f"{kind!r} is not one of {', '.join(FIELD_TYPES)}")
    prefill, prefill_if = _prefill(r, obj, where)
    prefill_or = tuple(_prefill(r, r.mapping(alt, f"{where}.prefill_or[{i}]"), f"{where}.prefill_or[{i}]")
                       for i, alt in enumerate(r.get(obj, "prefill_or", list, where, [])))
    if prefill_or and prefill is None:
        raise r.fail(f"{where}.prefill_or", "needs a prefill to follow")
    choices = tuple(r.get(obj, "choices", list, where, []))
    if kind == "choice" and not choices:
        raise r.fail(f"{where}.choices", "a choice field needs its choices")
    return FormField(
        key=r.string(obj, "key", where), label=r.string(obj, "label", where), type=kind,
        required=r.get(obj, "required", bool, where), prefill=prefill, choices=choices,
        default=r.get(obj, "default", str, where, None), max_length=r.get(obj, "max_length", int, where, 100),
        min=r.get(obj, "min", int, where, None), max=r.get(obj, "max", int, where, None),
        not_future=r.get(obj, "not_future", bool, where, False), prefill_if=prefill_if,
        recent=r.get(obj, "recent", bool, where, False),
        prefill_or=tuple((key, conditions) for key, conditions in prefill_or if key is not None))


def _prefill(r: _Reader, obj: dict[str, Any], where: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    prefill = r.get(obj, "prefill", str, where, None)
    if prefill is not None and prefill not in PREFILLS:
        raise r.fail(f"{where}.prefill", f"{prefill!r} is not one of {', '.join(PREFILLS)}")
    conditions = r.get(obj, "prefill_if", dict, where, {})
    if not all(isinstance(value, str) for value in conditions.values()):
        raise r.fail(f"{where}.prefill_if", "each condition is an answer's text")
    return prefill, tuple(sorted(conditions.items()))
