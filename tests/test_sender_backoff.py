"""The kiosk's sender sends again only what is unacknowledged, each event on its own adaptive, doubling, jittered
clock, and soon after the broker says no gateway was subscribed (PUBACK reason 0x10), never all at once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from firmware.app.compose import App
from firmware.runtime.events import PublishFailed
from firmware.services.outbox import OutboxEvent
from province.broker import Broker

from .conftest import REPO, gateway_config, wait_until
from .test_link import kiosk, pump


def test_no_gateway_listening_is_a_quick_retry_with_backoff_then_the_ack(make_app: Callable[..., App],
                                                                         broker: Broker, tmp_path: Path) -> None:
    sim = kiosk(make_app, broker)
    sender = sim.app.sender
    assert sender is not None
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.app.outbox.commit([OutboxEvent("usage", {"outcome": "nothing"}, "2026-12-07T09:00:00+07:00", id="e1"),
                           OutboxEvent("usage", {"outcome": "nothing"}, "2026-12-07T09:00:01+07:00", id="e2")])
    wait_until(lambda: sender.unheard >= 2, step=pump(sim))  # the broker: nobody subscribed
    waits = []
    for _ in range(3):
        attempts = sender.attempts["e1"]

        def tried_again(before: int = attempts) -> bool:
            return sender.attempts["e1"] > before and sender.unheard >= 2 * (before + 1)
        wait_until(tried_again, step=pump(sim))
        waits.append(sender.due["e1"] - sender.in_flight["e1"])
    assert sender.resent >= 6 and sender.in_flight.keys() == {"e1", "e2"}
    assert waits[0] < 10, "a retry soon after 'no matching subscribers', not after the 30 s ack timeout"
    config = gateway_config(tmp_path, broker)
    gateway = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                               stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: sim.app.outbox.backlog() == 0, seconds=60, step=pump(sim))
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    assert not sender.in_flight and not sender.attempts and not sender.due


def test_the_timeout_adapts_to_the_gateway_doubles_and_is_capped(make_app: Callable[..., App],
                                                                 broker: Broker) -> None:
    sender = kiosk(make_app, broker).app.sender
    assert sender is not None and sender.ack_timeout_s == 3
    assert 0.75 * 3 <= sender.timeout(1) <= 3, "no round trip known yet: the configured timeout"
    sender.ack_timeout_s = 30
    sender.round_trip_ms = 100
    first = [sender.timeout(1) for _ in range(50)]
    assert 1.5 <= min(first) and max(first) <= 2.0 and len(set(first)) > 40, "a few round trips, jittered"
    assert 6 <= sender.timeout(3) <= 8 and sender.timeout(12) <= 30


def test_one_refused_event_goes_again_alone(make_app: Callable[..., App], broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    sender = sim.app.sender
    assert sender is not None
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    later = sender._now + 100
    sender.in_flight.update({"a": sender._now, "b": sender._now})
    sender.due.update({"a": later, "b": later})
    sender.attempts.update({"a": 1, "b": 1})
    sender.mids[41] = "a"
    sender.on_publish_failed(PublishFailed(999, "unspecified error"))  # not ours (a request's): nothing changes
    assert sender.due == {"a": later, "b": later}
    sender.on_publish_failed(PublishFailed(41, "quota exceeded"))
    assert sender.due["a"] <= sender._now + 1 and sender.due["b"] == later, "only the refused event goes again"
