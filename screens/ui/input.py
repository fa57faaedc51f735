"""Raw pygame input to semantic pointer events, in logical (drawing) coordinates.

SDL synthesises mouse events from touches (`event.touch` is True) and FINGER* events carry coordinates
normalised to 0..1: we take the finger events, scale them to the window, map them through the display's
rotation and scale, and drop the synthesised mouse events, so a tap counts once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pygame

Phase = Literal["down", "move", "up"]
Point = tuple[int, int]


@dataclass(frozen=True)
class Pointer:
    phase: Phase
    pos: Point


_MOUSE = {pygame.MOUSEBUTTONDOWN: "down", pygame.MOUSEMOTION: "move", pygame.MOUSEBUTTONUP: "up"}
_FINGER = {pygame.FINGERDOWN: "down", pygame.FINGERMOTION: "move", pygame.FINGERUP: "up"}


def to_pointer(
    event: pygame.event.Event, window_size: tuple[int, int], to_logical: Callable[[Point], Point]
) -> Pointer | None:
    if event.type in _MOUSE:
        if getattr(event, "touch", False):
            return None
        if event.type == pygame.MOUSEMOTION and not any(getattr(event, "buttons", (0,))):
            return None
        if event.type != pygame.MOUSEMOTION and getattr(event, "button", 1) != 1:
            return None
        return Pointer(_MOUSE[event.type], to_logical(event.pos))  # type: ignore[arg-type]
    if event.type in _FINGER:
        x = round(event.x * window_size[0])
        y = round(event.y * window_size[1])
        return Pointer(_FINGER[event.type], to_logical((x, y)))  # type: ignore[arg-type]
    return None
