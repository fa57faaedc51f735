"""Receipt and dossier codes that cannot be guessed from one another.

A code keeps its published shape (`<kiosk>-YYMMDD-NNNN`, `<unit>-YYMMDD-NNNN`) and its guarantee (never twice
in a day: the counter behind it is durable), but NNNN is the day's counter put through a keyed permutation of
1..9999: a four-round Feistel network on 14 bits with cycle walking, keyed by a secret that never leaves the
kiosk (or the province's store) and by the day. Seeing one slip tells nothing about the next one's code.
"""

from __future__ import annotations

import hashlib
import hmac

SPAN = 9999  # numbers 1..9999, as NNNN
_HALF_BITS = 7
_MASK = (1 << _HALF_BITS) - 1


def _round(key: bytes, scope: str, number: int, value: int) -> int:
    digest = hmac.new(key, f"{scope}/{number}/{value}".encode(), hashlib.sha256).digest()
    return digest[0] & _MASK


def _feistel(key: bytes, scope: str, value: int) -> int:
    left, right = value >> _HALF_BITS, value & _MASK
    for number in range(4):
        left, right = right, left ^ _round(key, scope, number, right)
    return (left << _HALF_BITS) | right


def scrambled(counter: int, key: bytes, scope: str) -> int:
    """The day's `counter` (1..9999) as an unguessable 1..9999, the same for the same key and scope, never the
    same for two counters (a permutation)."""
    if not 1 <= counter <= SPAN:
        raise ValueError(f"counter {counter} outside 1..{SPAN}")
    value = _feistel(key, scope, counter - 1)
    while value >= SPAN:  # cycle walking: stay a permutation of 0..9998
        value = _feistel(key, scope, value)
    return value + 1
