"""`motcua doctor` on the ID card reader: the reader PC/SC (or the simulator) sees, and the CSCA certificates
passive authentication trusts, each missing part named with the thing to fix."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from firmware.chip.issuer import make_signer

from .test_doctor import english, findings, write  # noqa: F401 - english is an autouse fixture


def test_a_reader_with_csca_certificates_installed_is_ok(tmp_path: Path) -> None:
    csca = tmp_path / "csca"
    csca.mkdir()
    (csca / "vn-csca.pem").write_bytes(make_signer().csca.public_bytes(Encoding.PEM))
    (csca / "vn-csca-2.der").write_bytes(make_signer("CSCA 2").csca.public_bytes(Encoding.DER))
    found = findings(write(tmp_path, f'[cardreader]\nbackend = "sim"\ncsca_dir = "{csca}"\n'))["card reader"]
    assert found["result"] == "ok", found
    assert found["detail"] == "motcua virtual reader 00 00; 2 CSCA certificates"
    assert found["status"]["csca"] == 2


def test_no_csca_and_a_stray_file_are_warnings_that_say_what_to_copy(tmp_path: Path) -> None:
    empty = findings(write(tmp_path, f'[cardreader]\ncsca_dir = "{tmp_path}/none"\n'))["card reader"]
    assert empty["result"] == "warn" and "no CSCA certificate in" in empty["detail"]
    assert "cards are read but their data is not verified" in empty["detail"]
    csca = tmp_path / "csca"
    csca.mkdir()
    (csca / "README.txt").write_text("copy the certificates here")
    (csca / "vn.pem").write_bytes(make_signer().csca.public_bytes(Encoding.PEM))
    stray = findings(write(tmp_path, f'[cardreader]\ncsca_dir = "{csca}"\n'))["card reader"]
    assert stray["result"] == "warn" and stray["detail"].endswith(
        f"files that are not certificates in {csca}: README.txt"), stray


def test_a_pcsc_reader_without_its_service_names_the_package(tmp_path: Path) -> None:
    found = findings(write(tmp_path, '[cardreader]\nbackend = "pcsc"\n'))["card reader"]
    assert found["result"] == "fail"
    assert "python3-pyscard" in found["detail"] or "pcscd" in found["detail"], found


def test_a_kiosk_without_a_reader_says_so(tmp_path: Path) -> None:
    assert findings(write(tmp_path, '[cardreader]\nbackend = "none"\n'))["card reader"]["result"] == "off"
