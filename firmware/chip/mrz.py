"""The machine-readable zone: check digits, the BAC key's inputs, DG1 (TD1, 3 x 30), and the card's expiry date
from the Law on Identification when the citizen showed only the printed QR.

A Vietnamese ID card number has 12 digits; the MRZ's document number field holds 9 characters, so it carries the
last 9 digits, and the whole number follows in the optional data (ICAO 9303 part 5, 4.2.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 3, 1)
# Law on Identification 2023, art. 21: a card is changed at 14, 25, 40 and 60; one issued within the 2 years
# before such an age stays valid to the next. From 60 it is valid for life (the chip says 31 Dec 9999 -> "991231").
CHANGE_AGES = (14, 25, 40, 60)
GRACE_YEARS = 2


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise ValueError(f"{char!r} is not an MRZ character")


def check_digit(field: str) -> str:
    return str(sum(_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


@dataclass(frozen=True)
class BacKey:
    """What BAC needs: the document number (the MRZ's 9 characters), birth and expiry dates as YYMMDD."""

    document_number: str
    birth: str
    expiry: str

    @property
    def mrz_information(self) -> bytes:
        number = self.document_number.upper().ljust(9, "<")
        return "".join(part + check_digit(part) for part in (number, self.birth, self.expiry)).encode("ascii")

    @classmethod
    def for_card(cls, id_number: str, born: date, expiry: date | None) -> BacKey:
        return cls(id_number[-9:], yymmdd(born), "991231" if expiry is None else yymmdd(expiry))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return date(born.year + age, 3, 1)


def expiry_candidates(born: date, issued: date) -> list[date | None]:
    """The card's possible expiry dates, the law's reading first (None: valid for life). A card's first change
    age is the first one more than 2 years after it was issued; the one before is tried next (a card issued on
    the edge of the grace period), and life last."""
    ages = [age for age in CHANGE_AGES if _birthday(born, age) > issued]
    expected: date | None = None
    for age in ages:
        if _birthday(born, age - GRACE_YEARS) > issued:
            expected = _birthday(born, age)
            break
    candidates: list[date | None] = [expected]
    for age in ages:
        day = _birthday(born, age)
        if day not in candidates:
            candidates.append(day)
    if None not in candidates:
        candidates.append(None)
    return candidates


@dataclass(frozen=True)
class Td1:
    document_code: str
    issuer: str
    document_number: str
    optional_1: str
    birth: str
    sex: str
    expiry: str
    nationality: str
    names: str

    @property
    def id_number(self) -> str:
        """The whole 12-digit number (the optional data) when there is one, else the document number."""
        digits = self.optional_1.split("<")[0]
        return digits if len(digits) == 12 and digits.isdigit() else self.document_number.rstrip("<")


def parse_td1(text: str) -> Td1:
    """Three lines of 30 (joined or not); check digits verified. Raises ValueError on a damaged MRZ."""
    mrz = text.replace("\n", "")
    if len(mrz) != 90:
        raise ValueError(f"a TD1 MRZ has 90 characters, this one {len(mrz)}")
    line1, line2, line3 = mrz[:30], mrz[30:60], mrz[60:]
    number, number_cd, optional = line1[5:14], line1[14], line1[15:30]
    birth, birth_cd, sex, expiry, expiry_cd = line2[0:6], line2[6], line2[7], line2[8:14], line2[14]
    pairs = [(number, number_cd), (birth, birth_cd), (expiry, expiry_cd)]
    if number_cd == "<":  # a long number: its rest and check digit open the optional data
        pairs = pairs[1:]
    for field, digit in pairs:
        if check_digit(field) != digit:
            raise ValueError(f"the MRZ check digit of {field!r} is wrong")
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    if check_digit(composite) != line2[29]:
        raise ValueError("the MRZ's composite check digit is wrong")
    return Td1(line1[0:2].rstrip("<"), line1[2:5], number, optional, birth, sex, expiry, line2[15:18],
               line3.rstrip("<"))


def make_td1(id_number: str, born: date, sex: str, expiry: date | None, surname: str, given: str) -> str:
    """A card's MRZ (the issuer's side: the simulator's virtual cards and the tests)."""
    number = id_number[-9:]
    optional = (id_number + "<" + check_digit(id_number)).ljust(15, "<")[:15]
    line1 = f"IDVNM{number}{check_digit(number)}{optional}"
    birth, end = yymmdd(born), "991231" if expiry is None else yymmdd(expiry)
    head = f"{birth}{check_digit(birth)}{'M' if sex == 'Nam' else 'F'}{end}{check_digit(end)}VNM"
    line2 = head + "<" * 11
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += check_digit(composite)
    line3 = f"{surname}<<{given.replace(' ', '<')}".upper().ljust(30, "<")[:30]
    return line1 + line2 + line3
