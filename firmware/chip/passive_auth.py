"""Passive authentication (ICAO 9303 part 11, 5.1): EF.SOD is a CMS SignedData over the LDS security object (a
hash of every data group); its signature is checked with the Document Signer certificate it carries, that
certificate against the CSCA certificates the province installs, and each data group read against its hash.

`verify` returns the hashes it checked; every failure is a CardError with its own code:
`pa_format` (not an SOD), `pa_signature`, `pa_csca` (no installed CSCA issued the signer), `pa_expired` (the
signer's certificate is outside its validity), `pa_hash` (a data group differs from what was signed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from firmware.chip.apdu import CardError
from firmware.chip.datagroups import unwrap

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
    "sha512": hashes.SHA512}

# asn1crypto does not know the LDS security object; registered, its eContent is read as plain octets.
cms.ContentType._map[LDS_SECURITY_OBJECT] = "lds_security_object"
cms.EncapsulatedContentInfo._oid_specs["lds_security_object"] = core.OctetString


class DataGroupHash(core.Sequence):
    _fields = [("number", core.Integer), ("hash", core.OctetString)]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsSecurityObject(core.Sequence):
    _fields = [("version", core.Integer), ("hash_algorithm", algos.DigestAlgorithm),
               ("hashes", DataGroupHashes), ("version_info", core.Any, {"optional": True})]


def _signed(sod: bytes) -> tuple[cms.SignedData, bytes]:
    try:
        info = cms.ContentInfo.load(unwrap(sod, 0x77), strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != LDS_SECURITY_OBJECT:
            raise ValueError("not an LDS security object")
        return signed, bytes(encap["content"].native)
    except CardError:
        raise CardError("pa_format", "EF.SOD is not TLV") from None
    except Exception as exc:  # asn1crypto: ValueError, TypeError and its own
        raise CardError("pa_format", f"EF.SOD: {type(exc).__name__}: {exc}"[:200]) from None


def _check_signature(certificate: x509.Certificate, signer: cms.SignerInfo, message: bytes) -> None:
    algorithm = signer["signature_algorithm"]
    digest = HASHES.get(signer["digest_algorithm"]["algorithm"].native)
    if digest is None:
        raise CardError("pa_signature", "an unknown digest")
    key = certificate.public_key()
    signature = bytes(signer["signature"].native)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if algorithm.signature_algo == "rsassa_pss":
                params = algorithm["parameters"]
                pss = padding.PSS(padding.MGF1(HASHES[params["hash_algorithm"]["algorithm"].native]()),
                                  int(params["salt_length"].native))
                key.verify(signature, message, pss, digest())
            else:
                key.verify(signature, message, padding.PKCS1v15(), digest())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(digest()))
        else:
            raise CardError("pa_signature", "an unsupported signer key")
    except InvalidSignature:
        raise CardError("pa_signature", "the SOD's signature does not verify") from None


def _check_signer(certificate: x509.Certificate, cscas: list[x509.Certificate], now: datetime) -> None:
    if not (certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc):
        raise CardError("pa_expired", f"the document signer is valid {certificate.not_valid_before_utc:%Y-%m-%d}"
                                      f" to {certificate.not_valid_after_utc:%Y-%m-%d}")
    for csca in cscas:
        try:
            certificate.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise CardError("pa_csca", f"no installed CSCA issued {certificate.issuer.rfc4514_string()[:120]}")


def verify(sod: bytes, groups: dict[int, bytes], cscas: list[x509.Certificate], now: datetime) -> list[int]:
    """Check the SOD and every group read against it; the data group numbers checked."""
    signed, content = _signed(sod)
    try:
        lds = LdsSecurityObject.load(content, strict=True)
        expected = {int(h["number"].native): bytes(h["hash"].native) for h in lds["hashes"]}
        hash_name = lds["hash_algorithm"]["algorithm"].native
        (signer,) = list(signed["signer_infos"])
        certificates = [c.chosen for c in signed["certificates"]] if signed["certificates"].native else []
        signed_attrs = signer["signed_attrs"]
        digests = [a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"]
    except Exception as exc:  # asn1crypto raises many kinds on malformed DER
        raise CardError("pa_format", f"EF.SOD: {type(exc).__name__}: {exc}"[:200]) from None
    if hash_name not in HASHES or len(certificates) != 1 or len(digests) != 1:
        raise CardError("pa_format", "EF.SOD needs one signer certificate, one message digest, a known hash")
    certificate = x509.load_der_x509_certificate(certificates[0].dump())
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES or not hmac.compare_digest(hashlib.new(digest_name, content).digest(), digests[0]):
        raise CardError("pa_signature", "the SOD's message digest does not match its content")
    _check_signature(certificate, signer, b"\x31" + signed_attrs.dump()[1:])  # signed over the SET, not [0]
    _check_signer(certificate, cscas, now)
    for number, data in groups.items():
        wanted = expected.get(number)
        if wanted is None or not hmac.compare_digest(hashlib.new(hash_name, data).digest(), wanted):
            raise CardError("pa_hash", f"DG{number} is not what the issuer signed")
    return sorted(groups)
