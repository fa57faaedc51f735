"""Reconnects spread out: full jitter in fractional seconds, exponential to the cap, across a fleet of kiosks."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from firmware.app.compose import App
from firmware.link.mqtt import backoff_delay
from province.broker import free_port
from tests.conftest import wait_until


def retry_times(kiosk: int, attempts: int, low: float = 1.0, high: float = 120.0) -> list[float]:
    rng = random.Random(kiosk)
    moment, times = 0.0, []
    for attempt in range(attempts):
        moment += backoff_delay(attempt, low, high, rng)
        times.append(moment)
    return times


def test_twenty_kiosks_do_not_retry_in_the_same_second() -> None:
    fleet = [retry_times(kiosk, 12) for kiosk in range(20)]
    first = [times[0] for times in fleet]  # within the first second (backoff_min_s = 1), but not in step
    assert len({round(t, 2) for t in first}) >= 18 and statistics.pstdev(first) > 0.15
    for attempt in range(3, 12):  # once the ceiling passes a few seconds, no second holds a crowd
        seconds = Counter(int(times[attempt]) for times in fleet)
        assert max(seconds.values()) <= 6, f"attempt {attempt}: {seconds.most_common(3)}"
    # in a 60 s outage the retries of the fleet land in many different seconds
    within = sorted(t for times in fleet for t in times if t < 60)
    assert len({int(t) for t in within}) >= 25


def first_retry_after(outage_s: float, kiosk: int, low: float = 1.0, high: float = 120.0) -> float:
    """When a kiosk, down since 0 and pacing itself by how long it has been down, first tries after `outage_s`."""
    rng = random.Random(kiosk)
    moment, attempt = 0.0, 0
    while moment < outage_s:
        moment += backoff_delay(attempt, low, high, rng, down_for_s=moment)
        attempt += 1
    return moment


def test_after_a_short_outage_the_whole_fleet_is_back_soon_and_still_spread() -> None:
    back = [first_retry_after(10.0, kiosk) - 10.0 for kiosk in range(3321)]
    assert max(back) <= 5.0 + 1e-9  # half the outage at most; by attempts alone a tenth would wait 30 s and more
    assert max(Counter(int(t * 10) for t in back).values()) < 3321 / 10  # no tenth of a second holds a crowd
    long_outage = [first_retry_after(3600.0, kiosk) - 3600.0 for kiosk in range(200)]
    assert statistics.mean(long_outage) > 20  # an hour's outage: the pace slows to the cap, as before


def test_delays_are_fractional_exponential_and_capped() -> None:
    rng = random.Random(7)
    for attempt in range(40):
        ceiling = min(30.0, 1.0 * 2**attempt)
        samples = [backoff_delay(attempt, 1.0, 30.0, rng) for _ in range(400)]
        assert all(0.1 <= s <= ceiling for s in samples)
        assert statistics.mean(samples) > ceiling * 0.35 or ceiling < 1
    assert len({round(backoff_delay(3, 1.0, 30.0, rng), 3) for _ in range(100)}) > 90  # not whole seconds


def test_a_kiosk_whose_broker_is_gone_keeps_retrying_on_its_own_schedule(make_app: Callable[..., App],
                                                                        tmp_path: Path) -> None:
    app = make_app(f"[mqtt]\nenabled = true\nport = {free_port()}\nbackoff_min_s = 1\nbackoff_max_s = 4\n")
    link = app.link
    assert link is not None
    wait_until(lambda: len(link.delays) >= 3, seconds=20)
    assert link.state == "down" and link.delays[0] <= 1.0 and all(d <= 4.0 for d in link.delays)
    assert app.status(0)["link"]["next_retry_s"] == link.delays[-1]
