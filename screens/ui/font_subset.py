"""The shipped Noto Sans, cut down to the letters a Vietnamese kiosk draws (`make fonts`).

The whole Noto Sans (Greek, Cyrillic, IPA, 3,300 glyphs, 515 kB a weight) was memory-mapped once per type size
drawn, and the kernel maps a file's neighbouring pages with each one read: 2.5 MB of the kiosk's resident memory
for the two weights, 1.0 MB for this subset (110 kB a weight). Kept: all of Latin-1 and Latin Extended-A (names
from abroad), the letters of Vietnamese (Ơ ơ Ư ư and the Ạ..ỹ block), combining marks, punctuation, currency (₫),
arrows and simple symbols. Dropped as well: the glyph names and the OpenType layout tables, which neither the
screens (pygame's FreeType) nor the slip (Pillow's basic layout, firmware/render/slip.py) read. The hinting is
kept, so each string is drawn pixel for pixel as with the whole font.

    python -m screens.ui.font_subset SOURCE_DIR   # NotoSans-{Regular,Bold}.ttf, e.g. /usr/share/fonts/truetype/noto
"""

from __future__ import annotations

import sys
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
WEIGHTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
RANGES = ((0x0000, 0x017F), (0x01A0, 0x01A1), (0x01AF, 0x01B0), (0x02B0, 0x036F), (0x1EA0, 0x1EF9),
          (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),
          (0x25A0, 0x25FF), (0xFB00, 0xFB06), (0xFFFD, 0xFFFD))


def kept(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in RANGES)


def subset(source: Path, target: Path) -> None:
    from fontTools import subset as fonttools_subset  # a developer's tool: the kiosk never imports it

    options = fonttools_subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    font = fonttools_subset.load_font(str(source), options)
    cutter = fonttools_subset.Subsetter(options)
    cutter.populate(unicodes=[cp for low, high in RANGES for cp in range(low, high + 1)])
    cutter.subset(font)
    fonttools_subset.save_font(font, str(target), options)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not all((Path(argv[0]) / name).is_file() for name in WEIGHTS):
        print(f"usage: python -m screens.ui.font_subset DIR (with {' and '.join(WEIGHTS)})", file=sys.stderr)
        return 2
    for name in WEIGHTS:
        subset(Path(argv[0]) / name, FONT_DIR / name)
        print(f"{FONT_DIR / name}: {(FONT_DIR / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
