"""The MQTT link to the provincial broker (paho-mqtt 2.x, MQTT v5, persistent session).

The link's network thread (paho's loop, run by `_run`) only posts events to the loop: link up/down, messages,
failed PUBACKs. Retained `availability` is `online` on connect and `offline` on a clean stop and as the Will, so
offline-while-running means a crash. The reconnect schedule is ours: exponential with full jitter in fractional
seconds (a province-wide power cut must not bring every kiosk back in lockstep), reset by a successful connect; a
refused authentication keeps retrying at the slowest pace and says `refused` in `status`.
"""

from __future__ import annotations

import logging
import random
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.mqtt_thread import start_network_thread
from firmware.common.protocol import kiosk_topic, unpack
from firmware.common.tls import TlsError, client_context, load_certificate
from firmware.link import identity
from firmware.runtime.config import Config, ConfigError
from firmware.runtime.events import KioskEvent, LinkState, MqttMessage, PublishFailed

log = logging.getLogger("motcua.link")
NO_SUBSCRIBERS = "no matching subscribers"  # PublishFailed's reason for a PUBACK of MQTT v5 reason 0x10
AUTH_REFUSED = (0x86, 0x87, 0x8C)  # bad user name or password, not authorized, bad authentication method
SESSION_EXPIRY_S = 7 * 24 * 3600
RENEWAL = b"renew:"  # correlation data of the link's own certificate renewal


@dataclass(frozen=True)
class LinkSettings:
    host: str
    port: int
    province: str
    kiosk: str
    keepalive: int = 30
    backoff_min_s: float = 1.0
    backoff_max_s: float = 120.0
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    token_file: str = ""
    enrol_port: int = 0
    renew_days: int = 30


def link_settings(config: Config) -> LinkSettings:
    settings = config.mqtt
    return LinkSettings(settings.host, settings.port, config.kiosk.province_code, config.kiosk.id,
                        backoff_min_s=settings.backoff_min_s, backoff_max_s=settings.backoff_max_s,
                        username=settings.username, password=settings.password, ca_file=settings.ca_file,
                        cert_file=settings.cert_file, key_file=settings.key_file, token_file=settings.token_file,
                        enrol_port=settings.enrol_port, renew_days=settings.renew_days)


def backoff_delay(attempt: int, low: float, high: float, rng: random.Random, down_for_s: float | None = None) -> float:
    """Full jitter (fractional seconds): uniform in [0, min(high, low * 2^attempt)], never under a tenth of `low`.
    A province-wide outage must not bring every kiosk back in the same second. Given how long the link has been
    down, the ceiling is also at most half of that (never under `low`): after a 10 s broker restart every kiosk is
    back within about 5 s, where the attempt count alone would let a tenth of them wait 30 s or more."""
    ceiling = min(high, low * 2 ** min(attempt, 30))
    if down_for_s is not None:
        ceiling = min(ceiling, max(low, down_for_s / 2))
    return max(low / 10, rng.uniform(0, ceiling))


def tls_context(settings: LinkSettings) -> ssl.SSLContext | None:
    """The province's CA, and the kiosk's certificate once it has one (enrolment writes it later)."""
    if not settings.ca_file:
        return None
    try:
        have_cert = bool(settings.cert_file) and Path(settings.cert_file).exists()
        return client_context(settings.ca_file, settings.cert_file if have_cert else "", settings.key_file)
    except TlsError as exc:
        raise ConfigError(f"[mqtt] ca_file / cert_file / key_file: {exc}; give the province's CA certificate (PEM) "
                          "and this kiosk's certificate and key, or leave ca_file empty for no TLS") from None


