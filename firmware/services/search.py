"""Finding a procedure by typing: accents and case optional, a typo forgiven, best match first.

Names, fields and keywords are folded to plain ASCII (Vietnamese marks removed, đ -> d) and scored with
rapidfuzz; a query that is a prefix or a whole word of the name ranks above a merely similar one. Before the
fuzzy score, words are also compared by how they sound, so the spelling slips of northern and southern speech
match: tr/ch, s/x, d/gi/r/v, l/n, i/y, final n/ng/nh and t/c/ch, doubled letters ("tam chu" finds tạm trú).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from firmware.common.catalog import Catalog, Procedure
from firmware.common.marks import without_marks

MIN_SCORE = 80.0


def fold(text: str) -> str:
    """'Đăng ký  Khai sinh' -> 'dang ky khai sinh'."""
    plain = without_marks(text).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


# Initial consonants that sound alike in one region or another, longest first; then finals.
INITIALS = (("ngh", "ng"), ("gh", "g"), ("gi", "d"), ("tr", "ch"), ("r", "d"), ("v", "d"), ("s", "x"),
            ("l", "n"), ("k", "c"), ("q", "c"))
FINALS = (("nh", "n"), ("ng", "n"), ("ch", "t"), ("c", "t"))
DOUBLED = re.compile(r"(.)\1+")


def sound(word: str) -> str:
    """A folded word reduced to how it sounds across regions: 'trus' and 'chu' both -> 'chu'."""
    word = DOUBLED.sub(r"\1", word.replace("y", "i"))
    for spelled, said in INITIALS:
        if word.startswith(spelled) and len(word) > len(spelled):
            word = said + word[len(spelled):]
            break
    for spelled, said in FINALS:
        if word.endswith(spelled) and len(word) > len(spelled):
            word = word[: -len(spelled)] + said
            break
    return word


def sounds(text: str) -> str:
    return " ".join(sound(word) for word in text.split())


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
        self._sounds = [(sounds(name), [sounds(k) for k in keywords]) for _p, name, _f, keywords in self._entries]

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        wanted = fold(query)
        if not wanted:
            return []
        words = wanted.split()
        heard = sounds(wanted).split()
        hits = []
        for (procedure, name, field, keywords), (name_sound, keyword_sounds) in zip(self._entries, self._sounds,
                                                                                    strict=True):
            score = max(coverage(words, name), coverage(words, field) * 0.9,
                        *(coverage(words, k) * 0.95 for k in keywords),
                        coverage(heard, name_sound) * 0.97, *(coverage(heard, k) * 0.93 for k in keyword_sounds))
            if len(wanted) >= 5:  # typed without spaces on the keyboard: "kethon"
                score = max(score, fuzz.partial_ratio(wanted.replace(" ", ""), name.replace(" ", "")) * 0.9)
            if f" {name} ".find(f" {wanted}") >= 0:
                score += 10  # the typed words begin a word of the name, in order
            if score >= MIN_SCORE:
                hits.append(Hit(procedure, round(score, 1)))
        hits.sort(key=lambda h: (-h.score, h.procedure.name))
        return hits[:limit]
