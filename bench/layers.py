"""Where the kiosk's memory goes: resident memory after each library, the project's own modules, and the built
kiosk (800x480, simulated devices), in a fresh process. bench/sessions.py goes on from there with sessions."""

from __future__ import annotations

import gc
import importlib
import os
import re

import psutil

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

# (what it is, its modules), in the order the kiosk meets them
LAYERS = (("pygame-ce", ("pygame", "pygame.freetype")), ("Pillow", ("PIL.Image",)), ("numpy", ("numpy",)),
          ("paho-mqtt", ("paho.mqtt.client",)),
          ("cryptography", ("cryptography.hazmat.primitives.asymmetric.x25519", "cryptography.x509")),
          ("zxing-cpp", ("zxingcpp",)), ("gpiozero", ("gpiozero",)), ("rapidfuzz", ("rapidfuzz.process",)),
          ("python-escpos", ("hw.escpos_import",)),
          ("project modules", ("firmware.app.compose", "firmware.app.sim")))


def _rss_mb() -> float:
    gc.collect()
    return float(psutil.Process().memory_info().rss) / 2**20


def run() -> dict[str, float]:
    rows = [("Python", _rss_mb())]
    for name, modules in LAYERS:
        for module in modules:
            importlib.import_module(module)
        if name == "python-escpos":
            from hw.escpos_import import printer_module

            printer_module()  # as the kiosk imports it: its printer database from the kept pickle
        rows.append((name, _rss_mb()))
    from bench.scratch import scratch_outbox
    from firmware.app.compose import build
    from firmware.runtime.clock import VirtualClock
    from firmware.runtime.config import Config

    app = build(Config(), clock=VirtualClock(), size=(800, 480), headless=True, outbox_path=scratch_outbox())
    try:
        app.loop.step([])
        rows.append(("built first frame", _rss_mb()))
    finally:
        app.close()
    before = 0.0
    print(f"{'layer':24} {'RSS MB':>8} {'added':>7}")
    for name, rss in rows:
        print(f"{name:24} {rss:8.1f} {rss - before:+7.1f}")
        before = rss
    return {f"rss_layer_mb_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}": round(rss, 1)
            for name, rss in rows}
