"""Reading the ID card's chip through the virtual card (real APDUs, BAC, secure messaging, passive
authentication), the reader's worker, and citizens at the kiosk logging in by chip."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.app.sim import Simulator, StepFailed
from firmware.chip.apdu import CardError
from firmware.chip.datagroups import FILES, parse_dg13
from firmware.chip.issuer import CardData, Signer, make_card, make_signer
from firmware.chip.messages import CHIP_ONLY, VERIFIED
from firmware.chip.mrz import BacKey, expiry_candidates
from firmware.chip.read import read_card
from firmware.chip.virtual_card import VirtualCard, VirtualReaders, transmit_to
from firmware.devices.card_reading import CardReader
from firmware.runtime.events import CardRead, CardReaderState, KioskEvent

from .conftest import steps, wait_until

SCRIPTS = Path(__file__).parent / "scripts"
QR = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
BORN, ISSUED = date(2003, 3, 5), date(2021, 6, 10)
PERSON = {"id_number": "001303004567", "old_id": "123456789", "full_name": "Nguyễn Thị Ngọc Ánh",
          "date_of_birth": BORN, "sex": "Nữ", "address": "Thôn 3, xã Yên Phong, Bắc Ninh", "ethnicity": "Tày",
          "father_name": "Nguyễn Văn Hùng", "mother_name": "Trần Thị Mai", "spouse_name": "Lê Văn Dũng"}
KEYS = [BacKey.for_card("001303004567", BORN, expiry) for expiry in expiry_candidates(BORN, ISSUED)]


@pytest.fixture(scope="module")
def signer() -> Signer:
    return make_signer()


@pytest.fixture(scope="module")
def card(signer: Signer) -> CardData:
    return make_card(PERSON, signer, ISSUED, expiry_candidates(BORN, ISSUED)[0])


def read(data: CardData | None, cscas: list[Any], keys: list[BacKey] = KEYS, **card: Any) -> Any:
    return read_card(transmit_to(VirtualCard(data, **card)), keys, cscas, datetime.now(UTC))


def refused(code: str, data: CardData | None, cscas: list[Any], keys: list[BacKey] = KEYS, **card: Any) -> None:
    with pytest.raises(CardError) as caught:
        read(data, cscas, keys, **card)
    assert caught.value.code == code, caught.value


def test_a_genuine_card_is_read_and_verified(card: CardData, signer: Signer) -> None:
    result = read(card, [signer.csca])
    identity = result.identity
    assert identity["verification"] == VERIFIED and result.checked == [1, 2, 13]
    assert (identity["id_number"], identity["full_name"], identity["date_of_birth"]) == (
        "001303004567", "Nguyễn Thị Ngọc Ánh", BORN)
    assert (identity["ethnicity"], identity["spouse_name"], identity["father_name"]) == (
        "Tày", "Lê Văn Dũng", "Nguyễn Văn Hùng")
    assert identity["face"][:4] in (b"\x00\x00\x00\x0c", b"\xff\x4f\xff\x51")  # JPEG 2000 (jp2 box or codestream)


def test_with_no_csca_installed_the_chip_is_read_but_not_verified(card: CardData) -> None:
    assert read(card, []).identity["verification"] == CHIP_ONLY


def test_a_tampered_dg13_is_refused(card: CardData, signer: Signer) -> None:
    files = dict(card.files)
    files[FILES["dg13"]] = files[FILES["dg13"]].replace("Thôn 3".encode(), "Thôn 8".encode())
    assert parse_dg13(files[FILES["dg13"]])["address"].startswith("Thôn 8")  # well-formed: only the hash tells
    refused("pa_hash", CardData(files, card.key), [signer.csca])


def test_an_sod_signed_under_an_unknown_csca_is_refused(card: CardData) -> None:
    refused("pa_csca", card, [make_signer("Some other CSCA").csca])


def test_an_expired_document_signer_is_refused() -> None:
    old = make_signer(ds_from=datetime.now(UTC) - timedelta(days=4000), ds_days=365)
    refused("pa_expired", make_card(PERSON, old, ISSUED, expiry_candidates(BORN, ISSUED)[0]), [old.csca])


def test_a_wrong_bac_key_is_refused(card: CardData, signer: Signer) -> None:
    refused("bac_key", card, [signer.csca], [BacKey.for_card("001303004567", BORN, date(2030, 1, 1))])


def test_the_law_s_second_expiry_candidate_is_tried(signer: Signer) -> None:
    second = expiry_candidates(BORN, ISSUED)[1]
    assert read(make_card(PERSON, signer, ISSUED, second), [signer.csca]).identity["verification"] == VERIFIED


def test_a_card_lifted_after_mutual_authentication_is_refused(card: CardData, signer: Signer) -> None:
    refused("removed", card, [signer.csca], lift_after=4)  # EF.CardAccess, select, challenge, authenticate, then gone


def test_a_card_that_is_not_an_id_card_is_refused(signer: Signer) -> None:
    refused("not_mrtd", None, [signer.csca])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_dg13_from_random_bytes_is_a_card_error_never_a_crash(data: bytes) -> None:
    for blob in (data, b"\x6d" + bytes((len(data) & 0x7F,)) + data[:0x7F]):
        try:
            parse_dg13(blob)
        except CardError as exc:
            assert exc.code == "data"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_every_chip_answer_from_random_bytes_is_a_card_error_never_a_crash(data: bytes, sw: int) -> None:
    """DG1, DG2, EF.SOD and a secure-messaging response as a broken or hostile card might send them."""
    from firmware.chip.datagroups import face_image, parse_dg1
    from firmware.chip.passive_auth import verify
    from firmware.chip.secure_messaging import SecureChannel

    channel = SecureChannel(bytes(16), bytes(16), bytes(8))
    for tag, parse in ((0x61, parse_dg1), (0x75, face_image),
                       (0x77, lambda b: verify(b, {1: data}, [], datetime.now(UTC))),
                       (None, lambda b: channel.unprotect(b, sw))):
        for blob in (data, bytes((tag,)) + bytes((len(data) & 0x7F,)) + data[:0x7F]) if tag else (data,):
            try:
                parse(blob)
            except CardError:
                pass


@contextmanager
def reading(card: CardData, csca_dir: Path) -> Iterator[tuple[CardReader, VirtualReaders, list[KioskEvent]]]:
    """A running reader's worker with the card on its reader, asked to read it once; stopped after."""
    events: list[KioskEvent] = []
    readers = VirtualReaders()
    reader = CardReader(readers, events.append, csca_dir, poll_s=0.02)
    reader.start()
    try:
        reader.want(True)
        readers.present(VirtualCard(card))
        reader.read(KEYS)
        wait_until(lambda: any(isinstance(e, CardRead) for e in events))
        yield reader, readers, events
    finally:
        reader.stop()


