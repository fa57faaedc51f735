"""The camera-decode worker under a stream of frames: one event per code that comes into view."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from firmware.app.compose import App
from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.runtime import events
from firmware.runtime.events import KioskEvent
from hw.camera import SimCamera, camera_frame
from hw.errors import DeviceAbsent
from hw.qr import make_decoder
from screens import REGISTRY

from .conftest import wait_until

CARD = "079203001234||Nguyễn Văn Ả|01012003|Nam|Quận 1|01012021"
EMPTY = np.full((480, 640), 170, dtype=np.uint8)


class ReelCamera:
    """Plays a fixed reel of frames (None = nothing in view, "gone" = unplugged) and then stops."""

    def __init__(self, reel: Sequence[np.ndarray | None | str]) -> None:
        self.reel: queue.SimpleQueue[np.ndarray | None | str] = queue.SimpleQueue()
        for frame in reel:
            self.reel.put(frame)
        self.done = threading.Event()

    def read(self, timeout: float) -> np.ndarray | None:
        try:
            frame = self.reel.get_nowait()
        except queue.Empty:
            self.done.set()
            time.sleep(timeout)  # a camera with nothing new blocks for its frame time
            return None
        if isinstance(frame, str):
            raise DeviceAbsent("camera", "unplugged")
        return frame

    def status(self, now: float) -> dict[str, str]:
        return {"state": "ok"}

    def close(self) -> None:
        pass


def run_reel(reel: Sequence[np.ndarray | None | str], forget: int = 3) -> list[KioskEvent]:
    posted: list[KioskEvent] = []
    camera = ReelCamera(reel)
    worker = CameraDecodeWorker(camera, make_decoder("zxing"), posted.append, forget_after_frames=forget)
    worker.start()
    try:
        assert camera.done.wait(20), "the worker did not take every frame"
    finally:
        worker.stop()
    return posted


def payloads(posted: list[KioskEvent]) -> list[str]:
    return [e.data["payload"] for e in posted if e.kind == events.QR_DECODED]


def test_a_code_held_in_view_is_posted_once() -> None:
    card = camera_frame(CARD)
    assert payloads(run_reel([card] * 20)) == [CARD]


def test_a_flicker_is_not_a_new_scan_but_a_return_is() -> None:
    card = camera_frame(CARD)
    reel = [card] * 3 + [EMPTY] * 2 + [card] * 3 + [EMPTY] * 4 + [card] * 2
    assert payloads(run_reel(reel, forget=3)) == [CARD, CARD]


def test_two_different_codes_in_turn() -> None:
    reel = [camera_frame("first")] * 3 + [camera_frame("second")] * 3 + [camera_frame("first")] * 2
    assert payloads(run_reel(reel, forget=5)) == ["first", "second"]


def test_unplugged_camera_is_reported_once_and_again_when_back() -> None:
    reel: list[np.ndarray | None | str] = [EMPTY, "gone", "gone", camera_frame(CARD), camera_frame(CARD)]
    posted = run_reel(reel)
    states = [e.data["state"] for e in posted if e.kind == events.CAMERA_STATE]
    assert states == ["ok", "absent", "ok"]
    assert payloads(posted) == [CARD]


def test_a_live_simulated_camera_stream() -> None:
    posted: list[KioskEvent] = []
    camera = SimCamera(fps=60)
    worker = CameraDecodeWorker(camera, make_decoder("zxing"), posted.append)
    worker.start()
    try:
        camera.show_qr(CARD)
        wait_until(lambda: worker.frames >= 20, seconds=5)
    finally:
        worker.stop()
        camera.close()
    assert payloads(posted) == [CARD]
    assert worker.status(0)["decode_ms_avg"] > 0


def test_frames_are_decoded_only_as_often_as_the_screen_on_top_wants_and_the_others_are_not_read() -> None:
    code = camera_frame(CARD)
    posted: list[KioskEvent] = []
    camera = ReelCamera([code] * 40)
    worker = CameraDecodeWorker(camera, make_decoder("zxing"), posted.append, fps=1000.0)
    worker.idle_read_s = 0.001
    worker.want(0)  # a form: no code is taken there, none is decoded
    for _ in range(5):
        worker.step()
    assert worker.frames == 5 and worker.decoded == 0 and payloads(posted) == []
    assert worker.naps == 4, "after the first frame, a nap before each read"
    worker.want(8)  # attract: a technician's card, one frame in 8 frame times
    for _ in range(2):
        worker.step()
    assert worker.decoded == 2 and worker.naps == 6 and payloads(posted) == [CARD]
    assert camera.reel.qsize() == 40 - 7, "a frame not decoded is not read"
    worker.want(1)  # login: every frame
    for _ in range(3):
        worker.step()
    assert worker.decoded == 5 and worker.naps == 6


def test_a_screen_that_takes_codes_wakes_the_napping_worker_at_once() -> None:
    posted: list[KioskEvent] = []
    camera = SimCamera(fps=15.0)
    worker = CameraDecodeWorker(camera, make_decoder("zxing"), posted.append)
    worker.idle_read_s = 60.0  # asleep for a minute, unless woken
    worker.want(0)
    worker.start()
    try:
        wait_until(lambda: worker.naps >= 2, seconds=5)  # the first nap ended at once: want(0) had poked it
        camera.show_qr(CARD)
        worker.want(1)
        wait_until(lambda: payloads(posted) == [CARD], seconds=5)
    finally:
        worker.stop()


def test_a_code_still_held_up_after_a_moment_blind_is_the_same_showing_but_after_a_while_a_new_one() -> None:
    code = camera_frame(CARD)
    posted: list[KioskEvent] = []
    worker = CameraDecodeWorker(ReelCamera([code] * 6), make_decoder("zxing"), posted.append)
    for _ in range(2):
        worker.step()
    worker.want(0)
    worker.step()
    worker.want(1)  # back a moment later, the card still in view: not a new scan
    for _ in range(3):
        worker.step()
    assert payloads(posted) == [CARD]
    worker.want(0)
    worker.step()
    assert worker._blind_since is not None
    worker._blind_since -= 60  # a minute on screens that take no code: the card may have left and come back
    worker.camera = ReelCamera([code])
    worker.want(1)
    worker.step()
    assert payloads(posted) == [CARD, CARD]


def test_each_screen_says_whether_it_takes_codes(make_app: Callable[..., App]) -> None:
    app = make_app(size=(800, 480))
    worker = app.devices.decoder_worker
    for name, every in (("login", 1), ("lookup", 1), ("attract", 15), ("home", 8), ("procedures", 0)):
        app.stack.reset(name, **REGISTRY[name].sample_params(app.kiosk))
        app.stack.apply_pending()
        assert worker.every == every, name


def test_a_clocked_camera_delivers_on_its_own_clock_not_when_a_card_comes() -> None:
    """The benchmark's camera: what is shown waits for the next tick of its 1/fps clock, as with a real sensor."""
    from hw.camera import SimCamera

    camera = SimCamera(fps=20.0, clocked=True)
    camera.read(1.0)
    ticked = time.monotonic()
    camera.show_qr("079203001234|123456789|Nguyễn Văn A|01011990|Nam|Hà Nội|01012021")
    frame = camera.read(1.0)
    assert frame is not None and time.monotonic() - ticked >= 0.04  # not at once: at the next tick (50 ms)
    camera.close()
    started = time.monotonic()
    camera.read(1.0)  # a closed camera does not hold its reader
    assert time.monotonic() - started < 0.5
