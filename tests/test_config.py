from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firmware.runtime.config import ConfigError, load, parse

from .conftest import REPO


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(text, "site.toml")
    return str(caught.value)


def test_example_configs_load() -> None:
    sim = load(REPO / "config/sim.toml")
    pi = load(REPO / "config/pi.toml")
    assert sim.display.driver == "auto"
    assert pi.display.driver == "kmsdrm" and pi.display.rotate == 90
    assert sim.kiosk.commune_name == "Phường Ba Đình"


def test_unknown_key_names_file_line_and_key() -> None:
    message = error_of('[kiosk]\nid = "kiosk-01"\n\n[display]\nwidht = 800\n')
    assert message == (
        "site.toml line 5: [display] widht: unknown key; expected one of driver, width, height, rotate, "
        "window_scale, px_per_mm, active_fps, idle_fps"
    )


def test_unknown_section() -> None:
    message = error_of("[kiosk]\n[printr]\nbackend = 'sim'\n")
    assert message.startswith("site.toml line 2: unknown section [printr]; expected one of [kiosk], [display]")


def test_value_out_of_bounds() -> None:
    assert error_of("[display]\nwidth = 100\n") == (
        "site.toml line 2: [display] width = 100: expected a value from 320 to 4096"
    )


def test_wrong_type_and_choice_and_pattern() -> None:
    assert "expected a whole number" in error_of('[display]\nwidth = "800"\n')
    assert "expected one of 0, 90, 180, 270" in error_of("[display]\nrotate = 45\n")
    assert "[kiosk] id = 'Kiosk 1': expected 3 to 24 of a-z, 0-9 and '-'" in error_of('[kiosk]\nid = "Kiosk 1"\n')
    assert "expected true or false" not in error_of("[session]\ntimeout_s = true\n")
    assert "expected a number" in error_of("[session]\ntimeout_s = true\n")


def test_inconsistent_session_times() -> None:
    assert "warn_after_s (90) must be less than timeout_s (60)" in error_of(
        "[session]\nwarn_after_s = 90\ntimeout_s = 60\n")


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    assert error_of("[display\n").startswith("site.toml: not valid TOML:")
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load(tmp_path / "absent.toml")


def test_cli_stops_with_message_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "motcua.toml"
    bad.write_text("[display]\nfullscreen = true\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "firmware", "screens", "--out", str(tmp_path / "o"),
                             "--config", str(bad)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 2
    assert f"{bad} line 2: [display] fullscreen: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_submission_cutoff_must_be_a_time() -> None:
    assert "[submission] cutoff = '4pm': expected a time HH:MM" in error_of('[submission]\ncutoff = "4pm"\n')
    assert "expected one of 576, 384" in error_of("[submission]\nslip_width = 500\n")


STARTUP_FAULTS = {
    "calendar": ('[submission]\ncalendar = "{tmp}/no-such-calendar.toml"\n', "[submission] calendar:"),
    "outbox a directory": ('[outbox]\npath = "{tmp}"\n', "[outbox] path = "),
    "outbox under a file": ('[outbox]\npath = "{tmp}/a-file/outbox.db"\n', "[outbox] path = "),
    "ca_file": ('[mqtt]\nenabled = true\nport = 8883\nca_file = "{tmp}/no-ca.pem"\n', "[mqtt] ca_file"),
    "deep TOML": ("x = " + "[" * 2000 + "]" * 2000 + "\n", "nested too deeply"),
}


@pytest.mark.parametrize("fault", sorted(STARTUP_FAULTS))
def test_values_that_cannot_be_used_stop_start_up_with_exit_2(tmp_path: Path, fault: str) -> None:
    text, expected = STARTUP_FAULTS[fault]
    (tmp_path / "a-file").write_text("")
    config = tmp_path / "motcua.toml"
    config.write_text(text.replace("{tmp}", str(tmp_path)), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "firmware", "sim", "--script", str(REPO / "tests/scripts/"
                             "birth_form.yaml"), "--config", str(config)], capture_output=True, text=True, cwd=REPO,
                            timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_a_qr_module_that_cannot_be_opened_is_a_device_fault_not_a_dead_kiosk(tmp_path: Path) -> None:
    config = tmp_path / "motcua.toml"
    config.write_text(f'[qr]\nserial_url = "{tmp_path}/ttyACM9"\n[outbox]\npath = "{tmp_path}/o.db"\n',
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "firmware", "sim", "--script", str(REPO / "tests/scripts/"
                             "birth_form.yaml"), "--config", str(config)], capture_output=True, text=True, cwd=REPO,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "qr module: cannot open" in result.stderr
