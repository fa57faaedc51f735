"""Checking a scanned page before it is kept: a blank or unreadable page is refused with a reason."""

from __future__ import annotations

from PIL import Image, ImageStat

from firmware.i18n import N_, _

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
