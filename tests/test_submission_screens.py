"""Submission screens 1/2 driven by scripted citizens: login, finding a procedure, the form."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.app.sim import Simulator, StepFailed

from .conftest import steps

SCRIPTS = Path(__file__).parent / "scripts"
CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def to_form(sim: Simulator, code_name: str = "Đăng ký khai sinh") -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("expect_screen", "procedures"),
                  ("tap", code_name), ("tap", "Bắt đầu"), ("expect_screen", "form")))


def test_login_search_and_the_birth_form_through_the_keyboard(sim: Simulator) -> None:
    sim.run_file(SCRIPTS / "birth_form.yaml")
    session = sim.app.kiosk.session
    assert session.identity and session.identity["full_name"] == "Nguyễn Thị Ngọc Ánh"
    assert session.procedure_code == "1.001193"
    assert session.answers == {
        "ho_ten_tre": "Nguyễn Hoàng Bảo Ngọc", "ngay_sinh_tre": "05112026", "gioi_tinh_tre": "Nữ",
        "quan_he": "Mẹ", "noi_sinh": "Bệnh viện Phụ sản Bắc Ninh", "dan_toc": "Kinh",
        "ho_ten_me": "Nguyễn Thị Ngọc Ánh", "so_dien_thoai": "0912345678",
    }


def test_a_rejected_card_then_a_good_one(sim: Simulator) -> None:
    sim.run_file(SCRIPTS / "rejected_card.yaml")
    assert sim.app.kiosk.session.identity is not None


def test_timeout_in_the_middle_of_the_form_wipes_everything(sim: Simulator, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    to_form(sim)
    sim.run(steps(("type", "Nguyeenx Hoa"), ("wait", 61), ("expect_text", "Bạn cần thêm thời gian?"),
                  ("wait", 30), ("expect_screen", "attract")))
    session = sim.app.kiosk.session
    assert session.identity is None and session.answers == {} and session.procedure_code is None
    assert list(tmp_path.iterdir()) == [], "nothing may reach the disk before a submission"


def test_back_keeps_what_was_typed(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("type", "Lee Vawn Tams"), ("tap", "Tiếp tục"), ("type", "0503"), ("tap", "Quay lại"),
                  ("expect_text", "Lê Văn Tám"), ("tap", "Quay lại"), ("expect_screen", "procedure"),
                  ("tap", "Bắt đầu"), ("expect_text", "Lê Văn Tám"), ("tap", "Tiếp tục"),
                  ("expect_text", "05/03/____")))


def test_validation_messages_stand_next_to_the_field(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("tap", "Tiếp tục"), ("expect_text", "Xin mời nhập thông tin này."), ("type", "An"),
                  ("tap", "Tiếp tục"), ("type", "010120"), ("tap", "Tiếp tục"),
                  ("expect_text", "Xin mời nhập đủ ngày, tháng, năm.")))
    assert sim.app.stack.top.index == 1  # type: ignore[union-attr]


def test_the_date_pad_cannot_make_an_impossible_date(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "3")))
    with pytest.raises(StepFailed, match="button '2' is disabled"):
        sim.run(steps(("type", "2")))
    sim.run(steps(("type", "0"), ("expect_text", "30/__/____")))
    with pytest.raises(StepFailed, match="button '2' is disabled"):
        sim.run(steps(("type", "02")))  # no 30 February


def test_a_future_birth_date_is_refused(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "01122026"), ("tap", "Tiếp tục"),
                  ("expect_text", "Ngày này ở sau hôm nay.")))


def test_browse_procedures_by_field_without_logging_in_first(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Thủ tục"), ("expect_screen", "procedures"), ("tap", "Cư trú"),
                  ("tap", "Đăng ký tạm trú"), ("expect_text", "15.000 đồng"), ("expect_text", "3 ngày làm việc"),
                  ("tap", "Bắt đầu"), ("expect_screen", "login"), ("present_qr", CARD), ("expect_screen", "form"),
                  ("expect_text", "Nguyễn Thị Ngọc Ánh")))


def test_the_mothers_name_comes_from_the_card_only_when_she_registers(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "01112026"), ("tap", "Tiếp tục"), ("tap", "Nam"),
                  ("tap", "Bà"), ("tap", "Tiếp tục"), ("tap", "Tiếp tục"), ("expect_text", "Họ và tên người mẹ"),
                  ("expect_text", "(chưa nhập)")))


def test_search_with_a_typo_and_no_results(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Thủ tục"), ("tap", "Tìm thủ tục"), ("type", "khai sihn"),
                  ("tap", "Đăng ký khai sinh"), ("expect_screen", "procedure"), ("tap", "Quay lại"),
                  ("tap", "Quay lại"), ("tap", "Tìm thủ tục"), ("type", "xyzzy"),
                  ("expect_text", "Không tìm thấy thủ tục nào")))
