"""What provisioning hands the technician: sparse images, `--xz` with its `.sha256`, Raspberry Pi Imager's OS
list for a batch, and progress only on a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO
from .test_provision import BOOKWORM, SITE, TRIXIE, TWO_SITES, make_image, provision, read


def test_an_xz_image_with_its_sha256_and_no_full_size_copy(tmp_path: Path, wheelhouse: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    plain = tmp_path / "plain.img"
    assert provision(str(base), "--site", str(site), "--out", str(plain), "--wheelhouse",
                     str(wheelhouse)).returncode == 0
    assert plain.stat().st_blocks * 512 < plain.stat().st_size // 4, "a sparse copy: the zeros are holes"
    out = tmp_path / "kiosk.img"
    done = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse), "--xz")
    assert done.returncode == 0, done.stderr
    assert not out.exists() and "%" not in done.stderr, "no progress in a script"
    packed = tmp_path / "kiosk.img.xz"
    checked = subprocess.run(["sha256sum", "-c", "kiosk.img.xz.sha256"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and "kiosk.img.xz: OK" in checked.stdout
    subprocess.run(["xz", "-dk", str(packed)], check=True)
    assert 'commune_name = "Xã Yên Phong"' in read(out, "motcua/motcua.toml")


def test_a_batch_gives_raspberry_pi_imager_its_os_list(tmp_path: Path, wheelhouse: Path) -> None:
    import hashlib
    import json

    base = make_image(tmp_path / "base.img", TRIXIE)
    sites = tmp_path / "sites.csv"
    sites.write_text(TWO_SITES, encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "firmware", "provision", "batch", str(sites), "--base", str(base),
                           "--out", str(out), "--wheelhouse", str(wheelhouse), "--xz", "--url-base",
                           "https://kiosk.bn.example/images/"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not list(out.glob("*.img")), "each image was compressed and removed before the next"
    entries = json.loads((out / "os_list.json").read_text(encoding="utf-8"))["os_list"]
    assert [e["name"] for e in entries] == ["motcua bn-yenphong-01", "motcua bn-tuson-01"]
    for entry in entries:
        packed = out / entry["url"].removeprefix("https://kiosk.bn.example/images/")
        assert entry["image_download_size"] == packed.stat().st_size
        assert entry["image_download_sha256"] == hashlib.sha256(packed.read_bytes()).hexdigest()
        assert entry["extract_size"] == base.stat().st_size and len(entry["extract_sha256"]) == 64
        assert {"description", "release_date", "devices"} <= set(entry)


def test_progress_shows_on_a_terminal_only() -> None:
    import io

    from provisioning.outputs import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown, quiet = Terminal(), io.StringIO()
    for stream in (shown, quiet):
        progress = Progress("xz kiosk.img", 200, stream)
        for done in (0, 50, 100, 200):
            progress.update(done)
        progress.close()
    assert shown.getvalue() == "\rxz kiosk.img: 0%\rxz kiosk.img: 25%\rxz kiosk.img: 50%\rxz kiosk.img: 100%\n"
    assert quiet.getvalue() == ""
