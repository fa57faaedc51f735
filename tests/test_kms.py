"""On the kiosk's console (KMS/DRM): which card SDL is given, and what `doctor` says when the screen or the touch
panel cannot be used. A directory stands for /sys/class/drm, as sysfs lays it out on a Raspberry Pi 5."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.app.display import connected_card, unreadable_inputs
from firmware.app.doctor import kms_display
from firmware.rules import i18n


def sysfs(tmp_path: Path, connectors: dict[str, str]) -> Path:
    drm = tmp_path / "drm"
    (drm / "card0").mkdir(parents=True)  # v3d: a render-only card with no connectors
    for name, status in connectors.items():
        (drm / name).mkdir()
        (drm / name / "status").write_text(status + "\n")
    return drm



@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("vi")


def test_the_card_with_the_connected_display_is_chosen(tmp_path: Path) -> None:
    drm = sysfs(tmp_path, {"card1-HDMI-A-1": "disconnected", "card1-Writeback-1": "unknown",
                           "card2-DSI-1": "connected"})
    assert connected_card(drm) == (2, "DSI-1")
    assert connected_card(sysfs(tmp_path / "none", {"card1-HDMI-A-1": "disconnected"})) is None


def test_doctor_names_what_keeps_the_screen_dark_or_deaf(tmp_path: Path) -> None:
    dri = tmp_path / "dri"
    dri.mkdir()
    (dri / "card1").touch()
    assert kms_display(tmp_path, dri, None, []).detail.startswith("no connected display")
    missing = kms_display(tmp_path, dri, (2, "HDMI-A-1"), [])
    assert missing.result == "fail" and "card2" in missing.detail and "video and render" in missing.detail
    deaf = kms_display(tmp_path, dri, (1, "HDMI-A-1"), ["/dev/input/event0"])
    assert deaf.result == "fail" and "/dev/input/event0" in deaf.detail and "group input" in deaf.detail
    fine = kms_display(tmp_path, dri, (1, "HDMI-A-1"), [])
    assert (fine.result, fine.detail) == ("ok", f"kmsdrm on {dri}/card1 (HDMI-A-1 connected)")


def test_unreadable_input_devices_are_named(tmp_path: Path) -> None:
    (tmp_path / "event0").touch()
    (tmp_path / "mice").touch()
    assert unreadable_inputs(tmp_path) == []
    # a node that cannot be opened even by root (these tests may run as root, for whom modes do not count)
    (tmp_path / "event1").symlink_to(tmp_path / "gone")
    assert unreadable_inputs(tmp_path) == [str(tmp_path / "event1")]
