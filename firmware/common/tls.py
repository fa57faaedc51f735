"""TLS for every MQTT client of the project (kiosk, gateway, ops): the province's CA, and a client certificate.

One `ssl.SSLContext` per client, built here so that the kiosk, the gateway and `ops` check the broker the same
way (its certificate from the province's CA, its host name) and offer their certificate the same way. The
certificate can be loaded again later into the same context (a kiosk that has just enrolled or renewed).
"""

from __future__ import annotations

import ssl


class TlsError(ValueError):
    pass


def client_context(ca_file: str, cert_file: str = "", key_file: str = "", check_host: bool = True) -> ssl.SSLContext:
    """A TLS 1.2+ client context trusting only `ca_file`; with `cert_file`, that certificate is offered."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot load the CA certificate {ca_file!r} ({exc})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = check_host
    if cert_file:
        load_certificate(context, cert_file, key_file)
    return context


def load_certificate(context: ssl.SSLContext, cert_file: str, key_file: str) -> None:
    try:
        context.load_cert_chain(cert_file, key_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot load the certificate {cert_file!r} with the key {key_file!r} ({exc})") from None
