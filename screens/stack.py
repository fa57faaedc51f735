"""The screen stack: navigation requests are queued and applied between events, with the lifecycle calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from firmware.runtime.events import KioskEvent
from firmware.services.kiosk import Kiosk
from screens.base import Screen
from screens.ui.canvas import Canvas
from screens.ui.input import Pointer
from screens.ui.theme import Theme

log = logging.getLogger("motcua.screens")


class UnknownScreen(KeyError):
    pass


class ScreenStack:
    def __init__(self, registry: dict[str, type[Screen]], theme: Theme) -> None:
        self.registry = registry
        self.theme = theme
        self.kiosk: Kiosk | None = None
        self.screens: list[Screen] = []
        self._pending: list[Callable[[], None]] = []
        self.transitions = 0
        self.on_change: Callable[[str | None, str | None], None] | None = None

    # -- Navigator ------------------------------------------------------------------------------------
    def push(self, name: str, **params: Any) -> None:
        self._check(name)
        self._pending.append(lambda: self._push(name, params))

    def pop(self) -> None:
        self._pending.append(self._pop)

    def replace(self, name: str, **params: Any) -> None:
        self._check(name)
        self._pending.append(lambda: self._replace(name, params))

    def reset(self, name: str, **params: Any) -> None:
        self._check(name)
        self._pending.append(lambda: self._reset(name, params))

    def has(self, name: str) -> bool:
        return name in self.registry

    @property
    def top(self) -> Screen | None:
        return self.screens[-1] if self.screens else None

    @property
    def top_name(self) -> str | None:
        return self.top.name if self.top else None

    # -- applying requests ----------------------------------------------------------------------------
    @property
    def has_pending(self) -> bool:
        """A screen asked to go somewhere; the next turn of the loop goes there."""
        return bool(self._pending)

    def apply_pending(self) -> bool:
        changed = bool(self._pending)
        while self._pending:
            before = self.top_name
            self._pending.pop(0)()
            self.transitions += 1
            if before != self.top_name:
                log.info("screen %s -> %s", before or "(none)", self.top_name)
            if self.on_change:
                self.on_change(before, self.top_name)
        return changed

    def _check(self, name: str) -> None:
        if name not in self.registry:
            raise UnknownScreen(f"no screen named {name!r}; known: {', '.join(sorted(self.registry))}")

    def _make(self, name: str) -> Screen:
        assert self.kiosk is not None, "bind a Kiosk before navigating"
        return self.registry[name](self.kiosk, self.theme)

    def _push(self, name: str, params: dict[str, Any]) -> None:
        if self.top:
            self.top.pause()
        screen = self._make(name)
        self.screens.append(screen)
        screen.enter(**params)

    def _replace(self, name: str, params: dict[str, Any]) -> None:
        self._pop(resume=False)
        self._push(name, params)

    def _pop(self, resume: bool = True) -> None:
        if len(self.screens) <= 1 and resume:
            return  # the bottom screen stays
        if self.screens:
            self.screens.pop().leave()
        if resume and self.top:
            self.top.resume()

    def _reset(self, name: str, params: dict[str, Any]) -> None:
        while self.screens:
            self.screens.pop().leave()
        self._push(name, params)

    # -- loop hooks -----------------------------------------------------------------------------------
    def handle(self, event: Pointer | KioskEvent) -> bool:
        return self.top.handle(event) if self.top else False

    def update(self, now: float) -> None:
        if self.top:
            self.top.update(now)

    @property
    def dirty(self) -> bool:
        return bool(self.top and self.top.dirty)

    def draw(self, canvas: Canvas) -> None:
        canvas.clear_log()
        canvas.begin()
        try:
            if self.top:
                self.top.draw(canvas)
                self.top.dirty = False
        finally:
            canvas.finish()

    def health_changed(self) -> None:
        if self.top:
            self.top.health_changed()

    def status(self, now: float) -> dict[str, Any]:
        return {"screen": self.top_name, "depth": len(self.screens), "transitions": self.transitions}
