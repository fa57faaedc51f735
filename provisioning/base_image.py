"""The stock Raspberry Pi OS image a kiosk is made from, examined before anything is downloaded or written."""

from __future__ import annotations

import os
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

FAT_TYPES = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E}
SECTOR = 512
ARMHF_KERNELS = {"kernel.img", "kernel7.img", "kernel7l.img"}  # only 32-bit images carry them


class ProvisionError(Exception):
    """Bad input; the message says what and why, and nothing was written."""


@dataclass(frozen=True)
class BootPartition:
    offset: int  # bytes
    size: int

    def target(self, image: Path) -> str:
        return f"{image}@@{self.offset}"


def boot_partition(image: Path) -> BootPartition:
    try:
        with image.open("rb") as disk:
            mbr = disk.read(SECTOR)
            size = image.stat().st_size
    except OSError as exc:
        raise ProvisionError(f"{image}: cannot read the base image ({exc.strerror or exc})") from None
    if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
        raise ProvisionError(f"{image}: not a disk image (no partition table)")
    for index in range(4):
        entry = mbr[446 + 16 * index: 446 + 16 * (index + 1)]
        kind = entry[4]
        start, sectors = struct.unpack("<II", entry[8:16])
        if kind in FAT_TYPES and sectors:
            if (start + sectors) * SECTOR > size:
                raise ProvisionError(f"{image}: the boot partition runs past the end of the image (truncated?)")
            return BootPartition(start * SECTOR, sectors * SECTOR)
    raise ProvisionError(f"{image}: no FAT boot partition in the partition table")


def mtools(*args: str) -> str:
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, env={**os.environ, "MTOOLS_SKIP_CHECK": "1"},
                              timeout=120)
    except FileNotFoundError:
        raise ProvisionError("mtools is not installed (Debian package mtools)") from None
    if done.returncode:
        raise ProvisionError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def boot_files(image: Path, boot: BootPartition) -> set[str]:
    listing = mtools("mdir", "-b", "-i", boot.target(image), "::/")
    return {line.strip().removeprefix("::/").lower() for line in listing.splitlines() if line.strip()}


def base_kind(files: set[str]) -> str:
    """'trixie' (cloud-init on the boot partition), 'bookworm' (firstrun.sh via cmdline.txt)."""
    if {"user-data", "meta-data"} & files:
        return "trixie"
    if "cmdline.txt" in files and "config.txt" in files:
        return "bookworm"
    raise ProvisionError("unsupported base image: the boot partition has neither cloud-init files (user-data, "
                         "meta-data: Trixie) nor cmdline.txt and config.txt (Bookworm)")


def examine_base(base: Path) -> tuple[BootPartition, set[str], str]:
    """Every check of the base image, before anything is downloaded or copied: (boot, its files, kind)."""
    boot = boot_partition(base)
    files = boot_files(base, boot)
    kind = base_kind(files)
    check_64bit(base, boot, files)
    return boot, files, kind


def check_64bit(base: Path, boot: BootPartition, files: set[str]) -> None:
    """The kiosk's wheels are aarch64: refuse a 32-bit image (armhf kernels) or a config.txt without arm_64bit=1."""
    armhf = sorted(ARMHF_KERNELS & files)
    if armhf:
        raise ProvisionError(f"{base}: a 32-bit Raspberry Pi OS ({', '.join(armhf)} on the boot partition, an armhf "
                             "userland): use the 64-bit (arm64) Raspberry Pi OS Lite image")
    config = mtools("mtype", "-i", boot.target(base), "::/config.txt") if "config.txt" in files else ""
    settings = [line.split("#")[0].replace(" ", "").lower() for line in config.splitlines()]
    if "arm_64bit=1" not in settings:
        raise ProvisionError(f"{base}: config.txt does not set arm_64bit=1: this is not a 64-bit Raspberry Pi OS "
                             "image (use the 64-bit Lite image, or add arm_64bit=1 to its config.txt)")
