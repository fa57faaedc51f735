"""The dossier record against its schema, its outbox events, and the appointment slip."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image, ImageDraw

from firmware.common.catalog import default_catalog
from firmware.render.slip import render_slip, slip_from_record
from firmware.rules.identity import IDENTITY_KEYS, read_cccd
from firmware.rules.pages import page_from_image
from firmware.runtime.clock import VIETNAM
from firmware.runtime.config import KioskSection
from firmware.services.dossier import build_record, dossier_events, slip_from_stub, slip_stub
from firmware.services.outbox import Outbox
from hw.qr import make_decoder

from .conftest import REPO

SCHEMA = json.loads((REPO / "docs" / "dossier.schema.json").read_text(encoding="utf-8"))
LONG_NAME = "Tôn Nữ Thị Hoàng Ngọc Phương Uyển Nguyễn Huỳnh Đặng Bảo Khuê"


def scanned_page(text: str = "GIAY CHUNG SINH") -> Image.Image:
    page = Image.new("RGB", (2480, 3508), "white")  # A4 at 300 dpi
    ImageDraw.Draw(page).text((300, 300), text, fill="black")
    return page


def make_record(clock_synced: bool = True, name: str = "Nguyễn Văn An") -> tuple[dict, list]:  # type: ignore[type-arg]
    catalog = default_catalog()
    procedure = catalog.by_code("1.001193")
    assert procedure is not None
    card = read_cccd(f"001203004567|123456789|{name}|05032003|Nam|Bắc Ninh|10062021", date(2026, 11, 24))
    assert card is not None and card.valid
    pages = [page_from_image(scanned_page(), "giay_chung_sinh", "Giấy chứng sinh (bản chính)", 1)]
    received = datetime(2026, 11, 24, 9, 42, tzinfo=VIETNAM)
    record = build_record(
        kiosk=KioskSection(), identity={k: getattr(card, k) for k in IDENTITY_KEYS}, procedure=procedure,
        catalog_version=catalog.version, answers={"ho_ten_tre": "Nguyễn Hoàng Bảo Ngọc", "so_ban": 2}, pages=pages,
        consent_at=received, received_at=received, clock_synced=clock_synced,
        receipt_code="kiosk-sim-01-261124-0001", due_date=date(2026, 11, 25) if clock_synced else None)
    return record, pages


def test_record_matches_its_schema() -> None:
    record, _ = make_record()
    jsonschema.validate(record, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert record["received_at"] == "2026-11-24T09:42:00+07:00"
    assert record["identity"]["date_of_birth"] == "2003-03-05"
    unsynced, _ = make_record(clock_synced=False)
    jsonschema.validate(unsynced, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert unsynced["due_date"] is None and unsynced["clock_synced"] is False


def test_schema_rejects_a_broken_record() -> None:
    record, _ = make_record()
    record["identity"]["id_number"] = "12345"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(record, SCHEMA)


def test_pages_are_four_grey_levels_with_their_hash() -> None:
    record, pages = make_record()
    page = pages[0]
    image = Image.open(__import__("io").BytesIO(page.data))
    assert image.format == "PNG" and max(image.size) == 1754 and record["pages"][0]["mime"] == "image/png"
    assert len(image.convert("L").getcolors(256) or []) <= 4
    assert record["pages"][0]["sha256"] == hashlib.sha256(page.data).hexdigest()
    assert record["pages"][0]["bytes"] == len(page.data) < 100_000


def test_events_carry_every_page_and_the_manifest_last(tmp_path: Path) -> None:
    record, pages = make_record()
    events = dossier_events(record, pages)
    assert [e.kind for e in events] == ["part", "dossier"]
    assert events[0].body["data"] == pages[0].data and events[-1].id == record["id"]
    box = Outbox(tmp_path / "outbox.db")
    box.commit(events, slip_stub(record))
    stored = box.pending()
    assert hashlib.sha256(stored[0].body["data"]).hexdigest() == record["pages"][0]["sha256"]
    assert stored[1].body == record


def test_slip_stub_holds_no_personal_data() -> None:
    record, _ = make_record()
    stub = slip_stub(record)
    flat = json.dumps(stub.__dict__, ensure_ascii=False)
    for personal in ("Nguyễn Văn An", "001203004567", "Bắc Ninh", "2003"):
        assert personal not in flat


@pytest.mark.parametrize("width", [576, 384])
def test_slip_at_both_widths_with_a_long_name(width: int) -> None:
    record, _ = make_record(name=LONG_NAME)
    drawn: list[str] = []
    slip = render_slip(slip_from_record(record), width, drawn)
    assert slip.mode == "1" and slip.width == width and 500 < slip.height < 2000
    assert any(LONG_NAME in text for text in drawn)
    assert "25/11/2026" in drawn and "kiosk-sim-01-261124-0001" in drawn
    assert any("Giấy chứng sinh (bản chính) (1 trang)" in text for text in drawn)
    codes = make_decoder("zxing").decode(np.asarray(slip.convert("L")))
    assert [c.text for c in codes] == ["kiosk-sim-01-261124-0001"]
    ink_columns = np.where(np.asarray(slip.convert("L")).min(axis=0) == 0)[0]
    assert ink_columns.min() > 0 and ink_columns.max() < width - 1, "text runs off the paper"


def test_slip_without_a_due_date_and_from_the_stub_alone() -> None:
    record, _ = make_record(clock_synced=False)
    drawn: list[str] = []
    render_slip(slip_from_stub(slip_stub(record), "Phường Ba Đình", "kiosk-sim-01"), 576, drawn)
    assert "Ngày hẹn sẽ được thông báo" in drawn
    assert not any("Nguyễn Văn An" in text for text in drawn)


def run_receipt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "receipt", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_receipt_command(tmp_path: Path) -> None:
    record, _ = make_record()
    dossier = tmp_path / "dossier.json"
    dossier.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = run_receipt("--dossier", str(dossier), "--out", str(tmp_path / "slip.png"), "--width", "384")
    assert result.returncode == 0, result.stderr
    assert Image.open(tmp_path / "slip.png").width == 384
    dossier.write_text('{"not": "a dossier"}', encoding="utf-8")
    result = run_receipt("--dossier", str(dossier), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "not a dossier record" in result.stderr and "Traceback" not in result.stderr
    result = run_receipt("--dossier", str(tmp_path / "absent.json"), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_the_documented_example_matches_the_schema() -> None:
    example = json.loads((REPO / "docs" / "examples" / "dossier.json").read_text(encoding="utf-8"))
    jsonschema.validate(example, SCHEMA, format_checker=jsonschema.FormatChecker())
