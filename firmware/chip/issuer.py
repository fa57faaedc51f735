"""The issuer's side, for the simulator's virtual cards and the tests: a card's files (EF.COM, DG1, DG2, DG13)
and an EF.SOD signed by a Document Signer under a CSCA, made here with `cryptography` and `asn1crypto`.
Nothing on a kiosk calls this outside `motcua sim` and the tests."""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from firmware.chip.apdu import tlv
from firmware.chip.datagroups import FILES, build_dg13
from firmware.chip.mrz import BacKey, make_td1
from firmware.chip.pace import PaceInfo, card_access
from firmware.chip.passive_auth import LDS_SECURITY_OBJECT, DataGroupHash, DataGroupHashes, LdsSecurityObject
from firmware.common.marks import without_marks


@dataclass
class Signer:
    csca: x509.Certificate
    ds: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey

    def csca_pem(self) -> bytes:
        return self.csca.public_bytes(serialization.Encoding.PEM)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_signer(name: str = "CSCA Viet Nam (test)", ds_from: datetime | None = None,
                ds_days: int = 3650) -> Signer:
    """A test CSCA and a Document Signer it issued (valid from `ds_from` for `ds_days`)."""
    now = datetime.now(UTC)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
            .public_key(csca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=3650)).not_valid_after(now + timedelta(days=7300))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(csca_key, hashes.SHA256()))
    ds_key = ec.generate_private_key(ec.SECP256R1())
    start = ds_from or now - timedelta(days=30)
    ds = (x509.CertificateBuilder().subject_name(_name("Document Signer (test)")).issuer_name(csca.subject)
          .public_key(ds_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(start + timedelta(days=ds_days))
          .sign(csca_key, hashes.SHA256()))
    return Signer(csca, ds, ds_key)


def face_dg2(size: tuple[int, int] = (120, 160)) -> bytes:
    """DG2 with a small grey face placeholder encoded as JPEG 2000 (ISO/IEC 19794-5 record)."""
    from PIL import Image, ImageDraw

    face = Image.new("L", size, 200)
    ImageDraw.Draw(face).ellipse((20, 20, size[0] - 20, size[1] - 30), fill=120)
    buffer = io.BytesIO()
    face.save(buffer, "JPEG2000")
    image = buffer.getvalue()
    facial = struct.pack(">IHBBB3sH3s3s", 20 + 12 + len(image), 0, 0, 0, 0, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")
    info = struct.pack(">BBHHBBHH", 1, 1, size[0], size[1], 1, 2, 0, 0)
    record = b"FAC\x00010\x00" + struct.pack(">IH", 14 + len(facial) + len(info) + len(image), 1)
    record += facial + info + image
    template = tlv(0x7F60, tlv(0xA1, tlv(0x80, b"\x01\x01")) + tlv(0x5F2E, record))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + template))


def sign_sod(groups: dict[int, bytes], signer: Signer) -> bytes:
    lds = LdsSecurityObject({
        "version": 0, "hash_algorithm": {"algorithm": "sha256"},
        "hashes": DataGroupHashes([DataGroupHash({"number": n, "hash": hashlib.sha256(d).digest()})
                                   for n, d in sorted(groups.items())]),
    }).dump()
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [LDS_SECURITY_OBJECT]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(lds).digest()]}),
    ])
    signature = signer.ds_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    ds = asn1_x509.Certificate.load(signer.ds.public_bytes(serialization.Encoding.DER))
    info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": ds.issuer, "serial_number": ds.serial_number})}),
        "digest_algorithm": {"algorithm": "sha256"}, "signed_attrs": attrs,
        "signature_algorithm": {"algorithm": "sha256_ecdsa"}, "signature": signature,
    })
    signed = cms.SignedData({
        "version": "v3", "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT, "content": lds},
        "certificates": [ds], "signer_infos": [info],
    })
    return tlv(0x77, cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


@dataclass
class CardData:
    """A virtual card: its files by file id and the MRZ values its BAC key comes from."""

    files: dict[int, bytes]
    key: BacKey
    card_access: bytes = b""  # EF.CardAccess, in the master file: the card offers PACE (b"": BAC only)


def make_card(person: dict[str, Any], signer: Signer, issued: date, expiry: date | None,
              pace_offer: Sequence[PaceInfo] = ()) -> CardData:
    """A card for `person` (identity keys: id_number, full_name, date_of_birth, sex, address, and any DG13 key);
    with `pace_offer`, its EF.CardAccess offers PACE (and it still answers BAC)."""
    name = without_marks(str(person["full_name"])).upper().split()
    mrz = make_td1(str(person["id_number"]), person["date_of_birth"], str(person["sex"]), expiry, name[0],
                   " ".join(name[1:]))
    dg1 = tlv(0x61, tlv(0x5F1F, mrz.encode("ascii")))
    dg13 = build_dg13({"nationality": "Việt Nam", **person, "issue_date": issued,
                       "expiry_date": expiry or "Không thời hạn"})
    groups = {1: dg1, 2: face_dg2(), 13: dg13}
    com = tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, bytes((0x61, 0x75, 0x6D))))
    files = {FILES["com"]: com, FILES["dg1"]: dg1, FILES["dg2"]: groups[2], FILES["dg13"]: dg13,
             FILES["sod"]: sign_sod(groups, signer)}
    return CardData(files, BacKey.for_card(str(person["id_number"]), person["date_of_birth"], expiry),
                    card_access(list(pace_offer)) if pace_offer else b"")
