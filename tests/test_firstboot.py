"""First boot's later-boot duties: the Debian packages it could not install are tried again until they are in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

FIRSTBOOT = REPO / "provisioning" / "firstboot"


def fake_apt(folder: Path, exit_code: int) -> dict[str, str]:
    """An `apt-get` that records its arguments: the kiosk's real one cannot run against a test prefix."""
    folder.mkdir(exist_ok=True)
    script = folder / "apt-get"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/calls"\nexit {exit_code}\n')
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def retry(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root), "--packages"], capture_output=True,
                          text=True, env=env, timeout=60)


def test_pending_packages_are_retried_until_installed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    pending = root / "var/lib/motcua/apt-pending"
    pending.parent.mkdir(parents=True)
    pending.write_text("sane-utils\npython3-picamera2\n")

    offline = retry(root, fake_apt(tmp_path / "down", 100))
    assert offline.returncode == 1
    assert "not installed (no network?): tried again at next boot" in offline.stdout
    assert pending.read_text() == "sane-utils\npython3-picamera2\n", "nothing is forgotten"
    assert (tmp_path / "down" / "calls").read_text() == "update\n", "no install without package lists"

    online = retry(root, fake_apt(tmp_path / "up", 0))
    assert online.returncode == 0, online.stdout + online.stderr
    assert "Debian packages: 2 installed" in online.stdout
    assert (tmp_path / "up" / "calls").read_text() == (
        "update\ninstall -y --no-install-recommends sane-utils python3-picamera2\n")
    assert not pending.exists()

    again = retry(root, fake_apt(tmp_path / "up", 0))
    assert again.returncode == 0 and "nothing pending" in again.stdout


def test_the_retry_unit_runs_only_while_something_is_pending() -> None:
    unit = (REPO / "systemd" / "motcua-packages.service").read_text(encoding="utf-8")
    for line in ("ConditionPathExists=/var/lib/motcua/apt-pending", "After=network-online.target",
                 "ExecStart=/usr/bin/python3 /opt/motcua/firstboot --packages",
                 "ExecStartPost=-/bin/systemctl try-restart motcua.service"):
        assert line in unit