def make_client(settings: LinkSettings, client_id: str, reconnect_on_failure: bool = True,
                tls: ssl.SSLContext | None = None) -> mqtt.Client:
    """A paho MQTT v5 client with the kiosk's credentials and TLS settings."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                         reconnect_on_failure=reconnect_on_failure)
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    tls = tls or tls_context(settings)
    if tls is not None:
        client.tls_set_context(tls)
    return client


def probe_broker(settings: LinkSettings, client_id: str, timeout_s: float = 10.0) -> tuple[bool, str]:
    """Connect once and disconnect: (True, "connected") or (False, why not). For `doctor`."""
    answered = threading.Event()
    reply: list[str] = []
    try:
        client = make_client(settings, client_id)
    except ConfigError as exc:
        return False, str(exc)

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        reply.append(str(reason))
        answered.set()

    client.on_connect = on_connect
    try:
        client.connect(settings.host, settings.port, keepalive=10)
    except (OSError, ValueError) as exc:
        return False, f"cannot connect ({exc})"
    client.loop_start()
    try:
        if not answered.wait(timeout_s):
            return False, f"no answer to CONNECT in {timeout_s:g} s"
    finally:
        client.disconnect()
        client.loop_stop()
    if reply[0] != "Success":
        return False, f"refused ({reply[0]})"
    return True, "connected"


def probe_tls(settings: LinkSettings, timeout_s: float = 5.0) -> tuple[bool, str]:
    """A TLS handshake with the kiosk's certificate and no MQTT session (for `doctor` beside a running kiosk)."""
    try:
        context = tls_context(settings)
        if context is None or not Path(settings.cert_file).exists():
            return False, f"no certificate at {settings.cert_file} yet (the kiosk enrols with its token)"
        with socket.create_connection((settings.host, settings.port), timeout=timeout_s) as raw:
            with context.wrap_socket(raw, server_hostname=settings.host) as tls:
                tls.settimeout(1.0)
                try:
                    tls.recv(1)  # TLS 1.3 says a refused certificate after the handshake, in an alert
                except TimeoutError:
                    return True, f"TLS ok, certificate accepted ({tls.version()})"
                return False, "the broker closed the connection after the handshake"
    except ssl.SSLError as exc:
        return False, f"TLS refused: {exc.reason or exc}"
    except (OSError, ConfigError) as exc:
        return False, f"cannot connect ({exc})"


