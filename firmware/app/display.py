"""The screen: a logical surface screens draw on (portrait 1080x1920 by default), shown rotated and scaled.

Rotation on cmdline.txt does not rotate KMS clients, so we rotate the frame ourselves and map touch back.
A headless display has the logical surface only; the simulator and `motcua screens` draw on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pygame

Point = tuple[int, int]
SYS_DRM = Path("/sys/class/drm")


def connected_card(sys_drm: Path = SYS_DRM) -> tuple[int, str] | None:
    """The DRM card with a connected display, and the connector: a Pi 5 has several cards, and their numbers can
    change between boots, so SDL is told which one (SDL_KMSDRM_DEVICE_INDEX) instead of trying card0."""
    for status in sorted(sys_drm.glob("card*-*/status")):
        try:
            connected = status.read_text().strip() == "connected"
        except OSError:
            continue
        if connected:
            card, _, connector = status.parent.name.partition("-")
            return int(card.removeprefix("card")), connector
    return None


def unreadable_inputs(dev_input: Path = Path("/dev/input")) -> list[str]:
    """Touch screens and keys SDL could not open: the kiosk would ignore every tap without saying why."""
    return [str(e) for e in sorted(dev_input.glob("event*")) if not os.access(e, os.R_OK)]


def has_desktop_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Display:
    def __init__(self, width: int, height: int, rotate: int = 0, scale: float = 1.0) -> None:
        self.size = (width, height)
        self.rotate = rotate
        self.scale = scale
        self.surface = pygame.Surface(self.size)
        self.window: pygame.Surface | None = None
        self.frames = 0

    @property
    def physical_size(self) -> Point:
        w, h = self.size
        return (h, w) if self.rotate in (90, 270) else (w, h)

    @property
    def window_size(self) -> Point:
        w, h = self.physical_size
        return round(w * self.scale), round(h * self.scale)

    def open(self, driver: str) -> None:
        """Open a real output: 'window' on a desktop, 'kmsdrm' fullscreen on the kiosk, 'offscreen' for tests."""
        if driver == "kmsdrm":
            os.environ["SDL_VIDEODRIVER"] = "kmsdrm"
            card = connected_card()
            if card is not None:
                os.environ.setdefault("SDL_KMSDRM_DEVICE_INDEX", str(card[0]))
        elif driver == "offscreen":
            # SDL's dummy driver, not its "offscreen" one: that loads Mesa's llvmpipe (+100 MB resident).
            os.environ["SDL_VIDEODRIVER"] = "dummy"
        pygame.display.init()
        flags = pygame.FULLSCREEN if driver == "kmsdrm" else 0
        pygame.display.set_caption("motcua — Kiosk dịch vụ công")
        self.window = pygame.display.set_mode(self.window_size, flags)
        if driver == "kmsdrm":
            pygame.mouse.set_visible(False)
        self.surface = self.surface.convert()

    def present(self, damage: list[pygame.Rect] | None = None) -> None:
        """Show the frame: only the rectangles that changed (`damage`, turned as the panel is) when known, so a
        pressed key on a rotated panel turns a key's pixels, not 2 million."""
        self.frames += 1
        if self.window is None or damage == []:
            return
        if damage is not None and self.scale == 1.0:
            shown = []
            for rect in (r.clip(self.surface.get_rect()) for r in damage):
                if not rect.width or not rect.height:
                    continue
                part = self.surface.subsurface(rect)
                if self.rotate:
                    part = pygame.transform.rotate(part, -self.rotate)
                place = self.to_physical(rect)
                self.window.blit(part, place.topleft)
                shown.append(place)
            pygame.display.update(shown)
            return
        frame = self.surface
        if self.rotate:
            frame = pygame.transform.rotate(frame, -self.rotate)
        if self.scale != 1.0:
            frame = pygame.transform.smoothscale(frame, self.window_size)
        self.window.blit(frame, (0, 0))
        pygame.display.flip()

    def to_physical(self, rect: pygame.Rect) -> pygame.Rect:
        """Where a rectangle of the logical surface shows on the panel (scale 1)."""
        w, h = self.size
        x, y, rw, rh = rect
        if self.rotate == 90:
            return pygame.Rect(h - y - rh, x, rh, rw)
        if self.rotate == 180:
            return pygame.Rect(w - x - rw, h - y - rh, rw, rh)
        if self.rotate == 270:
            return pygame.Rect(y, w - x - rw, rh, rw)
        return pygame.Rect(rect)

    def to_logical(self, pos: Point) -> Point:
        px, py = round(pos[0] / self.scale), round(pos[1] / self.scale)
        w, h = self.size
        if self.rotate == 90:
            return py, h - 1 - px
        if self.rotate == 180:
            return w - 1 - px, h - 1 - py
        if self.rotate == 270:
            return w - 1 - py, px
        return px, py

    def close(self) -> None:
        if self.window is not None:
            pygame.display.quit()
            self.window = None
