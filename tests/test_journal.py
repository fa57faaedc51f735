"""The journal tells the story of a visit, with no personal data: screens, devices, the dossier, the slip."""

from __future__ import annotations

import logging

import pytest

from firmware.app.sim import Simulator
from tests.test_submission_flow import SCRIPTS


def test_a_visit_reads_as_a_story_without_personal_data(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sim.run_file(SCRIPTS / "birth_registration.yaml")
    sim.wait_for(lambda: not sim.app.outbox.unprinted_stubs(), "the slip was not printed")
    sim.run([])
    lines = [f"{r.name}: {r.getMessage()}" for r in caplog.records]
    story = "\n".join(lines)
    code = sim.app.kiosk.submissions.last.record["receipt_code"]  # type: ignore[union-attr]
    for expected in ("motcua.screens: screen attract -> home", "motcua.screens: screen home -> login",
                     "motcua.screens: screen submitting -> done",
                     f"motcua.submission: dossier {code} committed: procedure 1.001193, 1 page(s)",
                     f"motcua.printing: slip {code} printed"):
        assert expected in story
    order = [next(i for i, line in enumerate(lines) if part in line)
             for part in ("-> login", "committed", f"slip {code} printed")]
    assert order == sorted(order)
    for personal in ("001303004567", "Nguyễn", "Ngọc", "12031995", "Hàng Bạc"):
        assert personal not in story


def test_device_state_changes_are_logged_with_their_reason(sim: Simulator,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sim.printer("paper_out")
    sim.scanner("jam")
    sim.camera("absent")
    sim.wait_for(lambda: sim.app.kiosk.health.get("camera") == "absent", "the camera was not seen gone")
    story = "\n".join(r.getMessage() for r in caplog.records if r.name == "motcua.health")
    assert "printer: ok -> paper_out" in story
    assert "scanner: ok -> jam" in story
    assert "-> absent (not connected)" in story.split("camera: ", 1)[1]