class MqttLink:
    def __init__(self, settings: LinkSettings, post: Callable[[KioskEvent], None],
                 subscriptions: tuple[str, ...] = ("ack", "res", "cmd"),
                 other_topics: tuple[str, ...] = ("homeassistant/status",)) -> None:
        self.settings = settings
        self._post = post
        self.state = "down"
        self.goodbye = '{"state": "stopped"}'  # the retained status of a clean stop (telemetry adds the last states)
        self.refused: str | None = None
        self.connects = 0
        self.failed_publishes = 0
        self._attempt = 0
        self._down_since = time.monotonic()  # when the current run of failed attempts began
        self._rng = random.Random()
        self.delays: list[float] = []  # the waits before each reconnect so far (the last 50), for status and tests
        self._stop = threading.Event()
        self._wake = threading.Event()  # cuts a reconnect wait short (stop, restore)
        self._cut = threading.Event()  # the network is cut on purpose (`motcua sim`'s `network: down`)
        self._thread = threading.Thread(target=self._run, name="mqtt-link", daemon=True)
        self._leaves = subscriptions
        self._other_topics = other_topics
        # The reconnect schedule is ours (`_run`): paho's own waits are whole seconds and without jitter.
        self.tls = tls_context(settings)
        self._cert_loaded = bool(settings.cert_file) and Path(settings.cert_file).exists()
        self.client = make_client(settings, settings.kiosk, reconnect_on_failure=False, tls=self.tls)
        self.client.will_set(self.topic("availability"), "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish

    def topic(self, leaf: str) -> str:
        return kiosk_topic(self.settings.province, self.settings.kiosk, leaf)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background: a broker that is down at boot is not an error, only a wait."""
        self._thread.start()

    def _run(self) -> None:
        """The network thread: connect, serve until the connection ends, wait (full jitter), connect again."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        while not self._stop.is_set():
            if self._cut.is_set():
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            if not self._identity_ready():
                self._wake.wait(self._next_delay())
                self._wake.clear()
                continue
            try:
                self.client.connect(self.settings.host, self.settings.port, self.settings.keepalive,
                                    clean_start=False, properties=properties)
                self._serve()
            except Exception as exc:  # refused TCP, DNS, TLS: a wait, then another try
                if self._attempt == 0 or self._attempt % 10 == 0:
                    log.warning("cannot reach the broker at %s:%s (%s); retrying", self.settings.host,
                                self.settings.port, exc)
            if self._stop.is_set():
                break
            self._wake.wait(self._next_delay())
            self._wake.clear()

    def _serve(self) -> None:
        """paho's own network thread serves the connection until it ends (reconnect_on_failure=False), and this
        thread waits for it (firmware/common/mqtt_thread.py: why paho's)."""
        thread = start_network_thread(self.client)
        if thread is not None:
            thread.join()
        if self.state == "up":  # it ended without a disconnect: an exception in paho's thread (printed above)
            self._on_disconnect(self.client, None, None, "the network thread ended", None)

    def _identity_ready(self) -> bool:
        """With TLS: a certificate to offer, enrolling with the one-time token first when there is none yet."""
        settings = self.settings
        if self.tls is None or not settings.cert_file or self._cert_loaded:
            return True
        try:
            cert = Path(settings.cert_file)
            if not cert.exists():
                if not (settings.token_file and settings.enrol_port and Path(settings.token_file).exists()):
                    raise identity.EnrolError(f"no certificate ({cert}) and no enrolment token ([mqtt] token_file)")
                key = identity.ensure_key(Path(settings.key_file))
                token = Path(settings.token_file).read_text(encoding="utf-8").strip()
                identity.enrol(settings.host, settings.enrol_port, settings.province, settings.kiosk,
                               settings.ca_file, token, key, cert)
                Path(settings.token_file).unlink(missing_ok=True)  # spent: nothing to steal any more
                log.info("enrolled with the province: the token is spent and deleted")
            load_certificate(self.tls, settings.cert_file, settings.key_file)
        except Exception as exc:  # the link thread survives anything a bad key, token or answer raises
            if self.refused != f"enrolment: {exc}":
                log.error("cannot connect without a certificate: %s", exc)
            self.refused = f"enrolment: {exc}"
            return False
        self._cert_loaded = True
        self.refused = None
        return True

    def _ask_renewal(self, client: mqtt.Client) -> None:
        """A certificate close to its expiry: ask the gateway for a new one for the same key."""
        settings = self.settings
        if self.tls is None or not settings.cert_file or not identity.renewal_due(Path(settings.cert_file),
                                                                                 settings.renew_days):
            return
        try:
            csr = identity.csr_for(identity.ensure_key(Path(settings.key_file)), settings.kiosk)
        except Exception as exc:  # paho's thread (on_connect): a bad key file is a log line, not a dead link
            log.error("cannot renew the certificate: %s", exc)
            return
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = self.topic("res")
        properties.CorrelationData = RENEWAL + secrets.token_bytes(8)
        client.publish(self.topic("req/renew"), msgpack.packb({"csr": csr}, use_bin_type=True), qos=1,
                       properties=properties)
        log.info("certificate expires within %d days: asked the province for a new one", settings.renew_days)

    def _renewed(self, payload: bytes) -> None:
        try:
            identity.store_certificate(Path(self.settings.cert_file), unpack(payload), self.settings.kiosk)
            load_certificate(self.tls, self.settings.cert_file, self.settings.key_file) if self.tls else None
        except Exception as exc:  # paho's thread: nothing from one bad answer may leave it
            log.error("certificate renewal failed: %s", exc)

    def _next_delay(self) -> float:
        low, high = self.settings.backoff_min_s, self.settings.backoff_max_s
        if self.state == "refused":  # a broker's auth outage may be brief: keep trying, at the slowest pace
            delay = self._rng.uniform(high / 2, high)
        else:
            if self._attempt == 0:
                self._down_since = time.monotonic()
            delay = backoff_delay(self._attempt, low, high, self._rng, time.monotonic() - self._down_since)
            self._attempt += 1
        self.delays.append(round(delay, 3))
        del self.delays[:-50]
        return delay

    def stop(self) -> None:
        """Clean stop: availability `offline` and status `stopped` (retained), then disconnect."""
        if self.state == "up":
            try:
                self.client.publish(self.topic("status"), self.goodbye, qos=1, retain=True)
                self.client.publish(self.topic("availability"), "offline", qos=1, retain=True).wait_for_publish(2)
            except (RuntimeError, ValueError) as exc:  # the link dropped meanwhile: the broker's will says offline
                log.warning("could not say goodbye to the broker: %s", exc)
        self._stop.set()
        self._wake.set()
        self.client.disconnect()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def cut(self) -> None:
        """Drop the connection and stay off until `restore` (the simulator's `network: down`)."""
        self._cut.set()
        self.client.disconnect()

    def restore(self) -> None:
        self._cut.clear()
        self._attempt = 0
        self._wake.set()

    def publish(self, leaf: str, payload: bytes | str, qos: int = 1, retain: bool = False,
                properties: Properties | None = None) -> int:
        """Queue a message on one of this kiosk's topics; returns paho's message id (0 when the link is down)."""
        return self.publish_to(self.topic(leaf), payload, qos, retain, properties)

    def publish_to(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False,
                   properties: Properties | None = None) -> int:
        """Queue a message on any topic (Home Assistant discovery); 0 when the link is down."""
        if self.state != "up":
            return 0
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        return info.mid if info.rc == mqtt.MQTT_ERR_SUCCESS else 0

    def leaf_of(self, topic: str) -> str:
        """`ack` for this kiosk's `.../ack`; any other topic as it is."""
        prefix = self.topic("")
        return topic[len(prefix):] if topic.startswith(prefix) else topic

    # -- paho's thread: post and return ---------------------------------------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        code = reason.value if hasattr(reason, "value") else int(reason)
        if code in AUTH_REFUSED:
            self.refused = str(reason)
            if self.state != "refused":
                log.error("broker refused the kiosk (%s): retrying every %g s or so", reason,
                          self.settings.backoff_max_s)
                self._post(LinkState("refused", str(reason)))
            self.state = "refused"
            client.disconnect()
            return
        if code != 0:
            log.warning("connect failed: %s", reason)
            return
        self.connects += 1
        self._attempt = 0
        self.refused = None
        for leaf in self._leaves:  # subscriptions are ours: renewed on every connect
            client.subscribe(self.topic(leaf), qos=1)
        for topic in self._other_topics:
            client.subscribe(topic, qos=1)
        client.publish(self.topic("availability"), "online", qos=1, retain=True)
        self._ask_renewal(client)
        self.state = "up"
        log.info("connected to %s:%s", self.settings.host, self.settings.port)
        self._post(LinkState("up", f"connected to {self.settings.host}:{self.settings.port}"))

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if self.state != "up":
            return
        self.state = "down"
        log.warning("lost the broker (%s); reconnecting with backoff", reason)
        self._post(LinkState("down", str(reason)))

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        correlation = getattr(message.properties, "CorrelationData", None) if message.properties else None
        if correlation and bytes(correlation).startswith(RENEWAL) and message.topic == self.topic("res"):
            self._renewed(bytes(message.payload))  # the link's own business: the loop never sees it
            return
        self._post(MqttMessage(message.topic, bytes(message.payload), self.leaf_of(message.topic), correlation))

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        code = reason.value if hasattr(reason, "value") else int(reason)
        if code == 0x10:  # "No matching subscribers": accepted, but no gateway was there to hear it
            self._post(PublishFailed(mid, NO_SUBSCRIBERS))
        elif code >= 0x80:
            self.failed_publishes += 1
            log.warning("broker refused message %s: %s; it will be sent again", mid, reason)
            self._post(PublishFailed(mid, str(reason)))

    def status(self, now: float) -> dict[str, Any]:
        return {"state": self.state, "connects": self.connects, "refused": self.refused,
                "next_retry_s": self.delays[-1] if self.delays and self.state != "up" else None,
                "failed_publishes": self.failed_publishes, "broker": f"{self.settings.host}:{self.settings.port}"}
