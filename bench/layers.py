"""Where the kiosk's memory goes: resident memory after each library, the project's own modules, and the built
kiosk (800x480, simulated devices), in a fresh process; then what a kiosk loads later, when it is first needed.
bench/sessions.py goes on from there with whole sessions."""

from __future__ import annotations

import gc
import importlib
import os
import re

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

# (what it is, its modules), in the order the kiosk meets them while it is built
LAYERS = (("pygame-ce", ("pygame", "pygame.freetype")), ("Pillow", ("PIL.Image",)),
          ("paho-mqtt", ("paho.mqtt.client",)),
          ("cryptography", ("cryptography.hazmat.primitives.asymmetric.x25519",
                            "cryptography.hazmat.primitives.ciphers.aead")),
          ("zxing-cpp", ("zxingcpp",)), ("gpiozero", ("gpiozero",)), ("rapidfuzz", ("rapidfuzz.process",)),
          ("project modules", ("firmware.app.compose",)))
# and after the first frame, each when it is first needed
LATER = (("numpy: the camera's first frame, the first typed search", ("numpy",)),
         ("x509: a screen wants a card", ("firmware.chip.csca",)),
         ("asn1crypto: a card is read", ("firmware.chip.read",)),
         ("python-escpos, QR: the first slip", ("hw.escpos_import", "segno")))


# Read from /proc, not with psutil: a kiosk never imports psutil, and the process measured must hold only what a
# kiosk holds (psutil's modules were 2.6 MB of the figure).
def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pss_mb() -> float:
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        kb = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    return kb / 1024


def _load(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)
        if module == "hw.escpos_import":
            from hw.escpos_import import printer_module

            printer_module()  # as the kiosk imports it: its printer database from the kept pickle


def run() -> dict[str, float]:
    rows = [("Python", rss_mb())]
    for name, modules in LAYERS:
        _load(modules)
        rows.append((name, rss_mb()))
    from bench.scratch import scratch_outbox
    from firmware.app.compose import build
    from firmware.runtime.clock import VirtualClock
    from firmware.runtime.config import Config

    app = build(Config(), clock=VirtualClock(), size=(800, 480), headless=True, outbox_path=scratch_outbox())
    try:
        app.loop.step([])
        rows.append(("built, first frame", rss_mb()))
        for name, modules in LATER:
            _load(modules)
            rows.append((name, rss_mb()))
    finally:
        app.close()
    before = 0.0
    print(f"{'layer':56} {'RSS MB':>8} {'added':>7}")
    for name, rss in rows:
        print(f"{name:56} {rss:8.1f} {rss - before:+7.1f}")
        before = rss
    return {f"rss_layer_mb_{re.sub(r'[^a-z0-9]+', '_', name.split(':')[0].lower()).strip('_')}": round(rss, 1)
            for name, rss in rows}
