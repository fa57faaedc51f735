"""Finding a procedure by typing: accents and case optional, a typo forgiven, best match first.

Names, fields and keywords are folded to plain ASCII (Vietnamese marks removed, đ -> d) and scored with
rapidfuzz; a query that is a prefix or a whole word of the name ranks above a merely similar one. Before the
fuzzy score, words are also compared by how they sound, so the spelling slips of northern and southern speech
match: tr/ch, s/x, d/gi/r/v, l/n, i/y, final n/ng/nh and t/c/ch, doubled letters ("tam chu" finds tạm trú).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

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


# What each text's coverage counts for: the name in full, the rest a little less (how it is spelled before how it
# sounds). A hit needs MIN_SCORE, of which the prefix bonus can give PREFIX_BONUS.
NAME, FIELD, KEYWORD, NAME_SOUND, KEYWORD_SOUND = 1.0, 0.9, 0.95, 0.97, 0.93
PREFIX_BONUS = 10.0
JOINED_FACTOR = 0.9
RUN_TOGETHER = 5
JOINED_CUT = (MIN_SCORE - PREFIX_BONUS) / JOINED_FACTOR - 0.01


def run_together(words: list[str]) -> bool:
    """Whether a typed word may be syllables typed without spaces ("kethon", "khaisinh"), so that the query is
    also compared with the name's letters run together. A query whose words are all shorter was typed with its
    spaces, and each of its words is matched on its own ("dang ky tam tru")."""
    return max(map(len, words)) >= RUN_TOGETHER


@dataclass
class Texts:
    """Every distinct text as its run of vocabulary numbers (all the runs end to end, and where each starts),
    and each procedure's texts with the factor its coverage counts for."""

    flat: Any  # numpy int array: the texts' words, one text after another (a text with none: the padding word)
    starts: Any  # numpy int array: where each text's words start in `flat`
    empty: Any  # numpy bool array: the texts with no word (coverage 0)
    texts: Any  # numpy int array: (n-th text, procedure) -> text number; one row per place, so that the best of a
    factors: Any  # procedure's texts is a maximum over a few long rows (4x faster than over 2,000 short ones)

    @classmethod
    def of(cls, per_procedure: list[list[tuple[str, float]]], vocabulary: list[str]) -> Texts:
        """`per_procedure`: each procedure's (folded text, factor) pairs."""
        import numpy as np

        number = {word: at for at, word in enumerate(vocabulary)}
        rows: dict[str, int] = {}
        for text, _f in (pair for pairs in per_procedure for pair in pairs):
            rows.setdefault(text, len(rows))
        flat: list[int] = []
        starts, empty = [], []
        for text in rows:  # in row order: dicts keep it
            starts.append(len(flat))
            parts = [number[w] for w in text.split()]
            empty.append(not parts)
            flat += parts or [len(vocabulary)]
        most = max(len(pairs) for pairs in per_procedure) if per_procedure else 1
        texts = np.zeros((most, len(per_procedure)), dtype=np.int32)
        factors = np.zeros((most, len(per_procedure)))  # 0 where a procedure has fewer texts
        for at, pairs in enumerate(per_procedure):
            texts[:len(pairs), at] = [rows[t] for t, _f in pairs]
            factors[:len(pairs), at] = [f for _t, f in pairs]
        return cls(np.array(flat, dtype=np.int32), np.array(starts, dtype=np.int64), np.array(empty, dtype=bool),
                   texts, factors)

    def scores(self, typed: list[str], vocabulary: list[str], known: dict[str, Any]) -> Any:
        """Each procedure's best coverage times its factor, for these typed words. `known` holds each word's
        best match in every text from the last keystroke (typing changes only the last word): it is reused,
        and left holding this keystroke's words."""
        import numpy as np

        new = [word for word in dict.fromkeys(typed) if word not in known]
        covers = {word: known[word] for word in typed if word in known}
        if new:
            ratios = np.zeros((len(new), len(vocabulary) + 1))
            ratios[:, :-1] = process.cdist(new, vocabulary, scorer=fuzz.ratio, dtype=np.float64)
            for word, row in zip(new, ratios, strict=True):  # its best match in every text, in one pass
                covers[word] = np.maximum.reduceat(row[self.flat], self.starts)
        known.clear()
        known.update(covers)
        cover = np.zeros(len(self.starts))
        for word in typed:  # in the order typed, as `scan` adds them
            cover += covers[word]
        cover /= len(typed)
        cover[self.empty] = 0.0
        return (cover[self.texts] * self.factors).max(axis=0)


