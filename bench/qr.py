"""QR decoding per 640x480 camera-like frame; from a frame with a code to the event in the loop; and from a card
held up to a camera that keeps its own 30 fps clock (at a random phase of it) to the citizen's identity taken and
the next screen drawn."""

from __future__ import annotations

import os
import random
import statistics
import time

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import build  # noqa: E402
from firmware.runtime import events  # noqa: E402
from firmware.runtime.clock import SystemClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from hw.camera import SimCamera, camera_frame  # noqa: E402
from hw.qr import make_decoder  # noqa: E402
from screens import REGISTRY  # noqa: E402

CARD = "079203001234|123456789|Nguyễn Thị Ngọc Ánh|15082003|Nữ|Số 12 ngõ 3, phường Ba Đình, Hà Nội|20042021"
REPEAT = 200


def _decode_ms(decoder_name: str, frame: np.ndarray, expect: int) -> float:
    decoder = make_decoder(decoder_name)
    assert len(decoder.decode(frame)) == expect
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        decoder.decode(frame)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.fmean(times)  # the mean: what decoding costs the camera thread, frame after frame


def _to_event_ms(frame: np.ndarray, rounds: int = 30) -> float:
    app = build(Config(), clock=SystemClock(), headless=True, outbox_path=scratch_outbox())
    camera = app.devices.camera
    worker = app.devices.decoder_worker
    assert isinstance(camera, SimCamera)
    app.stack.reset("login", **REGISTRY["login"].sample_params(app.kiosk))  # where a citizen shows the card
    app.stack.apply_pending()
    latencies = []
    try:
        for _ in range(rounds):
            camera.show_nothing()
            deadline = time.monotonic() + 5
            while worker.empty_streak < worker.forget_after_frames:
                assert time.monotonic() < deadline
                app.loop.step([])
                app.inbox.wait(1 / 30)
            seen = len([e for e in app.loop.handled_events if e.kind == events.QR_DECODED])
            started = time.perf_counter()
            camera.show_image(frame)
            while True:  # what Loop.run does between frames: wait on the inbox, then step
                app.inbox.wait(1 / 30)
                app.loop.step([])
                if len([e for e in app.loop.handled_events if e.kind == events.QR_DECODED]) > seen:
                    break
                assert time.perf_counter() - started < 5, "no event"
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        app.close()
    return statistics.median(latencies)


SIGNED = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def _to_identity_ms(rounds: int = 40) -> list[float]:
    app = build(Config(), clock=SystemClock(), headless=True, outbox_path=scratch_outbox())
    camera, worker = app.devices.camera, app.devices.decoder_worker
    assert isinstance(camera, SimCamera)
    camera.fps, camera.clocked = 30.0, True
    frame = camera_frame(SIGNED, angle=7, blur=0.8, noise=6)
    phase = random.Random(19)
    latencies = []
    try:
        for _ in range(rounds):
            app.kiosk.session.wipe()
            app.stack.reset("login", **REGISTRY["login"].sample_params(app.kiosk))
            camera.show_nothing()
            deadline = time.monotonic() + 5
            while worker.empty_streak < worker.forget_after_frames or app.stack.top_name != "login":
                assert time.monotonic() < deadline, "the camera did not clear"
                app.inbox.wait(1 / 30)
                app.loop.step([])
            time.sleep(phase.uniform(0, 1 / 30))  # the card comes up at any point of the camera's clock
            started = time.perf_counter()
            camera.show_image(frame)
            while True:  # what Loop.run does between frames: wait on the inbox, then step
                app.inbox.wait(1 / 30)
                drew = app.loop.step([])
                if drew and app.kiosk.session.identity is not None and app.stack.top_name != "login":
                    break
                assert time.perf_counter() - started < 5, "the identity was not taken"
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        app.close()
    return latencies


def run() -> dict[str, float]:
    frame = camera_frame(CARD, angle=11, blur=1.0, noise=8)
    empty = np.random.default_rng(3).normal(150, 12, (480, 640)).clip(0, 255).astype(np.uint8)
    identity = _to_identity_ms()
    return {
        "qr_decode_ms_zxing": round(_decode_ms("zxing", frame, 1), 3),
        "qr_decode_ms_pyzbar": round(_decode_ms("pyzbar", frame, 1), 3),
        "qr_decode_ms_empty": round(_decode_ms("zxing", empty, 0), 3),
        "qr_to_event_ms": round(_to_event_ms(frame), 3),
        "qr_to_identity_ms_p50": round(statistics.median(identity), 1),
        "qr_to_identity_ms_p95": round(sorted(identity)[round(0.95 * (len(identity) - 1))], 1),
    }
