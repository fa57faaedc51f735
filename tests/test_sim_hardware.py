"""Simulator steps that drive the simulated devices; their threads post events like real ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from firmware.app.sim import Simulator, StepFailed
from firmware.runtime import events
from hw.camera import camera_frame

from .conftest import REPO, steps

CARD = "079203001234||Nguyễn Văn Ả|01012003|Nam|Quận 1, TP HCM|01012021"


def decoded(sim: Simulator) -> list[str]:
    return [e.data["payload"] for e in sim.app.loop.handled_events if e.kind == events.QR_DECODED]


def test_present_qr_reaches_the_loop_through_the_real_decoder(sim: Simulator) -> None:
    sim.run(steps(("present_qr", CARD)))
    assert decoded(sim) == [CARD]
    sim.run(steps(("present_qr", CARD)))  # shown again after taking it away: a new scan
    assert decoded(sim) == [CARD, CARD]


def test_present_image_with_a_code(sim: Simulator, tmp_path: Path) -> None:
    picture = tmp_path / "card.png"
    Image.fromarray(camera_frame("Quận 1")).save(picture)
    sim.run(steps(("present_image", str(picture))))
    assert decoded(sim) == ["Quận 1"]


def test_present_image_that_cannot_be_read(sim: Simulator, tmp_path: Path) -> None:
    with pytest.raises(StepFailed, match="cannot read image"):
        sim.run(steps(("present_image", str(tmp_path / "absent.png"))))


def test_camera_absent_then_back(sim: Simulator) -> None:
    sim.run(steps(("camera", "absent")))
    assert sim.app.kiosk.health["camera"] == "absent"
    sim.run(steps(("camera", "ok"), ("present_qr", "Nữ")))
    assert sim.app.kiosk.health["camera"] == "ok" and decoded(sim) == ["Nữ"]


def test_printer_states_show_in_the_banner(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("printer", "paper_out"), ("expect_text", "Máy in đang tạm ngừng"),
                  ("printer", "paper_low"), ("expect_text", "Máy in sắp hết giấy"), ("printer", "ok")))
    assert sim.app.kiosk.health["printer"] == "ok"
    assert not any("Máy in" in text for text in sim.app.loop.canvas.drawn)


def test_scanner_states_and_documents(sim: Simulator) -> None:
    sim.run(steps(("scanner", "jam")))
    assert sim.app.kiosk.health["scanner"] == "jam"
    sim.run(steps(("scanner", "ok"), ("insert_document", "blank")))
    page = sim.app.devices.scanner.scan()
    assert page.getextrema() == (255, 255)


def test_help_button_opens_help_from_anywhere(sim: Simulator) -> None:
    sim.run(steps(("press", "help"), ("expect_screen", "help"), ("expect_text", "Ngoài giờ làm việc"),  # a holiday
                  ("tap", "Đóng"), ("tap", "Quay lại"), ("expect_screen", "attract")))


def test_tamper_is_recorded_for_staff(sim: Simulator) -> None:
    sim.run(steps(("press", "tamper")))
    assert sim.app.kiosk.health["tamper"] == "opened"
    assert sim.app.stack.top_name == "attract"


def test_bad_step_arguments(sim: Simulator) -> None:
    for step, arg, message in (("printer", "jammed", "printer takes one of ok, paper_low"),
                               ("press", "exit", "press takes help or tamper"),
                               ("camera", "maybe", "camera takes ok or absent")):
        with pytest.raises(StepFailed, match=message):
            sim.run(steps((step, arg)))


def test_backlight_dims_on_attract_and_wakes_for_a_visitor(sim: Simulator) -> None:
    light = sim.app.devices.backlight
    sim.run(steps(("wait", 125)))
    assert light.level == pytest.approx(0.15)
    sim.run(steps(("presence", True), ("expect_screen", "home")))
    assert light.level == 1.0


def run_decode(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "decode", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


@pytest.mark.parametrize("decoder", ["zxing", "pyzbar"])
def test_decode_command(tmp_path: Path, decoder: str) -> None:
    image = tmp_path / "two.png"
    page = Image.new("L", (1300, 520), 200)
    page.paste(Image.fromarray(camera_frame(CARD, angle=0, noise=0)), (0, 0))
    page.paste(Image.fromarray(camera_frame("Xin chào", angle=0, noise=0)), (650, 30))
    page.save(image)
    result = run_decode(str(image), "--decoder", decoder)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {"kind": "cccd", "valid": True, "id_number": "079203001234", "old_id": None,
         "full_name": "Nguyễn Văn Ả", "date_of_birth": "2003-01-01", "sex": "Nam",
         "address": "Quận 1, TP HCM", "issue_date": "2021-01-01"},
        {"kind": "text", "text": "Xin chào"},
    ]
    assert "Nguyễn Văn Ả" in result.stdout  # UTF-8, not \\u escapes


def test_decode_command_exit_codes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    Image.new("L", (64, 64), 255).save(empty)
    result = run_decode(str(empty))
    assert result.returncode == 1 and result.stdout == ""
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    for path in (not_image, tmp_path / "missing.png"):
        result = run_decode(str(path))
        assert result.returncode == 2
        assert result.stderr.startswith(f"motcua: cannot read image {path}") and "Traceback" not in result.stderr


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height: what a decompression bomb looks like to `Image.open`."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def test_decode_refuses_a_decompression_bomb(tmp_path: Path) -> None:
    for width, height in ((12_000, 12_000), (40_000, 40_000)):  # under and over PIL's own hard limit
        bomb = tmp_path / f"bomb-{width}.png"
        bomb.write_bytes(png_header_only(width, height))
        result = run_decode(str(bomb))
        assert result.returncode == 2, result.stderr
        assert "pixels" in result.stderr and "Traceback" not in result.stderr
