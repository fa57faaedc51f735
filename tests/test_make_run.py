"""`make run` with no display plays the built-in demo headless, writes PNGs and exits 0."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from .conftest import REPO


def test_make_run_headless_plays_the_demo() -> None:
    shots = REPO / "out" / "demo"
    shutil.rmtree(shots, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    result = subprocess.run(["make", "--no-print-directory", "run"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "playing the built-in demo headless" in result.stdout
    assert "out/demo/" in result.stdout
    pngs = sorted(p.name for p in shots.glob("*.png"))
    assert len(pngs) >= 10
    assert pngs[0] == "01-expect_screen-attract.png"
    assert "04-tap-nop-ho-so.png" in pngs
    record = json.loads((shots / "dossier.json").read_text(encoding="utf-8"))
    assert record["procedure"]["name"] == "Đăng ký khai sinh" and (shots / "slip.png").exists()
