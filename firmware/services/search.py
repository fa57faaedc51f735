"""Finding a procedure by typing: accents and case optional, a typo forgiven, best match first.

Names, fields and keywords are folded to plain ASCII (Vietnamese marks removed, đ -> d) and scored with
rapidfuzz; a query that is a prefix or a whole word of the name ranks above a merely similar one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from firmware.common.catalog import Catalog, Procedure

MIN_SCORE = 80.0


def fold(text: str) -> str:
    """'Đăng ký  Khai sinh' -> 'dang ky khai sinh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@dataclass(frozen=True)
class Hit:
    procedure: Procedure
    score: float


def coverage(query_words: list[str], text: str) -> float:
    """How well every typed word is matched by some word of `text` (0..100), each word typo-tolerant."""
    words = text.split()
    if not words:
        return 0.0
    return sum(max(fuzz.ratio(q, w) for w in words) for q in query_words) / len(query_words)


class ProcedureIndex:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._entries = [(p, fold(p.name), fold(p.field), [fold(k) for k in p.keywords]) for p in catalog.procedures]

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        wanted = fold(query)
        if not wanted:
            return []
        words = wanted.split()
        hits = []
        for procedure, name, field, keywords in self._entries:
            score = max(coverage(words, name), coverage(words, field) * 0.9,
                        *(coverage(words, k) * 0.95 for k in keywords))
            if len(wanted) >= 5:  # typed without spaces on the keyboard: "kethon"
                score = max(score, fuzz.partial_ratio(wanted.replace(" ", ""), name.replace(" ", "")) * 0.9)
            if f" {name} ".find(f" {wanted}") >= 0:
                score += 10  # the typed words begin a word of the name, in order
            if score >= MIN_SCORE:
                hits.append(Hit(procedure, round(score, 1)))
        hits.sort(key=lambda h: (-h.score, h.procedure.name))
        return hits[:limit]
