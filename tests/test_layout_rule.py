"""The layout rule on every screen, in the states citizens see, at 1080x1920, 720x1280 and 800x480: no text below
the theme's smallest size, none that does not fit its box, no widget or text outside the side margins, no
button under 9 mm (tests/layout_check.py)."""

from __future__ import annotations

import pygame

from screens.ui.canvas import Canvas
from screens.ui.theme import make_theme

from .layout_check import problems


def test_every_screen_at_every_size_keeps_the_layout_rule() -> None:
    found = list(problems())
    assert found == [], "\n".join(found)


def test_the_rule_sees_text_squeezed_below_its_floor_or_out_of_its_box() -> None:
    theme = make_theme(800, 480)
    canvas = Canvas(pygame.Surface((800, 480)), theme)
    canvas.text("Ngày hẹn trả kết quả: 25/11/2026", pygame.Rect(29, 100, 120, 20), theme.body, (0, 0, 0))
    assert canvas.placed[0][1] == theme.min_text == 24  # shrinking stops at the floor ...
    assert canvas.overflowed, "... and the text that then does not fit is reported"


def test_min_text_is_32_px_on_the_totem_and_the_same_share_of_the_width_elsewhere() -> None:
    assert make_theme(1080, 1920).min_text == 32
    assert make_theme(720, 1280).min_text == 22
    assert make_theme(800, 480).min_text == 24
