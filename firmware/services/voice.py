"""Voice guidance: the screen's or the error's prompt, spoken when it appears, if the citizen wants it.

On at the start of each visit when `[voice] enabled`, silent during the quiet hours, turned off or on by the
citizen with `Nghe hướng dẫn` (a new visit starts from the configured default again). Prompt files are looked
up in the province's `[voice] dir` first, then in the built-in set. Playing never blocks the loop (the
speaker plays on SDL's audio thread), and a speaker fault is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any, Protocol

from firmware.render.voice import PROMPT_DIR
from firmware.runtime.config import VoiceSection

log = logging.getLogger("motcua.voice")


class Speaker(Protocol):  # hw/speaker.py's backends
    def play(self, path: Path, volume: float) -> None: ...
    def stop(self) -> None: ...


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


class Voice:
    def __init__(self, speaker: Speaker, section: VoiceSection, wall: Callable[[], datetime]) -> None:
        self.speaker = speaker
        self.section = section
        self.wall = wall
        self.enabled = section.enabled
        self._quiet = (_clock(section.quiet_from), _clock(section.quiet_until))  # parsed once, not per prompt
        self.dirs = [Path(section.dir)] if section.dir else []
        self.dirs.append(PROMPT_DIR)
        self.said: list[str] = []  # the last few keys spoken (status and tests; keys hold no personal data)
        self.faults = 0
        self._missing: set[str] = set()
        if not any(PROMPT_DIR.glob("*.wav")) and not section.dir:
            log.warning("no prompt files in %s (make builds them with espeak-ng): the kiosk stays silent",
                        PROMPT_DIR)

    def quiet(self) -> bool:
        start, end = self._quiet
        now = self.wall().time()
        if start == end:
            return False
        return start <= now < end if start < end else now >= start or now < end

    def path(self, key: str) -> Path | None:
        for folder in self.dirs:
            candidate = folder / f"{key}.wav"
            if candidate.is_file():
                return candidate
        return None

    def say(self, key: str) -> bool:
        """Speak prompt `key` now (cutting the one playing); False when silent or it cannot."""
        if not self.enabled or self.quiet():
            return False
        path = self.path(key)
        if path is None:
            if key not in self._missing:
                self._missing.add(key)
                log.warning("no prompt file for %s", key)
            return False
        try:
            self.speaker.play(path, self.section.volume)
        except Exception as exc:  # a speaker fault must not reach the screen that asked
            self.faults += 1
            if self.faults == 1 or self.faults % 100 == 0:
                log.warning("the speaker failed (%d so far): %s", self.faults, exc)
            return False
        self.said = [*self.said[-7:], key]
        return True

    def toggle(self) -> bool:
        self.enabled = not self.enabled
        log.info("voice guidance turned %s by the citizen", "on" if self.enabled else "off")
        if not self.enabled:
            self.speaker.stop()
        return self.enabled

    def new_visit(self) -> None:
        """The next citizen starts from the configured default, not the last one's choice."""
        self.enabled = self.section.enabled
        self.speaker.stop()

    def status(self, now: float) -> dict[str, Any]:
        return {"enabled": self.enabled, "quiet": self.quiet(), "said": len(self.said), "faults": self.faults}