def test_the_reader_worker_reads_and_says_when_it_is_unplugged(card: CardData, signer: Signer,
                                                                  tmp_path: Path) -> None:
    (tmp_path / "csca.pem").write_bytes(signer.csca_pem())
    with reading(card, tmp_path) as (reader, readers, events):
        (done,) = [e for e in events if isinstance(e, CardRead)]
        assert done.ok and done.identity is not None and done.identity["verification"] == VERIFIED
        readers.plugged = False
        wait_until(lambda: any(isinstance(e, CardReaderState) and e.state == "absent" for e in events))
        reader.read(KEYS)
        wait_until(lambda: sum(isinstance(e, CardRead) for e in events) == 2)
        assert [e for e in events if isinstance(e, CardRead)][-1].code == "reader"
        assert reader.status(0)["state"] == "absent" and reader.alive


def test_a_birth_registration_logged_in_by_chip(sim: Simulator) -> None:
    sim.run_file(SCRIPTS / "birth_by_chip.yaml")
    record = sim.app.kiosk.submissions.last.record  # type: ignore[union-attr]
    assert record["identity"]["verification"] == VERIFIED
    assert record["answers"]["dan_toc"] == "Tày"  # the chip's ethnicity, where the QR leaves the default
    assert record["answers"]["ho_ten_cha"] == "Lê Văn Dũng"  # the mother's spouse, from her chip: no taps
    reader = sim.app.devices.card_reader
    assert reader.access == "PACE ECDH-GM AES128 brainpoolP256r1" and reader.status(0)["access"] == reader.access
    assert sim.app.kiosk.session.identity is None  # the visit ended: the chip's identity is wiped


def test_a_qr_alone_still_logs_in_and_says_so(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", QR), ("expect_screen", "procedures")))
    assert sim.app.kiosk.session.identity is not None
    assert sim.app.kiosk.session.identity["verification"] == "qr"


def card_file(tmp_path: Path, **extra: Any) -> Path:
    text = (SCRIPTS / "card_anh.yaml").read_text(encoding="utf-8")
    text += "".join(f"{key}: {value}\n" for key, value in extra.items())
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("extra", "shown"), [
    ({"tamper": "dg13"}, "không khớp chữ ký"),
    ({"signed_by": "unknown"}, "cơ quan mà kiosk không biết"),
    ({"signer_expired": "true"}, "đã hết hạn"),
    ({"kind": "other"}, "không phải thẻ căn cước có gắn chip"),
    ({"lift_after": 4}, "nhấc ra khỏi đầu đọc"),
])
def test_a_card_refused_at_the_kiosk_says_why_and_logs_no_one_in(sim: Simulator, tmp_path: Path,
                                                                 extra: dict[str, Any], shown: str) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_card", str(card_file(tmp_path, **extra)))))
    sim.run(steps(("present_qr", QR)))  # its values open the chip (a bank card has no chip to open)
    sim.wait_for(lambda: sim.app.stack.top is not None and sim.app.stack.top.modal is not None
                 and sim.app.stack.top.modal.name == "card_error", "no refusal")
    sim.run(steps(("expect_text", shown), ("expect_screen", "login")))
    assert sim.app.kiosk.session.identity is None


