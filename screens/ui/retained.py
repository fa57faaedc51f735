"""Redraw only what changed: a frame's drawing is recorded as operations, compared with the last frame's, and only
the places where they differ are painted again.

A screen still describes its whole picture every frame (so its code stays simple), but describing costs
microseconds while painting a 1080x1920 frame costs milliseconds. An operation's key holds everything its pixels
depend on; an operation in one frame and not the other damages its bounds; every operation that touches the
damage is painted again there, in order, so overlapping ones (a modal's dimming over the screen) stay right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import pygame

Paint = Callable[[pygame.Surface], object]
FULL_REPAINT_SHARE = 0.6  # damage over this share of the frame: one full repaint is cheaper than many clipped


@dataclass(frozen=True, slots=True)
class Op:
    key: Hashable  # equal keys paint equal pixels
    bounds: pygame.Rect  # every pixel the op may touch (already within its clip)
    clip: pygame.Rect | None
    paint: Paint


def merged(rects: list[pygame.Rect]) -> list[pygame.Rect]:
    """Damage rectangles with the overlapping ones joined (each pixel then painted once per op)."""
    pending = sorted((r for r in rects if r.width > 0 and r.height > 0), key=lambda r: (r.top, r.left))
    out: list[pygame.Rect] = []
    for rect in pending:
        joined = rect.copy()
        grew = True
        while grew:
            grew = False
            for other in out:
                if joined.colliderect(other):
                    joined.union_ip(other)
                    out.remove(other)
                    grew = True
                    break
        out.append(joined)
    return out


class Frames:
    """The last frame's operations, and how to bring a surface from it to the next one."""

    def __init__(self) -> None:
        self.shown: list[Op] = []  # kept alive: an image an op blits cannot be freed and its id reused
        self.valid = False
        self.full_repaints = 0
        self.partial_repaints = 0
        self.unchanged = 0

    def invalidate(self) -> None:
        self.valid = False

    def present(self, surface: pygame.Surface, ops: list[Op]) -> list[pygame.Rect]:
        """Paint `ops` onto `surface`, which shows the last frame; returns the rectangles that changed."""
        whole = surface.get_rect()
        damage = self._damage(ops) if self.valid else None
        self.shown, self.valid = ops, True
        if damage is None:
            damage = [whole]
        if not damage:
            self.unchanged += 1
            return []
        area = sum(r.width * r.height for r in damage)
        if area >= FULL_REPAINT_SHARE * whole.width * whole.height:
            damage = [whole]
        if damage == [whole]:
            self.full_repaints += 1
        else:
            self.partial_repaints += 1
        saved = surface.get_clip()
        try:
            for rect in damage:
                for op in ops:
                    if not op.bounds.colliderect(rect):
                        continue
                    surface.set_clip(rect.clip(op.clip) if op.clip is not None else rect)
                    op.paint(surface)
        finally:
            surface.set_clip(saved)
        return damage

    def _damage(self, ops: list[Op]) -> list[pygame.Rect] | None:
        """What differs from the last frame (None: paint it whole). Most of a frame is the last one's ops, the
        very objects (`Canvas.group`), so the common head and tail are cut off first, by identity."""
        before, after = self.shown, ops
        head, most = 0, min(len(before), len(after))
        while head < most and (before[head] is after[head] or before[head].key == after[head].key):
            head += 1
        tail = 0
        while tail < most - head and (before[-1 - tail] is after[-1 - tail] or
                                      before[-1 - tail].key == after[-1 - tail].key):
            tail += 1
        before, after = before[head:len(before) - tail], after[head:len(after) - tail]
        if not before and not after:
            return []
        was, now = Counter(op.key for op in before), Counter(op.key for op in after)
        gone, came = was - now, now - was
        # Ops in both frames must keep their order, or where they overlap the other one would now be on top.
        if [op.key for op in before if op.key not in gone] != [op.key for op in after if op.key not in came]:
            return None
        return merged([op.bounds for op in before if op.key in gone] + [op.bounds for op in after if op.key in came])
