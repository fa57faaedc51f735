"""Submission screens 2/2: documents, review, confirmation, submit, slip, and what happens when things go wrong."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from firmware.app.sim import Simulator
from firmware.services.outbox import Outbox, OutboxEvent

from .conftest import REPO, steps

SCRIPTS = Path(__file__).parent / "scripts"
PAGE = str(REPO / "firmware" / "demo" / "giay_chung_sinh.png")
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
CHILD_KEYS = "Nguyeenx Hoangf Baro Ngocj"


def to_documents(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
                  ("tap", "Bắt đầu"), ("type", CHILD_KEYS), ("tap", "Tiếp tục"), ("type", "0511"),
                  ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("expect_screen", "documents")))


def to_review(sim: Simulator) -> None:
    """The one-page birth certificate goes on by itself; a mother needs no mandate, so it is not asked for."""
    to_documents(sim)
    sim.run(steps(("insert_document", PAGE), ("expect_screen", "review")))


SUBMIT = (("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"))


def submit(sim: Simulator) -> None:
    sim.run(steps(*SUBMIT, ("expect_screen", "done")))


def stored(sim: Simulator) -> tuple[dict, list[bytes]]:  # type: ignore[type-arg]
    events = sim.app.outbox.pending()
    dossiers = [e.body for e in events if e.kind == "dossier"]
    assert len(dossiers) == 1
    return dossiers[0], [e.body["data"] for e in events if e.kind == "part"]


def test_full_birth_registration_from_card_to_slip(sim: Simulator) -> None:
    sim.run_file(SCRIPTS / "birth_registration.yaml")
    record, pages = stored(sim)
    assert record["identity"]["id_number"] == "001303004567"
    assert record["answers"]["ho_ten_tre"] == "Nguyễn Hoàng Bảo Ngọc"
    assert record["answers"]["ngay_sinh_tre"] == "2026-11-05"
    assert record["answers"]["ho_ten_me"] == "Nguyễn Thị Ngọc Ánh"
    assert [p["sha256"] for p in record["pages"]] == [hashlib.sha256(data).hexdigest() for data in pages]
    assert record["due_date"] == "2026-11-25" and record["consent"]["accepted_at"]
    sim.wait_for(lambda: not sim.app.outbox.unprinted_stubs(), "the slip was not printed")
    stub = sim.app.outbox.stub(record["receipt_code"])
    assert stub is not None and stub.printed
    printer = sim.app.devices.printer
    assert len(printer.jobs) == 1 and len(printer.jobs[0].data) > 10_000
    assert sim.app.kiosk.session.identity is None and sim.app.kiosk.session.pages == {}
    assert sim.taps - len(CHILD_KEYS) <= 24, f"{sim.taps} taps"


def test_rescanning_a_page_keeps_only_the_new_one(sim: Simulator, tmp_path: Path) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Giấy chứng sinh (bản chính)"), ("tap", "Quét lại"),
                  ("expect_text", "Đặt tờ giấy vào khe máy quét")))
    second = tmp_path / "second.png"
    from PIL import Image, ImageDraw

    page = Image.open(PAGE).convert("L")
    ImageDraw.Draw(page).rectangle((100, 1050, 700, 1100), fill=0)
    page.save(second)
    sim.run(steps(("insert_document", str(second)), ("expect_screen", "review")))
    pages = sim.app.kiosk.session.pages["giay_chung_sinh"]
    assert len(pages) == 1 and pages[0].index == 1


def test_a_blank_page_is_refused_with_the_reason(sim: Simulator) -> None:
    to_documents(sim)
    sim.run(steps(("insert_document", "blank"), ("expect_text", "Trang giấy trống")))
    assert sim.app.kiosk.session.pages.get("giay_chung_sinh", []) == []
    sim.run(steps(("insert_document", PAGE), ("expect_screen", "review"),
                  ("expect_text", "Đã quét «Giấy chứng sinh (bản chính)»")))


def test_change_an_answer_from_review_and_come_back(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Giới tính của trẻ"), ("expect_screen", "form"), ("tap", "Nam"),
                  ("expect_screen", "review"), ("tap", "Họ, chữ đệm và tên của trẻ"), ("type", "h"),
                  ("tap", "Tiếp tục"), ("expect_screen", "review"), ("expect_text", "Nguyễn Hoàng Bảo Ngọch")))
    assert sim.app.kiosk.session.answers["gioi_tinh_tre"] == "Nam"
    sim.run(steps(("tap", "Giấy chứng sinh (bản chính)"), ("expect_screen", "documents"), ("tap", "Tiếp tục"),
                  ("expect_screen", "review")))


def test_consent_is_never_pre_ticked(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Nộp hồ sơ"), ("expect_text", "Xin mời chạm «Tôi đồng ý»"), ("expect_screen", "review")))
    assert sim.app.kiosk.session.consent_at is None and sim.app.outbox.backlog() == 0


def test_a_half_typed_change_left_with_back_keeps_the_old_answer(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Số điện thoại để nhận thông báo"), ("type", "0912345"), ("tap", "Quay lại"),
                  ("expect_screen", "review"), ("expect_no_text", "0912345")))
    assert "so_dien_thoai" not in sim.app.kiosk.session.answers
    sim.run(steps(("tap", "Họ, chữ đệm và tên của trẻ"), ("type", "123"), ("tap", "Quay lại"),
                  ("expect_text", "Nguyễn Hoàng Bảo Ngọc")))
    assert sim.app.kiosk.session.answers["ho_ten_tre"] == "Nguyễn Hoàng Bảo Ngọc"


def test_an_answer_that_is_not_acceptable_never_reaches_the_dossier(sim: Simulator) -> None:
    to_review(sim)
    sim.app.kiosk.session.answers["so_dien_thoai"] = "0912345"  # however it got there
    sim.run(steps(*SUBMIT, ("expect_screen", "form"), ("expect_text", "Số điện thoại di động gồm 10 chữ số")))
    assert sim.app.outbox.backlog() == 0
    sim.run(steps(("type", "678"), ("tap", "Tiếp tục"), ("expect_screen", "review"), ("tap", "Nộp hồ sơ"),
                  ("expect_screen", "done")))
    record, _pages = stored(sim)
    assert record["answers"]["so_dien_thoai"] == "0912345678"


def test_paper_out_at_the_slip_stores_the_dossier_and_says_so(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("printer", "paper_out")))
    submit(sim)
    record, _pages = stored(sim)
    sim.wait_for(lambda: sim.app.kiosk.submissions.submitted[record["receipt_code"]].print_state != "printing",
                 "no print result")
    sim.run(steps(("expect_text", "Máy in đang tạm ngừng nên chưa in được phiếu hẹn"),
                  ("expect_text", record["receipt_code"])))
    assert [s.receipt_code for s in sim.app.outbox.unprinted_stubs()] == [record["receipt_code"]]
    assert sim.app.devices.printer.jobs == []
    assert sim.app.status(0)["submissions"]["unprinted_slips"] == 1


def test_scanner_jam_then_retry(sim: Simulator) -> None:
    to_documents(sim)
    sim.run(steps(("scanner", "jam"), ("expect_text", "Giấy bị kẹt trong máy quét"), ("scanner", "ok"),
                  ("tap", "Quét lại"), ("insert_document", PAGE), ("expect_screen", "review")))


def test_scanner_absent_the_paper_goes_to_the_counter(sim: Simulator) -> None:
    to_documents(sim)
    sim.run(steps(("scanner", "absent"), ("expect_text", "Máy quét đang tạm ngừng"), ("tap", "Bỏ qua"),
                  ("expect_screen", "review")))
    assert sim.app.kiosk.session.documents_at_counter == ["giay_chung_sinh"]
    submit(sim)
    record, pages = stored(sim)
    assert record["documents_at_counter"] == ["giay_chung_sinh"] and pages == []


def test_timeout_on_review_stores_nothing(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("wait", 91), ("expect_screen", "attract")))
    (visit,) = sim.app.outbox.pending()  # the visit is counted (no personal data); no dossier is stored
    assert visit.kind == "usage" and visit.body["abandoned_at"] == "review" and visit.body["outcome"] == "nothing"
    assert sim.app.kiosk.session.pages == {} and sim.app.kiosk.session.identity is None


def test_shots_hold_the_dossier_and_the_slip(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "firmware", "sim", "--script",
                             str(SCRIPTS / "birth_registration.yaml"), "--shots", str(tmp_path)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "dossier.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"kiosk-sim-01-261124-\d{4}", record["receipt_code"])
    assert (tmp_path / "slip.png").stat().st_size > 1000
    assert "taps" in result.stdout


def test_kill_9_between_commit_and_print_loses_nothing(tmp_path: Path) -> None:
    outbox_path = tmp_path / "outbox.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[outbox]\npath = "{outbox_path}"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tests.fault_sim", "sim", "--script",
                             str(SCRIPTS / "birth_registration.yaml"), "--config", str(config)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr
    box = Outbox(outbox_path)
    kinds = [e.kind for e in box.pending()]
    assert kinds == ["part", "dossier"], "the dossier is stored once, whole"
    (stub,) = box.unprinted_stubs()
    first = stub.receipt_code
    assert re.fullmatch(r"kiosk-sim-01-261124-\d{4}", first) and not stub.printed
    box.close()
    # The kiosk comes back: the stub is flagged for staff, and nothing is stored twice.
    result = subprocess.run([sys.executable, "-m", "firmware", "sim", "--script",
                             str(SCRIPTS / "birth_registration.yaml"), "--config", str(config)],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    box = Outbox(outbox_path)
    assert [e.kind for e in box.pending()].count("dossier") == 2
    codes = [s.receipt_code for s in box._stubs("1 = 1")]
    assert first in [s.receipt_code for s in box.unprinted_stubs()], "the killed visit's slip is flagged for staff"
    assert len(set(codes)) == 2, "the second visit gets another number, never the first one's"


def test_a_disk_that_fails_at_submit_is_said_plainly_and_touches_nothing(sim: Simulator) -> None:
    sim.app.outbox.commit([OutboxEvent("usage", {"n": 1}, "2026-11-24T09:30:00+07:00")])
    to_review(sim)
    sim.app.outbox._db.execute("PRAGMA query_only = ON")  # every write fails, as on a full or broken disk
    try:
        sim.run(steps(*SUBMIT, ("expect_text", "Hồ sơ của bạn chưa được lưu")))
        assert sim.app.kiosk.session.identity is not None, "the session stays while staff can help"
    finally:
        sim.app.outbox._db.execute("PRAGMA query_only = OFF")
    assert [e.kind for e in sim.app.outbox.pending()] == ["usage"]
    assert sim.app.loop.running


def test_a_printer_known_to_be_out_is_said_at_once_not_printing(sim: Simulator) -> None:
    from firmware.services.submission import Submitted

    code = "kiosk-sim-01-261124-0009"
    record = {"id": "d", "receipt_code": code, "due_date": "2026-11-27", "procedure": {"result": "Tại quầy"}}
    sim.app.kiosk.submissions.submitted[code] = Submitted(record, "printing")  # the job is still queued
    sim.app.kiosk.health.set("printer", "paper_out", "the printer said so")
    sim.app.stack.reset("done", code=code)
    sim.run(steps(("expect_screen", "done"), ("expect_no_text", "Đang in phiếu hẹn"),
                  ("expect_text", "Máy in đang tạm ngừng nên chưa in được phiếu hẹn")))


def test_a_place_from_the_province_list_is_chosen_and_another_typed_after_khac(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Nơi sinh (theo Giấy chứng sinh)"), ("tap", "Bệnh viện Bạch Mai"),
                  ("expect_screen", "review"), ("expect_text", "Bệnh viện Bạch Mai")))
    sim.run(steps(("tap", "Nơi sinh (theo Giấy chứng sinh)"), ("tap", "Khác"), ("type", "Taij nhaf"),
                  ("tap", "Tiếp tục"), ("expect_screen", "review"), ("expect_text", "Tại nhà")))
    assert sim.app.kiosk.session.answers["noi_sinh"] == "Tại nhà"


def test_a_page_that_went_on_by_itself_can_still_be_scanned_again(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(("tap", "Quét lại"), ("expect_screen", "documents"),
                  ("expect_text", "Đặt tờ giấy vào khe máy quét"), ("insert_document", PAGE),
                  ("expect_screen", "review")))
    assert len(sim.app.kiosk.session.pages["giay_chung_sinh"]) == 1
    # With two documents (a grandmother needs the mandate), the next page offers `Quét lại` for the first one.
    sim.run(steps(("tap", "Bạn là gì của trẻ?"), ("tap", "Bà"), ("tap", "Họ và tên người mẹ"), ("type", "An"),
                  ("tap", "Tiếp tục")))
    sim.app.kiosk.session.pages.clear()
    sim.app.stack.reset("documents")
    sim.run(steps(("insert_document", PAGE), ("expect_text", "Văn bản ủy quyền"), ("tap", "Quét lại"),
                  ("expect_text", "Giấy chứng sinh"), ("insert_document", PAGE), ("expect_text", "Văn bản ủy quyền")))
    assert len(sim.app.kiosk.session.pages["giay_chung_sinh"]) == 1


def test_the_slip_is_begun_once_the_screen_that_says_so_is_shown(sim: Simulator) -> None:
    """Rendering a slip keeps Python busy: begun while the loop was going to `done`, it held up that frame."""
    to_review(sim)
    printing, released = sim.app.printing, []
    release = printing.release

    def watched() -> None:
        if printing.status(0)["queued"]:
            released.append((sim.app.stack.top_name, sim.app.loop.canvas.damage != []))
        release()

    printing.release = watched  # type: ignore[method-assign]
    submit(sim)
    sim.wait_for(lambda: len(sim.app.devices.printer.jobs) == 1, "the slip was not printed")
    assert released and released[0] == ("done", True), released  # `done` drawn in that turn, then the slip
