"""Every registered screen at the three display sizes: renders, fits, targets at least 9 mm, AA contrast."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pygame
import pytest

from firmware.app.compose import App
from screens import REGISTRY
from screens.ui.theme import MIN_TARGET_MM, TEXT_PAIRS, Palette, contrast_ratio, make_theme
from screens.ui.widgets import ScrollList

from .conftest import REPO, SIZES


def show(app: App, name: str) -> None:
    screen = REGISTRY[name]
    app.stack.reset(name, **screen.sample_params(app.kiosk))
    app.stack.apply_pending()
    app.loop.step([])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_screen_fits_and_targets_are_big_enough(make_app: Callable[..., App], name: str,
                                                size: tuple[int, int]) -> None:
    app = make_app(size=size)
    show(app, name)
    screen = app.stack.top
    assert screen is not None and screen.name == name
    assert app.loop.canvas.drawn, "nothing was drawn"
    bounds = pygame.Rect(0, 0, *size)
    theme = make_theme(*size)
    buttons = screen.buttons()
    in_lists = {id(b) for w in screen.widgets if isinstance(w, ScrollList) for b in w.items}
    for widget in screen.widgets:
        if isinstance(widget, ScrollList):
            assert bounds.contains(widget.rect), f"a list leaves the screen: {widget.rect}"
    for button in buttons:
        if id(button) not in in_lists:  # list items scroll; the list itself must fit
            assert bounds.contains(button.rect), f"{button.label!r} leaves the screen: {button.rect}"
        assert min(button.rect.size) >= theme.min_target, (
            f"{button.label!r} is {button.rect.size}, under {MIN_TARGET_MM} mm ({theme.min_target} px)")
    buttons = [b for b in buttons if id(b) not in in_lists]
    for index, first in enumerate(buttons):
        for second in buttons[index + 1:]:
            assert not first.rect.colliderect(second.rect), f"{first.label!r} overlaps {second.label!r}"


def test_body_text_is_at_least_32px_at_1080p() -> None:
    assert make_theme(1080, 1920).body >= 32
    assert make_theme(1080, 1920).small >= 32


@pytest.mark.parametrize("fg,bg", TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(fg: str, bg: str) -> None:
    palette = Palette()
    assert contrast_ratio(getattr(palette, fg), getattr(palette, bg)) >= 4.5


def test_contrast_check_can_fail() -> None:
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) < 4.5


def test_home_has_the_six_labels_once_each(app: App) -> None:
    show(app, "home")
    labels = [b.label for b in app.stack.top.buttons()]  # type: ignore[union-attr]
    for label in ("Nộp hồ sơ", "Tra cứu hồ sơ", "Nộp phí", "Đánh giá", "Thủ tục", "Trợ giúp"):
        assert labels.count(label) == 1


def test_english_is_second_language(make_app: Callable[..., App]) -> None:
    app = make_app('[kiosk]\nlanguage = "en"\n')
    show(app, "home")
    labels = [b.label for b in app.stack.top.buttons()]  # type: ignore[union-attr]
    assert "Submit a dossier" in labels and "Help" in labels


def test_screens_command_writes_a_png_per_screen(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "firmware", "screens", "--out", str(tmp_path),
                             "--size", "800x480"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in REGISTRY:
        image = pygame.image.load(str(tmp_path / f"{name}.png"))
        assert image.get_size() == (800, 480)


def test_screens_command_rejects_a_bad_size(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "firmware", "screens", "--out", str(tmp_path),
                             "--size", "big"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert "--size 'big': expected WIDTHxHEIGHT" in result.stderr
