"""The kiosk as a process: time to first frame, CPU while idle on `attract`, resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

IDLE_SECONDS = 30.0
CONFIG = """
[display]
driver = "offscreen"
width = 1080
height = 1920
"""


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG)
        marker = Path(tmp) / "first-frame"
        env = {**os.environ, "SDL_AUDIODRIVER": "dummy"}
        env.pop("SDL_VIDEODRIVER", None)
        # As installed on a kiosk's image (pip compiles the wheel): bytecode ready, not compiled at each start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        repo = Path(__file__).resolve().parent.parent
        subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(repo / d) for d in ("firmware", "screens",
                        "hw"))], env=env, check=False, stdout=subprocess.DEVNULL)
        started = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "firmware", "run", "--config", str(config),
                                 "--first-frame-file", str(marker)], env=env)
        try:
            deadline = time.monotonic() + 30
            while not marker.exists() or not marker.read_text().strip():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the kiosk did not draw its first frame")
                time.sleep(0.01)
            first_frame = float(marker.read_text()) - started
            process = psutil.Process(proc.pid)
            time.sleep(2.0)  # let start-up work finish before measuring idle
            before = process.cpu_times()
            wall0 = time.monotonic()
            time.sleep(IDLE_SECONDS)
            after = process.cpu_times()
            wall = time.monotonic() - wall0
            rss = process.memory_info().rss / 2**20
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    cpu = (after.user - before.user + after.system - before.system) / wall * 100
    return {"first_frame_s": round(first_frame, 3), "idle_cpu_percent": round(cpu, 3), "rss_mb": round(rss, 1)}
