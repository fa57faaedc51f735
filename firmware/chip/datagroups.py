"""The data groups a Vietnamese ID card's chip holds, parsed by their schemas:

- DG1 `61 { 5F1F MRZ }`: the TD1 MRZ (firmware/chip/mrz.py);
- DG2 `75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E ISO/IEC 19794-5 face record } } }`: the face, JPEG 2000;
- DG13 `6D { SEQUENCE OF Field }`, `Field ::= SEQUENCE { number INTEGER, value ANY DEFINED BY number }`: the
  Vietnamese data group (numbers in `DG13_FIELDS`; 13 holds the parents' names, 14 the spouse's);
- EF.SOD `77 { ContentInfo }`: firmware/chip/passive_auth.py.

Every parser raises CardError("data") on bytes that do not fit, never IndexError or an asn1crypto exception.
"""

from __future__ import annotations

import io
import struct
from datetime import date
from typing import Any

from asn1crypto import core

from firmware.chip.apdu import CardError, children, read_tlv, tlv
from firmware.chip.mrz import Td1, parse_td1

FILES = {"com": 0x011E, "dg1": 0x0101, "dg2": 0x0102, "dg13": 0x010D, "sod": 0x011D}
DG_TAGS = {1: 0x61, 2: 0x75, 13: 0x6D}
DG13_FIELDS = {1: "id_number", 2: "full_name", 3: "date_of_birth", 4: "sex", 5: "nationality", 6: "ethnicity",
               7: "religion", 8: "place_of_origin", 9: "address", 10: "identifying_marks", 11: "issue_date",
               12: "expiry_date", 13: "parents", 14: "spouse_name", 16: "old_id"}
DATES = ("date_of_birth", "issue_date", "expiry_date")


class Text(core.Choice):
    _alternatives = [("utf8", core.UTF8String), ("printable", core.PrintableString)]


class Parents(core.Sequence):
    _fields = [("father", Text, {"optional": True}), ("mother", Text, {"optional": True})]


class Field(core.Sequence):
    _fields = [("number", core.Integer), ("value", core.Any)]


class Fields(core.SequenceOf):
    _child_spec = Field


def unwrap(data: bytes, tag: int) -> bytes:
    try:
        found, value, _end = read_tlv(data)
    except ValueError as exc:
        raise CardError("data", f"a data group that is not TLV ({exc})") from None
    if found != tag:
        raise CardError("data", f"expected tag {tag:X}, found {found:X}")
    return value


def parse_dg1(data: bytes) -> Td1:
    try:
        mrz = children(unwrap(data, 0x61)).get(0x5F1F)
        if mrz is None:
            raise ValueError("no MRZ in DG1")
        return parse_td1(mrz.decode("ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CardError("data", f"DG1: {exc}") from None


def face_image(data: bytes) -> bytes:
    """The image bytes of DG2's first face (ISO/IEC 19794-5: record header, face header, feature points,
    image information, then the image)."""
    try:
        group = children(unwrap(data, 0x75))[0x7F61]
        template = children(group)[0x7F60]
        parts = children(template)
        record = parts.get(0x5F2E) or parts[0x7F2E]
        if record[:4] != b"FAC\x00":
            raise ValueError("not a face record")
        at = 14  # format id, version, record length (4), number of faces (2)
        _block, points = struct.unpack(">IH", record[at:at + 6])
        at += 20 + 8 * points + 12
        image = record[at:]
        if not image:
            raise ValueError("no image")
        return image
    except (KeyError, ValueError, struct.error) as exc:
        raise CardError("data", f"DG2: {exc}") from None


def decode_face(image: bytes) -> Any:
    """The face as a Pillow image (JPEG 2000 through OpenJPEG), or CardError("data")."""
    from PIL import Image

    try:
        face = Image.open(io.BytesIO(image))
        face.load()
    except Exception as exc:  # Pillow raises many kinds on a broken image
        raise CardError("data", f"DG2: the face does not decode ({type(exc).__name__})") from None
    return face


def _text(value: core.Any) -> str:
    return str(value.parse(Text).native).strip()


def _day(text: str) -> date | None:
    try:
        d, m, y = (int(p) for p in text.split("/"))
        return date(y, m, d)
    except ValueError:
        return None  # "Không thời hạn" (for life) or unreadable


def parse_dg13(data: bytes) -> dict[str, Any]:
    """The Vietnamese data group as the kiosk's identity keys; numbers it does not know are skipped."""
    try:
        fields = Fields.load(unwrap(data, 0x6D), strict=True)
        out: dict[str, Any] = {}
        for item in fields:
            name = DG13_FIELDS.get(int(item["number"].native))
            if name == "parents":
                parents = item["value"].parse(Parents)
                for role in ("father", "mother"):
                    if parents[role].native is not None:
                        out[f"{role}_name"] = str(parents[role].native).strip()
            elif name in DATES:
                out[name] = _day(_text(item["value"]))
            elif name:
                out[name] = _text(item["value"])
        return out
    except CardError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError and its own on malformed DER
        raise CardError("data", f"DG13: {type(exc).__name__}: {exc}"[:200]) from None


def build_dg13(values: dict[str, Any]) -> bytes:
    """The issuer's side (virtual cards, tests): DG13 from identity keys."""
    numbers = {name: number for number, name in DG13_FIELDS.items()}
    items = []
    for name, value in values.items():
        if name in ("father_name", "mother_name"):
            continue
        if name in numbers and value is not None:
            shown = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
            items.append(Field({"number": numbers[name], "value": core.UTF8String(shown)}))
    if values.get("father_name") or values.get("mother_name"):
        parents = Parents({role: Text(name="utf8", value=values[f"{role}_name"])
                           for role in ("father", "mother") if values.get(f"{role}_name")})
        items.append(Field({"number": 13, "value": parents}))
    items.sort(key=lambda f: int(f["number"].native))
    return tlv(0x6D, Fields(items).dump())
