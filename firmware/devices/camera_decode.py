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


class CameraDecodeWorker(Worker):
    def __init__(self, camera: Camera, decoder: QrDecoder, post: Callable[[KioskEvent], None],
                 forget_after_frames: int = 5) -> None:
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

    def _set_state(self, state: str, reason: str = "") -> None:
        if state != self.state:
            self.state = state
            self._post(CameraState(state, reason))

    def step(self) -> None:
        try:
            frame = self.camera.read(READ_TIMEOUT_S)
        except DeviceError as exc:
            self._set_state("absent", exc.reason)
            self._stop.wait(RETRY_ABSENT_S)
            return
        self._set_state("ok")
        if frame is None:
            self._see([])
            return
        started = time.perf_counter()
        try:
            texts = [code.text for code in self.decoder.decode(frame)]
        except Exception:  # a decoder fault on one frame must not end the worker
            texts = []
        self.decode_ms_total += (time.perf_counter() - started) * 1000
        self._see(texts)

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
        average = self.decode_ms_total / self.frames if self.frames else 0.0
        return {"state": self.state, "frames": self.frames, "codes": self.posted, "faults": self.faults,
                "decode_ms_avg": round(average, 2), "decoder": self.decoder.name}
