"""Sizes and colours for elderly users, relative to the display.

Type scales with the display's short side (1080 px = 1.0): body text 40 px on a 1080x1920 totem. Touch targets
are at least 9 mm, from the panel's pixel density: set `display.px_per_mm`, or it is guessed from the resolution
of the panels motcua ships on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Color = tuple[int, int, int]

# Pixels per millimetre of the panels kiosks are built with (width over the visible width in mm).
KNOWN_PANELS: dict[tuple[int, int], float] = {
    (1080, 1920): 1080 / 268.0,  # 21.5" portrait totem
    (720, 1280): 720 / 125.0,    # 10.1" portrait tablet panel
    (800, 480): 800 / 154.2,     # official Raspberry Pi 7" touch display
}
MIN_TARGET_MM = 9.0


@dataclass(frozen=True)
class Palette:
    background: Color = (255, 255, 255)
    text: Color = (26, 26, 26)
    muted: Color = (84, 84, 84)
    header: Color = (163, 22, 33)          # the red of public-service signage
    on_header: Color = (255, 255, 255)
    primary: Color = (11, 79, 156)
    on_primary: Color = (255, 255, 255)
    secondary: Color = (226, 234, 244)
    on_secondary: Color = (11, 45, 90)
    pressed: Color = (6, 44, 90)
    on_pressed: Color = (255, 255, 255)
    warning: Color = (255, 214, 102)
    on_warning: Color = (51, 34, 0)
    danger: Color = (176, 0, 32)
    on_danger: Color = (255, 255, 255)
    scrim: Color = (0, 0, 0)
    panel: Color = (255, 255, 255)
    outline: Color = (90, 100, 115)


# Foreground/background pairs that text is drawn with; a test checks each meets WCAG AA (4.5:1).
TEXT_PAIRS = (
    ("text", "background"), ("muted", "background"), ("on_header", "header"), ("on_primary", "primary"),
    ("on_secondary", "secondary"), ("on_pressed", "pressed"), ("on_warning", "warning"),
    ("on_danger", "danger"), ("text", "panel"), ("danger", "background"),
)


@dataclass(frozen=True)
class Theme:
    width: int
    height: int
    px_per_mm: float
    palette: Palette
    unit: float

    @property
    def portrait(self) -> bool:
        return self.height >= self.width

    def px(self, at_1080: float) -> int:
        return max(1, round(at_1080 * self.unit))

    @property
    def min_text(self) -> int:
        """The smallest type any screen may draw: 32 px on the 1080-wide totem (8 mm of its 268 mm), elsewhere
        the same share of the panel's width (a 7-inch panel is read from closer): 24 px at 800x480."""
        return math.ceil(32 * self.width / 1080)

    @property
    def body(self) -> int:
        return max(self.px(40), self.min_text)

    @property
    def small(self) -> int:
        return max(self.px(32), self.min_text)

    @property
    def title(self) -> int:
        return self.px(60)

    @property
    def huge(self) -> int:
        return self.px(96)

    @property
    def margin(self) -> int:
        return self.px(48)

    @property
    def gap(self) -> int:
        return self.px(28)

    @property
    def radius(self) -> int:
        return self.px(18)

    @property
    def min_target(self) -> int:
        return round(MIN_TARGET_MM * self.px_per_mm + 0.5)

    @property
    def button_height(self) -> int:
        return max(self.px(150), self.min_target)

    @property
    def footer_button_height(self) -> int:
        """Back / finish buttons: smaller than the main choices, never under 9 mm."""
        return max(self.px(120), self.min_target)

    @property
    def header_height(self) -> int:
        return max(self.px(150 if self.portrait else 120), self.min_target)


def make_theme(width: int, height: int, px_per_mm: float = 0.0) -> Theme:
    if px_per_mm <= 0:
        px_per_mm = KNOWN_PANELS.get((width, height)) or KNOWN_PANELS.get((height, width)) or 4.0
    # Scale with the short side; a landscape panel is short but wide, so its type may grow a little.
    unit = min(width, height) / 1080
    if width > height:
        unit = min(unit * 1.35, width / 1080)
    return Theme(width, height, px_per_mm, Palette(), unit)


def contrast_ratio(fg: Color, bg: Color) -> float:
    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
