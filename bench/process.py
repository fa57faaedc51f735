"""The kiosk as a process: time to first frame, CPU while idle on `attract` (with a camera that delivers no frames,
and with one that delivers an empty room at 15 fps, as a real one does), resident memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import psutil

IDLE_SECONDS = 20.0
CONFIG = """
[display]
driver = "offscreen"
width = 1080
height = 1920
[camera]
backend = "{camera}"
"""
REPO = Path(__file__).resolve().parent.parent
KIOSK_PYTHON = {"PYTHONOPTIMIZE": "2"}  # as systemd/motcua.service runs the kiosk: no docstrings in memory


def _environment() -> dict[str, str]:
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", **KIOSK_PYTHON}
    env.pop("SDL_VIDEODRIVER", None)
    # As installed on a kiosk's image (first boot compiles the bytecode): ready, not compiled at each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", sysconfig.get_paths()["purelib"],
                    *(str(REPO / d) for d in ("firmware", "screens", "hw"))], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    return env


STARTS = 5  # the first frame is taken over several starts (the median): one start is at the mercy of the disk


def _kiosk(camera: str, env: dict[str, str], idle_s: float = IDLE_SECONDS) -> tuple[float, float, float]:
    """(first frame s, idle CPU % of one core, RSS MB) of a kiosk started with this camera backend."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG.format(camera=camera))
        marker = Path(tmp) / "first-frame"
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
            if not idle_s:
                return first_frame, 0.0, 0.0
            process = psutil.Process(proc.pid)
            time.sleep(2.0)  # let start-up work finish before measuring idle
            before = process.cpu_times()
            wall0 = time.monotonic()
            time.sleep(idle_s)
            after = process.cpu_times()
            wall = time.monotonic() - wall0
            rss = process.memory_info().rss / 2**20
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return first_frame, (after.user - before.user + after.system - before.system) / wall * 100, rss


def run() -> dict[str, float]:
    env = _environment()
    first_frame, idle, rss = _kiosk("sim", env)
    starts = [first_frame] + [_kiosk("sim", env, idle_s=0)[0] for _ in range(STARTS - 1)]
    _, idle_frames, _ = _kiosk("sim-scene", env)
    print(f"first frame over {STARTS} starts: {' '.join(f'{s:.3f}' for s in starts)} s")
    return {"first_frame_s": round(statistics.median(starts), 3), "first_frame_s_max": round(max(starts), 3),
            "idle_cpu_percent_no_frames": round(idle, 3), "idle_cpu_percent": round(idle_frames, 3),
            "rss_mb_at_start": round(rss, 1)}
