"""The kiosk's side of bench/sessions.py, in a process of its own: it imports what a kiosk imports and nothing of
the bench's broker, gateway or Chromium (the province's store alone pulled 40 MB of modules into the measured
process). Whole birth registrations through the real loop and the real MQTT path (over TLS with its certificate
and sealing its dossiers when CONFIG says so, as a provisioned kiosk); its figures as one JSON line.

    python -m bench.kiosk_sessions CONFIG SESSIONS

CONFIG: the kiosk's [kiosk], [mqtt] and [security] (bench/province_side.py writes it).

It prints `SESSIONS DONE`, waits for a line on its standard input (bench/sessions.py stops the gateway then),
and prints its figures: the memory is taken then.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.layers import pss_mb, rss_mb  # noqa: E402
from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.app.sim import Simulator, Step, StepFailed  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import parse  # noqa: E402
from firmware.runtime.events import PrintResult  # noqa: E402

PAGE = str(Path(__file__).resolve().parent.parent / "firmware" / "demo" / "giay_chung_sinh.png")
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
# As a citizen does it: the card shown to a camera that delivers frames all the time (an empty room otherwise, so
# the decoder and numpy are loaded as on a kiosk), the procedure found by typing its name without accents.
STEPS = [("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("expect_screen", "procedures"), ("tap", "Tìm thủ tục"),
         ("type", "dang ky khai sinh"), ("tap", "Đăng ký khai sinh"),
         ("tap", "Bắt đầu"), ("type", "Nguyeenx Hoangf Baro Ngocj"), ("tap", "Tiếp tục"), ("type", "05112026"),
         ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", PAGE), ("expect_screen", "review"),
         ("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"), ("expect_screen", "done"), ("tap", "Kết thúc"),
         ("expect_screen", "attract")]


def _session(sim: Simulator) -> None:
    sim.app.stack.reset("home")
    sim.run([Step(number, name, arg) for number, (name, arg) in enumerate(STEPS, start=1)])


ACK_WAIT_S = 120.0  # a link that fell reconnects after its backoff (up to a minute): counted, not a failure


def _acknowledged(sim: Simulator) -> None:
    """Until the gateway has acknowledged every event: the rows leave the outbox by its ack, as on a kiosk."""
    deadline = time.monotonic() + ACK_WAIT_S
    while True:
        try:
            sim.wait_for(lambda: not sim.app.outbox.pending(limit=1), "the gateway's acks")
            return
        except StepFailed:
            if time.monotonic() > deadline:
                raise


def _packages() -> set[str]:
    return {name.split(".")[0] for name in sys.modules}


def run(provisioned: str, sessions: int) -> dict[str, object]:
    config = parse(provisioned + '[camera]\nbackend = "sim-scene"\n')
    app = build(config, clock=VirtualClock(), size=(800, 480), headless=True, outbox_path=scratch_outbox())
    sim = Simulator(app)
    render_ms: list[float] = []  # the events themselves are forgotten at each visit's end
    app.loop.router.on(PrintResult, lambda result: render_ms.append(result.render_ms))
    sim.settle()
    try:
        sim.wait_for(lambda: app.kiosk.health.link_up, "the link to the broker")
        built, packages = rss_mb(), _packages()
        _session(sim)
        sim.wait_for(lambda: app.printing.printed == 1, "the first slip was not printed")
        _acknowledged(sim)
        after_one = rss_mb()
        print(f"the first session imported: {', '.join(sorted(_packages() - packages))}")
        started = time.perf_counter()
        after_100 = after_one
        for number in range(2, sessions + 1):
            _session(sim)
            sim.wait_for(lambda: app.printing.status(0)["queued"] == 0, "slips piled up")
            _acknowledged(sim)
            if number == 100:
                after_100 = rss_mb()  # warm: caches full
        per_session = (time.perf_counter() - started) / max(1, sessions - 1)
        sim.wait_for(lambda: app.printing.printed == sessions, "not every slip was printed")
        print("SESSIONS DONE", flush=True)
        sys.stdin.readline()
        after_all, pss = rss_mb(), pss_mb()
        import statistics  # only now: the process measured holds what a kiosk holds, not the bench's tools
        jobs = app.devices.printer.jobs
        last = app.kiosk.submissions.last
        assert last is not None
        pages = [page["bytes"] for page in last.record["pages"]]
        return {
            "sessions": sessions,
            "sessions_provisioned": int(bool(config.security.province_key and config.mqtt.cert_file)),
            "link_connects": app.link.connects if app.link else 0,  # 1: the link never fell
            "session_s": round(per_session, 3),
            "rss_mb_built_with_link": round(built, 1),
            "rss_mb_after_1_session": round(after_one, 1),
            "rss_mb_after_100_sessions": round(after_100, 1),
            f"rss_mb_after_{sessions}_sessions": round(after_all, 1),
            "rss_growth_mb": round(after_all - after_one, 1),
            "rss_growth_mb_after_warmup": round(after_all - after_100, 1),
            f"pss_mb_after_{sessions}_sessions": round(pss, 1),
            "slip_render_ms": round(statistics.median(render_ms), 1),
            "slip_bytes_to_printer": len(jobs[-1].data),
            "bytes_per_page": statistics.median(pages),
        }
    finally:
        app.close()


if __name__ == "__main__":
    print("KIOSK " + json.dumps(run(Path(sys.argv[1]).read_text(encoding="utf-8"), int(sys.argv[2]))), flush=True)
