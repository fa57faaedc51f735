"""Vietnamese Telex typing, as a pure function of the text so far and one key.

The last word of the text is read back into letters (with their vowel marks) and a tone, the key is applied,
and the word is written again with the tone placed by the modern rule (hoà, khoẻ, thuỷ). Because nothing is
kept between keys, prefilled text can be edited the same way as typed text.

Keys: aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, uow ươ, w ư, dd đ; tones s sắc, f huyền, r hỏi, x ngã, j nặng, z none.
Pressing a mark or tone key again undoes it and types the key ("ass" -> "as"). Backspace removes the tone
before it removes a letter.
"""

from __future__ import annotations

import unicodedata

TONE_KEYS = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
TONE_MARKS = set(TONE_KEYS.values())
CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
BREVE_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
PLAIN = {marked: plain for table in (CIRCUMFLEX, BREVE_HORN) for plain, marked in table.items()}
VOWELS = set("aăâeêioôơuưy")
MARKED = set("ăâêôơư")


def _is_vowel(char: str) -> bool:
    return char.lower() in VOWELS


def _with_case(char: str, like: str) -> str:
    return char.upper() if like.isupper() else char


def split_word(text: str) -> tuple[str, str]:
    """(head, last word): the word is the trailing run of letters."""
    end = len(text)
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[:start], text[start:]


def parse_word(word: str) -> tuple[list[str], str | None] | None:
    """Letters without tone, and the tone mark; None when the word has more than one tone (not ours to edit)."""
    letters, tone = [], None
    for char in unicodedata.normalize("NFC", word):
        parts = unicodedata.normalize("NFD", char)
        marks = [m for m in parts if m in TONE_MARKS]
        if marks:
            if tone is not None or len(marks) > 1:
                return None
            tone = marks[0]
        letters.append(unicodedata.normalize("NFC", "".join(m for m in parts if m not in TONE_MARKS)))
    return letters, tone


def _cluster(letters: list[str]) -> list[int]:
    """Indexes of the word's vowel nucleus: the last run of vowels, without the glide of 'qu' and 'gi'."""
    end = len(letters)
    while end > 0 and not _is_vowel(letters[end - 1]):
        end -= 1
    start = end
    while start > 0 and _is_vowel(letters[start - 1]):
        start -= 1
    indexes = list(range(start, end))
    lower = [c.lower() for c in letters]
    if len(indexes) > 1 and start > 0:
        before = lower[start - 1]
        if (before == "q" and lower[start] == "u") or (before == "g" and lower[start] == "i"):
            indexes = indexes[1:]
    return indexes


def tone_position(letters: list[str]) -> int | None:
    nucleus = _cluster(letters)
    if not nucleus:
        return None
    lower = [letters[i].lower() for i in nucleus]
    marked = [i for i, c in zip(nucleus, lower, strict=True) if c in MARKED]
    if marked:
        return marked[-1]  # ươ: on ơ; uyê: on ê
    closed = nucleus[-1] < len(letters) - 1
    if len(nucleus) == 1:
        return nucleus[0]
    if closed:
        return nucleus[-1]  # toán, hoàng, thuyết
    if len(nucleus) == 2:
        return nucleus[1] if "".join(lower) in ("oa", "oe", "uy") else nucleus[0]  # hoà, khoẻ, thuỷ; mía, múa
    return nucleus[1]  # ngoài, khuỷu


def render_word(letters: list[str], tone: str | None) -> str:
    out = list(letters)
    position = tone_position(letters) if tone else None
    if position is not None and tone is not None:
        out[position] = unicodedata.normalize("NFC", unicodedata.normalize("NFD", out[position]) + tone)
    return "".join(out)


def press(text: str, key: str) -> str:
    """The text after one key of the on-screen keyboard (a letter, digit, space or punctuation)."""
    head, word = split_word(text)
    parsed = parse_word(word) if key.isalpha() and len(key) == 1 else None
    if parsed is None:
        return unicodedata.normalize("NFC", text + key)
    letters, tone = parsed
    result = _apply(letters, tone, key)
    return unicodedata.normalize("NFC", head + result)


def _apply(letters: list[str], tone: str | None, key: str) -> str:
    lower = key.lower()
    nucleus = _cluster(letters)
    if lower in TONE_KEYS and nucleus:
        if tone == TONE_KEYS[lower]:
            return render_word(letters, None) + key  # "ass" -> "as"
        return render_word(letters, TONE_KEYS[lower])
    if lower == "z" and tone:
        return render_word(letters, None)
    if lower == "d" and letters and letters[-1].lower() == "d":
        letters[-1] = _with_case("đ", letters[-1])
        return render_word(letters, tone)
    if lower in CIRCUMFLEX and nucleus:
        for i in reversed(nucleus):
            if letters[i].lower() == lower:
                letters[i] = _with_case(CIRCUMFLEX[lower], letters[i])
                return render_word(letters, tone)
            if letters[i].lower() == CIRCUMFLEX[lower]:
                letters[i] = _with_case(lower, letters[i])  # "aaa" -> "aa"
                return render_word(letters, tone) + key
    if lower == "w":
        changed = _horn(letters, nucleus)
        if changed is None:
            return render_word(letters, tone) + _with_case("ư", key)
        if changed:
            return render_word(letters, tone)
        return render_word(letters, tone) + key  # undone: "uww" -> "uw"
    return render_word(letters + [key], tone)


def _horn(letters: list[str], nucleus: list[int]) -> bool | None:
    """Apply w to the nucleus: True if marked, False if a mark was undone, None if there is nothing to mark."""
    joined = "".join(letters[i].lower() for i in nucleus)

    def mark(at: int, table: dict[str, str]) -> None:
        i = nucleus[at]
        letters[i] = _with_case(table[letters[i].lower()], letters[i])

    if "ươ" in joined:  # "ươw" -> "uow"
        at = joined.index("ươ")
        mark(at, PLAIN)
        mark(at + 1, PLAIN)
        return False
    for pair in ("uo", "ưo", "uơ"):
        if pair in joined:  # trươ-, người: both letters take the horn
            at = joined.index(pair)
            for offset in (0, 1):
                if joined[at + offset] in BREVE_HORN:
                    mark(at + offset, BREVE_HORN)
            return True
    marked = [at for at, c in enumerate(joined) if c in PLAIN and c != "â" and c != "ê" and c != "ô"]
    if marked:
        for at in marked:
            mark(at, PLAIN)
        return False
    after_q = bool(nucleus) and nucleus[0] > 0 and letters[nucleus[0] - 1].lower() == "q"
    if "ua" in joined and not after_q:
        mark(joined.index("ua"), BREVE_HORN)  # mưa
        return True
    for wanted in ("a", "o", "u"):
        if wanted in joined:
            mark(joined.rindex(wanted), BREVE_HORN)
            return True
    return None


def has_vowel(text: str) -> bool:
    """Whether the last word can take a tone (a tone key never types a letter by itself)."""
    parsed = parse_word(split_word(text)[1])
    return bool(parsed and _cluster(parsed[0]))


def backspace(text: str) -> str:
    """Remove the last word's tone first; then letters."""
    head, word = split_word(text)
    parsed = parse_word(word) if word else None
    if parsed and parsed[1] is not None:
        return head + render_word(parsed[0], None)
    return text[:-1]


def type_keys(keys: str, text: str = "") -> str:
    for key in keys:
        text = press(text, key)
    return text
