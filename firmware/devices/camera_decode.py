"""The camera-decode worker: reads frames, decodes QR codes, posts one event per code that comes into view.

It runs on its own thread so the loop keeps its frame rate; it only posts events. A code that stays in view is
posted once; it counts as gone after `forget_after_frames` frames without it (a hand's flicker is not a new
scan), and is posted again if it comes back. A camera that goes away is reported once, and again when it is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from firmware.runtime.events import CameraState, KioskEvent, QrDecoded
from firmware.runtime.worker import Worker
from hw.camera import Camera
from hw.errors import DeviceError
from hw.qr import QrDecoder

READ_TIMEOUT_S = 0.5
RETRY_ABSENT_S = 1.0
FORGET_WHEN_BLIND_S = 5.0
IDLE_READ_S = 1.0  # with no screen taking codes, a frame a second: enough to know the camera is there


class CameraDecodeWorker(Worker):
    def __init__(self, camera: Camera, decoder: QrDecoder, post: Callable[[KioskEvent], None],
                 forget_after_frames: int = 5, fps: float = 15.0) -> None:
        super().__init__("camera-decode", "camera", post)
        self.camera = camera
        self.decoder = decoder
        self.forget_after_frames = forget_after_frames
        self._missing: dict[str, int] = {}  # code in view -> frames since last seen
        self.state = "starting"
        self.frames = 0
        self.empty_streak = 0
        self.posted = 0
        self.decode_ms_total = 0.0
        self.decoded = 0  # frames actually decoded
        self.every = 1  # decode one frame in n frame times (0: none): set by the screen on top (`want`)
        self._blind_since: float | None = None  # when decoding stopped (no screen took codes)
        self.frame_s = 1.0 / fps  # the camera's frame time
        self.idle_read_s = IDLE_READ_S
        self.naps = 0  # waits in place of the frames that are not decoded

    def want(self, every: int) -> None:
        """The loop's thread: decode one frame in `every` frame times from now on (0: none; a screen that takes
        no code costs no decoding, and a frame is read once in `idle_read_s`)."""
        every = max(0, every)
        if every != self.every:
            self.every = every
            self.poke()

    def _set_state(self, state: str, reason: str = "") -> None:
        if state != self.state:
            self.state = state
            self._post(CameraState(state, reason))

    def step(self) -> None:
        every = self.every
        if every != 1 and self.state == "ok":
            self._nap_between_frames(every)
            if self._stop.is_set():
                return
            every = self.every
        try:
            frame = self.camera.read(READ_TIMEOUT_S)
        except DeviceError as exc:
            self._set_state("absent", exc.reason)
            self._stop.wait(RETRY_ABSENT_S)
            return
        self._set_state("ok")
        if every == 0 and self._blind_since is None:
            self._blind_since = time.monotonic()
        elif every and self._blind_since is not None:
            # Blind for a while: what was in view then may have gone and come back; count it as new. Blind only
            # a moment (a tap back to the screen, the slip still held up): it is the same showing.
            if time.monotonic() - self._blind_since > FORGET_WHEN_BLIND_S:
                self._missing.clear()
            self._blind_since = None
        if frame is None:
            self._see([])
            return
        if every == 0:
            self.frames += 1  # read to know the camera is there, not decoded
            return
        self.decoded += 1
        started = time.perf_counter()
        try:
            texts = [code.text for code in self.decoder.decode(frame)]
        except Exception:  # a decoder fault on one frame must not end the worker
            texts = []
        self.decode_ms_total += (time.perf_counter() - started) * 1000
        self._see(texts)

    def _nap_between_frames(self, every: int) -> None:
        """The frames that would not be decoded are not read either: picamera2 hands over the next frame when
        asked, never a stale one, so nothing needs draining (reading 15 frames a second on `attract` to decode
        one cost 0.4 % of a core). `want` wakes the nap at once."""
        self.naps += 1
        self._nap(self.idle_read_s if every == 0 else (every - 1) * self.frame_s)

    def on_fault(self, exc: Exception) -> None:
        self._set_state("absent", f"driver fault: {type(exc).__name__}")

    def _see(self, texts: list[str]) -> None:
        self.frames += 1
        self.empty_streak = 0 if texts else self.empty_streak + 1
        for text in texts:
            if text not in self._missing:
                self.posted += 1
                self._post(QrDecoded(text, "camera"))
            self._missing[text] = 0
        for text in list(self._missing):
            if text not in texts:
                self._missing[text] += 1
                if self._missing[text] >= self.forget_after_frames:
                    del self._missing[text]

    def status(self, now: float) -> dict[str, Any]:
        average = self.decode_ms_total / self.decoded if self.decoded else 0.0
        return {"state": self.state, "frames": self.frames, "decoded": self.decoded, "codes": self.posted,
                "faults": self.faults,
                "decode_ms_avg": round(average, 2), "decoder": self.decoder.name}
