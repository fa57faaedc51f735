"""The CSCA certificates a province installs (the roots passive authentication checks a card's signer against).

Apart from passive_auth.py so that a kiosk loads and counts them when a screen first wants a card with
`cryptography.x509` alone: asn1crypto's CMS classes (6.5 MB) are imported when a card is read.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509


def load_csca(directory: Path | str | None) -> list[x509.Certificate]:
    """The CSCA certificates in a directory (DER, one per file, or PEM, one or more); unreadable files are
    skipped."""
    return read_csca_dir(directory)[0]


def read_csca_dir(directory: Path | str | None) -> tuple[list[x509.Certificate], list[str]]:
    """The certificates in a CSCA directory, and the names of its files that are not certificates."""
    if not directory or not Path(directory).is_dir():
        return [], []
    found, unreadable = [], []
    for path in sorted(Path(directory).iterdir()):
        try:
            raw = path.read_bytes()
            found.extend(x509.load_pem_x509_certificates(raw) if b"-----BEGIN" in raw
                         else [x509.load_der_x509_certificate(raw)])
        except (OSError, ValueError):
            unreadable.append(path.name)
    return found, unreadable
