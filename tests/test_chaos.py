"""A shortened chaos loop over a real kiosk process, a real gateway process and a real mosquitto: kiosks and
gateways killed with SIGKILL at random points (seeded, so a failure can be replayed); at the end every event is
stored by the province exactly once and the kiosk's outbox is empty."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from province.broker import Broker
from province.store import Store

from .conftest import REPO, store_in
from .test_link import gateway_config, kiosk_config, start_gateway

EVENTS = 40
ROUNDS = 4


def run_kiosk(config: Path, add: int, kill_after: int) -> int:
    return subprocess.run([sys.executable, "-m", "tests.kiosk_proc", str(config), str(add), str(kill_after)],
                          cwd=REPO, capture_output=True, text=True, timeout=120).returncode


def test_kiosks_and_gateways_killed_at_random_lose_and_duplicate_nothing(broker: Broker, tmp_path: Path,
                                                                       store_location: str) -> None:
    chance = random.Random(13)
    kiosk = kiosk_config(tmp_path, broker)
    province = gateway_config(tmp_path, broker, store_location)
    gateway = start_gateway(province)
    try:
        for round_ in range(ROUNDS):
            code = run_kiosk(kiosk, EVENTS if round_ == 0 else 0, kill_after=chance.randint(1, 6))
            assert code in (-9, 0), f"round {round_}: the kiosk exited {code}"
            if chance.random() < 0.5:  # the province's side dies too, mid-stream, and comes back
                gateway.kill()
                gateway.wait(timeout=10)
                gateway = start_gateway(province)
        assert run_kiosk(kiosk, 0, kill_after=0) == 0, "the last kiosk did not empty its outbox"
    finally:
        gateway.kill()
        gateway.wait(timeout=10)
    store = Store(store_in(tmp_path), "x")
    try:
        assert store.count("usage") == EVENTS
    finally:
        store.close()
