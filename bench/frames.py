"""Frame time: a full redraw of each screen (and home under a modal), p50 and p95 of the heaviest."""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from screens import REGISTRY  # noqa: E402

REPEAT = 120


def _times(size: tuple[int, int], name: str, modal: bool) -> list[float]:
    app = build(Config(), clock=VirtualClock(), size=size, headless=True, outbox_path=scratch_outbox())
    try:  # closed after each screen: no device threads of one App left running under the next figure
        app.stack.reset(name, **REGISTRY[name].sample_params(app.kiosk))
        app.stack.apply_pending()
        screen = app.stack.top
        assert screen is not None
        if modal:
            screen.coming_soon()
        times = []
        for _ in range(REPEAT):
            screen.dirty = True
            started = time.perf_counter()
            app.stack.draw(app.loop.canvas)
            times.append((time.perf_counter() - started) * 1000)
        return times[10:]
    finally:
        app.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def heaviest(size: tuple[int, int]) -> tuple[str, list[float]]:
    cases = [(name, False) for name in REGISTRY] + [("home", True)]
    measured = {f"{n}{'+modal' if m else ''}": _times(size, n, m) for n, m in cases}
    worst = max(measured, key=lambda k: percentile(measured[k], 0.95))
    return worst, measured[worst]


def run() -> dict[str, float]:
    name, big = heaviest((1080, 1920))
    small_name, small = heaviest((800, 480))
    print(f"heaviest screen: {name} at 1080x1920, {small_name} at 800x480")
    return {
        "frame_ms_p50_1080x1920": round(statistics.median(big), 3),
        "frame_ms_p95_1080x1920": round(percentile(big, 0.95), 3),
        "frame_ms_p95_800x480": round(percentile(small, 0.95), 3),
    }
