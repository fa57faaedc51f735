"""Scanned pages: checked before they are kept (a blank or unreadable page is refused with a reason), and
kept as four-level grey PNGs with their SHA-256."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, ImageStat

from firmware.rules.i18n import N_, _

BLANK = "blank"
DARK = "dark"
REASONS = {
    BLANK: N_("Trang giấy trống. Xin mời bạn đặt lại giấy, mặt có chữ úp xuống."),
    DARK: N_("Trang quét quá tối, không đọc được. Xin mời bạn đặt lại giấy cho phẳng rồi quét lại."),
}
THUMB_HEIGHT = 420


def page_problem(image: Image.Image) -> str | None:
    """BLANK when there is almost no ink, DARK when there is almost no paper; None for a readable page."""
    gray = image.convert("L")
    small = gray.resize((max(1, gray.width // 8), max(1, gray.height // 8)))
    ink = sum(small.histogram()[:128]) / (small.width * small.height)
    if ink < 0.002 or ImageStat.Stat(small).stddev[0] < 3:
        return BLANK
    if ink > 0.85:
        return DARK
    return None


def reason(problem: str) -> str:
    return _(REASONS[problem])


def thumbnail(image: Image.Image, height: int = THUMB_HEIGHT) -> Image.Image:
    gray = image.convert("L")
    width = max(1, round(gray.width * height / gray.height))
    return gray.resize((width, height))


MAX_PAGE_SIDE = 1754  # A4 at 150 dpi
GREY_LEVELS = 4  # black, two greys, paper: measured in docs/hardware.md ("Scanned pages")
MIME = "image/png"


@dataclass(frozen=True)
class Page:
    document: str
    document_name: str
    index: int
    data: bytes
    width: int
    height: int
    mime: str = MIME

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def manifest(self) -> dict[str, Any]:
        return {"document": self.document, "document_name": self.document_name, "index": self.index,
                "mime": self.mime, "sha256": self.sha256, "bytes": len(self.data), "width": self.width,
                "height": self.height}


def page_from_image(image: Image.Image, document: str, document_name: str, index: int) -> Page:
    """A scanned page as A4 at 150 dpi in four grey levels (a 2-bit PNG): about 60 kB for a text page, a third
    of a grayscale JPEG, with 8 pt tone marks as legible as in the scan itself (bench/pages.py)."""
    gray = image.convert("L")
    scale = MAX_PAGE_SIDE / max(gray.size)
    if scale < 1:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    # Paper to white and ink to black first, so a grey sheet or a pale print still uses the four levels.
    stretched = ImageOps.autocontrast(gray, cutoff=0.5)
    step = 255 / (GREY_LEVELS - 1)
    levels = stretched.point(lambda v: round(round(v / step) * step)).quantize(GREY_LEVELS, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    levels.save(buffer, "PNG", optimize=True, bits=2)
    return Page(document, document_name, index, buffer.getvalue(), gray.width, gray.height)
