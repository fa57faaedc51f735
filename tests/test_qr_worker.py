"""The camera-decode worker under a stream of frames: one event per code that comes into view."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence

import numpy as np

from firmware.devices.camera_decode import CameraDecodeWorker
from firmware.runtime import events
from firmware.runtime.events import KioskEvent
from hw.camera import SimCamera, camera_frame
from hw.errors import DeviceAbsent
from hw.qr import make_decoder

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
