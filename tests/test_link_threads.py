"""Threads publish while paho's thread reads: over TLS the two must never use the socket at once.

paho writes a message at once from the thread that publishes when it runs no thread of its own (`loop_start`);
the kiosk ran `loop_forever` in a thread of its own (its reconnect schedule is its own), so every publish from the
loop wrote to the SSL socket while the network thread read from it. OpenSSL does not allow that: the stream broke
("decryption failed or bad record mac" in mosquitto's log, found by bench/sessions.py over TLS), the link fell and
reconnected mid-visit. The gateway did the same from its ingest and answers threads under `loop_forever` (it fell
every minute or so in that run). paho's own thread now serves each connection of both: publishing only queues,
and that thread writes."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from firmware.common.protocol import kiosk_topic
from firmware.link.mqtt import MqttLink, link_settings
from firmware.runtime.config import parse
from firmware.runtime.events import KioskEvent, LinkState, MqttMessage
from province.gateway import Gateway, load_gateway_config

from .conftest import wait_until
from .secure_stack import SecureStack

MESSAGES = 400


def writers(client: mqtt.Client, publish: Callable[[], list[mqtt.MQTTMessageInfo]]) -> set[str]:
    """The names of the threads that wrote to the client's socket while this thread published."""
    sock = client.socket()
    assert sock is not None
    senders: set[str] = set()
    send = sock.send

    def spy(data: bytes, *args: object) -> int:
        senders.add(threading.current_thread().name)
        return send(data, *args)

    sock.send = spy  # type: ignore[method-assign,assignment]
    for info in publish():
        info.wait_for_publish(5)  # acknowledged by the broker: woken at once, not after select's timeout
        assert info.is_published()
    return senders


@contextmanager
def kiosk_link(secure: SecureStack) -> Iterator[tuple[MqttLink, list[KioskEvent]]]:
    """A provisioned kiosk's link, up, and the events it posts."""
    events: list[KioskEvent] = []
    link = MqttLink(link_settings(parse(secure.kiosk_config("kiosk-a"))), events.append)
    link.start()
    try:
        wait_until(lambda: link.state == "up")
        yield link, events
    finally:
        link.stop()


def province_client(secure: SecureStack) -> mqtt.Client:
    """A client connected as the gateway, to publish to the kiosk as the province does."""
    gateway = secure.connect("gateway")
    assert gateway.connected and gateway.client is not None
    return gateway.client


def test_the_loop_thread_never_writes_to_the_socket(secure: SecureStack) -> None:
    """What makes it safe: every byte goes out on paho's own thread, and a publish still leaves at once."""
    with kiosk_link(secure) as (link, _events):
        senders = writers(link.client, lambda: [link.client.publish(link.topic("evt/usage"), b"e" * 30000, qos=1)
                                                for _ in range(50)])
        assert senders == {f"paho-mqtt-client-{link.settings.kiosk}"}


def test_the_gateway_s_workers_never_write_to_the_socket(secure: SecureStack, tmp_path: Path) -> None:
    """The ingest thread (acks) and the answers thread publish as this test's thread does here."""
    gateway = Gateway(load_gateway_config(secure.gateway_config(tmp_path / "province.db")))
    gateway.start()
    try:
        wait_until(gateway.ready.is_set)
        topic = kiosk_topic("hn", "kiosk-a", "ack")
        senders = writers(gateway.client, lambda: [gateway.client.publish(topic, b"a" * 30000, qos=1)
                                                   for _ in range(50)])
        assert senders == {f"paho-mqtt-client-{gateway.client_id}"}
    finally:
        gateway.stop()


def test_publishing_while_messages_arrive_keeps_the_tls_link(secure: SecureStack) -> None:
    with kiosk_link(secure) as (link, events):
        client = province_client(secure)
        acks = threading.Thread(target=lambda: [client.publish(link.topic("ack"), b"a" * 30000, qos=1)
                                                for _ in range(MESSAGES)])
        acks.start()
        sent = [link.publish("evt/usage", b"e" * 30000) for _ in range(MESSAGES)]  # from this (the loop's) thread
        acks.join()
        received = lambda: sum(isinstance(e, MqttMessage) for e in events)  # noqa: E731
        wait_until(lambda: received() >= MESSAGES or link.state != "up", seconds=60)
        assert [e for e in events if isinstance(e, LinkState) and e.state != "up"] == []
        assert link.connects == 1 and all(sent) and received() == MESSAGES


def explode(*_: object) -> None:
    raise RuntimeError("a callback's fault")


def test_a_network_thread_that_dies_is_a_link_down_and_then_a_new_connection(secure: SecureStack) -> None:
    with kiosk_link(secure) as (link, events):
        link.client.on_message = explode  # paho re-raises it out of its loop: its thread ends
        province_client(secure).publish(link.topic("ack"), b"a", qos=1).wait_for_publish(5)
        wait_until(lambda: any(isinstance(e, LinkState) and e.state == "down" for e in events))
        assert [e.reason for e in events if isinstance(e, LinkState) and e.state == "down"] == [
            "the network thread ended"]
        link.client.on_message = link._on_message
        wait_until(lambda: link.connects == 2 and link.state == "up", seconds=20)


def test_a_gateway_whose_network_thread_dies_exits_1(secure: SecureStack, tmp_path: Path) -> None:
    """Not a process that looks alive and answers nothing: systemd starts it again."""
    previous = signal.getsignal(signal.SIGTERM)
    gateway = Gateway(load_gateway_config(secure.gateway_config(tmp_path / "province.db")))
    gateway.client.on_subscribe = explode  # the first SUBACK ends paho's thread
    give_up = threading.Timer(30, lambda: os.kill(os.getpid(), signal.SIGTERM))  # a hang fails, not hangs
    give_up.start()
    try:
        with pytest.raises(SystemExit) as exited:
            gateway.run()
    finally:
        give_up.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert exited.value.code == 1
