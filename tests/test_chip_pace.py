"""PACE against ICAO 9303 part 11's worked example (appendix G.1: ECDH generic mapping, AES-128,
brainpoolP256r1, the MRZ of document T22000129), byte for byte: K_pi, the nonce, the mapping and agreement keys,
the mapped generator, the shared secret, the session keys, the tokens and every APDU; then AES secure messaging
against vectors published with an independent eMRTD implementation, and the failure paths."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as cec

from firmware.chip import crypto, pace
from firmware.chip.apdu import CardError, Command, tlv
from firmware.chip.ec import BRAINPOOL_P256R1, CURVES, P256
from firmware.chip.issuer import CardData, Signer, make_card, make_signer
from firmware.chip.messages import VERIFIED
from firmware.chip.mrz import BacKey, expiry_candidates
from firmware.chip.read import ChipRead, read_card
from firmware.chip.secure_messaging import AesChannel
from firmware.chip.virtual_card import VirtualCard, transmit_to

H = bytes.fromhex
KEY = BacKey("T22000129", "640812", "101031")
CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")
INFO = pace.PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
NONCE_Z, NONCE_S = H("95A3A016522EE98D01E76CB6B98B42C3"), H("3F00C4D39D153F2B2A214A078D899B22")
MAP_T_PRIVATE = 0x7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99
MAP_T = H("047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
          "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")
MAP_C = H("04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
          "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
MAPPED = H("048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"
           "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")
AGREE_T_PRIVATE = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
AGREE_T = H("042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
            "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
AGREE_C = H("049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
            "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
SHARED = H("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
KS_ENC, KS_MAC = H("F5F0E35C0D7161EE6724EE513A0D9A7F"), H("FE251C7858B356B24514B3BD5F4297D1")
T_IFD, T_IC = H("C2B0BD78D94BA866"), H("3ABB9674BCE93C08")


def ga(cla: int, inner: bytes) -> bytes:
    return Command(cla, 0x86, 0, 0, tlv(0x7C, inner), le=0).encode()


def script(last_answer: tuple[bytes, int] = (tlv(0x7C, tlv(0x86, T_IC)), 0x9000)) -> list[tuple[bytes, bytes, int]]:
    return [(H("0022C1A40F800A04007F00070202040202830101"), b"", 0x9000),
            (H("10860000027C0000"), tlv(0x7C, tlv(0x80, NONCE_Z)), 0x9000),
            (ga(0x10, tlv(0x81, MAP_T)), tlv(0x7C, tlv(0x82, MAP_C)), 0x9000),
            (ga(0x10, tlv(0x83, AGREE_T)), tlv(0x7C, tlv(0x84, AGREE_C)), 0x9000),
            (H("008600000C7C0A8508C2B0BD78D94BA86600"), *last_answer)]


class ScriptedChip:
    """Answers the worked example's APDUs and fails the test on any byte that differs."""

    def __init__(self, steps: list[tuple[bytes, bytes, int]]) -> None:
        self.steps = steps
        self.sent = 0

    def __call__(self, apdu: bytes) -> tuple[bytes, int]:
        expected, answer, sw = self.steps[self.sent]
        assert apdu.hex().upper() == expected.hex().upper(), f"APDU {self.sent} differs"
        self.sent += 1
        return answer, sw


def fixed_keys() -> object:
    keys = iter((MAP_T_PRIVATE, AGREE_T_PRIVATE))
    return lambda _curve: next(keys)


def test_the_card_access_and_the_password_key() -> None:
    assert pace.parse_card_access(CARD_ACCESS) == [INFO]
    assert pace.choose([INFO]) == INFO and INFO.describe() == "ECDH-GM AES128 brainpoolP256r1"
    assert pace.card_access([INFO]) == CARD_ACCESS
    assert pace.password_key(KEY, "aes128") == H("89DED1B26624EC1E634C1989302849DD")
    assert pace.decrypt_nonce(pace.password_key(KEY, "aes128"), "aes128", NONCE_Z) == NONCE_S


def test_the_mapping_the_agreement_and_the_tokens() -> None:
    curve = BRAINPOOL_P256R1
    assert curve.encode(curve.multiply(MAP_T_PRIVATE, curve.g)) == MAP_T
    generator = pace.mapped_generator(curve, NONCE_S, MAP_T_PRIVATE, MAP_C)
    assert curve.encode(generator) == MAPPED
    assert curve.encode(curve.multiply(AGREE_T_PRIVATE, generator)) == AGREE_T
    shared = curve.multiply(AGREE_T_PRIVATE, curve.decode(AGREE_C))
    assert shared is not None and shared[0].to_bytes(32, "big") == SHARED
    assert pace.session_keys(SHARED, "aes128") == (KS_ENC, KS_MAC)
    assert pace.token("aes128", KS_MAC, INFO.oid, AGREE_C) == T_IFD
    assert pace.token("aes128", KS_MAC, INFO.oid, AGREE_T) == T_IC


