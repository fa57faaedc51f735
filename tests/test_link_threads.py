"""The loop's thread publishes while paho's thread reads: over TLS the two must never use the socket at once.

paho writes a message at once from the thread that publishes when it runs no thread of its own (`loop_start`);
the kiosk runs `loop_forever` in its own thread (its reconnect schedule is its own), so every publish from the
loop wrote to the SSL socket while the network thread read from it. OpenSSL does not allow that: the stream broke
("decryption failed or bad record mac" in mosquitto's log, found by bench/sessions.py over TLS), the link fell and
reconnected mid-visit. Publishing now only queues, and the network thread writes."""

from __future__ import annotations

import threading

from firmware.link.mqtt import MqttLink, link_settings
from firmware.runtime.config import parse
from firmware.runtime.events import KioskEvent, LinkState, MqttMessage

from .conftest import wait_until
from .secure_stack import SecureStack

MESSAGES = 400


def test_the_loop_thread_never_writes_to_the_socket(secure: SecureStack) -> None:
    """What makes it safe: every byte goes out on the link's own thread, and a publish still leaves at once."""
    link = MqttLink(link_settings(parse(secure.kiosk_config("kiosk-a"))), lambda event: None)
    link.start()
    try:
        wait_until(lambda: link.state == "up")
        sock = link.client.socket()
        assert sock is not None
        senders: set[str] = set()
        send = sock.send

        def spy(data: bytes, *args: object) -> int:
            senders.add(threading.current_thread().name)
            return send(data, *args)

        sock.send = spy  # type: ignore[method-assign,assignment]
        infos = [link.client.publish(link.topic("evt/usage"), b"e" * 30000, qos=1) for _ in range(50)]
        for info in infos:
            info.wait_for_publish(5)  # acknowledged by the broker: woken at once, not after select's timeout
            assert info.is_published()
        assert senders == {"mqtt-link"}
    finally:
        link.stop()


def test_publishing_while_messages_arrive_keeps_the_tls_link(secure: SecureStack) -> None:
    events: list[KioskEvent] = []
    link = MqttLink(link_settings(parse(secure.kiosk_config("kiosk-a"))), events.append)
    link.start()
    try:
        wait_until(lambda: link.state == "up")
        gateway = secure.connect("gateway")
        assert gateway.connected and gateway.client is not None
        client = gateway.client
        acks = threading.Thread(target=lambda: [client.publish(link.topic("ack"), b"a" * 30000, qos=1)
                                                for _ in range(MESSAGES)])
        acks.start()
        sent = [link.publish("evt/usage", b"e" * 30000) for _ in range(MESSAGES)]  # from this (the loop's) thread
        acks.join()
        received = lambda: sum(isinstance(e, MqttMessage) for e in events)  # noqa: E731
        wait_until(lambda: received() >= MESSAGES or link.state != "up", seconds=60)
        assert [e for e in events if isinstance(e, LinkState) and e.state != "up"] == []
        assert link.connects == 1 and all(sent) and received() == MESSAGES
    finally:
        link.stop()
