"""Greedy word wrap shared by the screen (pygame fonts) and the slip (PIL fonts)."""

from __future__ import annotations

from collections.abc import Callable


def wrap_words(text: str, room: float, measure: Callable[[str], float]) -> list[str]:
    """Lines no wider than `room` by `measure`; explicit newlines are kept; a word wider than a line stands alone."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > room:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines
