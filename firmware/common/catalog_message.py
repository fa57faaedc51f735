"""The province's catalog on the wire: its JSON compressed (zlib) and cut into retained parts that each fit a
message, under an index that names them by hash.

A province's catalog of 6,000 procedures is about 15 MB of JSON; one MQTT message may be 1.5 MB
(`MAX_MESSAGE_BYTES`). The gateway publishes `{root}/catalog/{n}` for every part first, then the index on
`{root}/catalog` (all retained), so a reader that has an index has, or will have, the parts it names; a part
whose hash differs (an older part still retained) is waited for, not taken.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from typing import Any

import msgpack

from firmware.common import schema

PART_BYTES = 1_000_000  # compressed bytes a part carries (under MAX_MESSAGE_BYTES with room to spare)
MAX_PARTS = 64
MAX_CATALOG_BYTES = 64 * 2**20  # the JSON, uncompressed: more is refused, not inflated (a zip bomb)
SHA256 = schema.text(64, r"[0-9a-f]{64}", "64 hex digits")
INDEX = schema.mapping({
    "version": schema.text(64), "encoding": schema.choice("zlib"), "bytes": schema.integer(1, MAX_CATALOG_BYTES),
    "parts": schema.sequence(schema.mapping({"sha256": SHA256, "bytes": schema.integer(1, PART_BYTES)},
                                            required=("sha256", "bytes")), MAX_PARTS),
}, required=("version", "encoding", "bytes", "parts"))


class CatalogMessageError(ValueError):
    """A catalog message that cannot be used (malformed, a part missing or changed, too big)."""


def pack(catalog_text: str) -> tuple[bytes, list[bytes]]:
    """The index message and the parts for a catalog's JSON text (raises CatalogMessageError when too big)."""
    raw = catalog_text.encode("utf-8")
    if len(raw) > MAX_CATALOG_BYTES:
        raise CatalogMessageError(f"the catalog is {len(raw):,} bytes of JSON; at most {MAX_CATALOG_BYTES:,}")
    packed = zlib.compress(raw, 9)
    parts = [packed[at:at + PART_BYTES] for at in range(0, len(packed), PART_BYTES)]
    if len(parts) > MAX_PARTS:
        raise CatalogMessageError(f"the catalog needs {len(parts)} parts; at most {MAX_PARTS}")
    version = json.loads(catalog_text).get("version")
    index = {"version": str(version), "encoding": "zlib", "bytes": len(raw),
             "parts": [{"sha256": hashlib.sha256(p).hexdigest(), "bytes": len(p)} for p in parts]}
    return msgpack.packb(index, use_bin_type=True), parts


def read_index(payload: bytes) -> dict[str, Any]:
    if len(payload) > 64 * 1024:
        raise CatalogMessageError(f"a catalog index of {len(payload):,} bytes")
    try:
        index = msgpack.unpackb(payload, raw=False)
        INDEX(index, "catalog")
    except (ValueError, TypeError, msgpack.UnpackException, schema.Invalid) as exc:
        raise CatalogMessageError(f"a malformed catalog index: {exc}") from None
    return dict(index)


def unpack(index_payload: bytes, parts: Mapping[int, bytes]) -> dict[str, Any]:
    """The catalog (parsed JSON) from its index and the parts received so far; CatalogMessageError names what
    is missing or wrong."""
    index = read_index(index_payload)
    chunks = []
    for number, named in enumerate(index["parts"]):
        part = parts.get(number)
        if part is None or hashlib.sha256(part).hexdigest() != named["sha256"]:
            raise CatalogMessageError(f"part {number} of catalog {index['version']} is not here yet")
        chunks.append(part)
    inflate = zlib.decompressobj()
    try:
        raw = inflate.decompress(b"".join(chunks), index["bytes"] + 1)
    except zlib.error as exc:
        raise CatalogMessageError(f"catalog {index['version']} does not inflate: {exc}") from None
    if len(raw) != index["bytes"] or not inflate.eof:
        raise CatalogMessageError(f"catalog {index['version']} is not the {index['bytes']:,} bytes its index says")
    try:
        catalog = json.loads(raw)
    except ValueError as exc:
        raise CatalogMessageError(f"catalog {index['version']} is not JSON: {exc}") from None
    if not isinstance(catalog, dict):
        raise CatalogMessageError(f"catalog {index['version']} is not a JSON object")
    return catalog