class Prefixes:
    """Where a word of each name begins, sorted by what follows it: the names that some typed words begin, in
    order (the prefix bonus), are one run of that order, found by bisection."""

    def __init__(self, spaced: list[str]) -> None:
        import numpy as np

        starts = [(number, at) for number, text in enumerate(spaced) for at, c in enumerate(text) if c == " "]
        starts.sort(key=lambda start: spaced[start[0]][start[1]:])
        self._spaced = spaced
        self._owner = np.array([number for number, _at in starts], dtype=np.int32)
        self._at = [at for _number, at in starts]

    def __len__(self) -> int:
        return len(self._at)

    def __getitem__(self, place: int) -> str:
        return self._spaced[int(self._owner[place])][self._at[place]:]

    def bonus(self, typed: str, procedures: int) -> Any:
        """PREFIX_BONUS for each procedure whose name has `typed` (with its leading space) at a word's start."""
        import numpy as np

        first = bisect.bisect_left(self, typed)
        past = bisect.bisect_left(self, typed + "\U0010ffff", first)
        bonus = np.zeros(procedures)
        bonus[self._owner[first:past]] = PREFIX_BONUS
        return bonus


def rounded(scores: Any) -> Any:
    """`round(score, 1)` of each score, as Python rounds (the exact decimal value): numpy's rounding of the scaled
    value differs where a score sits on a half, and there Python's is taken."""
    import numpy as np

    tenths = np.round(scores, 1)
    halves = np.flatnonzero(np.abs(np.abs(scores * 10) % 1 - 0.5) < 1e-6)
    if len(halves):  # many procedures share a score: each value is rounded once
        values, where = np.unique(scores[halves], return_inverse=True)
        tenths[halves] = np.array([round(value, 1) for value in values.tolist()])[where]
    return tenths


@dataclass
class Tables:
    plain: Texts
    said: Texts
    name_rank: Any  # numpy int array: procedure -> its place in (name, number) order, the list's tie-break
    prefixes: Prefixes


