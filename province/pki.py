"""The province's certificate authority (`motcua ca`): one CA for kiosk, gateway, operator, dashboard and broker
certificates, its CRL, the one-time enrolment tokens, and the key dossiers are sealed to.

A directory, kept on the province's side only:
  ca.key, ca.crt         the CA (EC P-256), ca.key mode 0600
  crl.pem                revoked certificates, re-signed on every revoke (mosquitto's `crlfile`)
  seal.key, seal.pub     the X25519 key dossiers are sealed to; seal.pub (base64) goes into every site file
  operator.key, .pub     the Ed25519 key operator commands are signed with; operator.pub goes into site files
  registry.json          every certificate issued (name, role, serial, expiry, revoked) and every token (hashed)
  issued/NAME.crt|.key   certificates made here with their key (gateway, ops, broker); a kiosk's key never is
The certificate's common name is the identity: the broker makes it the user name and the client id.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from firmware.common.commands import public_key_text as operator_text
from firmware.common.seal import public_key_text

ROLES = ("kiosk", "gateway", "ops", "dashboard", "broker")
KIOSK_NAME = re.compile(r"^[a-z0-9-]{3,24}$")
# Names a kiosk may never have: they are other identities' or topic levels the province uses itself.
RESERVED = ("gateway", "ops", "dashboard", "broker", "enrol", "catalog", "calendar", "homeassistant", "admin")
DAYS = {"kiosk": 365, "gateway": 730, "ops": 365, "dashboard": 730, "broker": 730}
CA_DAYS = 3650
PBKDF2_ROUNDS = 101  # mosquitto_passwd's own default for its $7$ (PBKDF2-SHA512) hashes
_PEM = serialization.Encoding.PEM


class CaError(Exception):
    """Bad input or a CA that cannot be used; `code` is the exit code (2 bad input, 1 not found)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_name(name: str, role: str) -> None:
    if role not in ROLES:
        raise CaError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if not KIOSK_NAME.match(name):
        raise CaError(f"name {name!r}: expected 3 to 24 of a-z, 0-9 and '-' (the kiosk id, or the service's name)")
    if role == "kiosk" and any(name == word or name.startswith(word + "-") for word in RESERVED):
        raise CaError(f"name {name!r} is reserved for the province's own identities; choose another kiosk id")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def private_pem(key: Any) -> bytes:
    return bytes(key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def mosquitto_hash(password: str) -> str:
    """A mosquitto 2 password-file hash ($7$: PBKDF2-SHA512, 12-byte salt), as `mosquitto_passwd` writes it."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ROUNDS, 64)
    return f"$7${PBKDF2_ROUNDS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


@dataclass
class Authority:
    directory: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    registry: dict[str, Any]

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def init(cls, directory: Path, province: str, org: str = "") -> Authority:
        if (directory / "ca.key").exists():
            raise CaError(f"{directory}: a CA is already there; it is never overwritten")
        if not KIOSK_NAME.match(province) and not re.fullmatch(r"[a-z0-9-]{2,24}", province):
            raise CaError(f"province {province!r}: expected the province code, 2 to 24 of a-z, 0-9 and '-'")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"motcua CA {province}"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, org or f"motcua {province}")])
        start = now() - dt.timedelta(minutes=5)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(start)
                .not_valid_after(start + dt.timedelta(days=CA_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        directory.mkdir(parents=True, exist_ok=True)
        _write_private(directory / "ca.key", private_pem(key))
        (directory / "ca.crt").write_bytes(cert.public_bytes(_PEM))
        seal_key = X25519PrivateKey.generate()
        _write_private(directory / "seal.key", private_pem(seal_key))
        (directory / "seal.pub").write_text(public_key_text(seal_key.public_key()) + "\n", encoding="ascii")
        authority = cls(directory, key, cert, {"province": province, "certs": [], "tokens": {}})
        authority.operator_key()
        authority.write_crl()
        authority.save()
        return authority

    @classmethod
    def open(cls, directory: Path) -> Authority:
        try:
            key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), None)
            cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
            registry = json.loads((directory / "registry.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CaError(f"{directory}: no CA there (make one with `motcua ca init {directory}`)") from None
        except (OSError, ValueError) as exc:
            raise CaError(f"{directory}: the CA cannot be read ({exc})") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CaError(f"{directory}/ca.key: not the CA's EC key")
        return cls(directory, key, cert, registry)

    @property
    def province(self) -> str:
        return str(self.registry["province"])

    def save(self) -> None:
        _write_atomic(self.directory / "registry.json",
                      json.dumps(self.registry, ensure_ascii=False, indent=1).encode())

    def operator_key(self) -> ed25519.Ed25519PrivateKey:
        """The key operator commands are signed with (made here once); its public half goes into site files."""
        path = self.directory / "operator.key"
        if not path.exists():
            made = ed25519.Ed25519PrivateKey.generate()
            _write_private(path, private_pem(made))
            (self.directory / "operator.pub").write_text(operator_text(made.public_key()) + "\n", encoding="ascii")
        key = serialization.load_pem_private_key(path.read_bytes(), None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise CaError(f"{path}: not an Ed25519 key")
        return key

    def operator_public(self) -> str:
        return operator_text(self.operator_key().public_key())

    def seal_public(self) -> str:
        return (self.directory / "seal.pub").read_text(encoding="ascii").strip()

    # -- certificates ----------------------------------------------------------------------------------
    def issue(self, name: str, role: str, public_key: Any = None, days: int | None = None,
              hosts: tuple[str, ...] = (), start: dt.datetime | None = None) -> x509.Certificate:
        """A certificate for `name`; without `public_key` a key is made too and both land in issued/."""
        check_name(name, role)
        if role == "kiosk" and any(c["name"] == name and c["role"] != "kiosk" for c in self.registry["certs"]):
            raise CaError(f"name {name!r} belongs to another role's identity")
        made = None
        if public_key is None:
            made = ec.generate_private_key(ec.SECP256R1())
            public_key = made.public_key()
        if not isinstance(public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
            raise CaError("the key must be EC (P-256) or Ed25519")
        start = start or now() - dt.timedelta(minutes=5)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if role == "broker" else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                                            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"motcua {self.province}")]))
                   .issuer_name(self.cert.subject).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + dt.timedelta(days=days if days is not None else DAYS[role]))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False))
        if hosts:
            names: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    names.append(x509.IPAddress(ip_address(host)))
                except ValueError:
                    names.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        self.registry["certs"].append({"name": name, "role": role, "serial": format(cert.serial_number, "x"),
                                       "not_after": cert.not_valid_after_utc.isoformat(), "revoked_at": None})
        self.save()
        if made is not None:
            _write_private(self.directory / "issued" / f"{name}.key", private_pem(made))
            (self.directory / "issued" / f"{name}.crt").write_bytes(cert.public_bytes(_PEM))
        return cert

    @staticmethod
    def checked_csr(csr_pem: bytes, name: str) -> Any:
        """The public key of a kiosk's request, once its signature, its name and its key type are checked."""
        try:
            csr = x509.load_pem_x509_csr(csr_pem)
            key = csr.public_key()
            signed = csr.is_signature_valid
        except Exception:  # cryptography raises several types for malformed or unsupported requests
            raise CaError("not a usable PEM certificate signing request") from None
        if not signed:
            raise CaError("the request's signature does not match its key")
        names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not names or names[0].value != name:
            raise CaError(f"the request names {str(names[0].value)[:64] if names else 'nobody'!r}, not {name!r}")
        if not isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
            raise CaError("the key must be EC (P-256) or Ed25519")
        return key

    def sign_csr(self, csr_pem: bytes, name: str) -> x509.Certificate:
        """A kiosk's certificate for the key it made itself (its CSR): its key never leaves the kiosk."""
        return self.issue(name, "kiosk", self.checked_csr(csr_pem, name))

    def revoke(self, name: str) -> int:
        """Revoke every live certificate of `name`; the CRL is re-signed. Returns how many."""
        stamp = now().isoformat()
        hits = [c for c in self.registry["certs"] if c["name"] == name and not c["revoked_at"]]
        if not hits:
            raise CaError(f"no live certificate for {name!r}", 1)
        for entry in hits:
            entry["revoked_at"] = stamp
        self.save()
        self.write_crl()
        return len(hits)

    def write_crl(self) -> None:
        start = now() - dt.timedelta(minutes=5)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.cert.subject).last_update(start)
                   .next_update(start + dt.timedelta(days=CA_DAYS)))
        for entry in self.registry["certs"]:
            if entry["revoked_at"]:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder().serial_number(int(entry["serial"], 16))
                    .revocation_date(dt.datetime.fromisoformat(entry["revoked_at"])).build())
        _write_atomic(self.directory / "crl.pem", builder.sign(self.key, hashes.SHA256()).public_bytes(_PEM))

    def identities(self, role: str) -> list[str]:
        return sorted({c["name"] for c in self.registry["certs"] if c["role"] == role})

    # -- enrolment tokens ------------------------------------------------------------------------------
    def new_token(self, kiosk: str) -> str:
        """A one-time enrolment token for `kiosk` (printed once, kept only hashed)."""
        check_name(kiosk, "kiosk")
        token = secrets.token_urlsafe(24)
        self.registry["tokens"][kiosk] = {"sha256": hashlib.sha256(token.encode()).hexdigest(),
                                          "mosquitto": mosquitto_hash(token), "spent_at": None}
        self.save()
        return token

    def spend_token(self, kiosk: str, token: str) -> None:
        """Check and spend a kiosk's token (raises CaError); spent once, refused ever after."""
        entry = self.registry["tokens"].get(kiosk)
        digest = hashlib.sha256(token.encode()).hexdigest()
        if not entry or not secrets.compare_digest(entry["sha256"], digest):
            raise CaError(f"no such enrolment token for {kiosk!r}")
        if entry["spent_at"]:
            raise CaError(f"the enrolment token of {kiosk!r} was used already ({entry['spent_at']})")
        entry["spent_at"] = now().isoformat()
        self.save()

    def bootstrap_passwords(self) -> str:
        """The bootstrap listener's password file: kiosks with a token not yet spent."""
        return "".join(f"{kiosk}:{entry['mosquitto']}\n" for kiosk, entry in sorted(self.registry["tokens"].items())
                       if not entry["spent_at"])
