"""BAC and secure messaging against the worked example of ICAO 9303 part 11, appendix D (the document
L898902C<, born 6 August 1969, expiring 23 June 1994), byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from firmware.chip import bac, crypto
from firmware.chip.apdu import Command
from firmware.chip.mrz import BacKey, check_digit, expiry_candidates, make_td1, parse_td1
from firmware.chip.secure_messaging import SecureChannel

H = bytes.fromhex
KEY = BacKey("L898902C<", "690806", "940623")
KS_ENC, KS_MAC = H("979EC13B1CBFE9DCD01AB0FED307EAE5"), H("F1CB1F1FB5ADF208806B89DC579DC1F8")


def test_mrz_information_and_document_keys() -> None:
    assert KEY.mrz_information == b"L898902C<369080619406236"
    assert bac.document_keys(KEY) == (H("AB94FDECF2674FDFB9B391F85D7F76F2"), H("7962D9ECE03D1ACD4C76089DCE131543"))


def test_check_digits() -> None:
    assert [check_digit(f) for f in ("L898902C<", "690806", "940623", "520727")] == ["3", "1", "6", "3"]


def randoms(*values: str) -> Callable[[int], bytes]:
    queue = [H(v) for v in values]
    return lambda n: queue.pop(0)


def test_mutual_authentication_gives_the_worked_session() -> None:
    sent: list[bytes] = []

    def card(apdu: bytes) -> tuple[bytes, int]:
        sent.append(apdu)
        if apdu[1] == 0x84:
            return H("4608F91988702212"), 0x9000
        return H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"), 0x9000

    channel = bac.authenticate(card, KEY, randoms("781723860C06C226", "0B795240CB7049B01C19B33E32804F0B"))
    assert sent[1] == H("0082000028") + H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7") + H("28")
    assert (channel.ks_enc, channel.ks_mac) == (KS_ENC, KS_MAC)
    assert channel.ssc == 0x887022120C06C226


def test_the_card_side_answers_as_the_worked_example() -> None:
    answer = bac.card_answer(KEY, H("4608F91988702212"), H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"),
        randoms("0B4F80323EB3191CB04970CB4052790B"))
    assert answer is not None
    assert answer[0] == H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")
    assert bac.card_answer(BacKey("L898902C<", "690806", "940624"), H("4608F91988702212"), H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7")) is None


def test_secure_messaging_select_and_read_binary() -> None:
    channel = SecureChannel(KS_ENC, KS_MAC, H("887022120C06C226"))
    assert channel.protect(Command(0x00, 0xA4, 0x02, 0x0C, H("011E"))) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert channel.unprotect(H("990290008E08FA855A5D4C50A8ED"), 0x9000) == (b"", 0x9000)
    assert channel.protect(Command(0x00, 0xB0, 0x00, 0x00, le=4)) == H("0CB000000D9701048E08ED6705417E96BA5500")
    assert channel.unprotect(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"), 0x9000) == (H("60145F01"), 0x9000)
    assert channel.protect(Command(0x00, 0xB0, 0x00, 0x04, le=0x12)) == H("0CB000040D9701128E082EA28A70F3C7B53500")
    response = "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74"
    data, sw = channel.unprotect(H(response), 0x9000)
    assert (data, sw) == (H("04303130365F36063034303030305C026175"), 0x9000)
    assert channel.ssc == 0x887022120C06C22C


def test_a_response_with_a_wrong_checksum_is_refused() -> None:
    from firmware.chip.apdu import CardError

    channel = SecureChannel(KS_ENC, KS_MAC, H("887022120C06C227"))
    with pytest.raises(CardError) as refused:
        channel.unprotect(H("990290008E08FA855A5D4C50A8EE"), 0x9000)
    assert refused.value.code == "sm"


def test_retail_mac_and_3des_of_the_worked_example() -> None:
    assert crypto.retail_mac(H("7962D9ECE03D1ACD4C76089DCE131543"), H(
        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")) == H("5F1448EEA8AD90A7")
    assert crypto.derive_key(H("0036D272F5C350ACAC50C3F572D23600"), crypto.ENC) == KS_ENC


def test_a_td1_made_for_a_card_parses_back_with_its_check_digits() -> None:
    mrz = make_td1("001189012345", date(1989, 3, 15), "Nữ", date(2029, 3, 15), "NGUYEN", "THI LAN")
    td1 = parse_td1(mrz)
    assert (td1.id_number, td1.birth, td1.expiry, td1.sex, td1.nationality) == (
        "001189012345", "890315", "290315", "F", "VNM")
    damaged = mrz[:40] + ("1" if mrz[40] != "1" else "2") + mrz[41:]
    with pytest.raises(ValueError):
        parse_td1(damaged)


@pytest.mark.parametrize(("born", "issued", "first"), [
    (date(1989, 3, 15), date(2021, 6, 1), date(2029, 3, 15)),    # 32 at issue: changed at 40
    (date(1983, 3, 15), date(2021, 6, 1), date(2043, 3, 15)),    # 38, within 2 years of 40: valid to 60
    (date(1960, 3, 15), date(2021, 6, 1), None),                 # 61: for life
    (date(2010, 5, 2), date(2024, 7, 1), date(2035, 5, 2)),      # 14: changed at 25
])
def test_expiry_follows_the_law_on_identification(born: date, issued: date, first: date | None) -> None:
    candidates = expiry_candidates(born, issued)
    assert candidates[0] == first
    assert None in candidates and len(set(candidates)) == len(candidates)
