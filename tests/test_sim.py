"""Scripted citizens on the real loop and the virtual clock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from firmware.app.sim import Simulator, StepFailed

from .conftest import REPO, steps


def test_attract_home_help_and_back(sim: Simulator) -> None:
    sim.run(steps(
        ("expect_screen", "attract"), ("tap_at", [540, 960]), ("expect_screen", "home"),
        ("tap", "Trợ giúp"), ("expect_screen", "help"), ("expect_text", "thẻ căn cước (CCCD)"),
        ("tap", "Quay lại"), ("expect_screen", "home"),
    ))
    assert [s.name for s in sim.app.stack.screens] == ["home"]


@pytest.mark.parametrize("label", ["Nộp hồ sơ", "Tra cứu hồ sơ", "Nộp phí", "Đánh giá", "Thủ tục", "Trợ giúp"])
def test_every_home_choice_opens_its_screen(sim: Simulator, label: str) -> None:
    sim.run(steps(("presence", True), ("expect_screen", "home"), ("tap", label)))
    assert sim.app.stack.top_name != "home"
    assert "Chức năng sắp có" not in sim.describe()


def test_inactivity_warns_then_returns_to_attract_and_wipes(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("expect_screen", "home")))
    sim.app.kiosk.session.answers["ho_ten"] = "Nguyễn Văn A"
    sim.run(steps(("wait", 59)))
    assert sim.app.stack.top.modal is None  # type: ignore[union-attr]
    sim.run(steps(("wait", 2), ("expect_text", "Bạn cần thêm thời gian?"), ("expect_text", "sau 29 giây")))
    sim.run(steps(("wait", 30), ("expect_screen", "attract")))
    assert sim.app.kiosk.session.answers == {} and sim.app.kiosk.session.identity is None
    assert sim.app.guard.timeouts == 1


CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"


def test_the_events_kept_forget_the_visit_with_it(sim: Simulator) -> None:
    """The loop keeps its last events (for scripts and tests); the card shown is among them during the visit and
    nowhere in them after it (Session: nothing of a visit is kept in a copy)."""
    kept = lambda: " ".join(str(e.data) for e in sim.app.loop.handled_events)  # noqa: E731
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("expect_screen", "procedures")))
    assert "001303004567" in kept()
    sim.run(steps(("wait", 200), ("expect_screen", "attract")))
    assert sim.app.kiosk.session.identity is None
    assert "001303004567" not in kept() and "Ngọc Ánh" not in kept()


def test_more_time_keeps_the_visit(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("expect_screen", "home"), ("tap", "Trợ giúp"), ("wait", 70),
                  ("tap", "Cần thêm thời gian"), ("wait", 50)))
    assert sim.app.stack.top_name == "help" and sim.app.stack.top.modal is None  # type: ignore[union-attr]
    assert sim.app.guard.timeouts == 0


def test_finish_returns_to_attract(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Kết thúc"), ("expect_screen", "attract")))


def test_a_failing_step_names_itself_and_the_screen(sim: Simulator) -> None:
    with pytest.raises(StepFailed) as caught:
        sim.run(steps(("expect_screen", "attract"), ("tap", "Nộp hồ sơ nhanh")))
    message = str(caught.value)
    assert message.startswith("step 2 (tap: 'Nộp hồ sơ nhanh') failed: no button labelled 'Nộp hồ sơ nhanh'")
    assert "on screen: attract" in message and "Chạm để bắt đầu" in message


def test_expect_screen_is_bounded(sim: Simulator) -> None:
    with pytest.raises(StepFailed, match="screen 'help' did not appear within 15 s"):
        sim.run(steps(("expect_screen", "help")))


def test_unsupported_steps_say_so(sim: Simulator) -> None:
    with pytest.raises(StepFailed, match="unsupported step: fly"):
        sim.run(steps(("fly", "away")))


def test_shots_are_numbered(tmp_path: Path, app) -> None:  # type: ignore[no-untyped-def]
    simulator = Simulator(app, tmp_path)
    simulator.run(steps(("shot", "attract"), ("presence", True), ("shot", "home")))
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["01-attract.png", "02-home.png"]
    assert pygame.image.load(str(tmp_path / "02-home.png")).get_size() == (1080, 1920)


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("script", ["birth_form.yaml", "birth_by_chip.yaml"])
def test_a_citizen_is_served_as_the_unit_runs_python(script: str) -> None:
    """motcua.service sets PYTHONOPTIMIZE=2: no docstrings and no asserts. Nothing the kiosk does may need them
    (the chip's PACE and passive authentication, the form, the slip, the outbox)."""
    import os

    result = subprocess.run([sys.executable, "-m", "firmware", "sim", "--script", str(REPO / "tests/scripts" / script)],
                            capture_output=True, text=True, cwd=REPO, timeout=120,
                            env={**os.environ, "PYTHONOPTIMIZE": "2"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "steps passed" in result.stdout


def test_sim_command_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text('- expect_screen: attract\n- presence: true\n- expect_screen: home\n- shot: home\n',
                    encoding="utf-8")
    result = run_cli("sim", "--script", str(good), "--shots", str(tmp_path / "shots"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shots" / "01-home.png").exists()

    failing = tmp_path / "failing.yaml"
    failing.write_text('- expect_screen: attract\n- tap: "Trợ giúp"\n', encoding="utf-8")
    result = run_cli("sim", "--script", str(failing))
    assert result.returncode == 1
    assert "step 2 (tap: 'Trợ giúp') failed: no button labelled 'Trợ giúp'" in result.stderr

    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("expect_screen: attract\n", encoding="utf-8")
    result = run_cli("sim", "--script", str(malformed))
    assert result.returncode == 2 and "a script is a non-empty YAML list of steps" in result.stderr
    assert "Traceback" not in result.stderr
