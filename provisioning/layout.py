"""The read-only-root layout, made in the image file itself (no root, no loop devices): the root file system grown
by a fixed amount, then a data partition labelled `motcua-data` after it for `/var/lib/motcua`.

Raspberry Pi OS grows its root partition to the whole card on first boot, and that only works while root is the
last partition (Bookworm's resizer stops with a message box that waits for a key when it is not). So a kiosk with
a read-only root does not use that resizer: `kiosk_cmdline` takes its trigger off `cmdline.txt`, and root gets
its room here instead. The rest of the card stays unpartitioned, which also leaves the card's wear levelling
spare blocks.
"""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
ALIGN = 8192  # sectors (4 MiB), as Raspberry Pi OS aligns its partitions
DATA_LABEL = "motcua-data"
EXT_TYPES = {0x83}
# What starts Raspberry Pi OS's own grow-root-to-the-card step: Bookworm's init script, Trixie's initramfs flag.
RESIZE_TRIGGERS = ("init=/usr/lib/raspberrypi-sys-mods/firstboot", "resize")


class LayoutError(Exception):
    """The image cannot take the read-only-root layout; the message says why."""


@dataclass(frozen=True)
class Partition:
    number: int
    kind: int
    start: int  # sectors
    sectors: int

    @property
    def end(self) -> int:
        return self.start + self.sectors


def partitions(image: Path) -> list[Partition]:
    with image.open("rb") as disk:
        mbr = disk.read(SECTOR)
    found = []
    for index in range(4):
        entry = mbr[446 + 16 * index: 446 + 16 * (index + 1)]
        start, sectors = struct.unpack("<II", entry[8:16])
        if entry[4] and sectors:
            found.append(Partition(index + 1, entry[4], start, sectors))
    return found


def _run(*command: str, ok: tuple[int, ...] = (0,), input_text: str | None = None) -> str:
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=1800, input=input_text)
    except FileNotFoundError:
        raise LayoutError(f"{command[0]} is not installed (Debian packages e2fsprogs and fdisk)") from None
    if done.returncode not in ok:
        raise LayoutError(f"{command[0]} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return done.stdout


def _copy_range(source: Path, source_at: int, target: Path, target_at: int, length: int,
                fresh: bool = False) -> None:
    """Copy bytes. Into a `fresh` (just extended, all zero) region only the source's data extents are copied, so
    the holes of a new, mostly empty file system stay holes in the image."""
    with source.open("rb") as read, target.open("r+b") as write:
        for begin, end in (_extents(read.fileno(), source_at, source_at + length) if fresh
                           else [(source_at, source_at + length)]):
            read.seek(begin)
            write.seek(target_at + begin - source_at)
            left = end - begin
            while left:
                chunk = read.read(min(left, 2**20))
                if not chunk:
                    raise LayoutError(f"{source}: ends {left} bytes early")
                write.write(chunk)
                left -= len(chunk)


def _extents(fd: int, start: int, end: int) -> list[tuple[int, int]]:
    """The ranges of [start, end) that hold data (SEEK_DATA/SEEK_HOLE); the whole range where that is unknown."""
    found, at = [], start
    try:
        while at < end:
            begin = os.lseek(fd, at, os.SEEK_DATA)
            if begin >= end:
                break
            stop = min(os.lseek(fd, begin, os.SEEK_HOLE), end)
            found.append((begin, stop))
            at = stop
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # no data after `at`
            return found
        return [(start, end)]
    return found


def _aligned(sector: int) -> int:
    return -(-sector // ALIGN) * ALIGN


def add_data_partition(image: Path, root_extra_mb: int, data_mb: int) -> Partition:
    """Grow root (the last partition, ext4) by `root_extra_mb` and append the data partition; returns it."""
    table = partitions(image)
    if not table or table[-1].kind not in EXT_TYPES or len(table) > 3:
        raise LayoutError("cannot add the data partition: the root file system is not the last of at most three "
                          "partitions (is this a stock Raspberry Pi OS image?)")
    root = table[-1]
    if any(p.number > root.number for p in table) or root.number == 4:
        raise LayoutError("cannot add the data partition: no free partition slot after root")
    new_root_sectors = _aligned(root.sectors + root_extra_mb * 2**20 // SECTOR)
    data = Partition(root.number + 1, 0x83, _aligned(root.start + new_root_sectors), data_mb * 2**20 // SECTOR)
    with tempfile.TemporaryDirectory(dir=image.parent) as scratch:
        root_fs = Path(scratch) / "root.ext4"
        root_fs.touch()
        _copy_range(image, root.start * SECTOR, root_fs, 0, root.sectors * SECTOR)
        _run("e2fsck", "-fy", str(root_fs), ok=(0, 1))  # 1: corrected, which resize2fs requires first
        with root_fs.open("r+b") as grow:
            grow.truncate(new_root_sectors * SECTOR)
        _run("resize2fs", str(root_fs))
        data_fs = Path(scratch) / "data.ext4"
        with data_fs.open("wb") as blank:
            blank.truncate(data.sectors * SECTOR)
        _run("mkfs.ext4", "-q", "-F", "-L", DATA_LABEL, "-E", "lazy_itable_init=0,lazy_journal_init=0", str(data_fs))
        with image.open("r+b") as disk:
            disk.truncate(data.end * SECTOR)
        _copy_range(root_fs, 0, image, root.start * SECTOR, new_root_sectors * SECTOR)
        _copy_range(data_fs, 0, image, data.start * SECTOR, data.sectors * SECTOR, fresh=True)
    _run("sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "-N", str(root.number), str(image),
         input_text=f"{root.start}, {new_root_sectors}\n")
    _run("sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--append", str(image),
         input_text=f"start={data.start}, size={data.sectors}, type=83\n")
    return data


def without_resize(words: list[str]) -> list[str]:
    return [w for w in words if w not in RESIZE_TRIGGERS]
