"""Every UI string: in the English catalog, NFC, and drawable by the shipped font with no missing glyph."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pygame
import pygame.freetype
import pytest

from firmware.rules import i18n
from screens.ui import font_subset
from screens.ui.canvas import BOLD, REGULAR, missing_glyphs

from .conftest import REPO

MESSAGES = i18n.extract_messages(REPO)
CATALOG = i18n.read_po(i18n.po_path("en"))


def test_there_are_ui_strings() -> None:
    assert len(MESSAGES) > 30
    assert "Nộp hồ sơ" in MESSAGES and "Cần thêm thời gian" in MESSAGES


def test_every_string_has_an_english_translation() -> None:
    untranslated = [m for m in MESSAGES if not CATALOG.get(m)]
    assert untranslated == [], "run `python -m firmware.rules.i18n` and translate the new strings"


def test_compiled_catalog_is_up_to_date() -> None:
    compiled = i18n.po_path("en").with_suffix(".mo").read_bytes()
    assert compiled == i18n.compile_mo(CATALOG), "run `python -m firmware.rules.i18n`"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_strings_come_out_nfc(language: str) -> None:
    i18n.set_language(language)
    decomposed = unicodedata.normalize("NFD", "Nộp hồ sơ")
    assert i18n._(decomposed) == ("Nộp hồ sơ" if language == "vi" else "Submit a dossier")
    for message in MESSAGES:
        assert unicodedata.is_normalized("NFC", i18n._(message))


@pytest.mark.parametrize("bold", [False, True])
def test_every_ui_string_renders_with_no_missing_glyph(bold: bool) -> None:
    texts = MESSAGES + list(CATALOG.values())
    missing = {t: missing_glyphs(t, bold) for t in texts}
    assert {t: m for t, m in missing.items() if m} == {}


def test_missing_glyph_check_catches_a_font_without_vietnamese() -> None:
    """The check must be able to fail: pygame's built-in font has no ễ ả ủ ụ."""
    pygame.freetype.init()
    default = pygame.freetype.Font(None, 24)
    metrics = default.get_metrics("Nguyễn ả ủ ụ")
    assert None in metrics
    assert missing_glyphs("Nguyễn Văn Ả ủ ụ ơ ư đ Đ") == []


def test_shipped_font_and_licence_are_in_the_package() -> None:
    assert REGULAR.stat().st_size > 100_000 and BOLD.stat().st_size > 100_000
    licence = (REGULAR.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng


@pytest.mark.parametrize("bold", [False, True])
def test_every_vietnamese_letter_with_every_tone_is_drawn(bold: bool) -> None:
    """The shipped font is a subset (screens/ui/font_subset.py): whatever it dropped, no Vietnamese letter."""
    letters = [unicodedata.normalize("NFC", v + tone) for v in VOWELS for tone in TONES] + ["đ"]
    letters += [letter.upper() for letter in letters]
    assert len(letters) == 146
    assert missing_glyphs("".join(letters), bold) == []
    latin = [chr(cp) for cp in range(0xC0, 0x180) if chr(cp).isalpha()]  # names from abroad: Latin-1, Extended-A
    assert missing_glyphs("".join(latin), bold) == []
    assert missing_glyphs("₫ – — … • “” ‘’ « » · ×", bold) == []


@pytest.mark.parametrize("path", [REGULAR, BOLD], ids=lambda p: p.name)
def test_the_shipped_font_is_the_subset(path: Path) -> None:
    """The whole Noto Sans costs 1.5 MB more resident memory (it is mapped once per type size): `make fonts`."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    outside = sorted(hex(cp) for cp in font.getBestCmap() if not font_subset.kept(cp))
    assert outside == []
    assert "fpgm" in font and "GPOS" not in font  # hinting kept (drawn as before); layout tables never read
    assert path.stat().st_size < 120_000


def test_the_slip_is_laid_out_as_the_screens_are() -> None:
    """By FreeType alone: with libraqm, where Pillow finds it, the slip would be shaped by HarfBuzz with tables
    the shipped font no longer has, and wrap differently from one kiosk to the next."""
    from PIL import ImageFont

    from firmware.render.slip import _font

    assert _font(24, False).layout_engine == ImageFont.Layout.BASIC
    assert _font(30, True).layout_engine == ImageFont.Layout.BASIC
