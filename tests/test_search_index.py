"""The search index finds exactly what scoring every procedure finds, on the shipped catalog and a province's."""

from __future__ import annotations

import json
import random

import pytest

from firmware.common.catalog import default_catalog, default_catalog_text, parse_catalog
from firmware.services.search import ProcedureIndex, fold

PLACES = ("cho công dân", "tại cấp xã", "có yếu tố nước ngoài", "lưu động", "kết hợp", "lại", "theo yêu cầu")
FIELDS = ("Hộ tịch", "Cư trú", "Chứng thực", "Đất đai", "Xây dựng", "Lao động", "Bảo trợ xã hội", "Giáo dục")


def province_catalog(count: int) -> ProcedureIndex:
    root = json.loads(default_catalog_text())
    shipped = root["procedures"]
    procedures = list(shipped)
    for number in range(len(shipped), count):
        copy = dict(shipped[number % len(shipped)], code=f"9.{number:06d}", field=FIELDS[number % len(FIELDS)])
        copy["name"] = f"{copy['name']} {PLACES[number % len(PLACES)]} số {number}"
        procedures.append(copy)
    root["procedures"] = procedures
    return ProcedureIndex(parse_catalog(json.dumps(root, ensure_ascii=False)))


def queries(index: ProcedureIndex, rng: random.Random) -> list[str]:
    """What citizens type: whole names, their first letters, words with a letter dropped or doubled, sound-alike
    spellings, words run together, and words of no procedure."""
    typed = ["khai sinh", "dang ky", "tam chu", "kethon", "chung thuc ban sao", "xyz", "giam ho", "ho tich",
             "dang ki thuong chu", "ban sao trich luc", "so 1234", "nuoc ngoai", "a", "dk"]
    names = [fold(p.name) for p in index.catalog.procedures]
    for _ in range(60):
        name = rng.choice(names)
        cut = name[: rng.randint(1, len(name))]
        words = name.split()
        word = rng.choice(words)
        dropped = word[: len(word) // 2] + word[len(word) // 2 + 1:] if len(word) > 2 else word
        typed += [cut, dropped, word + word[-1], "".join(words[:2]), " ".join(rng.sample(words, min(2, len(words))))]
    return typed


@pytest.mark.parametrize("count", [0, 600])
def test_search_equals_scoring_every_procedure(count: int) -> None:
    index = ProcedureIndex(default_catalog()) if count == 0 else province_catalog(count)
    rng = random.Random(count)
    found_any = 0
    for query in queries(index, rng):
        expected = index.scan(query)
        assert index.search(query) == expected, query
        found_any += bool(expected)
    assert found_any > 50, "hardly any query found anything: the comparison proves nothing"


def test_typing_key_by_key_equals_scoring_every_prefix() -> None:
    """Each keystroke reuses the last one's word matches: every prefix, a deleted letter and the same query again
    must still find what scoring every procedure finds."""
    index = province_catalog(300)
    names = [fold(p.name) for p in index.catalog.procedures]
    rng = random.Random(7)
    for name in rng.sample(names, 5) + ["dang ky tam tru", "tam tam tru"]:
        typed = [name[:n] for n in range(1, len(name) + 1)]
        typed += [name[:-1], name, name, name + " x", name]  # a letter rubbed out, typed again, one word more
        for query in typed:
            assert index.search(query) == index.scan(query), query


def test_scores_are_rounded_as_python_rounds_them() -> None:
    """numpy rounds the scaled value, Python the exact decimal one: on a half they differ (0.15 -> 0.2 and 0.1)."""
    import numpy as np

    from firmware.services.search import rounded

    values = [0.15, 0.25, 0.35, 2.675, 88.35, 93 * 0.95, 110.0, 73.33333333333333, 85.75, 99.95] * 3
    assert rounded(np.array(values)).tolist() == [round(v, 1) for v in values]
    assert np.round(np.array(values), 1).tolist() != [round(v, 1) for v in values]  # why it is needed
