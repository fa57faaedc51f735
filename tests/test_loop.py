"""The loop: posted events from threads, redraw only when dirty, touch handling, rotation."""

from __future__ import annotations

import threading

import pygame
import pytest

from firmware.app.compose import App
from firmware.app.display import Display
from firmware.app.sim import Simulator
from firmware.runtime import events
from screens.ui.input import Pointer, to_pointer


def test_an_event_posted_by_a_thread_reaches_the_screen(sim: Simulator) -> None:
    app = sim.app
    worker = threading.Thread(target=app.inbox.post, args=(events.Presence(True),))
    worker.start()
    worker.join(timeout=5)
    assert app.inbox.wait(5.0), "the loop was not woken"
    for _ in range(3):
        sim.frame()
    assert app.stack.top_name == "home"
    assert app.loop.handled_events[-1].kind == events.PRESENCE


def test_nothing_is_redrawn_when_nothing_changed(sim: Simulator) -> None:
    frames = sim.app.loop.frames
    for _ in range(20):
        sim.frame()
    assert sim.app.loop.frames == frames
    sim.wait(60.0)  # the minute turns: the clock must be redrawn, once
    assert sim.app.loop.frames == frames + 1


def test_link_and_printer_trouble_show_in_the_banner(sim: Simulator) -> None:
    sim.presence(True)
    sim.app.inbox.post(events.LinkState("down"))
    sim.printer("paper_out")
    assert sim.app.kiosk.health["network"] == "down" and sim.app.kiosk.health["printer"] == "paper_out"
    sim.expect_text("Mất kết nối mạng")
    sim.expect_text("Máy in đang tạm ngừng")
    sim.app.inbox.post(events.LinkState("up"))
    sim.settle()
    assert not any("Mất kết nối mạng" in text for text in sim.app.loop.canvas.drawn)


def test_touch_counts_once_and_finger_coordinates_are_scaled() -> None:
    display = Display(1080, 1920, rotate=0, scale=0.5)
    synthesised = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 10), button=1, touch=True)
    assert to_pointer(synthesised, display.window_size, display.to_logical) is None
    finger = pygame.event.Event(pygame.FINGERDOWN, x=0.5, y=0.25, finger_id=0, touch_id=0)
    assert to_pointer(finger, display.window_size, display.to_logical) == Pointer("down", (540, 480))


def test_rotated_panel_maps_touch_back_to_portrait() -> None:
    display = Display(1080, 1920, rotate=90)
    assert display.window_size == (1920, 1080)
    # The top-left of the portrait drawing appears at the top-right of the panel after a clockwise turn.
    assert display.to_logical((1919, 0)) == (0, 0)
    assert display.to_logical((0, 1079)) == (1079, 1919)
    assert Display(1080, 1920, rotate=270).to_logical((0, 1079)) == (0, 0)
    assert Display(1080, 1920, rotate=180).to_logical((1079, 1919)) == (0, 0)


def test_rotated_frame_is_drawn_rotated() -> None:
    display = Display(20, 40, rotate=90)
    display.surface.fill((0, 0, 0))
    display.surface.set_at((0, 0), (255, 0, 0))
    rotated = pygame.transform.rotate(display.surface, -90)
    assert rotated.get_size() == (40, 20)
    assert rotated.get_at((39, 0))[:3] == (255, 0, 0)


def test_status_is_collected(app: App) -> None:
    status = app.loop.status(app.clock.now())
    assert status["screen"] == "attract" and status["depth"] == 1


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_only_the_changed_rectangles_are_shown_turned_as_the_panel(rotate: int) -> None:
    display = Display(30, 50, rotate=rotate)
    display.open("offscreen")
    try:
        for x in range(30):
            for y in range(50):
                display.surface.set_at((x, y), (x * 8, y * 5, 90))
        display.present()
        changed = pygame.Rect(3, 7, 11, 5)
        display.surface.fill((255, 255, 0), changed)
        display.surface.fill((0, 255, 255), (25, 40, 5, 10))  # changed too, but not said: stays as it was
        display.present([changed])
        assert display.window is not None
        expected = pygame.transform.rotate(display.surface, -rotate)
        expected.fill((0, 0, 0), display.to_physical(pygame.Rect(25, 40, 5, 10)))
        shown = display.window.copy()
        shown.fill((0, 0, 0), display.to_physical(pygame.Rect(25, 40, 5, 10)))
        assert pygame.image.tobytes(shown, "RGB") == pygame.image.tobytes(expected, "RGB")
        assert display.window.get_at(display.to_physical(changed).center)[:3] == (255, 255, 0)
        assert display.window.get_at(display.to_physical(pygame.Rect(27, 45, 1, 1)).topleft)[:3] != (0, 255, 255)
    finally:
        display.close()
