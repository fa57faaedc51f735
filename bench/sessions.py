"""Whole birth registrations through the real loop and the real MQTT path (a loopback mosquitto and the
province's gateway, whose acks delete the outbox's rows): slip rendering, bytes to the printer and per page, and
resident memory after 1, 100 and 1000 sessions (it must not grow); then, side by side, the kiosk's PSS and a
Chromium kiosk page's (bench/chromium.py)."""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

import psutil

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.chromium import peak_pss_mb  # noqa: E402
from bench.fleet import start_gateways  # noqa: E402
from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.app.sim import Simulator, Step  # noqa: E402
from firmware.runtime import events  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import parse  # noqa: E402
from province.broker import Broker  # noqa: E402

PAGE = str(Path(__file__).resolve().parent.parent / "firmware" / "demo" / "giay_chung_sinh.png")
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
SESSIONS = int(os.environ.get("MOTCUA_BENCH_SESSIONS", "1000"))
STEPS = [("tap", "Nộp hồ sơ"), ("qr", CARD), ("expect_screen", "procedures"), ("tap", "Đăng ký khai sinh"),
         ("tap", "Bắt đầu"), ("type", "Nguyeenx Hoangf Baro Ngocj"), ("tap", "Tiếp tục"), ("type", "05112026"),
         ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", PAGE), ("expect_screen", "review"),
         ("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"), ("expect_screen", "done"), ("tap", "Kết thúc"),
         ("expect_screen", "attract")]


def _session(sim: Simulator) -> None:
    sim.app.stack.reset("home")
    for number, (name, arg) in enumerate(STEPS, start=1):
        if name == "qr":  # the camera path is measured by bench/qr.py; here the code arrives as its event
            sim.app.inbox.post(events.QrDecoded(arg, "bench"))
            sim.settle(2)
            continue
        sim.run([Step(number, name, arg)])


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="motcua-sessions-") as tmp:
        broker = Broker(Path(tmp) / "broker").start()
        gateways = start_gateways(1, broker.port, Path(tmp))
        try:
            return _sessions(broker.port)
        finally:
            for gateway in gateways:
                gateway.terminate()
                gateway.wait(timeout=10)
            broker.stop()


def _acknowledged(sim: Simulator) -> None:
    """Until the gateway has acknowledged every event: the rows leave the outbox by its ack, as on a kiosk."""
    sim.wait_for(lambda: not sim.app.outbox.pending(limit=1), "the gateway's acks")


def _sessions(port: int) -> dict[str, float]:
    config = parse(f'[kiosk]\nid = "kiosk-bench-01"\n[mqtt]\nenabled = true\nport = {port}\n')
    app = build(config, clock=VirtualClock(), size=(800, 480), headless=True, outbox_path=scratch_outbox())
    sim = Simulator(app)
    sim.settle()
    try:
        sim.wait_for(lambda: app.kiosk.health.link_up, "the link to the broker")
        _session(sim)
        sim.wait_for(lambda: app.printing.printed == 1, "the first slip was not printed")
        _acknowledged(sim)
        after_one = _rss_mb()
        started = time.perf_counter()
        after_100 = after_one
        for number in range(2, SESSIONS + 1):
            _session(sim)
            sim.wait_for(lambda: app.printing.status(0)["queued"] == 0, "slips piled up")
            _acknowledged(sim)
            if number == 100:
                after_100 = _rss_mb()  # warm: caches full
        per_session = (time.perf_counter() - started) / max(1, SESSIONS - 1)
        sim.wait_for(lambda: app.printing.printed == SESSIONS, "not every slip was printed")
        after_all = _rss_mb()
        kiosk_pss = psutil.Process().memory_full_info().pss / 2**20
        chromium_pss = peak_pss_mb()
        print(f"PSS after {SESSIONS} sessions: the kiosk {kiosk_pss:.1f} MB, a Chromium page of its home screen "
              f"{chromium_pss:.1f} MB ({chromium_pss / kiosk_pss:.1f}x)")
        jobs = app.devices.printer.jobs
        last = app.kiosk.submissions.last
        assert last is not None
        pages = [page["bytes"] for page in last.record["pages"]]
        render_ms = [float(e.data["render_ms"]) for e in app.loop.handled_events if e.kind == events.PRINT_RESULT]
        return {
            "sessions": SESSIONS,
            "session_s": round(per_session, 3),
            "rss_mb_after_1_session": round(after_one, 1),
            "rss_mb_after_100_sessions": round(after_100, 1),
            f"rss_mb_after_{SESSIONS}_sessions": round(after_all, 1),
            "rss_growth_mb": round(after_all - after_one, 1),
            f"pss_mb_after_{SESSIONS}_sessions": round(kiosk_pss, 1),
            "chromium_home_page_pss_mb": round(chromium_pss, 1),
            "chromium_over_kiosk_pss": round(chromium_pss / kiosk_pss, 2),
            "rss_growth_mb_after_warmup": round(after_all - after_100, 1),
            "slip_render_ms": round(statistics.median(render_ms), 1),
            "slip_bytes_to_printer": len(jobs[-1].data),
            "bytes_per_page": statistics.median(pages),
        }
    finally:
        app.close()