def test_the_whole_exchange_reproduces_the_worked_example() -> None:
    chip = ScriptedChip(script())
    channel = pace.authenticate(chip, KEY, INFO, private_key=fixed_keys())  # type: ignore[arg-type]
    assert chip.sent == 5
    assert isinstance(channel, AesChannel)
    assert (channel.ks_enc, channel.ks_mac, channel.ssc) == (KS_ENC, KS_MAC, 0)


@pytest.mark.parametrize("last", [(b"", 0x6300), (tlv(0x7C, tlv(0x86, bytes(8))), 0x9000)])
def test_a_wrong_key_is_refused_as_the_wrong_numbers(last: tuple[bytes, int]) -> None:
    with pytest.raises(CardError) as refused:
        pace.authenticate(ScriptedChip(script(last)), KEY, INFO, private_key=fixed_keys())  # type: ignore[arg-type]
    assert refused.value.code == "bac_key"


def test_a_card_point_off_the_curve_is_a_pace_failure_not_a_crash() -> None:
    steps = script()
    bad = MAP_C[:-1] + bytes((MAP_C[-1] ^ 1,))
    steps[2] = (steps[2][0], tlv(0x7C, tlv(0x82, bad)), 0x9000)
    with pytest.raises(CardError) as failed:
        pace.authenticate(ScriptedChip(steps), KEY, INFO, private_key=fixed_keys())  # type: ignore[arg-type]
    assert failed.value.code == "pace" and "not on brainpoolP256r1" in failed.value.detail


def test_a_card_that_refuses_pace_is_a_pace_failure() -> None:
    with pytest.raises(CardError) as failed:
        pace.authenticate(ScriptedChip([(script()[0][0], b"", 0x6A80)]), KEY, INFO)
    assert failed.value.code == "pace"


def test_the_curves_are_the_ones_cryptography_knows() -> None:
    for curve, theirs in ((P256, cec.SECP256R1()), (BRAINPOOL_P256R1, cec.BrainpoolP256R1())):
        for k in (1, 2, 0xC0FFEE, curve.n - 1):
            numbers = cec.derive_private_key(k, theirs).public_key().public_numbers()
            assert curve.multiply(k, curve.g) == (numbers.x, numbers.y)
        assert curve.multiply(curve.n, curve.g) is None
    assert set(CURVES) == {12, 13}


def test_card_access_that_is_not_security_infos_is_no_offer() -> None:
    rng = random.Random(9303)
    for _ in range(300):
        raw = bytearray(CARD_ACCESS)
        for _flip in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        for info in pace.parse_card_access(bytes(raw)):
            assert isinstance(info, pace.PaceInfo)
    assert pace.parse_card_access(b"") == [] and pace.parse_card_access(b"\x31\x00") == []
    dh = pace.PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 0)
    assert pace.choose([dh]) is None and pace.choose([dh, INFO]) == INFO


def test_aes_secure_messaging_matches_published_vectors() -> None:
    channel = AesChannel(H("cc86415f2ed7e8fd663b754265695ae1"), H("581e84b8ee06c4d3eee30461498d7fb3"),
                         H("000000000000000000000000000000ba"))
    wrapped = channel.protect(Command(0x00, 0x22, 0x41, 0xA4, H("800a04007f000702020302028401c3")))
    assert wrapped == H("0c2241a41d871101980953d37f67558690045d78a853b18a8e08929767a2cef172e200")
    reader = AesChannel(KS_ENC, KS_MAC, bytes(16))
    card = AesChannel(KS_ENC, KS_MAC, bytes(16))
    command = card.open_command(reader.protect(Command(0x00, 0xB0, 0x00, 0x00, le=0x20)))
    assert (command.ins, command.le) == (0xB0, 0x20)
    assert reader.unprotect(card.seal_response(b"x" * 31), 0x9000) == (b"x" * 31, 0x9000)
    forged = bytearray(card.seal_response(b"y"))
    forged[3] ^= 1
    with pytest.raises(CardError):
        reader.unprotect(bytes(forged), 0x9000)


def test_the_kdf_for_each_cipher() -> None:
    assert crypto.kdf(SHARED, crypto.ENC, "aes128") == KS_ENC
    assert len(crypto.kdf(SHARED, crypto.ENC, "aes192")) == 24
    assert crypto.kdf(SHARED, crypto.ENC, "aes256")[:24] == crypto.kdf(SHARED, crypto.ENC, "aes192")
    assert crypto.kdf(H("239AB9CB282DAF66231DC5A4DF6BFBAE"), crypto.ENC, "3des") == \
        H("AB94FDECF2674FDFB9B391F85D7F76F2")


