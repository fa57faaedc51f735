"""Scanned pages: bytes and legibility of the 8 pt marks for each candidate format, on three kinds of page
(bench/page_kinds.py), and what the kiosk keeps (`firmware.rules.pages.page_from_image`)."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from bench.page_kinds import DPI, KINDS, legibility, scan_like
from firmware.rules.pages import page_from_image


def _at(dpi: int, page: Image.Image) -> Image.Image:
    return page if dpi == DPI else page.resize((round(page.width * dpi / DPI), round(page.height * dpi / DPI)),
                                               Image.Resampling.LANCZOS)


def _jpeg(dpi: int, quality: int) -> Callable[[Image.Image], bytes]:
    def encode(page: Image.Image) -> bytes:
        out = io.BytesIO()
        _at(dpi, page.convert("L")).save(out, "JPEG", quality=quality, optimize=True)
        return out.getvalue()
    return encode


def _grey_levels(dpi: int, levels: int) -> Callable[[Image.Image], bytes]:
    def encode(page: Image.Image) -> bytes:
        gray = _at(dpi, page.convert("L"))
        step = 255 / (levels - 1)
        quantised = gray.point(lambda v: round(round(v / step) * step))
        palette = quantised.quantize(colors=levels, dither=Image.Dither.NONE)
        out = io.BytesIO()
        palette.save(out, "PNG", optimize=True, bits={2: 1, 4: 2, 16: 4}.get(levels, 8))
        return out.getvalue()
    return encode


def _bilevel(dpi: int) -> Callable[[Image.Image], bytes]:
    def encode(page: Image.Image) -> bytes:
        out = io.BytesIO()
        _at(dpi, page.convert("L")).point(lambda v: 255 if v > 150 else 0).convert("1").save(
            out, "TIFF", compression="group4")
        return out.getvalue()
    return encode


FORMATS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg150_q60": _jpeg(150, 60), "jpeg150_q35": _jpeg(150, 35), "jpeg120_q50": _jpeg(120, 50),
    "png150_4grey": _grey_levels(150, 4), "png150_16grey": _grey_levels(150, 16), "png200_4grey": _grey_levels(200, 4),
    "g4_200": _bilevel(200), "g4_150": _bilevel(150)}


def measure() -> dict[str, dict[str, tuple[int, float]]]:
    """kind -> format -> (bytes, share of 8 pt vowels told apart)."""
    found: dict[str, dict[str, tuple[int, float]]] = {}
    for kind, make in KINDS.items():
        page, glyphs = make()
        scan = scan_like(page)
        found[kind] = {"scan_200dpi": (0, legibility(scan, glyphs))}
        for name, encode in FORMATS.items():
            data = encode(scan)
            with Image.open(io.BytesIO(data)) as decoded:
                found[kind][name] = (len(data), legibility(decoded, glyphs))
        kept = page_from_image(scan, "d", "d", 0)
        kept_data = kept.data
        with Image.open(io.BytesIO(kept_data)) as decoded:
            found[kind]["kept"] = (len(kept_data), legibility(decoded, glyphs))
    return found


def run() -> dict[str, float]:
    found = measure()
    figures: dict[str, float] = {}
    print(f"{'format':16}" + "".join(f"{kind:>26}" for kind in found))
    for name in found["text"]:
        print(f"{name:16}" + "".join(f"{found[k][name][0] / 1000:12.1f} kB {found[k][name][1] * 100:6.1f} %  "
                                     for k in found))
    for kind, formats in found.items():
        figures[f"page_kb_{kind}"] = round(formats["kept"][0] / 1000, 1)
        figures[f"page_legible_8pt_percent_{kind}"] = round(formats["kept"][1] * 100, 1)
    return figures
