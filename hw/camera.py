"""Cameras deliver grayscale frames (2-D uint8 arrays) for the QR decoder.

`SimCamera` models a camera at a frame rate: it shows an image or a QR payload rendered as a camera-like
frame (placed, tilted, blurred, noisy), or nothing; it can be made absent. `PiCamera` uses picamera2's
`lores` YUV420 stream, whose Y plane is already grayscale (padded stride: take `[:h, :w]`).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PIL import Image, ImageFilter

from hw.absent import Absent
from hw.errors import DeviceAbsent

if TYPE_CHECKING:  # numpy itself is imported where frames are made (70 ms of imports before the first frame)
    import numpy as np

FRAME_SIZE = (640, 480)


class Camera(Protocol):
    def read(self, timeout: float) -> np.ndarray | None:
        """The next frame, or None if none came within `timeout` seconds. Raises DeviceAbsent."""
        ...

    def status(self, now: float) -> dict[str, Any]: ...

    def close(self) -> None: ...


def qr_image(payload: str, scale: int = 4, border: int = 4) -> Image.Image:
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=border)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def camera_frame(payload: str, *, angle: float = 8.0, blur: float = 0.8, noise: float = 6.0,
                 module_px: int = 4, background: int = 170, seed: int = 1) -> np.ndarray:
    """A QR code as a 640x480 camera would see a card held up to it: off-centre, tilted, soft and noisy."""
    import numpy as np

    code = qr_image(payload, scale=module_px).rotate(angle, expand=True, fillcolor=background,
                                                     resample=Image.Resampling.BILINEAR)
    frame = Image.new("L", FRAME_SIZE, background)
    x = max(0, (FRAME_SIZE[0] - code.width) // 2 + 40)
    y = max(0, (FRAME_SIZE[1] - code.height) // 2 - 20)
    frame.paste(code, (x, y))
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    array: np.ndarray = np.asarray(frame, dtype=np.float32)
    if noise:
        array = array + np.random.default_rng(seed).normal(0, noise, array.shape)
    return np.clip(array, 0, 255).astype(np.uint8)


def to_gray(image: Image.Image) -> np.ndarray:
    import numpy as np

    return np.asarray(image.convert("L"), dtype=np.uint8)


def empty_scene(seed: int = 3) -> np.ndarray:
    """A 640x480 grey frame with sensor noise and nothing to decode."""
    import numpy as np

    return np.random.default_rng(seed).normal(150, 12, (480, 640)).clip(0, 255).astype(np.uint8)


class SimCamera:
    """A camera on the desk: `show_qr`, `show_image`, `show_nothing`, `set_absent`; frames at `fps`."""

    def __init__(self, fps: float = 15.0, scene: bool = False, clocked: bool = False) -> None:
        """`scene`: frames of an empty room from the start, as a real camera delivers (the benchmarks' idle).
        `clocked`: frames on the camera's own clock, every 1/fps, as a sensor exposes them: what is shown waits
        for the next one (by default a new scene is a frame at once, which tests want)."""
        self.fps = fps
        self.clocked = clocked
        self._epoch = time.monotonic()
        self._closed = threading.Event()
        self._nothing: np.ndarray | None = empty_scene() if scene else None  # what it sees with no card held up
        self._frame = self._nothing
        self._absent = False
        self._changed = threading.Event()
        self.frames_served = 0
        self.history: list[tuple[str, str]] = []

    def show_qr(self, payload: str, **look: Any) -> None:
        self._show(camera_frame(payload, **look), ("qr", payload))

    def show_image(self, image: Image.Image | np.ndarray, label: str = "image") -> None:
        frame = to_gray(image) if isinstance(image, Image.Image) else image
        self._show(frame, ("image", label))

    def show_nothing(self) -> None:
        self._show(self._nothing, ("nothing", ""))

    def set_absent(self, absent: bool) -> None:
        self._absent = absent
        self.history.append(("absent" if absent else "present", ""))
        self._changed.set()

    def _show(self, frame: np.ndarray | None, record: tuple[str, str]) -> None:
        self._frame = frame
        self.history.append(record)
        self._changed.set()

    def read(self, timeout: float) -> np.ndarray | None:
        if self._absent:
            raise DeviceAbsent("camera", "not connected")
        if self.clocked:  # the next tick of the camera's clock, whatever was shown meanwhile
            ahead = (self._epoch - time.monotonic()) % (1.0 / self.fps)
            self._closed.wait(min(timeout, ahead or 1.0 / self.fps))
        else:  # a real camera blocks until its next frame; a new scene arrives at once
            self._changed.wait(min(timeout, 1.0 / self.fps))
            self._changed.clear()
        if self._absent:
            raise DeviceAbsent("camera", "not connected")
        self.frames_served += 1
        return self._frame

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "absent" if self._absent else "ok", "frames": self.frames_served}

    def close(self) -> None:
        self._closed.set()
        self._changed.set()


class PiCamera:
    """picamera2 (from Raspberry Pi OS packages). One instance for the whole process; closed in `close()`."""

    def __init__(self, size: tuple[int, int] = FRAME_SIZE) -> None:
        try:
            from picamera2 import Picamera2  # type: ignore[import-not-found]
        except Exception as exc:  # ImportError, or ValueError when a venv's numpy shadows Debian's (numpy ABI)
            raise DeviceAbsent("camera", f"picamera2 cannot be imported ({type(exc).__name__}: {exc})") from None
        try:
            self._camera = Picamera2()
            config = self._camera.create_video_configuration(
                main={"size": (1280, 960)}, lores={"size": size, "format": "YUV420"}, buffer_count=3)
            self._camera.configure(config)
            self._camera.start()
        except Exception as exc:  # libcamera reports every failure as a plain exception
            raise DeviceAbsent("camera", str(exc)) from None
        self._size = size
        self.frames_served = 0
        self._started = time.monotonic()

    def read(self, timeout: float) -> np.ndarray | None:
        width, height = self._size
        frame = self._camera.capture_array("lores")
        self.frames_served += 1
        return frame[:height, :width]

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok", "frames": self.frames_served}

    def close(self) -> None:
        self._camera.close()


# Backends by their config name (`[camera] backend`): config validation, the device builder and doctor read it.
BACKENDS: dict[str, Callable[[Any], Any]] = {
    "sim": lambda section: SimCamera(fps=section.fps),
    "sim-scene": lambda section: SimCamera(fps=section.fps, scene=True),
    "pi": lambda section: PiCamera(),
    "none": lambda section: Absent("camera"),
}
