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


def same(these: list[Op], those: list[Op]) -> bool:
    return len(these) == len(those) and all(a is b or a.key == b.key for a, b in zip(these, those, strict=True))


class Frames:
    """The last frame's operations, and how to bring a surface from it to the next one."""

    def __init__(self) -> None:
        self.shown: list[Op] = []  # kept alive: an image an op blits cannot be freed and its id reused
        self.valid = False
        self.full_repaints = 0
        self.partial_repaints = 0
        self.unchanged = 0
        self.under: tuple[list[Op], pygame.Surface] | None = None  # the frame under a layer, and its ops
        self._spare: pygame.Surface | None = None

    def invalidate(self) -> None:
        self.valid = False
        self.under = None

    def release(self) -> None:
        """Let the copy kept under a layer go (the next layer makes it again); the frames go on as before."""
        self.under = None
        self._spare = None

    def present(self, surface: pygame.Surface, ops: list[Op]) -> list[pygame.Rect]:
        """Paint `ops` onto `surface`, which shows the last frame; returns the rectangles that changed."""
        whole = surface.get_rect()
        shown, self.shown = self.shown, ops
        if not self.valid:
            self.valid = True
            return self._paint(surface, ops, [whole])
        if self.under is not None and len(ops) < len(shown):
            under_ops, picture = self.under
            self.under = None
            if same(ops, under_ops):  # the layer went: the frame under it comes back in one copy
                surface.blit(picture, (0, 0))
                self.partial_repaints += 1
                return [whole]
        if shown and len(ops) > len(shown) and ops[len(shown)].bounds == whole:
            # A layer over everything (a modal's dimming) came: the frame under it changes only where its own
            # ops did, it is kept, and the layer is painted over it.
            base, layer = ops[:len(shown)], ops[len(shown):]
            damage = changes(shown, base)
            self._paint(surface, base, [whole] if damage is None else damage)
            self.under = (base, self._keep(surface))
            saved = surface.get_clip()
            try:
                for op in layer:
                    surface.set_clip(op.bounds)
                    op.paint(surface)
            finally:
                surface.set_clip(saved)
            return [whole]
        damage = changes(shown, ops)
        return self._paint(surface, ops, [whole] if damage is None else damage)

    def _keep(self, surface: pygame.Surface) -> pygame.Surface:
        """A copy of the frame, into one buffer kept for it: a fresh 8 MB surface each time costs the page faults
        of new memory (about 5 ms at 1080x1920), a copy into a kept one 1 ms."""
        if self._spare is None or self._spare.get_size() != surface.get_size():
            self._spare = surface.copy()
        else:
            self._spare.blit(surface, (0, 0))
        return self._spare

    def _paint(self, surface: pygame.Surface, ops: list[Op], damage: list[pygame.Rect]) -> list[pygame.Rect]:
        """Every op that touches the damage, painted again there, in order."""
        whole = surface.get_rect()
        if not damage:
            self.unchanged += 1
            return []
        if sum(r.width * r.height for r in damage) >= FULL_REPAINT_SHARE * whole.width * whole.height:
            damage = [whole]
        if damage == [whole]:
            self.full_repaints += 1
        else:
            self.partial_repaints += 1
        saved = surface.get_clip()
        try:
            for rect in damage:
                for op in ops:
                    if op.bounds.colliderect(rect):
                        surface.set_clip(rect.clip(op.clip) if op.clip is not None else rect)
                        op.paint(surface)
        finally:
            surface.set_clip(saved)
        return damage


def changes(before: list[Op], after: list[Op]) -> list[pygame.Rect] | None:
    """Where `after` differs from `before` (None: everywhere). Most of a frame is the last one's ops, the very
    objects (`Canvas.group`), so they are matched by identity first (the common head and tail cut off, then the
    rest by id); only the ops drawn anew are compared by key."""
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
    in_before, in_after = {id(op) for op in before}, {id(op) for op in after}
    was = Counter(op.key for op in before if id(op) not in in_after)
    now = Counter(op.key for op in after if id(op) not in in_before)
    gone, came = was - now, now - was
    went = [op for op in before if id(op) not in in_after and op.key in gone]
    new = [op for op in after if id(op) not in in_before and op.key in came]
    # Ops in both frames must keep their order, or where they overlap the other one would now be on top.
    went_ids, new_ids = {id(op) for op in went}, {id(op) for op in new}
    stayed = [op for op in before if id(op) not in went_ids]
    still = [op for op in after if id(op) not in new_ids]
    if not same(stayed, still):
        return None
    return merged([op.bounds for op in went] + [op.bounds for op in new])
