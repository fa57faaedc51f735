"""The allocator gives large freed buffers back to the system (glibc would keep them after the first big one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A scanned page's worth of big buffers, freed; then what is still resident, over what it was before them.
PAGES = """
import sys
import psutil
from firmware.runtime.memory import tune_malloc
tuned = tune_malloc() if sys.argv[1] == "tuned" else False
rss = lambda: psutil.Process().memory_info().rss / 2**20
before = rss()
page = bytearray(24 * 2**20)  # one whole page image: mmapped, and glibc raises its threshold when it goes
del page
for _ in range(3):
    bands = [bytearray(2 * 2**20) for _ in range(10)]  # smaller buffers: now from the heap, unless tuned
    for band in bands:
        band[::4096] = b"x" * len(band[::4096])
    del bands
print(tuned, round(rss() - before, 1))
"""


def _kept_mb(mode: str) -> tuple[bool, float]:
    done = subprocess.run([sys.executable, "-c", PAGES, mode], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    tuned, kept = done.stdout.split()
    return tuned == "True", float(kept)


def test_freed_buffers_go_back_to_the_system() -> None:
    tuned, kept = _kept_mb("tuned")
    assert tuned
    assert kept < 5, f"{kept} MB of freed buffers still resident"


def test_without_it_glibc_keeps_them() -> None:
    """What the setting is for (and that the test above can fail): glibc's own behaviour keeps them."""
    tuned, kept = _kept_mb("default")
    assert not tuned
    assert kept > 15, kept


BUILT = """
import os, sys
os.environ["SDL_VIDEODRIVER"] = "dummy"
from bench.scratch import scratch_outbox
from firmware.app.compose import build
from firmware.runtime.clock import VirtualClock
from firmware.runtime.config import Config
app = build(Config(), clock=VirtualClock(), size=(800, 480), headless=True, outbox_path=scratch_outbox())
app.loop.step([])
print(app.clock.wall().isoformat())
app.close()
print(sorted(name for name in sys.modules if name.startswith(("zoneinfo", "_sysconfigdata"))))
"""


def test_the_kiosk_keeps_vietnam_time_without_the_tz_database() -> None:
    """zoneinfo found the tz database through Python's build configuration, which then stayed loaded (0.5 MB);
    Vietnam's time is a fixed UTC+7."""
    done = subprocess.run([sys.executable, "-c", BUILT], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    wall, modules = done.stdout.strip().splitlines()[-2:]
    assert wall.endswith("+07:00"), wall
    assert modules == "[]", modules