class ProcedureIndex:
    """The folded texts of every procedure, and their words as numbers into the catalog's vocabulary: a keystroke
    compares the typed words once with the vocabulary (a few thousand words, in rapidfuzz's C loop), then scores
    every procedure at once from those ratios with numpy, as `scan` scores them one by one."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._entries = [(p, fold(p.name), fold(p.field), [fold(k) for k in p.keywords]) for p in catalog.procedures]
        self._sounds = [(sounds(name), [sounds(k) for k in keywords]) for _p, name, _f, keywords in self._entries]
        plain, said = {}, {}  # the vocabulary, in order of first use
        for (_p, name, field, keywords), (name_sound, keyword_sounds) in zip(self._entries, self._sounds,
                                                                              strict=True):
            plain.update(dict.fromkeys(f"{name} {field} {' '.join(keywords)}".split()))
            said.update(dict.fromkeys(f"{name_sound} {' '.join(keyword_sounds)}".split()))
        self._vocabulary, self._sound_vocabulary = list(plain), list(said)
        self._joined = [name.replace(" ", "") for _p, name, _f, _k in self._entries]
        self._spaced = [f" {name} " for _p, name, _f, _k in self._entries]  # for the prefix bonus
        self._built: Tables | None = None  # made on the first search, not at start
        self._plain_covers: dict[str, Any] = {}  # the last keystroke's words' matches (Texts.scores)
        self._said_covers: dict[str, Any] = {}

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        """The best `limit` hits, as `scan` finds them: every procedure's score at once (numpy, over the typed
        words' ratios to the vocabulary, computed once in rapidfuzz's C loop)."""
        import numpy as np  # here: numpy is loaded by the camera's decoder anyway, after the first frame

        wanted = fold(query)
        if not wanted:
            return []
        words, heard = wanted.split(), sounds(wanted).split()
        tables = self._tables()
        estimate = np.maximum(tables.plain.scores(words, self._vocabulary, self._plain_covers),
                              tables.said.scores(heard, self._sound_vocabulary, self._said_covers))
        if run_together(words):
            joined = np.zeros(len(self._entries))
            for _name, score, number in process.extract(wanted.replace(" ", ""), self._joined,
                                                        scorer=fuzz.partial_ratio, score_cutoff=JOINED_CUT,
                                                        limit=None):
                joined[number] = score * JOINED_FACTOR
            estimate = np.maximum(estimate, joined)
        total = estimate + tables.prefixes.bonus(f" {wanted}", len(self._entries))
        hits = np.flatnonzero(total >= MIN_SCORE)
        scores = rounded(total[hits])
        order = np.lexsort((tables.name_rank[hits], -scores))[:limit]  # as `scan` sorts: score, then name
        return [Hit(self._entries[number][0], score)
                for number, score in zip(hits[order].tolist(), scores[order].tolist(), strict=True)]

    def _tables(self) -> Tables:
        import numpy as np

        if self._built is None:
            plain = Texts.of([[(name, NAME), (field, FIELD), *((k, KEYWORD) for k in keywords)]
                              for _p, name, field, keywords in self._entries], self._vocabulary)
            said = Texts.of([[(name_sound, NAME_SOUND), *((k, KEYWORD_SOUND) for k in keyword_sounds)]
                             for name_sound, keyword_sounds in self._sounds], self._sound_vocabulary)
            order = sorted(range(len(self._entries)), key=lambda n: (self._entries[n][0].name, n))
            name_rank = np.empty(len(order), dtype=np.int64)
            name_rank[order] = np.arange(len(order))
            self._built = Tables(plain, said, name_rank, Prefixes(self._spaced))
        return self._built

    def _finish(self, number: int, procedure: Procedure, name: str, wanted: str, score: float) -> Hit | None:
        """The joined-up and prefix parts of the score, and whether it is a hit."""
        if run_together(wanted.split()):
            score = max(score, fuzz.partial_ratio(wanted.replace(" ", ""), self._joined[number]) * JOINED_FACTOR)
        if f" {name} ".find(f" {wanted}") >= 0:
            score += PREFIX_BONUS  # the typed words begin a word of the name, in order
        return Hit(procedure, round(score, 1)) if score >= MIN_SCORE else None

    def _score(self, number: int, wanted: str, words: list[str], heard: list[str]) -> Hit | None:
        procedure, name, field, keywords = self._entries[number]
        name_sound, keyword_sounds = self._sounds[number]
        score = max(coverage(words, name) * NAME, coverage(words, field) * FIELD,
                    *(coverage(words, k) * KEYWORD for k in keywords),
                    coverage(heard, name_sound) * NAME_SOUND,
                    *(coverage(heard, k) * KEYWORD_SOUND for k in keyword_sounds))
        return self._finish(number, procedure, name, wanted, score)

    def scan(self, query: str, limit: int = 8) -> list[Hit]:
        """Every procedure scored (what `search` must equal; kept for the test that says so)."""
        wanted = fold(query)
        if not wanted:
            return []
        words, heard = wanted.split(), sounds(wanted).split()
        hits = [hit for number in range(len(self._entries))
                if (hit := self._score(number, wanted, words, heard)) is not None]
        hits.sort(key=lambda h: (-h.score, h.procedure.name))
        return hits[:limit]