# -- PACE with the virtual card: real APDUs both ways -------------------------------------------------------
BORN, ISSUED = date(2003, 3, 5), date(2021, 6, 10)
PERSON = {"id_number": "001303004567", "full_name": "Nguyễn Thị Ngọc Ánh", "date_of_birth": BORN, "sex": "Nữ",
          "address": "Thôn 3, xã Yên Phong, Bắc Ninh"}
CANDIDATES = [BacKey.for_card("001303004567", BORN, expiry) for expiry in expiry_candidates(BORN, ISSUED)]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return make_signer()


def pace_card(signer: Signer, *offer: pace.PaceInfo, expiry_index: int = 0) -> CardData:
    return make_card(PERSON, signer, ISSUED, expiry_candidates(BORN, ISSUED)[expiry_index], offer)


def read_virtual(card: VirtualCard, signer: Signer, keys: list[BacKey] = CANDIDATES) -> ChipRead:
    return read_card(transmit_to(card), keys, [signer.csca], datetime.now(UTC))


@pytest.mark.parametrize("cipher", ["1", "2", "3", "4"])
@pytest.mark.parametrize("parameters", [12, 13])
def test_a_card_offering_pace_is_read_by_pace_with_each_cipher(signer: Signer, cipher: str, parameters: int) -> None:
    info = pace.PaceInfo(f"{pace.PACE_ECDH_GM}.{cipher}", 2, parameters)
    result = read_virtual(VirtualCard(pace_card(signer, info)), signer)
    assert result.access == f"PACE {info.describe()}"
    assert result.identity["verification"] == VERIFIED and result.checked == [1, 2, 13]


def test_pace_tries_the_law_s_next_expiry_and_prefers_the_strongest_offer(signer: Signer) -> None:
    weak, strong = pace.PaceInfo(f"{pace.PACE_ECDH_GM}.1", 2, 12), pace.PaceInfo(f"{pace.PACE_ECDH_GM}.4", 2, 13)
    result = read_virtual(VirtualCard(pace_card(signer, weak, strong, expiry_index=1)), signer)
    assert result.access == "PACE ECDH-GM AES256 brainpoolP256r1"


def test_a_wrong_key_under_pace_is_the_wrong_numbers(signer: Signer) -> None:
    card = VirtualCard(pace_card(signer, pace.BRAINPOOL_AES128))
    with pytest.raises(CardError) as refused:
        read_virtual(card, signer, [BacKey.for_card("001303004567", BORN, date(2030, 1, 1))])
    assert refused.value.code == "bac_key"


def test_a_card_offering_only_what_is_not_spoken_is_read_by_bac(signer: Signer) -> None:
    dh = pace.PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 0)
    assert read_virtual(VirtualCard(pace_card(signer, dh)), signer).access == "BAC"
    assert read_virtual(VirtualCard(pace_card(signer)), signer).access == "BAC"


def test_a_card_lifted_in_the_middle_of_pace_is_removed(signer: Signer) -> None:
    for lift_after in (2, 4, 6, 7):  # after the card access, the nonce, the agreement, the tokens
        with pytest.raises(CardError) as refused:
            read_virtual(VirtualCard(pace_card(signer, pace.BRAINPOOL_AES128), lift_after=lift_after), signer)
        assert refused.value.code == "removed", lift_after


def test_the_card_keeps_its_files_behind_the_application_after_pace(signer: Signer) -> None:
    send = transmit_to(VirtualCard(pace_card(signer, pace.BRAINPOOL_AES128)))
    channel = pace.authenticate(send, CANDIDATES[0], pace.BRAINPOOL_AES128)
    _data, sw = channel.unprotect(*send(channel.protect(Command(0x00, 0xA4, 0x02, 0x0C, b"\x01\x01"))))
    assert sw == 0x6982, "DG1 is not selectable before the eMRTD application is"


def test_the_jacobian_ladder_agrees_with_the_affine_one() -> None:
    rng = random.Random(11)
    for curve in (P256, BRAINPOOL_P256R1):
        point = curve.multiply(rng.randrange(1, curve.n), curve.g)
        for k in (1, 2, 3, curve.n - 1, curve.n + 1, (curve.n + 1) // 2, *(rng.randrange(curve.n) for _ in range(8))):
            assert curve.multiply(k, point) == curve._affine_multiply(k % curve.n, point), k
        assert curve.multiply(0, point) is None and curve.multiply(curve.n, point) is None
