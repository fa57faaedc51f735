"""`motcua provision image` on small synthetic disk images shaped like each base image kind (no root)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

SITE = ('kiosk_id = "bn-yenphong-01"\nprovince_code = "bn"\nprovince_name = "Tỉnh Bắc Ninh"\n'
        'commune_name = "Xã Yên Phong"\nbroker_host = "mqtt.example.invalid"\n')


def make_image(path: Path, files: dict[str, str], size_mb: int = 48) -> Path:
    """An MBR disk with a FAT boot partition at sector 8192 holding `files`, like a Raspberry Pi OS image."""
    with path.open("wb") as disk:
        disk.truncate(size_mb * 2**20)
    layout = "label: dos\nstart=8192, size=65536, type=c\nstart=73728, type=83\n"
    subprocess.run(["sfdisk", "--quiet", str(path)], input=layout, text=True, check=True, capture_output=True)
    subprocess.run(["mkfs.vfat", "--offset", "8192", "-n", "bootfs", str(path), str(65536 // 2)], check=True,
                   capture_output=True)
    for name, text in files.items():
        local = path.parent / name
        local.write_text(text, encoding="utf-8")
        subprocess.run(["mcopy", "-i", f"{path}@@{8192 * 512}", str(local), f"::/{name}"], check=True,
                       capture_output=True)
    return path


BOOKWORM = {"cmdline.txt": "console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n",
            "config.txt": "arm_64bit=1\n", "issue.txt": "Raspberry Pi reference 2024-11-19\n"}
TRIXIE = {"cmdline.txt": "console=tty1 root=PARTUUID=1234-02 rootwait\n", "config.txt": "arm_64bit=1\n",
          "user-data": "#cloud-config\n", "meta-data": "instance-id: rpios-image\n"}


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    (folder / "motcua-0.1.0-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    return folder


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "provision", "image", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120)


def read(image: Path, name: str) -> str:
    return subprocess.run(["mtype", "-i", f"{image}@@{8192 * 512}", f"::/{name}"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("kind,files", [("bookworm", BOOKWORM), ("trixie", TRIXIE)])
def test_each_base_image_kind(tmp_path: Path, wheelhouse: Path, kind: str, files: dict[str, str]) -> None:
    base = make_image(tmp_path / "base.img", files)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert result.returncode == 0, result.stderr
    assert f"({kind} base image)" in result.stdout
    config = read(out, "motcua/motcua.toml")
    assert 'id = "bn-yenphong-01"' in config and 'commune_name = "Xã Yên Phong"' in config
    assert "motcua-0.1.0-py3-none-any.whl" in subprocess.run(
        ["mdir", "-b", "-i", f"{out}@@{8192 * 512}", "::/motcua/wheelhouse"], capture_output=True, text=True).stdout
    if kind == "bookworm":
        assert "systemd.run=/boot/firmware/firstrun.sh" in read(out, "cmdline.txt")
        assert "/boot/firmware/motcua/firstboot" in read(out, "firstrun.sh")
    else:
        assert read(out, "user-data").startswith("#cloud-config") and "motcua/firstboot" in read(out, "user-data")
    assert read(base, "cmdline.txt") == files["cmdline.txt"], "the base image is left as it was"


@pytest.mark.parametrize("problem,expected", [
    ("not_an_image", "not a disk image (no partition table)"),
    ("unsupported", "unsupported base image"),
    ("bad_site", "unknown key 'kiosk_name'"),
    ("missing_key", "missing key 'broker_host'"),
    ("bad_id", "kiosk_id = 'Kiosk 1': expected"),
    ("no_wheels", "no wheels in the wheelhouse"),
])
def test_bad_input_stops_with_a_message_and_writes_nothing(tmp_path: Path, wheelhouse: Path, problem: str,
                                                           expected: str) -> None:
    base = tmp_path / "base.img"
    if problem == "not_an_image":
        base.write_bytes(b"hello" * 1000)
    else:
        make_image(base, {"readme.txt": "x"} if problem == "unsupported" else BOOKWORM)
    site_text = {"bad_site": SITE + 'kiosk_name = "x"\n',
                 "missing_key": SITE.replace('broker_host = "mqtt.example.invalid"\n', ""),
                 "bad_id": SITE.replace('"bn-yenphong-01"', '"Kiosk 1"')}.get(problem, SITE)
    site = tmp_path / "site.toml"
    site.write_text(site_text, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    wheels = empty if problem == "no_wheels" else wheelhouse
    out = tmp_path / "out" / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheels))
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(out.parent.glob("*")) if out.parent.exists() else True


def test_no_room_on_the_boot_partition(tmp_path: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = tmp_path / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    big = tmp_path / "big"
    big.mkdir()
    (big / "huge-1.0-py3-none-any.whl").write_bytes(b"\0" * 40 * 2**20)
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(big))
    assert result.returncode == 2 and "no room on the boot partition" in result.stderr
    assert not out.exists() and list(tmp_path.glob(".kiosk.img.*")) == []
