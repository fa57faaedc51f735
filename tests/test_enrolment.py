"""The gateway's enrolment answers, for every kind of bad request: a bad one never spends the token."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from firmware.link.identity import EnrolError, csr_for, store_certificate
from province import enrolment
from province.pki import Authority, CaError, check_name


def request(token: str, csr: bytes) -> bytes:
    return msgpack.packb({"token": token, "csr": csr}, use_bin_type=True)


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority.init(tmp_path / "ca", "hn")


def test_bad_requests_are_refused_and_keep_the_token(authority: Authority, tmp_path: Path) -> None:
    token = authority.new_token("kiosk-a")
    key = ed25519.Ed25519PrivateKey.generate()
    bad = [b"\xc1 not msgpack", msgpack.packb([1, 2]), msgpack.packb({"token": token}),
           request(token, b"-----BEGIN CERTIFICATE REQUEST-----\nnonsense\n"),
           request(token, csr_for(key, "kiosk-b")),  # names another kiosk
           request(token, csr_for(rsa.generate_private_key(public_exponent=65537, key_size=2048), "kiosk-a")),
           request("a guessed token", csr_for(key, "kiosk-a"))]
    for payload in bad:
        answer = enrolment.enrol(authority, "kiosk-a", payload)
        assert answer["ok"] is False and answer["reason"], payload[:40]
    good = enrolment.enrol(authority, "kiosk-a", request(token, csr_for(key, "kiosk-a")))
    assert good["ok"] is True, good
    store_certificate(tmp_path / "kiosk-a.crt", good, "kiosk-a")
    with pytest.raises(EnrolError, match="another kiosk"):
        store_certificate(tmp_path / "x.crt", good, "kiosk-z")
    again = enrolment.enrol(authority, "kiosk-a", request(token, csr_for(key, "kiosk-a")))
    assert again["ok"] is False and "used already" in again["reason"]
    assert enrolment.enrol(None, "kiosk-a", request(token, b""))["ok"] is False


def test_renewal_signs_only_the_topic_kiosk(authority: Authority) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    assert enrolment.renew(authority, "kiosk-a", {"csr": csr_for(key, "kiosk-a")})["ok"] is True
    assert enrolment.renew(authority, "kiosk-a", {"csr": csr_for(key, "kiosk-b")})["ok"] is False


@pytest.mark.parametrize("name", ["gateway", "ops", "ops-1", "broker", "homeassistant", "ab", "Kiosk-A", "a/b",
                                  "a+b", "#", "x" * 25])
def test_reserved_and_malformed_kiosk_names(name: str) -> None:
    with pytest.raises(CaError):
        check_name(name, "kiosk")


def test_enrolment_topics() -> None:
    assert enrolment.parse_topic("motcua/enrol/hn/kiosk-a/csr") == ("hn", "kiosk-a")
    for topic in ("motcua/enrol/hn/kiosk-a/cert", "motcua/enrol/hn/csr", "motcua/v1/hn/kiosk-a/csr"):
        with pytest.raises(ValueError):
            enrolment.parse_topic(topic)
