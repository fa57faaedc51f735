"""What a technician carries away: sparse images, `--xz` with a `.sha256`, and Raspberry Pi Imager's OS list for a
batch, with progress on a terminal (and none in scripts)."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from provisioning.base_image import ProvisionError

BLOCK = 4 * 2**20


class Progress:
    """`label: 42%` redrawn on one line of a terminal; silent when stderr is a file or a pipe."""

    def __init__(self, label: str, total: int, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label, self.total, self.shown = label, max(total, 1), -1
        self.live = self.stream.isatty()

    def update(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if self.live and percent != self.shown:
            self.shown = percent
            self.stream.write(f"\r{self.label}: {percent}%")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


def sparse_copy(source: Path, target: Path) -> None:
    """Copy an image leaving its runs of zeros as holes: the copy takes only the disk its data needs."""
    total = source.stat().st_size
    progress = Progress(f"copy {source.name}", total)
    with source.open("rb") as reader, target.open("wb") as writer:
        done = 0
        while block := reader.read(BLOCK):
            if block.count(0) == len(block):
                writer.seek(len(block), 1)
            else:
                writer.write(block)
            done += len(block)
            progress.update(done)
        writer.truncate(total)
    progress.close()


@dataclass(frozen=True)
class Packed:
    path: Path  # what to flash: the image or its .xz
    size: int
    sha256: str
    extract_size: int  # the image itself, as Imager checks it after unpacking
    extract_sha256: str


def image_digest(image: Path) -> str:
    digest = hashlib.sha256()
    progress = Progress(f"sha256 {image.name}", image.stat().st_size)
    with image.open("rb") as reader:
        done = 0
        while block := reader.read(BLOCK):
            digest.update(block)
            done += len(block)
            progress.update(done)
    progress.close()
    return digest.hexdigest()


def pack(image: Path, xz: bool) -> Packed:
    """With xz: IMAGE.xz (multi-threaded `xz` when installed) and IMAGE.xz.sha256, and the image removed."""
    size = image.stat().st_size
    if not xz:
        digest = image_digest(image)
        return Packed(image, size, digest, size, digest)
    target = image.with_name(image.name + ".xz")
    partial = target.with_name(target.name + ".partial")
    extract = hashlib.sha256()
    progress = Progress(f"xz {image.name}", size)
    try:
        with image.open("rb") as reader, partial.open("wb") as writer:
            if shutil.which("xz"):
                xz_run = subprocess.Popen(["xz", "-T0", "-6", "-c"], stdin=subprocess.PIPE, stdout=writer)
                assert xz_run.stdin is not None
                _feed(reader, extract, progress, xz_run.stdin.write)
                xz_run.stdin.close()
                if xz_run.wait():
                    raise ProvisionError(f"xz failed on {image} (exit {xz_run.returncode})")
            else:
                compressor = lzma.LZMACompressor(preset=6)
                _feed(reader, extract, progress, lambda block: writer.write(compressor.compress(block)))
                writer.write(compressor.flush())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        progress.close()
    packed_digest = image_digest(target)
    target.with_name(target.name + ".sha256").write_text(f"{packed_digest}  {target.name}\n", encoding="utf-8")
    image.unlink()
    return Packed(target, target.stat().st_size, packed_digest, size, extract.hexdigest())


def _feed(reader: IO[bytes], digest: Any, progress: Progress, write: Callable[[bytes], object]) -> None:
    done = 0
    while block := reader.read(BLOCK):
        digest.update(block)
        write(block)
        done += len(block)
        progress.update(done)


def imager_os_list(entries: list[tuple[str, str, Packed]], out_dir: Path, url_base: str = "") -> Path:
    """`os_list.json` for Raspberry Pi Imager ("Use custom" with a repository): one entry per kiosk image."""
    today = date.today().isoformat()
    os_list = [{"name": f"motcua {kiosk_id}", "description": description,
                "url": url_base + packed.path.name, "image_download_size": packed.size,
                "image_download_sha256": packed.sha256, "extract_size": packed.extract_size,
                "extract_sha256": packed.extract_sha256, "release_date": today,
                "devices": ["pi5-64bit", "pi4-64bit", "pi3-64bit"]} for kiosk_id, description, packed in entries]
    path = out_dir / "os_list.json"
    path.write_text(json.dumps({"os_list": os_list}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
