"""Redrawing only what changed gives, pixel for pixel, the frame a full redraw gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame
import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator, load_script
from screens.base import Screen
from screens.ui.canvas import Canvas
from screens.ui.retained import Frames, Op
from screens.ui.theme import make_theme
from screens.ui.widgets import Button

from .conftest import REPO, SIZES, steps

DEMO = REPO / "firmware" / "demo" / "demo.yaml"


def full_repaint(size: tuple[int, int], ops: list[Op]) -> pygame.Surface:
    surface = pygame.Surface(size)
    for op in ops:
        surface.set_clip(op.clip)
        op.paint(surface)
    surface.set_clip(None)
    return surface


class Checked:
    """Every frame the loop paints is compared with a full repaint of the same operations."""

    def __init__(self, canvas: Canvas) -> None:
        self.frames = canvas.frames
        self.canvas = canvas
        self.compared = 0
        self.partial = 0
        self.painted_share: list[float] = []
        original = self.frames.present

        def present(surface: pygame.Surface, ops: list[Op]) -> list[pygame.Rect]:
            damage = original(surface, ops)
            whole = full_repaint(surface.get_size(), ops)
            assert pygame.image.tobytes(surface, "RGB") == pygame.image.tobytes(whole, "RGB"), \
                f"frame {self.compared} differs from a full repaint (damage {damage})"
            self.compared += 1
            if damage and damage != [surface.get_rect()]:
                self.partial += 1
                area = surface.get_width() * surface.get_height()
                self.painted_share.append(sum(r.width * r.height for r in damage) / area)
            return damage

        self.frames.present = present  # type: ignore[method-assign]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_demo_frames_equal_full_repaints(make_app: Callable[..., App], size: tuple[int, int]) -> None:
    app = make_app(size=size)
    checked = Checked(app.loop.canvas)
    sim = Simulator(app)
    sim.script_dir = DEMO.parent
    sim.run(load_script(DEMO))
    assert checked.compared > 30
    assert checked.partial > 10, "hardly any frame was painted in part: the damage tracking does nothing"
    assert max(checked.painted_share) < 0.6


def modal_over_procedures(sim: Simulator) -> Screen:
    """`procedures` with a modal over it (its `coming_soon`); the screen under it."""
    sim.run(steps(("presence", True), ("tap", "Thủ tục"), ("expect_screen", "procedures")))
    top = sim.app.stack.top
    assert top is not None
    top.coming_soon()
    sim.settle(2)
    return top


def test_a_modal_over_the_form_and_its_press_equal_full_repaints(sim: Simulator) -> None:
    checked = Checked(sim.app.loop.canvas)
    modal_over_procedures(sim)
    assert sim.app.loop.canvas.frames.under is not None, "the frame under the modal is not kept"
    sim.run(steps(("tap", "Quay lại"), ("expect_screen", "procedures")))
    assert sim.app.loop.canvas.frames.under is None
    assert checked.compared >= 4


def test_the_copy_under_a_modal_let_go_mid_modal_still_gives_full_repaints(sim: Simulator) -> None:
    """At a visit's end the copy under a modal goes (a whole frame, 8 MB at 1080x1920); were a modal still up,
    the frame after it is painted from its operations, and the next modal makes a copy again."""
    checked = Checked(sim.app.loop.canvas)
    frames = sim.app.loop.canvas.frames
    top = modal_over_procedures(sim)
    assert frames.under is not None
    frames.release()
    assert frames.under is None and frames._spare is None
    sim.run(steps(("tap", "Quay lại"), ("expect_screen", "procedures")))
    top.coming_soon()
    sim.settle(2)
    assert frames.under is not None and frames._spare is not None
    assert checked.compared >= 5


def test_only_the_changed_operation_is_painted_again() -> None:
    pygame.init()
    surface = pygame.Surface((400, 300))
    canvas = Canvas(surface, make_theme(800, 480))

    def frame(button_color: tuple[int, int, int]) -> list[pygame.Rect]:
        canvas.begin()
        canvas.fill((255, 255, 255))
        canvas.fill(button_color, pygame.Rect(10, 10, 100, 50), 8)
        canvas.fill((0, 0, 255), pygame.Rect(200, 200, 50, 50))
        return canvas.finish()

    assert frame((255, 0, 0)) == [surface.get_rect()]  # the first frame is painted whole
    assert frame((255, 0, 0)) == []  # nothing changed: nothing painted
    assert frame((0, 255, 0)) == [pygame.Rect(10, 10, 100, 50)]  # the pressed button only
    assert surface.get_at((50, 30))[:3] == (0, 255, 0) and surface.get_at((220, 220))[:3] == (0, 0, 255)
    canvas.surface = pygame.Surface((400, 300))  # a new surface shows nothing yet: painted whole
    assert frame((0, 255, 0)) == [canvas.surface.get_rect()]


def test_operations_that_change_order_repaint_the_frame() -> None:
    frames = Frames()
    surface = pygame.Surface((100, 100))
    red = Op("red", pygame.Rect(0, 0, 60, 60), None, lambda s: s.fill((255, 0, 0), (0, 0, 60, 60)))
    blue = Op("blue", pygame.Rect(30, 30, 60, 60), None, lambda s: s.fill((0, 0, 255), (30, 30, 60, 60)))
    frames.present(surface, [red, blue])
    assert surface.get_at((45, 45))[:3] == (0, 0, 255)
    assert frames.present(surface, [blue, red]) == [surface.get_rect()]
    assert surface.get_at((45, 45))[:3] == (255, 0, 0)


def test_a_widget_drawn_outside_a_frame_paints_at_once(tmp_path: Path) -> None:
    pygame.init()
    surface = pygame.Surface((200, 100))
    canvas = Canvas(surface, make_theme(800, 480))
    canvas.fill((10, 20, 30), pygame.Rect(0, 0, 50, 50))
    assert surface.get_at((10, 10))[:3] == (10, 20, 30)


def _buttons() -> list[type[Button]]:
    import screens.ui.faces  # noqa: F401 - FaceButton

    found, queue = [], [Button]
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return found


def test_a_button_looks_different_when_anything_it_shows_changes() -> None:
    """A widget's drawing is kept by its look: a field left out of it would keep a stale drawing on screen."""
    import dataclasses

    for cls in _buttons():
        button = cls("Nộp hồ sơ", "submit", pygame.Rect(0, 0, 100, 50))
        for item in dataclasses.fields(button):
            if item.name == "action":
                continue  # what a tap does, not what is seen
            value = getattr(button, item.name)
            changed = {bool: lambda v: not v, int: lambda v: v + 1, str: lambda v: v + "x",
                       pygame.Rect: lambda v: v.move(1, 0)}[type(value)](value)
            other = dataclasses.replace(button, **{item.name: changed})
            assert other.look() != button.look(), f"{cls.__name__}.look() leaves out {item.name}"


def test_kept_drawings_and_text_layouts_stay_bounded() -> None:
    """The clock and each dossier's code make new drawings all day: what is kept must stop growing."""
    from screens.ui import canvas as canvas_module

    pygame.init()
    theme = make_theme(800, 480)
    canvas = Canvas(pygame.Surface((800, 480)), theme)
    for minute in range(3 * canvas_module.GROUPS_KEPT):
        canvas.begin()
        Button(f"{minute // 60:02d}:{minute % 60:02d} kiosk-01-261124-{minute:04d}", "go",
               pygame.Rect(10, 10, 400, 80)).draw(canvas)
        canvas.finish()
    assert len(canvas._groups) <= canvas_module.GROUPS_KEPT
    assert canvas_module.layout.cache_info().currsize <= canvas_module.TEXTS_KEPT
