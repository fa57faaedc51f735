"""A kiosk process for the link tests: build the app from a config, optionally add N usage events, pump the loop
until the outbox is empty, or SIGKILL itself after K acknowledgements (argv: config, add, kill_after)."""

from __future__ import annotations

import os
import signal
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from firmware.app.compose import build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import load  # noqa: E402
from firmware.services.outbox import OutboxEvent  # noqa: E402


def main() -> int:
    config_path, add, kill_after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    clock = VirtualClock()
    app = build(load(config_path), clock=clock, headless=True)
    if add:
        app.outbox.commit([OutboxEvent("usage", {"n": n}, "2026-11-24T09:30:00+07:00") for n in range(add)])
        print("committed", flush=True)
    deadline = time.monotonic() + 60
    while app.outbox.backlog() and time.monotonic() < deadline:
        clock.advance(0.1)
        app.loop.step([])
        app.inbox.wait(0.01)
        if kill_after and app.sender and app.sender.acked >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
    left = app.outbox.backlog()
    app.close()
    return 0 if left == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
