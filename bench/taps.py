"""Taps per shipped script: every tap a scripted citizen makes, split into keyboard keys and navigation, so a
change that adds taps to a visit shows in the figures. `birth_shortest` is the shortest birth registration
(names typed aside: the goal is at most 24 taps)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.app.sim import Simulator, Step, load_script  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = {"demo": REPO / "firmware/demo/demo.yaml",
           "birth_registration": REPO / "tests/scripts/birth_registration.yaml",
           "birth_form": REPO / "tests/scripts/birth_form.yaml",
           "rejected_card": REPO / "tests/scripts/rejected_card.yaml"}
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
CHILD = "An"  # the child's name, typed aside from the count
SHORTEST = [("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
            ("tap", "Bắt đầu"), ("type", CHILD), ("tap", "Tiếp tục"), ("type", "0511"), ("tap", "Tiếp tục"),
            ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", str(REPO / "firmware/demo/giay_chung_sinh.png")),
            ("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"), ("expect_screen", "done"), ("tap", "Kết thúc")]


def _count(steps: list[Step], script_dir: Path) -> tuple[int, int]:
    app = build(Config(), clock=VirtualClock(), headless=True, outbox_path=scratch_outbox())
    try:
        sim = Simulator(app)
        sim.script_dir = script_dir
        sim.run(steps)
        return sim.key_taps, sim.navigation_taps
    finally:
        app.close()


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    for name, path in SCRIPTS.items():
        keys, navigation = _count(load_script(path), path.parent)
        figures[f"taps_{name}_keys"] = keys
        figures[f"taps_{name}_navigation"] = navigation
    steps = [Step(i, name, arg) for i, (name, arg) in enumerate(SHORTEST, start=1)]
    keys, navigation = _count(steps, REPO)
    figures["taps_birth_shortest"] = keys - len(CHILD) + navigation
    return figures
