"""Scanned A4 pages at 200 dpi as a citizen brings them, and whether 8 pt Vietnamese marks survive a format.

Three kinds: a typed text page (10-12 pt body, an 8 pt line of every marked vowel), a photocopy of an ID card
(a photograph's smooth tones beside text), and a form with a red round stamp and a pen signature. Each is made
scan-like: paper tone, a slight blur, sensor noise. Legibility is measured, not judged by eye: every 8 pt vowel
of the test line is cut out of the decoded page and compared (normalised correlation) with a clean rendering of
each vowel of its family (e ê ế ề ể ễ ệ ...) at the same place; the share identified is the figure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from screens.ui.canvas import BOLD, REGULAR

DPI = 200
A4 = (round(8.27 * DPI), round(11.69 * DPI))  # 1654 x 2338
FAMILIES = ("aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "eèéẻẽẹ", "êềếểễệ", "iìíỉĩị", "oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ",
            "uùúủũụ", "ưừứửữự", "yỳýỷỹỵ")
BODY = ("Cộng hòa xã hội chủ nghĩa Việt Nam — Độc lập, Tự do, Hạnh phúc. Tôi tên là Nguyễn Thị Ngọc Ánh, "
        "sinh ngày 05/03/2003, thường trú tại thôn 3, xã Yên Phong, tỉnh Bắc Ninh; đề nghị Ủy ban nhân dân xã "
        "đăng ký khai sinh cho con tôi theo quy định của Luật Hộ tịch năm 2014 và Nghị định 123/2015/NĐ-CP.")


def points(size_pt: float) -> int:
    return round(size_pt * DPI / 72)


@dataclass(frozen=True)
class Glyph:
    char: str
    family: str
    box: tuple[int, int, int, int]  # where it is drawn on the page (left, top, right, bottom)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > width and line:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def _text(draw: ImageDraw.ImageDraw, top: int, size_pt: float, repeat: int = 1) -> int:
    font = ImageFont.truetype(str(REGULAR), points(size_pt))
    margin = points(72)  # one inch
    for line in _wrap(draw, " ".join([BODY] * repeat), font, A4[0] - 2 * margin):
        draw.text((margin, top), line, fill=20, font=font)
        top += round(points(size_pt) * 1.4)
    return top


def _test_line(draw: ImageDraw.ImageDraw, top: int) -> tuple[int, list[Glyph]]:
    """Every marked vowel at 8 pt, spaced so each can be cut out alone."""
    font = ImageFont.truetype(str(REGULAR), points(8))
    x, glyphs, step = points(72), [], points(8)
    for family in FAMILIES:
        for char in family:
            if x + step > A4[0] - points(72):
                x, top = points(72), top + round(points(8) * 2.2)
            draw.text((x, top + points(3)), char, fill=20, font=font, anchor="ls")
            box = (x - 2, top - points(5), x + step - 2, top + points(5))
            glyphs.append(Glyph(char, family, box))
            x += step
    return top + round(points(8) * 2.2), glyphs


def text_page() -> tuple[Image.Image, list[Glyph]]:
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    title = ImageFont.truetype(str(BOLD), points(14))
    draw.text((points(72), points(72)), "TỜ KHAI ĐĂNG KÝ KHAI SINH", fill=10, font=title)
    top, glyphs = _test_line(draw, _text(draw, points(110), 12, 2))
    top = _text(draw, top + points(12), 10, 4)
    _text(draw, top + points(12), 8, 3)
    return page, glyphs


def id_copy_page() -> tuple[Image.Image, list[Glyph]]:
    page, glyphs = text_page()
    rng = random.Random(7)
    card = Image.new("L", (points(243), points(153)), 200)  # 85.6 x 54 mm
    photo = Image.linear_gradient("L").resize((points(60), points(80))).rotate(25, fillcolor=120)
    for _ in range(400):  # a face and hair: soft blobs of tone
        x, y, r = rng.randrange(photo.width), rng.randrange(photo.height), rng.randrange(4, 16)
        ImageDraw.Draw(photo).ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(60, 220))
    card.paste(photo.filter(ImageFilter.GaussianBlur(3)), (points(12), points(40)))
    small = ImageFont.truetype(str(REGULAR), points(7))
    for line in range(6):
        ImageDraw.Draw(card).text((points(90), points(40) + line * points(14)), "Họ và tên: Nguyễn Văn Ẩn",
                                  fill=30, font=small)
    page.paste(card, (points(72), A4[1] - points(300)))
    page.paste(card.rotate(180), (points(72) + card.width + points(20), A4[1] - points(300)))
    return page, glyphs


def stamp_page() -> tuple[Image.Image, list[Glyph]]:
    page, glyphs = text_page()
    rgb = page.convert("RGB")
    draw = ImageDraw.Draw(rgb)
    centre, radius = (A4[0] - points(200), A4[1] - points(250)), points(70)
    for width in range(6):
        draw.ellipse((centre[0] - radius + width, centre[1] - radius + width, centre[0] + radius - width,
                      centre[1] + radius - width), outline=(200, 30, 40))
    stamp = ImageFont.truetype(str(BOLD), points(9))
    draw.text(centre, "UBND XÃ YÊN PHONG", fill=(200, 30, 40), font=stamp, anchor="mm")
    rng = random.Random(3)
    x, y = centre[0] - points(150), centre[1]
    pen = []
    for _ in range(40):  # a signature: a run of loops
        x += rng.randint(4, 18)
        y += rng.randint(-25, 25)
        pen.append((x, max(centre[1] - 60, min(centre[1] + 60, y))))
    draw.line(pen, fill=(20, 30, 120), width=4, joint="curve")
    return rgb, glyphs


def scan_like(page: Image.Image) -> Image.Image:
    """As a 200 dpi document scanner gives it: paper not white and ink not black, a slight blur, noise."""
    gray = page.convert("L").filter(ImageFilter.GaussianBlur(0.7))
    paper = gray.point(lambda v: round(v * 0.9 + 12))
    return Image.blend(paper, Image.effect_noise(gray.size, 40), 0.08)


KINDS: dict[str, Callable[[], tuple[Image.Image, list[Glyph]]]] = {
    "text": text_page, "id_copy": id_copy_page, "stamp_signature": stamp_page}


def legibility(decoded: Image.Image, glyphs: list[Glyph]) -> float:
    """Share of the 8 pt vowels told apart from the rest of their family in `decoded` (brought back to 200 dpi)."""
    page = decoded.convert("L").resize(A4, Image.Resampling.BICUBIC)
    font = ImageFont.truetype(str(REGULAR), points(8))
    right = 0
    for glyph in glyphs:
        left, top, box_right, bottom = glyph.box
        seen = _vector(page.crop(glyph.box))
        best, best_score = "", -2.0
        for other in glyph.family:
            clean = Image.new("L", (box_right - left, bottom - top), 255)
            ImageDraw.Draw(clean).text((2, points(5) + points(3)), other, fill=20, font=font, anchor="ls")
            score = _correlation(seen, _vector(clean))
            if score > best_score:
                best, best_score = other, score
        right += best == glyph.char
    return right / len(glyphs)


def _vector(image: Image.Image) -> list[float]:
    values = list(image.tobytes())
    mean = sum(values) / len(values)
    return [v - mean for v in values]


def _correlation(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return dot / norm if norm else 0.0
