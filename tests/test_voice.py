"""Voice guidance: a real prompt for every screen and error (real speech, under 8 s), played without blocking
the loop through SDL's real mixer (dummy audio driver), the toggle on every screen, quiet hours, no personal data."""

from __future__ import annotations

import time
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.render.voice import PROMPT_DIR
from firmware.rules import prompts
from firmware.runtime.config import VoiceSection
from firmware.services.voice import Voice
from hw.speaker import MixerSpeaker, SimSpeaker
from screens import REGISTRY

from .conftest import steps
from .test_submission_flow import CARD

MAX_SECONDS = 8.0
SPEECH_RMS = 500  # 16-bit samples: silence and hiss stay far below


def read_wav(path: Path) -> tuple[np.ndarray, float]:
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        assert wav.getsampwidth() == 2
        return np.frombuffer(frames, dtype="<i2").astype(np.float64), wav.getnframes() / wav.getframerate()


def test_every_screen_has_a_prompt() -> None:
    assert set(prompts.SCREENS) == set(REGISTRY), "a screen without a spoken prompt (or a prompt without a screen)"


@pytest.mark.parametrize("key", sorted(prompts.all_prompts()))
def test_each_prompt_file_is_real_speech_under_8_s(key: str) -> None:
    path = PROMPT_DIR / f"{key}.wav"
    assert path.is_file(), f"{path} is missing: run `make voice` (needs espeak-ng)"
    samples, seconds = read_wav(path)
    assert 0.5 < seconds < MAX_SECONDS, f"{key}: {seconds:.1f} s"
    assert float(np.sqrt(np.mean(samples**2))) > SPEECH_RMS, f"{key}: silence, not speech"


def test_every_error_a_screen_can_speak_has_a_prompt() -> None:
    import ast

    repo = Path(__file__).resolve().parent.parent
    keys: set[str] = set()
    for source in [*(repo / "screens").rglob("*.py"), repo / "firmware/rules/validation.py"]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "speak" and node.args:
                if isinstance(node.args[0], ast.Constant):
                    keys.add(str(node.args[0].value))
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem" and len(node.args) == 2:
                if isinstance(node.args[1], ast.Constant):
                    keys.add(str(node.args[1].value))  # a form check's prompt
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                    isinstance(t, ast.Name) and t.id == "SPOKEN" for t in node.targets):  # state -> prompt
                keys |= {str(v.value) for v in node.value.values if isinstance(v, ast.Constant)}
            if isinstance(node, ast.keyword) and node.arg in ("speak", "notice_prompt", "prompt"):
                if isinstance(node.value, ast.Constant):
                    keys.add(str(node.value.value))
    keys |= {f"page_{p}" for p in ("blank", "dark")} | {f"scanner_{f}" for f in ("jam", "absent", "error")}
    assert keys == set(prompts.ERRORS), (sorted(keys - set(prompts.ERRORS)), sorted(set(prompts.ERRORS) - keys))


def test_no_prompt_holds_personal_data() -> None:
    for text in prompts.all_prompts().values():
        assert "{" not in text and not any(ch.isdigit() for ch in text), text


def test_the_loop_never_blocks_while_a_prompt_plays(app: App) -> None:
    speaker = MixerSpeaker()  # SDL's real mixer on the dummy audio driver
    path = PROMPT_DIR / "screen.home.wav"
    _samples, seconds = read_wav(path)
    started = time.monotonic()
    speaker.play(path, 0.3)
    returned = time.monotonic() - started
    assert returned < seconds / 10, f"play() took {returned:.2f} s of a {seconds:.1f} s prompt"
    frames = 0
    while speaker.busy() and frames < 10:
        app.loop.step([])
        frames += 1
    assert frames == 10, "the loop stepped only while the prompt was still playing"
    speaker.stop()
    assert not speaker.busy()


def test_screens_speak_their_prompt_and_errors_theirs(sim: Simulator) -> None:
    speaker = sim.app.devices.speaker
    assert isinstance(speaker, SimSpeaker)
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", "not a card")))
    said = [p.stem for p in speaker.played]
    assert said == ["screen.home", "screen.login", "error.card_not_cccd"], said
    to_documents_from_login(sim)
    sim.run(steps(("insert_document", "blank")))
    assert speaker.played[-1].stem == "error.page_blank"


def to_documents_from_login(sim: Simulator) -> None:
    sim.run(steps(("tap", "Quét lại"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"),
                  ("tap", "Tiếp tục")))
    assert sim.app.devices.speaker.played[-1].stem == "error.required"
    sim.run(steps(("type", "An"), ("tap", "Tiếp tục"), ("type", "0511"), ("tap", "Tiếp tục"), ("tap", "Nữ"),
                  ("tap", "Mẹ"), ("expect_screen", "documents")))


def test_the_toggle_is_on_every_screen_with_a_header_and_a_new_visit_starts_from_the_default(
        sim: Simulator) -> None:
    speaker = sim.app.devices.speaker
    sim.run(steps(("presence", True), ("tap", "Nghe hướng dẫn"), ("expect_text", "Nghe hướng dẫn: Tắt")))
    heard = len(speaker.played)
    sim.run(steps(("tap", "Trợ giúp"), ("expect_screen", "help"), ("tap", "Quay lại")))
    assert len(speaker.played) == heard, "voice was turned off"
    sim.run(steps(("tap", "Nghe hướng dẫn"), ("expect_text", "Nghe hướng dẫn: Bật"), ("tap", "Nghe hướng dẫn"),
                  ("tap", "Kết thúc"), ("expect_screen", "attract"), ("presence", False), ("presence", True),
                  ("expect_text", "Nghe hướng dẫn: Bật")))
    assert speaker.played[-1].stem == "screen.home"


def test_quiet_hours_and_a_province_recording_first(tmp_path: Path) -> None:
    now = {"t": datetime(2026, 11, 24, 22, 0)}
    (tmp_path / "screen.home.wav").write_bytes((PROMPT_DIR / "screen.help.wav").read_bytes())
    speaker = SimSpeaker()
    voice = Voice(speaker, VoiceSection(dir=str(tmp_path)), lambda: now["t"])
    assert voice.quiet() and not voice.say("screen.home")
    now["t"] = datetime(2026, 11, 24, 9, 0)
    assert voice.say("screen.home") and speaker.played[-1] == tmp_path / "screen.home.wav"
    assert voice.say("screen.login") and speaker.played[-1] == PROMPT_DIR / "screen.login.wav"
    assert not voice.say("screen.nowhere")  # logged once, never raised
    always = Voice(speaker, VoiceSection(quiet_from="00:00", quiet_until="00:00"), lambda: now["t"])
    assert not always.quiet()


def test_a_broken_speaker_is_logged_not_raised(tmp_path: Path) -> None:
    class Broken(SimSpeaker):
        def play(self, path: Path, volume: float) -> None:
            raise RuntimeError("ALSA: device busy")

    voice = Voice(Broken(), VoiceSection(quiet_from="00:00", quiet_until="00:00"), datetime.now)
    assert voice.say("screen.home") is False and voice.faults == 1
