"""Elliptic-curve arithmetic (affine points, Jacobian coordinates inside a multiplication) for PACE's generic
mapping (ICAO 9303 part 11, 4.4.3.3.1):
the mapped generator G~ = s*G + H is not a curve's own generator, and H is a whole point where ECDH libraries give
only its x, so `cryptography` cannot do this step. The two curves ID cards use are here (PACE's standardized
domain parameters 12 and 13); every point that comes from a card is checked to be on the curve."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

Point = tuple[int, int] | None  # None is the point at infinity


@dataclass(frozen=True)
class Curve:
    name: str
    p: int
    a: int
    b: int
    g: tuple[int, int]
    n: int

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8

    def on_curve(self, point: Point) -> bool:
        if point is None:
            return False
        x, y = point
        return 0 <= x < self.p and 0 <= y < self.p and (y * y - x * x * x - self.a * x - self.b) % self.p == 0

    def add(self, first: Point, second: Point) -> Point:
        if first is None:
            return second
        if second is None:
            return first
        (x1, y1), (x2, y2) = first, second
        p = self.p
        if x1 == x2:
            if (y1 + y2) % p == 0:
                return None
            slope = (3 * x1 * x1 + self.a) * pow(2 * y1, -1, p) % p
        else:
            slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
        x3 = (slope * slope - x1 - x2) % p
        return x3, (slope * (x1 - x3) - y1) % p

    def multiply(self, k: int, point: Point) -> Point:
        """k * point: double-and-add in Jacobian coordinates (one inversion at the end, not one a step)."""
        if point is None or k % self.n == 0:
            return None
        p, a = self.p, self.a
        x2, y2 = point
        x, y, z = 1, 1, 0  # the point at infinity
        for bit in bin(k % self.n)[2:]:
            if z:  # double
                yy = y * y % p
                s4 = 4 * x * yy % p
                m = (3 * x * x + a * pow(z, 4, p)) % p
                x_next = (m * m - 2 * s4) % p
                y, z = (m * (s4 - x_next) - 8 * yy * yy) % p, 2 * y * z % p
                x = x_next
            if bit == "1":
                if not z:
                    x, y, z = x2, y2, 1
                    continue
                zz = z * z % p
                u2, s2 = x2 * zz % p, y2 * zz * z % p
                h, r = (u2 - x) % p, (s2 - y) % p
                if h == 0:
                    if r:
                        x, y, z = 1, 1, 0
                        continue
                    return self._affine_multiply(k % self.n, point)
                hh = h * h % p
                hhh = h * hh % p
                x_next = (r * r - hhh - 2 * x * hh) % p
                y, z = (r * (x * hh - x_next) - y * hhh) % p, z * h % p
                x = x_next
        if not z:
            return None
        inverse = pow(z, -1, p)
        return x * inverse * inverse % p, y * inverse * inverse * inverse % p

    def _affine_multiply(self, k: int, point: Point) -> Point:
        """The plain affine ladder, for the rare case the Jacobian one meets a doubling inside an addition."""
        result: Point = None
        addend = point
        while k:
            if k & 1:
                result = self.add(result, addend)
            addend = self.add(addend, addend)
            k >>= 1
        return result

    def private_key(self) -> int:
        return secrets.randbelow(self.n - 1) + 1

    def encode(self, point: Point) -> bytes:
        """The uncompressed encoding, 04 || X || Y."""
        if point is None:
            raise ValueError("the point at infinity has no encoding")
        return b"\x04" + point[0].to_bytes(self.size, "big") + point[1].to_bytes(self.size, "big")

    def decode(self, raw: bytes) -> tuple[int, int]:
        """A point from its uncompressed encoding; ValueError when it is not one of this curve's points."""
        if len(raw) != 1 + 2 * self.size or raw[0] != 0x04:
            raise ValueError(f"not an uncompressed {self.name} point ({len(raw)} bytes)")
        point = int.from_bytes(raw[1:1 + self.size], "big"), int.from_bytes(raw[1 + self.size:], "big")
        if not self.on_curve(point):
            raise ValueError(f"a point that is not on {self.name}")
        return point


P256 = Curve(
    "secp256r1",
    p=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    a=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    g=(0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
       0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5),
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
)
BRAINPOOL_P256R1 = Curve(
    "brainpoolP256r1",
    p=0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
    a=0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
    b=0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
    g=(0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
       0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997),
    n=0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
)
CURVES = {12: P256, 13: BRAINPOOL_P256R1}  # PACE's standardized domain parameter IDs (9303-11, table 6)
