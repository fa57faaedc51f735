"""The kiosk's own identity: its private key (made on the kiosk, never sent anywhere), its certificate from the
province's CA, enrolment with the one-time token, and renewal before expiry (docs/security.md).

All of it runs on the link's network thread; nothing here touches the loop's state.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from paho.mqtt.enums import CallbackAPIVersion

from firmware.common import schema
from firmware.common.protocol import CERTIFICATE, BadMessage, unpack
from firmware.common.tls import client_context

log = logging.getLogger("motcua.link")
ENROL_TIMEOUT_S = 20.0


class EnrolError(Exception):
    pass


def ensure_key(path: Path) -> Any:
    """The kiosk's private key, made here (Ed25519, mode 0600) the first time it is needed."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), None)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    log.info("made the kiosk's private key (%s); it never leaves the kiosk", path)
    return key


def csr_for(key: Any, kiosk: str) -> bytes:
    from cryptography import x509  # here, not at start: 25 ms of import before the kiosk's first frame
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kiosk)])
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, algorithm).public_bytes(
        serialization.Encoding.PEM)


def expires_at(cert_file: Path) -> dt.datetime | None:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(cert_file.read_bytes()).not_valid_after_utc
    except (OSError, ValueError):
        return None


def renewal_due(cert_file: Path, days: int, now: dt.datetime | None = None) -> bool:
    ends = expires_at(cert_file)
    now = now or dt.datetime.now(dt.UTC)
    return ends is not None and ends - now < dt.timedelta(days=days)


def store_certificate(cert_file: Path, answer: dict[str, Any], kiosk: str) -> None:
    """Check the gateway's answer (schema, the name, the key is ours) and write the certificate atomically."""
    try:
        CERTIFICATE(answer, "certificate")
    except schema.Invalid as exc:
        raise EnrolError(f"a malformed answer: {exc}") from None
    if not answer.get("ok"):
        raise EnrolError(f"refused: {answer.get('reason', 'no reason given')}")
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_pem_x509_certificate(answer["cert"])
    except (KeyError, ValueError):
        raise EnrolError("the answer holds no certificate") from None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or names[0].value != kiosk:
        raise EnrolError("the certificate names another kiosk")
    cert_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = cert_file.with_name(cert_file.name + ".new")
    temporary.write_bytes(answer["cert"])
    os.replace(temporary, cert_file)
    log.info("certificate stored: valid until %s", cert.not_valid_after_utc.isoformat())


def enrol(host: str, port: int, province: str, kiosk: str, ca_file: str, token: str, key: Any,
          cert_file: Path, timeout_s: float = ENROL_TIMEOUT_S) -> None:
    """On the bootstrap listener: log in with the token, send the CSR, store the certificate (raises EnrolError)."""
    answered = threading.Event()
    reply: list[bytes] = []
    root = f"motcua/enrol/{province}/{kiosk}"
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=kiosk, protocol=mqtt.MQTTv5)
    client.tls_set_context(client_context(ca_file))
    client.username_pw_set(kiosk, token)
    request = msgpack.packb({"token": token, "csr": csr_for(key, kiosk)}, use_bin_type=True)
    refused: list[str] = []

    def on_connect(c: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if getattr(reason, "is_failure", False):
            refused.append(str(reason))
            answered.set()
            return
        c.subscribe(f"{root}/cert", qos=1)

    def on_subscribe(c: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
        c.publish(f"{root}/csr", request, qos=1)

    def on_message(c: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        reply.append(bytes(message.payload))
        answered.set()

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    try:
        client.connect(host, port, keepalive=15)
    except (OSError, ValueError) as exc:
        raise EnrolError(f"cannot reach the enrolment listener {host}:{port} ({exc})") from None
    client.loop_start()
    try:
        if not answered.wait(timeout_s):
            raise EnrolError(f"no answer from the province in {timeout_s:g} s")
    finally:
        client.disconnect()
        client.loop_stop()
    if refused:
        raise EnrolError(f"the broker refused the enrolment login ({refused[0]}): a wrong or spent token")
    try:
        store_certificate(cert_file, unpack(reply[0]), kiosk)
    except BadMessage as exc:
        raise EnrolError(f"a malformed answer: {exc}") from None
