"""Amounts of đồng as a citizen reads them: digits grouped with dots (20.000 đồng) and in words (Hai mươi nghìn
đồng), the way a receipt writes "Số tiền bằng chữ"."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", "nghìn", "triệu", "tỷ")


def money(amount: int) -> str:
    """20000 -> '20.000 đồng'."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _hundreds(n: int, full: bool) -> list[str]:
    """Words for 0..999; `full` when a higher group came before (so 5 is 'không trăm linh năm')."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 4 and tens >= 2:
            words.append("tư")
        else:
            words.append(DIGITS[units])
    return words


def _words(n: int) -> list[str]:
    if n == 0:
        return ["không"]
    if n >= 1000**3:  # tỷ repeats: 1.000 tỷ, 1 triệu tỷ
        return [*_words(n // 1000**3), "tỷ", *(_words(n % 1000**3) if n % 1000**3 else [])]
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _hundreds(group, full=bool(words))
        words += [GROUPS[index]] if GROUPS[index] else []
    return words


def in_words(amount: int) -> str:
    """20000 -> 'Hai mươi nghìn đồng'; 1250000 -> 'Một triệu hai trăm năm mươi nghìn đồng'."""
    if amount < 0:
        raise ValueError(f"{amount}: an amount of money is not negative")
    text = " ".join([*_words(amount), "đồng"])
    return text[0].upper() + text[1:]
