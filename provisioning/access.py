"""How a technician gets in on site: SSH with public keys only, for the `technician` account first boot makes.

The site file names a file of public keys (`ssh_keys`, as in an `authorized_keys` file); first boot installs it
with password login off. A private key, a line that is not a public key, or an options prefix is refused here,
before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path

from provisioning.base_image import ProvisionError

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
             "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")
PUBLIC_KEY = re.compile(r"(?P<type>\S+) (?P<blob>AAAA[A-Za-z0-9+/]{16,}={0,3})( [ -~]{0,100})?")
MAX_KEYS = 20


def authorized_keys(path: Path, source: str, value: str) -> str:
    """The checked text of an authorized_keys file for the technician (raises ProvisionError)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{source}: ssh_keys = {value!r}: cannot read {path} ({exc})") from None
    if "PRIVATE KEY" in text:
        raise ProvisionError(f"{source}: ssh_keys = {value!r}: {path} holds a PRIVATE key; give the public one "
                             "(the .pub file) and keep the private key with the technician")
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PUBLIC_KEY.fullmatch(line)
        if not match or match["type"] not in KEY_TYPES:
            raise ProvisionError(f"{source}: ssh_keys = {value!r}: {path} line {number} is not an SSH public key "
                                 f"(expected `TYPE AAAA… comment`, TYPE one of {', '.join(KEY_TYPES[:5])}…)")
        keys.append(line)
    if not keys:
        raise ProvisionError(f"{source}: ssh_keys = {value!r}: {path} holds no public key")
    if len(keys) > MAX_KEYS:
        raise ProvisionError(f"{source}: ssh_keys = {value!r}: {len(keys)} keys, at most {MAX_KEYS}")
    return "\n".join(keys) + "\n"


PIN_ITERATIONS = 20_000  # as firmware/common/technician.py checks it (the kiosk's back-off is the protection)
WEAK_PINS = {"0000", "1111", "1234", "12345", "123456", "1234567", "12345678", "000000", "111111", "654321"}


def technician_pin_hash(pin: str, source: str) -> str:
    """The site's technician PIN as the kiosk config keeps it: salted PBKDF2, never the PIN itself."""
    if not re.fullmatch(r"\d{4,8}", pin):
        raise ProvisionError(f"{source}: technician_pin: expected 4 to 8 digits")
    if pin in WEAK_PINS or len(set(pin)) == 1:
        raise ProvisionError(f"{source}: technician_pin: too easy to guess; choose another for this kiosk")
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PIN_ITERATIONS)
    return f"pbkdf2-sha256${PIN_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
