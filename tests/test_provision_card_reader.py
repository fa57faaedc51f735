"""Provisioning a kiosk with an ID card reader: the site's `card_reader` and `csca` keys."""

from __future__ import annotations

from pathlib import Path

from .test_provision import BOOKWORM, SITE, make_image, provision, read


def test_a_site_with_an_id_card_reader_and_its_csca_certificates(tmp_path: Path, wheelhouse: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from firmware.chip.csca import load_csca
    from firmware.chip.issuer import make_signer
    from firmware.runtime.config import parse

    bundle = tmp_path / "csca" / "vn-csca.pem"
    bundle.parent.mkdir()
    bundle.write_bytes(b"".join(make_signer(name).csca.public_bytes(Encoding.PEM) for name in ("CSCA 1", "CSCA 2")))
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    site.write_text(SITE + 'card_reader = "yes"\ncsca = "csca/vn-csca.pem"\n', encoding="utf-8")
    out = tmp_path / "kiosk.img"
    made = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert made.returncode == 0, made.stderr
    config = parse(read(out, "motcua/motcua.toml"), "motcua.toml")
    assert (config.cardreader.backend, config.cardreader.csca_dir) == ("pcsc", "/etc/motcua/csca")
    assert read(out, "motcua/csca.pem") == bundle.read_text()
    assert len(load_csca(bundle.parent)) == 2, "a PEM bundle holds every certificate it has"
    site.write_text(SITE, encoding="utf-8")
    plain = tmp_path / "plain.img"
    assert provision(str(base), "--site", str(site), "--out", str(plain), "--wheelhouse", str(wheelhouse)
                     ).returncode == 0
    assert parse(read(plain, "motcua/motcua.toml"), "motcua.toml").cardreader.backend == "none"
    site.write_text(SITE + 'csca = "site.toml"\n', encoding="utf-8")
    refused = provision(str(base), "--site", str(site), "--out", str(tmp_path / "x.img"), "--wheelhouse",
                        str(wheelhouse))
    assert refused.returncode == 2 and "csca = 'site.toml'" in refused.stderr and "not a PEM" in refused.stderr
