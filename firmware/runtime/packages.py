"""Debian packages first boot could not install yet (no network then): `provisioning/firstboot` lists them in
`apt-pending` beside the outbox and tries again at every boot. Until then the parts they serve are off."""

from __future__ import annotations

from pathlib import Path

PENDING_FILE = "apt-pending"
# What each package of provisioning/apt.txt serves, so staff read a part's name, not a package's.
PACKAGE_USES = {
    "python3-picamera2": "the camera (ID-card QR codes)",
    "python3-lgpio": "the presence sensor, help button, tamper switch, LED and buzzer",
    "sane-utils": "the document scanner",
    "libzbar0": "the zbar QR decoder",
    "espeak-ng": "spoken prompts",
    "python3-venv": "reinstalling the firmware",
    "libusb-1.0-0": "the USB receipt printer",
    "overlayroot": "the read-only root",
    "pcscd": "the ID card reader (PC/SC)",
    "python3-pyscard": "the ID card reader (PC/SC)",
}


def pending_packages(data_dir: Path) -> list[str]:
    try:
        return (data_dir / PENDING_FILE).read_text().split()
    except OSError:
        return []


def what_waits(names: list[str]) -> str:
    return "; ".join(f"{name} ({PACKAGE_USES.get(name, 'see provisioning/apt.txt')})" for name in names)
