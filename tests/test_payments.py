"""Fees by VietQR and VNeID login at the province: the payload against a published vector, the gateway's
confirm-payment / payments / confirm-login with their exit codes, and the login session's single use."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from firmware.common import vietqr
from firmware.rules.money import in_words, money
from province import payments
from province.store import Store
from province.vneid import LoginError, ReferenceLogins

VECTOR = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
          "62170813ung ho lu lut6304C15C")
CARD = "001203004567|123456789|Nguyễn Văn An|05032003|Nam|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def motcua(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", *args], capture_output=True, text=True, timeout=60)


def test_the_payload_matches_a_published_vector_and_reads_back() -> None:
    assert vietqr.payload("970415", "0011001932418", 120000, "ung ho lu lut") == VECTOR
    fields = vietqr.fields(VECTOR)
    assert fields["01"] == "12" and fields["54"] == "120000" and fields["53"] == "704"
    static = vietqr.payload("970415", "0011001932418")
    assert vietqr.fields(static)["01"] == "11" and "54" not in vietqr.fields(static)
    with pytest.raises(vietqr.VietQrError):
        vietqr.fields(VECTOR[:-1] + "0")


@pytest.mark.parametrize("args", [
    ("--bin", "97041", "--account", "123456"), ("--bin", "970415", "--account", "12345"),
    ("--bin", "970415", "--account", "123456", "--amount", "0"),
    ("--bin", "970415", "--account", "123456", "--amount", "1.5"),
    ("--bin", "970415", "--account", "123456", "--purpose", "Lệ phí"),
    ("--bin", "970415", "--account", "123456", "--purpose", "x" * 26)])
def test_vietqr_refuses_what_a_bank_would(args: tuple[str, ...]) -> None:
    result = motcua("vietqr", *args)
    assert result.returncode == 2 and result.stdout == "" and "motcua:" in result.stderr


def test_vietqr_prints_the_payload_and_nothing_else() -> None:
    result = motcua("vietqr", "--bin", "970415", "--account", "0011001932418", "--amount", "120000",
                    "--purpose", "ung ho lu lut")
    assert result.returncode == 0 and result.stdout == VECTOR + "\n"


def test_the_qr_on_screen_decodes_to_the_payload() -> None:
    from firmware.render.qr import qr_image
    from hw.qr import make_decoder

    payload = vietqr.payload("970415", "113000006100", 10000, "000.00.20.H26-261124-0002")
    gray = np.asarray(qr_image(payload, scale=6, border=4), dtype=np.uint8)
    assert [c.text for c in make_decoder("zxing").decode(gray)] == [payload]


def test_amounts_in_words() -> None:
    assert money(20000) == "20.000 đồng"
    assert in_words(20000) == "Hai mươi nghìn đồng"
    assert in_words(1_250_000) == "Một triệu hai trăm năm mươi nghìn đồng"
    assert in_words(105_000) == "Một trăm linh năm nghìn đồng"
    assert in_words(15_000) == "Mười lăm nghìn đồng"
    assert in_words(21_000) == "Hai mươi mốt nghìn đồng"


def _store(tmp_path: Path, fee: int) -> Store:
    store = Store(tmp_path / "gw.db", "000.00.20.H26")
    store.db.execute("INSERT INTO dossiers VALUES ('d1', 'k1', 'k1-261124-0001', '000.00.20.H26-261124-0001', "
                     "'{\"name\": \"Đăng ký thường trú\"}', '2026-11-24T10:00:00+07:00', '2026-11-30', '[]', '')")
    payments.remember(store.db, "d1", fee)
    return store


def test_payment_paid_mismatch_duplicate_and_the_same_reference_once(tmp_path: Path) -> None:
    store = _store(tmp_path, 10000)
    now = datetime.now().astimezone()
    assert store.payment("261124-0001")["paid"] is False
    assert store.confirm_payment("261124-0001", 5000, "A1", now)["status"] == "mismatch"
    assert store.payment("261124-0001")["paid"] is False
    assert store.confirm_payment("000.00.20.H26-261124-0001", None, "B2", now)["status"] == "paid"
    assert store.confirm_payment("000.00.20.H26-261124-0001", None, "B2", now)["status"] == "paid"  # same ref
    assert store.confirm_payment("k1-261124-0001", 10000, "C3", now)["status"] == "duplicate"
    answer = store.payment("261124-0001")
    assert answer["paid"] and answer["ref"] == "B2" and answer["amount_vnd"] == 10000
    assert [p["status"] for p in store.payments()] == ["mismatch", "paid", "duplicate"]
    with pytest.raises(payments.PaymentError) as unknown:
        store.confirm_payment("nope", None, None, now)
    assert unknown.value.code == 1
    with pytest.raises(payments.PaymentError) as bad:
        store.confirm_payment("261124-0001", None, "bad\nref", now)
    assert bad.value.code == 2


def test_a_free_dossier_is_paid_and_a_payment_for_it_is_a_mismatch(tmp_path: Path) -> None:
    store = _store(tmp_path, 0)
    assert store.payment("261124-0001")["paid"] is True
    assert store.confirm_payment("261124-0001", 1000, None, datetime.now().astimezone())["status"] == "mismatch"


def test_gateway_cli_payments(tmp_path: Path) -> None:
    _store(tmp_path, 10000).close()
    config = tmp_path / "gw.toml"
    config.write_text(f'[broker]\nport = 1883\n[gateway]\nstore = "{tmp_path / "gw.db"}"\n'
                      'unit_code = "000.00.20.H26"\n')
    gateway = ("gateway", "--config", str(config))
    assert motcua(*gateway[:1], "confirm-payment", "nope", *gateway[1:]).returncode == 1
    assert motcua(*gateway[:1], "confirm-payment", "261124-0001", "--amount", "-5", *gateway[1:]).returncode == 2
    result = motcua(*gateway[:1], "confirm-payment", "261124-0001", "--amount", "7000", "--ref", "X1", *gateway[1:])
    assert result.returncode == 0 and "mismatch" in result.stdout
    assert motcua(*gateway[:1], "confirm-payment", "261124-0001", "--ref", "X2", *gateway[1:]).returncode == 0
    rows = [json.loads(line) for line in motcua(*gateway[:1], "payments", "--json", *gateway[1:]).stdout.splitlines()]
    assert [(r["status"], r["amount_vnd"], r["ref"]) for r in rows] == [("mismatch", 7000, "X1"), ("paid", 10000, "X2")]


def test_a_login_session_is_random_single_use_and_expires(tmp_path: Path) -> None:
    store = Store(tmp_path / "gw.db", "000.00.20.H26")
    logins = ReferenceLogins(store.db, ttl_s=60)
    now = datetime.now().astimezone()
    first, second = logins.begin("k1", now), logins.begin("k1", now)
    assert len(first.session) == 32 and first.session != second.session and first.qr.endswith(first.session)
    assert logins.poll("k1", first.session, now).state == "pending"
    assert logins.poll("k2", first.session, now).state == "unknown"  # another kiosk's session
    logins.answer(first.session, now, CARD)
    with pytest.raises(LoginError) as replay:
        logins.answer(first.session, now, CARD)
    assert replay.value.code == 1
    confirmed = logins.poll("k1", first.session, now)
    assert confirmed.state == "confirmed" and confirmed.cccd == CARD
    assert logins.poll("k1", first.session, now).state == "unknown"  # the identity leaves once
    with pytest.raises(LoginError) as expired:
        logins.answer(second.session, now + timedelta(seconds=61), CARD)
    assert expired.value.code == 1
    assert logins.poll("k1", second.session, now + timedelta(seconds=61)).state == "expired"
    third = logins.begin("k1", now)
    with pytest.raises(LoginError) as bad:
        logins.answer(third.session, now, "not a card")
    assert bad.value.code == 2
    logins.answer(third.session, now, None)
    assert logins.poll("k1", third.session, now).state == "refused"
