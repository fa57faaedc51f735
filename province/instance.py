"""The gateway's MQTT client id: stable across restarts, so its session (and the events the broker queues for it
while it reconnects or restarts) persists, and distinct between the gateway processes of one machine.

`[gateway] instance` (or `--instance`) names it; otherwise a process takes the lowest free slot on its machine,
held by a lock file for as long as it runs: the first gateway is always slot 1, the second slot 2, and a
restarted one takes its old slot back. On a TLS broker the certificate's name is the client id
(`use_username_as_clientid`): each gateway process then needs its own certificate.
"""

from __future__ import annotations

import fcntl
import re
import socket
import tempfile
from pathlib import Path
from typing import IO

MAX_SLOTS = 64


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:40] or "x"


def claim(group: str, instance: str = "", lock_dir: Path | None = None) -> tuple[str, IO[bytes] | None]:
    """(client id, the held lock file or None). Raises OSError when every slot is taken."""
    host = _safe(socket.gethostname())
    if instance:
        return f"gateway-{_safe(group)}-{host}-{_safe(instance)}", None
    folder = lock_dir or Path(tempfile.gettempdir()) / "motcua-gateway"
    folder.mkdir(parents=True, exist_ok=True)
    for slot in range(1, MAX_SLOTS + 1):
        handle = open(folder / f"{_safe(group)}-{slot}.lock", "ab")  # noqa: SIM115 - held while the process runs
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return f"gateway-{_safe(group)}-{host}-{slot}", handle
    raise OSError(f"{MAX_SLOTS} gateways of group {group!r} already run on this machine")
