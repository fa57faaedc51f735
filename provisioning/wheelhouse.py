"""The kiosk's wheels: aarch64, for the Python of the image's Debian base, pinned where Debian's packages need it.

The venv on the kiosk sees Debian's packages (`--system-site-packages`: picamera2, simplejpeg and lgpio come from
apt). A wheel of another ABI would shadow what they were built against: numpy 2.x in a Bookworm venv makes
`import picamera2` fail with "numpy.dtype size changed". So the packages apt's modules are built against are
pinned to the version in that base's Debian release.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from provisioning.base_image import ProvisionError

PYTHON_OF = {"bookworm": "3.11", "trixie": "3.13"}
AARCH64 = ("manylinux_2_17_aarch64", "manylinux2014_aarch64", "manylinux_2_28_aarch64")
DEBIAN_PINS = {"bookworm": {"numpy": "1.24.2"}, "trixie": {"numpy": "2.2.4"}}  # python3-numpy in each release


def requirements(kind: str) -> list[str]:
    """motcua's own requirements (no extras), with the base's Debian pins in place of their ranges."""
    pins = DEBIAN_PINS[kind]
    wanted = []
    for requirement in metadata.requires("motcua") or []:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()
        wanted.append(f"{name}=={pins[name]}" if name in pins else requirement)
    return wanted


def _target(kind: str) -> list[str]:
    return ["--only-binary=:all:", "--python-version", PYTHON_OF[kind],
            *[arg for name in AARCH64 for arg in ("--platform", name)]]


def resolve(kind: str) -> dict[str, str]:
    """What the wheelhouse for this base would hold, {name: version}, from pip's dry run (needs the index)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                               "--target", scratch, "--report", str(report), *_target(kind), *requirements(kind)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise ProvisionError(f"the wheels for {kind} do not resolve: {done.stderr.strip()[-400:]}")
        installed = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in installed}


def build_wheelhouse(kind: str, folder: Path) -> None:
    """The firmware and its dependencies as aarch64 wheels for the image's Python (needs the package index)."""
    repo = Path(__file__).resolve().parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    for command in ([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), str(repo)],
                    [sys.executable, "-m", "pip", "download", "--quiet", *_target(kind), "-d", str(folder),
                     *requirements(kind)]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if done.returncode:
            raise ProvisionError(f"cannot build the wheelhouse ({' '.join(command[2:4])}): "
                                 f"{done.stderr.strip()[-400:]}; pass --wheelhouse DIR instead")


def wheels_in(wheelhouse: Path) -> list[Path]:
    wheels = sorted(wheelhouse.glob("*.whl"))
    if not wheels:
        raise ProvisionError(f"{wheelhouse}: no wheels in the wheelhouse")
    return wheels
