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
        "quan_he": "Mẹ", "dan_toc": "Kinh", "ho_ten_me": "Nguyễn Thị Ngọc Ánh",
    }  # the optional place of birth and phone number are offered on review


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
                  ("expect_text", "05/03/2026")))  # a birth this year


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
                  ("expect_no_text", "Họ và tên")))  # the name and number come from the card: confirmed on review
    answers = sim.app.kiosk.session.answers
    assert answers["ho_ten"] == "Nguyễn Thị Ngọc Ánh" and answers["so_dinh_danh"] == "001303004567"


def test_the_mothers_name_comes_from_the_card_only_when_she_registers(sim: Simulator) -> None:
    to_form(sim)
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "01112026"), ("tap", "Tiếp tục"), ("tap", "Nam"),
                  ("tap", "Bà"), ("expect_text", "Họ và tên người mẹ"), ("expect_text", "(chưa nhập)")))


def test_search_with_a_typo_and_no_results(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Thủ tục"), ("tap", "Tìm thủ tục"), ("type", "khai sihn"),
                  ("tap", "Đăng ký khai sinh"), ("expect_screen", "procedure"), ("tap", "Quay lại"),
                  ("tap", "Quay lại"), ("tap", "Tìm thủ tục"), ("type", "xyzzy"),
                  ("expect_text", "Không tìm thấy thủ tục nào")))


OTHER_CARD = "027089001234|987654321|Trần Văn Bình|15061989|Nam|Xóm 2, xã Tam Sơn, Bắc Ninh|01022022"


def start_birth_form(sim: Simulator, card: str) -> None:
    sim.run(steps(("tap", "Nộp hồ sơ"), ("present_qr", card), ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"),
                  ("expect_screen", "form")))


def back_home(sim: Simulator) -> None:
    while sim.app.stack.top_name != "home":
        sim.run(steps(("tap", "Quay lại")))


def test_another_card_starts_a_new_visit_with_nothing_of_the_last(sim: Simulator) -> None:
    sim.run(steps(("presence", True)))
    start_birth_form(sim, CARD)
    sim.run(steps(("type", "Lee Vawn Tams"), ("tap", "Tiếp tục"), ("type", "0503"), ("tap", "Tiếp tục"),
                  ("tap", "Nam"), ("tap", "Mẹ")))  # the mother's name is now prefilled from her card
    back_home(sim)  # citizen A walks off without `Kết thúc`; B comes within the timeout
    sim.run(steps(("tap", "Thủ tục"), ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"),
                  ("expect_screen", "login")))  # A's identity is not B's to use
    sim.run(steps(("present_qr", OTHER_CARD), ("expect_screen", "procedures"),
                  ("expect_text", "Bạn đã bắt đầu một lượt mới"), ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"),
                  ("expect_no_text", "Lê Văn Tám"), ("expect_no_text", "Nguyễn Thị Ngọc Ánh")))
    session = sim.app.kiosk.session
    assert session.identity and session.identity["full_name"] == "Trần Văn Bình"
    assert "Lê Văn Tám" not in session.answers.values() and "Nguyễn Thị Ngọc Ánh" not in session.answers.values()
    assert session.pages == {} and session.consent_at is None


def test_the_same_card_again_carries_on_where_it_was(sim: Simulator) -> None:
    sim.run(steps(("presence", True)))
    start_birth_form(sim, CARD)
    sim.run(steps(("type", "Lee Vawn Tams"), ("tap", "Tiếp tục")))
    back_home(sim)
    sim.run(steps(("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("expect_no_text", "Bạn đã bắt đầu một lượt mới"),
                  ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"), ("expect_text", "Lê Văn Tám")))


def test_a_change_of_relationship_drops_the_name_prefilled_for_the_old_one(sim: Simulator) -> None:
    sim.run(steps(("presence", True)))
    start_birth_form(sim, CARD)
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "0503"), ("tap", "Tiếp tục"), ("tap", "Nam"),
                  ("tap", "Mẹ"), ("expect_screen", "documents"), ("tap", "Quay lại"), ("tap", "Cha")))
    answers = sim.app.kiosk.session.answers
    assert answers["ho_ten_cha"] == "Nguyễn Thị Ngọc Ánh" and "ho_ten_me" not in answers
    sim.run(steps(("expect_text", "Họ và tên người mẹ"), ("expect_text", "(chưa nhập)")))


def test_no_picture_of_a_camera_or_a_slot_for_a_device_that_is_absent(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("camera", "absent"), ("tap", "Nộp hồ sơ"),
                  ("expect_text", "Camera đang tạm ngừng")))
    assert "Camera" not in sim.app.loop.canvas.drawn, "the card-under-the-camera picture is drawn"
    sim.run(steps(("camera", "ok"), ("expect_text", "Đưa mặt sau thẻ căn cước")))
    assert "Camera" in sim.app.loop.canvas.drawn
    sim.run(steps(("present_qr", CARD), ("scanner", "absent"), ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"),
                  ("type", "An"), ("tap", "Tiếp tục"), ("type", "0503"), ("tap", "Tiếp tục"), ("tap", "Nam"),
                  ("tap", "Mẹ"), ("expect_screen", "documents"), ("expect_text", "Máy quét đang tạm ngừng"),
                  ("expect_no_text", "Đặt tờ giấy vào khe máy quét")))
