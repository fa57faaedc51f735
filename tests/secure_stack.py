"""A province as `motcua ca` and `motcua broker-config` make it, for the security tests: a CA made in the test,
a real mosquitto running the configuration broker-config writes, the gateway with its certificate, and MQTT
clients that try what an attacker on the hall's network would."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware.common.tls import client_context
from province import broker_config
from province.broker import Broker, free_port
from province.pki import Authority

from .conftest import REPO, wait_until


@dataclass
class Attempt:
    """One MQTT client's try: connected or refused (and why), and what it received."""

    client: mqtt.Client | None
    reason: str
    received: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def connected(self) -> bool:
        return self.client is not None and self.reason == "Success"

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()


@dataclass
class SecureStack:
    directory: Path
    ca: Authority
    layout: broker_config.BrokerLayout
    broker: Broker
    opened: list[Attempt] = field(default_factory=list)

    def files(self, name: str) -> tuple[str, str]:
        issued = self.ca.directory / "issued"
        return str(issued / f"{name}.crt"), str(issued / f"{name}.key")

    def connect(self, name: str | None, client_id: str = "", port: int | None = None, ca_file: str = "",
                username: str | None = None, password: str | None = None, tls: bool = True) -> Attempt:
        """Connect as `name` (its certificate; None: none at all), or return why the broker would not have it."""
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id or (name or ""),
                             protocol=mqtt.MQTTv5)
        attempt = Attempt(client, "no answer")
        if tls:
            cert, key = self.files(name) if name else ("", "")
            client.tls_set_context(client_context(ca_file or str(self.ca.directory / "ca.crt"), cert, key))
        if username is not None:
            client.username_pw_set(username, password)
        answered = threading.Event()

        def on_connect(c: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
            attempt.reason = str(reason)
            answered.set()

        client.on_connect = on_connect
        client.on_message = lambda c, u, m: attempt.received.append((m.topic, bytes(m.payload)))
        client.on_disconnect = lambda *args: answered.set()
        try:
            client.connect("127.0.0.1", port or self.layout.port, keepalive=10)
        except Exception as exc:  # a TLS handshake the broker ends: refused before MQTT
            return Attempt(None, f"refused in TLS: {type(exc).__name__}")
        client.loop_start()
        answered.wait(5)
        self.opened.append(attempt)
        if not attempt.connected:
            attempt.close()
        return attempt

    def subscribe(self, attempt: Attempt, *topics: str) -> None:
        done = threading.Event()
        assert attempt.client is not None
        attempt.client.on_subscribe = lambda *args: done.set()
        attempt.client.subscribe([(topic, 1) for topic in topics])
        assert done.wait(5), "no SUBACK"

    def rewrite_and_restart(self) -> None:
        """After a revoke or a new identity: broker-config again, and mosquitto restarted on it."""
        self.broker.stop()
        self.ca = Authority.open(self.ca.directory)
        broker_config.write(self.ca, self.directory / "broker", self.layout)
        self.broker = Broker(self.directory / "broker", port=self.layout.port,
                             config_file=self.directory / "broker" / "mosquitto.conf").start()

    def gateway_config(self, store: Path) -> Path:
        cert, key = self.files("gateway")
        path = self.directory / "gateway.toml"
        path.write_text(f'[broker]\nhost = "127.0.0.1"\nport = {self.layout.port}\n'
                        f'ca_file = "{self.ca.directory}/ca.crt"\ncert_file = "{cert}"\nkey_file = "{key}"\n'
                        f'[gateway]\nstore = "{store}"\nunit_code = "000.00.20.H26"\nca = "{self.ca.directory}"\n'
                        f'[ops]\ncert_file = "{self.files("ops")[0]}"\nkey_file = "{self.files("ops")[1]}"\n',
                        encoding="utf-8")
        return path

    def kiosk_config(self, name: str) -> str:
        """The [mqtt] and [security] of a kiosk that already has its certificate."""
        cert, key = self.files(name)
        return (f'[kiosk]\nid = "{name}"\n[mqtt]\nenabled = true\nport = {self.layout.port}\n'
                f'ca_file = "{self.ca.directory}/ca.crt"\ncert_file = "{cert}"\nkey_file = "{key}"\n'
                f'backoff_max_s = 2\nack_timeout_s = 3\n[security]\nprovince_key = "{self.ca.seal_public()}"\n'
                f'operator_key = "{self.ca.operator_public()}"\n')


def make_stack(directory: Path) -> SecureStack:
    ca = Authority.init(directory / "ca", "hn")
    for name, role in (("gateway", "gateway"), ("ops", "ops"), ("kiosk-a", "kiosk"), ("kiosk-b", "kiosk")):
        ca.issue(name, role)
    layout = broker_config.BrokerLayout(free_port(), free_port(), "127.0.0.1", run_as_root=os.geteuid() == 0)
    conf = broker_config.write(ca, directory / "broker", layout)
    return SecureStack(directory, ca, layout, Broker(directory / "broker", port=layout.port, config_file=conf).start())


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[SecureStack]:
    stack = make_stack(tmp_path)
    yield stack
    for attempt in stack.opened:
        attempt.close()
    stack.broker.stop()


@pytest.fixture
def secure_gateway(secure: SecureStack, tmp_path: Path) -> Iterator[Path]:
    """The gateway as the province runs it: its certificate, the CA directory (enrolment, the seal key)."""
    config = secure.gateway_config(tmp_path / "province.db")
    process = subprocess.Popen([sys.executable, "-m", "firmware", "gateway", "--config", str(config)], cwd=REPO,
                               stderr=open(tmp_path / "gateway.log", "wb"))
    log = tmp_path / "gateway.log"
    wait_until(lambda: "gateway connected" in log.read_text(errors="replace") or process.poll() is not None, 30)
    assert process.poll() is None, log.read_text(errors="replace")
    yield config
    process.terminate()
    process.wait(timeout=10)
