"""The gateway's newer readers survive bad input: a `usage` event with a field of the wrong kind is quarantined
and acknowledged like any bad event, and a kiosk's status or availability that is not one is ignored, never
recorded for the report; the gateway's loop lives on and the next good message is taken."""

from __future__ import annotations

from province.broker import Broker
from province.gateway import Gateway
from tests.conftest import wait_until
from tests.test_gateway_poison import Probe, envelope, gateway  # noqa: F401 - gateway is the fixture

BAD_VISITS = {
    "duration a string": {"duration_s": "long"},
    "duration a day and more": {"duration_s": 10**6},
    "woken by a robot": {"woken_by": "robot"},
    "screens a string": {"screens": "home"},
    "a screen not a name": {"screens": ["../etc"]},
    "outcome unknown": {"outcome": "won"},
    "outcomes a map": {"outcomes": {"a": 1}},
    "started not a time": {"started": "this morning"},
    "staff_called a string": {"staff_called": "yes"},
}
BAD_STATUS = [b"", b"\xff\xfe", b"[1, 2]", b'{"state": 5}', b'{"state": "running", "outbox_backlog": "many"}',
              b'{"state": "running", "outbox_backlog": -1}', b"{" * 5000]
BAD_AVAILABILITY = [b"", b"maybe", b"\xff" * 100, b"online" * 1000]


def test_bad_visits_are_quarantined_and_bad_fleet_messages_ignored(gateway: Gateway, broker: Broker) -> None:
    probe = Probe(broker.port)
    try:
        for body in BAD_VISITS.values():
            probe.publish("evt/usage", envelope("usage", body))
        wait_until(lambda: gateway.counts["quarantined"] == len(BAD_VISITS), seconds=20)
        for payload in BAD_STATUS:
            probe.publish("status", payload)
        for payload in BAD_AVAILABILITY:
            probe.publish("availability", payload)
        probe.publish("availability", b"online")
        probe.publish("status", b'{"state": "running", "outbox_backlog": 4, "outbox_oldest_age_s": 9}')
        db = gateway.store.db
        wait_until(lambda: db.execute("SELECT COUNT(*) FROM backlog_samples").fetchone()[0] == 1, seconds=20)
        wait_until(lambda: len(probe.acks) == len(BAD_VISITS), seconds=20)
    finally:
        probe.close()
    assert db.execute("SELECT kiosk, backlog, oldest_age_s FROM backlog_samples").fetchall() == [("kiosk-x", 4, 9)]
    assert db.execute("SELECT kiosk, state FROM availability").fetchall() == [("kiosk-x", "online")]
    assert gateway.counts["errors"] == 0 and gateway.store.count("usage") == 0
    assert gateway.client._thread is not None and gateway.client._thread.is_alive()
