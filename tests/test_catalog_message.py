"""The province's catalog on the wire: compressed, in parts that fit a message, checked by hash and size."""

from __future__ import annotations

import json
import random
import zlib

import msgpack
import pytest

from firmware.common import catalog_message
from firmware.common.catalog import default_catalog_text, parse_catalog
from firmware.common.catalog_message import CatalogMessageError, pack, unpack
from firmware.common.protocol import MAX_MESSAGE_BYTES

SYLLABLES = ("đăng", "ký", "cấp", "giấy", "phép", "xác", "nhận", "hộ", "tịch", "cư", "trú", "đất", "đai", "xây",
             "dựng", "lao", "động", "bảo", "trợ", "xã", "hội", "giáo", "dục", "y", "tế", "kinh", "doanh", "văn",
             "hóa", "nông", "nghiệp", "thủy", "sản", "rừng", "môi", "trường", "tài", "nguyên", "thuế", "phí")


def province(count: int) -> str:
    """A catalog of `count` procedures, each with its own code, name and a summary of its own words, so that it
    compresses about as a real one (a copy of the same text ten thousand times would fit any message)."""
    root = json.loads(default_catalog_text())
    shipped = root["procedures"]
    procedures = []
    for number in range(count):
        rng = random.Random(number)
        copy = dict(shipped[number % len(shipped)], code=f"9.{number:06d}")
        copy["name"] = f"{copy['name']} {' '.join(rng.choices(SYLLABLES, k=6))} {number}"
        copy["summary"] = " ".join(rng.choices(SYLLABLES, k=300)) + "."
        procedures.append(copy)
    root["procedures"] = procedures
    return json.dumps(root, ensure_ascii=False)


def test_a_catalog_of_6000_procedures_fits_the_protocol_and_comes_back_whole() -> None:
    text = province(6000)
    assert len(text.encode()) > 5 * MAX_MESSAGE_BYTES  # it would not fit one message
    index, parts = pack(text)
    assert len(parts) >= 2 and all(len(p) <= MAX_MESSAGE_BYTES for p in parts) and len(index) < 64 * 1024
    catalog = unpack(index, dict(enumerate(parts)))
    assert catalog == json.loads(text)
    assert len(parse_catalog(json.dumps(catalog)).procedures) == 6000


def test_a_part_missing_or_left_from_an_older_catalog_is_waited_for() -> None:
    index, parts = pack(province(6000))
    with pytest.raises(CatalogMessageError, match="part 1 .* not here yet"):
        unpack(index, {0: parts[0]})
    _, older = pack(province(5000))
    with pytest.raises(CatalogMessageError, match="not here yet"):
        unpack(index, {0: parts[0], **{n: p for n, p in enumerate(older) if n}})


@pytest.mark.parametrize("bad", [b"", b"\xc1", msgpack.packb([1, 2]), msgpack.packb({"version": "x"}),
                                 msgpack.packb({"version": "x", "encoding": "gzip", "bytes": 1, "parts": []}),
                                 b"\x00" * 70_000])
def test_a_malformed_index_is_refused_with_a_reason(bad: bytes) -> None:
    with pytest.raises(CatalogMessageError):
        unpack(bad, {})


def test_a_part_that_inflates_past_what_its_index_says_is_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * 50_000_000 + b"}", 9)
    index = msgpack.packb({"version": "x", "encoding": "zlib", "bytes": 1000,
                           "parts": [{"sha256": __import__("hashlib").sha256(bomb).hexdigest(),
                                      "bytes": len(bomb)}]})
    with pytest.raises(CatalogMessageError, match="not the 1,000 bytes"):
        unpack(index, {0: bomb})


def test_the_gateway_refuses_at_start_a_catalog_too_big_to_send(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_message, "MAX_PARTS", 1)
    with pytest.raises(CatalogMessageError, match="parts; at most 1"):
        pack(province(6000))


def test_no_bytes_make_the_reader_raise_anything_but_its_own_error() -> None:
    rng = random.Random(5)
    index, parts = pack(province(50))
    for _ in range(2000):
        size = rng.randint(0, 300)
        noise = bytes(rng.randrange(256) for _ in range(size))
        cut = bytearray(index)
        if cut:
            cut[rng.randrange(len(cut))] = rng.randrange(256)
        for payload in (noise, bytes(cut)):
            try:
                unpack(payload, dict(enumerate(parts)))
            except CatalogMessageError:
                pass
