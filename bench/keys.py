"""Key press to frame: from the finger leaving an on-screen key to the redrawn form, through the real loop."""

from __future__ import annotations

import os
import statistics
import time

import pygame

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from screens import REGISTRY  # noqa: E402

KEYS = "nguyeenxhoangfbaro" * 6


def run() -> dict[str, float]:
    app = build(Config(), clock=VirtualClock(), size=(1080, 1920), headless=True, outbox_path=scratch_outbox())
    try:
        app.stack.reset("form", **REGISTRY["form"].sample_params(app.kiosk))
        app.stack.apply_pending()
        app.loop.step([])
        screen = app.stack.top
        assert screen is not None
        times = []
        for key in KEYS:
            (pos,) = screen.locate(key) or screen.locate(key.upper())
            app.loop.step([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
            up = pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)
            started = time.perf_counter()
            drew = app.loop.step([up])
            times.append((time.perf_counter() - started) * 1000)
            assert drew
            app.clock.advance(0.05)  # type: ignore[attr-defined]
            screen = app.stack.top
            assert screen is not None
        return {"keypress_to_frame_ms": round(statistics.median(times), 3),
                "keypress_to_frame_ms_p95": round(sorted(times)[int(len(times) * 0.95)], 3)}
    finally:
        app.close()
