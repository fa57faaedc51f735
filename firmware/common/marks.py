"""Vietnamese text without its marks: 'Đăng ký' -> 'Dang ky' (đ is a letter of its own, not a d with a mark)."""

from __future__ import annotations

import unicodedata


def without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
