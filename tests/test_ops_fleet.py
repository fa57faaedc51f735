"""`motcua ops` with only [broker]: last seen by the kiosk's own clock (+07:00), what needs attention, the status a
clean stop leaves with the last known states, and `ops forget` emptying a decommissioned kiosk's retained topics."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware.app.compose import App
from firmware.common import discovery
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .secure_stack import SecureStack
from .test_link import kiosk, pump


def ops(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "ops", *args, "--config", str(config)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def retained(broker: Broker, pattern: str) -> dict[str, bytes]:
    seen: dict[str, bytes] = {}
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: seen.__setitem__(m.topic, bytes(m.payload))
    done: list[bool] = []
    client.on_subscribe = lambda *a: done.append(True)
    client.connect("127.0.0.1", broker.port)
    client.subscribe(pattern)
    client.loop_start()
    wait_until(lambda: bool(done))
    client.publish("motcua-test/marker", b"x", qos=1).wait_for_publish(5)  # retained messages come first
    client.subscribe("motcua-test/marker")
    wait_until(lambda: len(done) == 2)
    client.loop_stop()
    client.disconnect()
    return {topic: payload for topic, payload in seen.items() if payload}


def test_the_fleet_with_only_a_broker_section(make_app: Callable[..., App], broker: Broker, tmp_path: Path) -> None:
    config = tmp_path / "ops.toml"
    config.write_text(f"[broker]\nport = {broker.port}\n", encoding="utf-8")
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.telemetry is not None and sim.app.telemetry.published > 0, step=pump(sim))
    sim.run(steps(("printer", "paper_out")))
    telemetry = sim.app.telemetry
    assert telemetry is not None
    before = telemetry.published
    wait_until(lambda: telemetry.published > before, step=pump(sim))
    result = ops(config, "--once", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["state"] == "online" and row["last_seen"].endswith("+07:00")
    assert row["attention"] == ["printer paper_out"] and row["tamper"] is False
    table = ops(config, "--once").stdout
    assert "printer paper_out" in table.splitlines()[1]
    topics = retained(broker, "homeassistant/#")
    assert set(discovery.topics("kiosk-sim-01")) <= set(topics)
    area = json.loads(topics["homeassistant/sensor/kiosk-sim-01/printer/config"])["device"]
    assert area["suggested_area"] == sim.app.config.kiosk.commune_name
    sim.app.close()  # a clean stop: the last known states stay in the retained status
    stopped = json.loads(retained(broker, "motcua/v1/+/kiosk-sim-01/status")["motcua/v1/hn/kiosk-sim-01/status"])
    assert stopped["state"] == "stopped" and stopped["printer"] == "paper_out" and stopped["at"].endswith("+07:00")
    forgotten = ops(config, "forget", "kiosk-sim-01")
    assert forgotten.returncode == 0 and "retained topics emptied" in forgotten.stdout, forgotten.stderr
    assert retained(broker, "homeassistant/#") == {}
    assert retained(broker, "motcua/v1/#") == {}
    assert ops(config, "forget").returncode == 2


def test_ops_forget_over_tls_under_the_broker_s_acl(secure: SecureStack, tmp_path: Path) -> None:
    kiosk_b = secure.connect("kiosk-b")
    assert kiosk_b.client
    for topic, payload in (("motcua/v1/hn/kiosk-b/status", b'{"state": "stopped"}'),
                           ("motcua/v1/hn/kiosk-b/availability", b"offline"),
                           (discovery.topics("kiosk-b")[0], b'{"name": "x"}')):
        kiosk_b.client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    config = secure.gateway_config(tmp_path / "province.db")
    forgotten = ops(config, "forget", "kiosk-b")
    assert forgotten.returncode == 0, forgotten.stderr
    watcher = secure.connect("ops")
    secure.subscribe(watcher, "motcua/v1/hn/+/status", "motcua/v1/hn/+/availability", "homeassistant/#")
    assert watcher.client
    watcher.client.publish("homeassistant/status", b"online", qos=1).wait_for_publish(5)  # after the retained ones
    wait_until(lambda: any(t == "homeassistant/status" for t, _ in watcher.received), 10)
    assert [t for t, p in watcher.received if p and t != "homeassistant/status"] == [], watcher.received