def test_a_card_put_down_first_opens_with_the_numbers_typed_from_it(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_card", str(SCRIPTS / "card_anh.yaml")),
                  ("tap", "Nhập số trên thẻ"), ("expect_screen", "card_key"), ("type", "001303004567"),
                  ("tap", "Tiếp tục"), ("type", "05032003"), ("tap", "Tiếp tục"), ("type", "05032028"),
                  ("tap", "Tiếp tục")))
    sim.wait_for(lambda: sim.app.stack.top_name == "procedures", "the chip did not log in")
    assert sim.app.kiosk.session.identity is not None
    assert sim.app.kiosk.session.identity["verification"] == VERIFIED


def test_a_present_card_step_without_a_file_fails_plainly(sim: Simulator) -> None:
    with pytest.raises(StepFailed, match="cannot read the card file"):
        sim.run(steps(("present_card", "no-such-card.yaml")))


def test_a_bug_while_reading_still_answers_the_citizen_and_the_worker_goes_on(card: CardData, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from firmware.chip import read as chip_read

    def broken(*_args: Any) -> Any:
        raise IndexError("a parser's bug")

    monkeypatch.setattr(chip_read, "read_card", broken)
    with reading(card, tmp_path) as (reader, _readers, events):
        assert [e.code for e in events if isinstance(e, CardRead)] == ["data"]
        wait_until(lambda: reader.faults == 1)
        assert reader.alive


def test_a_bac_only_card_logs_in_by_bac_and_an_unknown_access_is_refused(sim: Simulator, tmp_path: Path) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"),
                  ("present_card", str(card_file(tmp_path, access="bac"))), ("present_qr", QR)))
    sim.wait_for(lambda: sim.app.stack.top_name == "procedures", "the chip did not log in")
    assert sim.app.devices.card_reader.access == "BAC"
    with pytest.raises(StepFailed, match="access must be one of pace, bac"):
        sim.run(steps(("present_card", str(card_file(tmp_path, access="nfc")))))


def test_the_spouse_from_the_chip_follows_the_relationship_the_citizen_chooses(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_card", str(SCRIPTS / "card_anh.yaml")),
                  ("present_qr", QR)))
    sim.wait_for(lambda: sim.app.stack.top_name == "procedures", "the chip did not log in")
    sim.run(steps(("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"), ("type", "An"), ("tap", "Tiếp tục"),
                  ("type", "0503"), ("tap", "Tiếp tục"), ("tap", "Nam"), ("tap", "Mẹ"),
                  ("expect_screen", "documents")))
    answers = sim.app.kiosk.session.answers
    assert (answers["ho_ten_me"], answers["ho_ten_cha"]) == ("Nguyễn Thị Ngọc Ánh", "Lê Văn Dũng")
    sim.run(steps(("tap", "Quay lại"), ("tap", "Cha")))
    assert (answers["ho_ten_me"], answers["ho_ten_cha"]) == ("Lê Văn Dũng", "Nguyễn Thị Ngọc Ánh")
    sim.run(steps(("tap", "Quay lại"), ("tap", "Người thân khác")))
    assert "ho_ten_cha" not in answers, "neither the card holder's nor the spouse's name is the father's now"


WANTED_THEN_READ = """
import sys
from datetime import date
from pathlib import Path
from firmware.chip.mrz import BacKey
from firmware.chip.virtual_card import VirtualCard, VirtualReaders
from firmware.devices.card_reading import CardReader
events = []
readers = VirtualReaders()
reader = CardReader(readers, events.append, sys.argv[1])
reader.want(True)
reader.step()
print(reader.csca_count, "asn1crypto" in sys.modules)
readers.present(VirtualCard(None))  # a card that is not an ID card: read, and refused
reader.read([BacKey.for_card("001303004567", date(2003, 3, 5), date(2028, 3, 5))])
reader.step()
print(type(events[-1]).__name__, "asn1crypto" in sys.modules)
"""


def test_cscas_are_counted_when_a_card_is_wanted_and_the_cms_code_loads_at_a_read(signer: Signer,
                                                                                  tmp_path: Path) -> None:
    """A login by QR never loads asn1crypto's CMS classes (6.5 MB): they come with the first card read."""
    import subprocess
    import sys

    from cryptography.hazmat.primitives.serialization import Encoding

    (tmp_path / "csca.der").write_bytes(signer.csca.public_bytes(Encoding.DER))
    done = subprocess.run([sys.executable, "-c", WANTED_THEN_READ, str(tmp_path)], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["1 False", "CardRead True"], done.stdout
