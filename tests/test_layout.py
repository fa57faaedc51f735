"""`read_only_root = "yes"`: root grown and a `motcua-data` partition added inside the image file, no root needed;
Raspberry Pi OS's grow-root-to-the-card trigger taken off cmdline.txt."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from provisioning.layout import partitions

from .test_provision import BOOKWORM, SITE, TRIXIE, make_image, provision, read

ROOT_START = 73728  # sectors, as make_image lays the disk out


def with_root_fs(image: Path, tmp_path: Path) -> Path:
    """Give make_image's root partition an ext4 file system holding one file, as a real image's has."""
    tree = tmp_path / "rootfs"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "os-release").write_text('PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"\n')
    size_kb = (image.stat().st_size - ROOT_START * 512) // 1024
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), "-E", f"offset={ROOT_START * 512}", str(image),
                    f"{size_kb}k"], check=True, capture_output=True)
    return image


def extract(image: Path, start: int, sectors: int, out: Path) -> Path:
    subprocess.run(["dd", f"if={image}", f"of={out}", "bs=1M", "iflag=skip_bytes,count_bytes", f"skip={start * 512}",
                    f"count={sectors * 512}", "conv=sparse", "status=none"], check=True)
    return out


def fsck_clean(fs: Path) -> bool:
    return subprocess.run(["e2fsck", "-fn", str(fs)], capture_output=True).returncode == 0


def site_file(tmp_path: Path, extra: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text(SITE + extra, encoding="utf-8")
    return site


@pytest.mark.parametrize("kind,files,trigger", [("bookworm", BOOKWORM, "init=/usr/lib/raspberrypi-sys-mods/firstboot"),
                                                ("trixie", TRIXIE, "resize")])
def test_read_only_root_layout(tmp_path: Path, wheelhouse: Path, kind: str, files: dict[str, str],
                               trigger: str) -> None:
    base = with_root_fs(make_image(tmp_path / "base.img", files), tmp_path)
    old_root = partitions(base)[-1]
    out = tmp_path / "kiosk.img"
    site = site_file(tmp_path, 'read_only_root = "yes"\nroot_extra_mb = "100"\n')
    result = provision(str(base), "--site", str(site), "--out", str(out), "--wheelhouse", str(wheelhouse))
    assert result.returncode == 0, result.stderr

    boot, root, data = partitions(out)
    assert (root.start, root.sectors) == (old_root.start, old_root.sectors + 100 * 2048)
    assert data.start >= root.end and data.start % 8192 == 0 and data.sectors == 1024 * 2048
    assert out.stat().st_size == data.end * 512
    root_fs = extract(out, root.start, root.sectors, tmp_path / "root.ext4")
    assert fsck_clean(root_fs)
    assert "bookworm" in subprocess.run(["debugfs", "-R", "cat /etc/os-release", str(root_fs)], capture_output=True,
                                        text=True).stdout, "root keeps its files"
    blocks = subprocess.run(["dumpe2fs", "-h", str(root_fs)], capture_output=True, text=True).stdout
    assert f"Block count:              {root.sectors * 512 // 1024}" in blocks, "the file system fills the partition"
    data_fs = extract(out, data.start, data.sectors, tmp_path / "data.ext4")
    assert fsck_clean(data_fs)
    assert subprocess.run(["e2label", str(data_fs)], capture_output=True, text=True).stdout.strip() == "motcua-data"

    cmdline = read(out, "cmdline.txt").split()
    assert trigger not in cmdline, "Raspberry Pi OS must not try to grow root over the data partition"
    assert "vt.global_cursor_default=0" in cmdline
    assert read(out, "motcua/read-only-root")
    assert "overlayroot" in read(out, "motcua/apt.txt")
    assert partitions(base)[-1] == old_root, "the base image is left as it was"


def test_without_read_only_root_the_image_keeps_its_layout(tmp_path: Path, wheelhouse: Path) -> None:
    base = with_root_fs(make_image(tmp_path / "base.img", BOOKWORM), tmp_path)
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site_file(tmp_path, "")), "--out", str(out), "--wheelhouse",
                       str(wheelhouse))
    assert result.returncode == 0, result.stderr
    assert partitions(out) == partitions(base) and out.stat().st_size == base.stat().st_size
    assert "init=/usr/lib/raspberrypi-sys-mods/firstboot" in read(out, "cmdline.txt")


def test_a_root_partition_without_a_file_system_stops_cleanly(tmp_path: Path, wheelhouse: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)  # partition 2 is there but holds nothing
    out = tmp_path / "kiosk.img"
    result = provision(str(base), "--site", str(site_file(tmp_path, 'read_only_root = "yes"\n')), "--out", str(out),
                       "--wheelhouse", str(wheelhouse))
    assert result.returncode == 2 and "e2fsck failed" in result.stderr, result.stderr
    assert not out.exists() and list(tmp_path.glob(".kiosk.img.*")) == []


def test_a_data_partition_too_small_for_the_outbox_is_refused(tmp_path: Path, wheelhouse: Path) -> None:
    base = make_image(tmp_path / "base.img", BOOKWORM)
    site = site_file(tmp_path, 'read_only_root = "yes"\ndata_partition_mb = "1000"\n')
    result = provision(str(base), "--site", str(site), "--out", str(tmp_path / "kiosk.img"), "--wheelhouse",
                       str(wheelhouse))
    assert result.returncode == 2 and "data_partition_mb = 1000: expected 1024 or more" in result.stderr
