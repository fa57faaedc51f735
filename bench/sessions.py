"""Whole birth registrations through the real loop and the real MQTT path, as a provisioned kiosk makes them
(broker-config's TLS broker, the kiosk's certificate, dossiers sealed to the province and unsealed by the
province's gateway, whose acks delete the outbox's rows; MOTCUA_BENCH_PLAIN=1: a loopback broker, unsealed):
slip rendering, bytes to the printer and per page, and resident memory after 1, 100 and 1000 sessions (it must
not grow); then, side by side, the kiosk's PSS and a Chromium kiosk page's (bench/chromium.py).

The kiosk runs in a process of its own (bench/kiosk_sessions.py), the broker and gateway in another
(bench/province_side.py), and this one imports neither's code: the kiosk's figures are what a kiosk imports (the
province's store alone pulled 40 MB of modules into the measured process), and its PSS is taken once the gateway
has stopped, as on a kiosk, where no gateway shares its libraries' pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import IO

from bench.chromium import peak_pss_mb
from bench.process import KIOSK_PYTHON

SESSIONS = int(os.environ.get("MOTCUA_BENCH_SESSIONS", "1000"))
KIOSK = "kiosk-bench-01"
PROVISIONED = os.environ.get("MOTCUA_BENCH_PLAIN") != "1"


def run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="motcua-sessions-") as tmp:
        province = subprocess.Popen([sys.executable, "-m", "bench.province_side", tmp, KIOSK,
                                     *([] if PROVISIONED else ["plain"])],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert province.stdin is not None and province.stdout is not None
        try:
            _line(province.stdout, "PORT ", "the broker and gateway did not start")
            config = os.path.join(tmp, "kiosk.toml")
            kiosk = subprocess.Popen([sys.executable, "-m", "bench.kiosk_sessions", config, str(SESSIONS)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **KIOSK_PYTHON})
            assert kiosk.stdin is not None and kiosk.stdout is not None
            try:
                _line(kiosk.stdout, "SESSIONS DONE", "the kiosk's sessions failed")
                province.stdin.close()  # the gateway and broker stop: the kiosk's memory is then its own
                province.wait(timeout=30)
                kiosk.stdin.write("measure\n")
                kiosk.stdin.close()
                figures = json.loads(_line(kiosk.stdout, "KIOSK ", "the kiosk was not measured"))
            finally:
                kiosk.kill()
                kiosk.wait()
        finally:
            if province.poll() is None:
                province.kill()
                province.wait()
    pss = float(figures[f"pss_mb_after_{SESSIONS}_sessions"])
    chromium_pss = peak_pss_mb()
    print(f"PSS after {SESSIONS} sessions: the kiosk {pss:.1f} MB, a Chromium page of its home screen "
          f"{chromium_pss:.1f} MB ({chromium_pss / pss:.1f}x)")
    return {**figures, "chromium_home_page_pss_mb": round(chromium_pss, 1),
            "chromium_over_kiosk_pss": round(chromium_pss / pss, 2)}


def _line(stream: IO[str], prefix: str, failure: str) -> str:
    """What follows `prefix` on the next line that starts with it; other lines are passed on."""
    for line in stream:
        if line.startswith(prefix):
            return line[len(prefix):].strip()
        print(line.rstrip())
    raise RuntimeError(failure)
