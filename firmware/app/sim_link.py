"""The simulator's steps that reach past the kiosk to the run stack: `network: up|down` and `province: "ARGS"`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from firmware.app.compose import App


class Simulator(Protocol):  # firmware.app.sim.Simulator, which imports this module
    app: App
    failure: type[Exception]

    def wait_for(self, condition: Callable[[], bool], what: str) -> None: ...


def network(sim: Simulator, state: Any) -> None:
    """`network: down` cuts the kiosk's link to the broker, `up` restores it; waits for the link's event."""
    if state not in ("up", "down"):
        raise sim.failure(f"network takes up or down, got {state!r}")
    link = sim.app.link
    if link is None:
        raise sim.failure("network needs a broker: run with a config where [mqtt] enabled = true (make run)")
    if state == "down":
        link.cut()
    else:
        link.restore()
    sim.wait_for(lambda: sim.app.kiosk.health.get("network") == state, f"the link did not go {state}")


def province(sim: Simulator, args: Any) -> None:
    """`province: "ARGS"` runs `motcua gateway ARGS` against the same run stack ({code}: the last dossier's
    official code, or its receipt code while the province has not answered; {receipt}: its receipt code;
    {session}: the VNeID login session whose QR the kiosk showed last)."""
    if not isinstance(args, str) or not args.strip():
        raise sim.failure(f'province takes the gateway\'s arguments, e.g. "set-status {{code}} ready", got {args!r}')
    if sim.app.link is None:
        raise sim.failure("province needs the run stack's broker and gateway: run with [mqtt] enabled = true")
    config = Path(os.environ.get("MOTCUA_GATEWAY_CONFIG", "out/run/motcua.toml"))
    if not config.is_file():
        raise sim.failure(f"province: no gateway config at {config} (make run writes it; or set "
                    "MOTCUA_GATEWAY_CONFIG)")
    last = sim.app.kiosk.submissions.last
    record = last.record if last else {}
    values = {"{code}": str(record.get("official_code") or record.get("receipt_code") or ""),
              "{receipt}": str(record.get("receipt_code") or ""), "{session}": sim.app.kiosk.vneid.last_session}
    words = []
    for word in shlex.split(args):
        for name, value in values.items():
            word = word.replace(name, value)
        words.append(word)
    result = subprocess.run([sys.executable, "-m", "firmware", "gateway", *words, "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise sim.failure(f"motcua gateway {' '.join(words)} exited {result.returncode}: "
                    f"{result.stderr.strip()[:300]}")


def handlers(sim: Simulator) -> dict[str, Callable[[Any], None]]:
    return {"network": lambda state: network(sim, state), "province": lambda args: province(sim, args)}
