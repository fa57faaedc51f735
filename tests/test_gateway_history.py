"""Each dossier's history at the province: `received` written with the dossier, the back office's steps through
`motcua gateway set-status`, and `motcua gateway history CODE --json`, with their exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from firmware.common.protocol import Envelope
from province.history import HistoryError, Step
from province.store import Store

from .conftest import REPO
from .test_gateway_poison import GOOD_DOSSIER

UNIT = "000.00.20.H26"
NOW = datetime.fromisoformat("2026-11-24T10:00:05+07:00")


@pytest.fixture
def province(tmp_path: Path, store_location: str) -> tuple[Path, str]:
    """A gateway config and a store holding one dossier; the official code it was given."""
    config = tmp_path / "gateway.toml"
    config.write_text(f'[broker]\nport = 1883\n[gateway]\nstore = "{store_location}"\n'
                      f'unit_code = "{UNIT}"\n', encoding="utf-8")
    store = Store(store_location, UNIT)
    outcome = store.handle("hn", "kiosk-x", Envelope(uuid.uuid4().hex, 1, "2026-11-24T10:00:00+07:00", "dossier",
                                                     GOOD_DOSSIER), NOW)
    store.close()
    (official,) = outcome.official.values()
    return config, official["code"]


def gateway(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "gateway", *args, "--config", str(config)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def history(config: Path, code: str) -> list[dict[str, object]]:
    result = gateway(config, "history", code, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_dossier_is_received_then_goes_through_every_step(province: tuple[Path, str]) -> None:
    config, code = province
    assert [(r["status"], r["label"], r["at"]) for r in history(config, code)] == [
        ("received", "Đã tiếp nhận", "2026-11-24T10:00:00+07:00")]
    steps = [("processing", []), ("need_more", ["--documents", "Giấy chứng sinh bản chính; Sổ hộ khẩu",
                                                "--note", "Bản chụp bị mờ"]),
             ("processing", []), ("ready", ["--note", "Nhận tại quầy số 2"]), ("returned", [])]
    for status, extra in steps:
        result = gateway(config, "set-status", code, status, "--official", "Trần Thị Mai", "--unit", UNIT, *extra)
        assert result.returncode == 0, result.stderr
    rows = history(config, code)
    assert [r["status"] for r in rows] == ["received", "processing", "need_more", "processing", "ready", "returned"]
    need_more = rows[2]
    assert need_more["documents"] == ["Giấy chứng sinh bản chính", "Sổ hộ khẩu"]
    assert need_more["note"] == "Bản chụp bị mờ" and need_more["official"] == "Trần Thị Mai"
    assert need_more["label"] == "Cần bổ sung giấy tờ"
    by_receipt = history(config, str(GOOD_DOSSIER["receipt_code"]))
    assert by_receipt == rows, "the kiosk's receipt code finds the same dossier"


def test_a_rejection_keeps_its_reason(province: tuple[Path, str]) -> None:
    config, code = province
    assert gateway(config, "set-status", code, "rejected", "--note", "Không thuộc thẩm quyền").returncode == 0
    assert history(config, code)[-1]["note"] == "Không thuộc thẩm quyền"


@pytest.mark.parametrize(("args", "exit_code", "says"), [
    (["set-status", "{code}", "done"], 2, "unknown status 'done'"),
    (["set-status", "{code}", "need_more"], 2, "need_more needs --documents"),
    (["set-status", "{code}", "ready", "--note", "a\x01b"], 2, "no control characters"),
    (["set-status", "000.00.20.H26-261124-9999", "ready"], 1, "no dossier with the code"),
    (["history", "kiosk-x-261124-0404"], 1, "no dossier with the code"),
    (["set-status", "{code}"], 2, "usage: motcua gateway history CODE"),
    (["dossiers", "extra"], 2, "takes no arguments"),
])
def test_bad_steps_are_refused_with_their_exit_code(province: tuple[Path, str], args: list[str], exit_code: int,
                                                    says: str) -> None:
    config, code = province
    result = gateway(config, *(a.replace("{code}", code) for a in args))
    assert result.returncode == exit_code and says in result.stderr, (result.returncode, result.stderr)
    assert [r["status"] for r in history(config, code)] == ["received"], "nothing was recorded"


def test_the_store_checks_steps_itself(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db", UNIT)
    try:
        with pytest.raises(HistoryError) as unknown:
            store.set_status("nothing", Step("ready"))
        assert unknown.value.code == 1
        with pytest.raises(HistoryError) as bad:
            store.set_status("nothing", Step("ready", note="x" * 501))
        assert bad.value.code == 2
    finally:
        store.close()
