"""The speaker: short prompt files played without blocking (SDL's mixer plays them on its own audio thread).

`play(path)` returns at once; a new prompt cuts the one still playing, so guidance never queues up behind a
citizen who taps quickly. Sounds are loaded when first played and only the last few are kept (a 512 MB board
has no room for every prompt decoded in memory).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from hw.absent import Absent
from hw.errors import DeviceAbsent, DeviceError

KEEP_LOADED = 4
KEEP_PLAYED = 200


class Speaker(Protocol):
    def play(self, path: Path, volume: float) -> None: ...
    def stop(self) -> None: ...
    def busy(self) -> bool: ...
    def status(self, now: float) -> dict[str, Any]: ...


class SimSpeaker:
    """Plays nothing; keeps what it was asked to play, for tests and the simulator."""

    def __init__(self) -> None:
        self.played: list[Path] = []
        self.volumes: list[float] = []

    def play(self, path: Path, volume: float) -> None:
        if not path.is_file():
            raise DeviceError("speaker", f"no prompt file {path}")
        self.played.append(path)
        self.volumes.append(volume)
        if len(self.played) > KEEP_PLAYED:  # thousands of visits must not grow the simulator's memory
            del self.played[:-KEEP_PLAYED], self.volumes[:-KEEP_PLAYED]

    def stop(self) -> None:
        pass

    def busy(self) -> bool:
        return False

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok", "played": len(self.played)}


class MixerSpeaker:
    """pygame's mixer (SDL audio: ALSA or PipeWire on the Pi, any driver on a desktop)."""

    def __init__(self) -> None:
        import pygame.mixer

        self._mixer = pygame.mixer
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=22050, size=-16, channels=1, buffer=1024)
        except pygame.error as exc:
            raise DeviceAbsent("speaker", f"no audio output: {exc}") from None
        self._loaded: OrderedDict[Path, Any] = OrderedDict()
        self._channel: Any = None
        self.played = 0

    def _sound(self, path: Path) -> Any:
        sound = self._loaded.pop(path, None)
        if sound is None:
            try:
                sound = self._mixer.Sound(str(path))
            except Exception as exc:  # pygame.error, FileNotFoundError: a bad or missing file is the file's fault
                raise DeviceError("speaker", f"cannot load {path.name}: {exc}") from None
        self._loaded[path] = sound
        while len(self._loaded) > KEEP_LOADED:
            self._loaded.popitem(last=False)
        return sound

    def play(self, path: Path, volume: float) -> None:
        sound = self._sound(path)
        self.stop()
        sound.set_volume(max(0.0, min(1.0, volume)))
        self._channel = sound.play()
        self.played += 1

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.stop()
            self._channel = None

    def busy(self) -> bool:
        return bool(self._channel is not None and self._channel.get_busy())

    def status(self, now: float) -> dict[str, Any]:
        return {"state": "ok", "played": self.played, "busy": self.busy()}


# Backends by their config name (`[voice] backend`).
BACKENDS: dict[str, Callable[[Any], Any]] = {
    "sim": lambda section: SimSpeaker(),
    "mixer": lambda section: MixerSpeaker(),
    "none": lambda section: Absent("speaker"),
}
