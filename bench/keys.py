"""Key press to frame: from the finger leaving an on-screen key to the redrawn form, through the real loop; and
typing a search on `procedures` with the shipped catalog and with a province's 2,000 procedures."""

from __future__ import annotations

import os
import statistics
import time

import pygame

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.frames import province_config  # noqa: E402
from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import App, build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from screens import REGISTRY  # noqa: E402

KEYS = "nguyeenxhoangfbaro" * 6


SEARCH = "dang ky tam tru"
PASSES = 8  # the query typed 8 times over: a median of 15 key presses moved by 40 % from one run to the next


def _tap(app: App, pos: tuple[int, int]) -> bool:
    """A finger down and up at `pos`; whether the lift drew a frame."""
    app.loop.step([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
    return app.loop.step([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)])


def _type(app: App, keys: str) -> list[float]:
    """Each key tapped on the on-screen keyboard: ms from the finger's lift to the frame drawn."""
    times = []
    for key in keys:
        screen = app.stack.top
        assert screen is not None
        (pos, *_) = screen.locate("Dấu cách" if key == " " else key) or screen.locate(key.upper())
        app.loop.step([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
        up = pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)
        started = time.perf_counter()
        drew = app.loop.step([up])
        times.append((time.perf_counter() - started) * 1000)
        assert drew
        app.clock.advance(0.05)  # type: ignore[attr-defined]
    return times


def _search_screen(config: Config) -> App:
    """The procedures screen's search, the query typed once and cleared: the index built, the glyphs met."""
    app = build(config, clock=VirtualClock(), size=(1080, 1920), headless=True, outbox_path=scratch_outbox())
    app.stack.reset("procedures")
    app.stack.apply_pending()
    app.loop.step([])
    screen = app.stack.top
    assert screen is not None
    _tap(app, screen.locate("Tìm thủ tục")[0])
    _type(app, SEARCH)
    return app


def _retype(app: App) -> list[float]:
    screen = app.stack.top
    assert screen is not None
    for _ in SEARCH:
        _tap(app, screen.locate("Xoá")[0])
    return _type(app, SEARCH)


def _searches(configs: list[Config]) -> list[list[float]]:
    """Each catalog's key presses, its passes taken in turn with the others' so that the machine's pace, which
    drifts within a run, weighs on every catalog alike."""
    apps = [_search_screen(config) for config in configs]
    try:
        times: list[list[float]] = [[] for _ in apps]
        for _ in range(PASSES):
            for app, kept in zip(apps, times, strict=True):
                kept += _retype(app)
        return times
    finally:
        for app in apps:
            app.close()


def run() -> dict[str, float]:
    figures = _form()
    shipped, province = _searches([Config(), province_config()])
    figures["search_keypress_to_frame_ms_shipped"] = round(statistics.median(shipped), 3)
    figures["search_keypress_to_frame_ms_2000"] = round(statistics.median(province), 3)
    figures["search_keypress_2000_over_shipped"] = round(statistics.median(province) / statistics.median(shipped), 2)
    return figures


def _form() -> dict[str, float]:
    app = build(Config(), clock=VirtualClock(), size=(1080, 1920), headless=True, outbox_path=scratch_outbox())
    try:
        app.stack.reset("form", **REGISTRY["form"].sample_params(app.kiosk))
        app.stack.apply_pending()
        app.loop.step([])
        screen = app.stack.top
        assert screen is not None
        times = _type(app, KEYS)
        return {"keypress_to_frame_ms": round(statistics.median(times), 3),
                "keypress_to_frame_ms_p95": round(sorted(times)[int(len(times) * 0.95)], 3)}
    finally:
        app.close()
