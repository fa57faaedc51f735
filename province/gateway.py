"""The reference provincial gateway: consumes kiosk events through a shared subscription, stores them once,
gives dossiers their official code, and acknowledges. Two or more processes in one group split the load, on one
machine (a SQLite store) or several (PostgreSQL).

paho's network thread only hands messages on: events to the ingest (province/ingest.py: schema check, batched
commits, acks after each commit), requests to the answers (province/answers.py: their own thread and store
connection). The session is persistent under a stable client id (province/instance.py), so events published
while the gateway reconnects wait for it at the broker.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common import catalog_message
from firmware.common.catalog import Catalog, CatalogError, default_catalog_text, parse_catalog
from firmware.common.due_date import WorkCalendar, load_calendar
from firmware.common.mqtt_thread import start_network_thread
from firmware.common.protocol import ROOT, gateway_subscription
from firmware.common.tls import TlsError, client_context
from province import db as store_db
from province import enrolment, instance, pki, unseal, vneid
from province.answers import Answers
from province.ingest import Ingest
from province.store import Store

log = logging.getLogger("motcua.gateway")
RUN_CONFIG = Path("out/run/motcua.toml")
RECONNECT_MAX_S = 2  # back within 2 s of the broker: meanwhile the kiosks' events wait in this gateway's session
SESSION_EXPIRY_S = 120  # a restart finds its queued events; a gateway gone for good holds none for long
SESSION_TAKEN_OVER = 0x8E


class Terminated(BaseException):
    """Raised by the SIGTERM handler to end the main thread's wait (a BaseException, as KeyboardInterrupt is:
    nothing on the way may take it for an error of its own)."""


def _terminate(*_: object) -> None:
    raise Terminated


class GatewayConfigError(Exception):
    pass


@dataclass(frozen=True)
class GatewayConfig:
    host: str
    port: int
    store: str
    unit_code: str
    group: str = "gateway"
    province: str = "hn"
    catalog: str = ""   # JSON catalog to publish (retained); empty: the one shipped with the firmware
    calendar: str = ""  # the province's calendar TOML (days_off, working_days)
    login_ttl_s: int = vneid.DEFAULT_TTL_S  # how long a VNeID login QR stays valid
    # TLS ([broker] ca_file, cert_file, key_file): the province's CA and this gateway's certificate.
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    ca: str = ""  # the province's CA directory: enrolment, renewal, and the key dossiers are sealed to
    ops_cert_file: str = ""  # `motcua ops`' own identity ([ops] cert_file, key_file)
    ops_key_file: str = ""
    instance: str = ""  # names this process's MQTT session; empty: the lowest free slot on this machine


def load_gateway_config(path: str | Path | None, need_store: bool = True) -> GatewayConfig:
    """From a TOML file with [broker] host, port and [gateway] store, unit_code, group (the run file by default);
    `motcua ops` needs only [broker] (`need_store=False`)."""
    path = Path(path) if path else RUN_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        hint = " (start the demo with `make run`, or pass --config)" if path == RUN_CONFIG else ""
        raise GatewayConfigError(f"{path}: cannot read the configuration{hint}") from None
    except tomllib.TOMLDecodeError as exc:
        raise GatewayConfigError(f"{path}: not valid TOML: {exc}") from None
    broker, gateway, ops = raw.get("broker", {}), raw.get("gateway", {}), raw.get("ops", {})
    try:
        return GatewayConfig(str(broker.get("host", "127.0.0.1")), int(broker["port"]),
                             str(gateway["store"] if need_store else gateway.get("store", "")),
                             str(gateway.get("unit_code", "000.00.00.H00")), str(gateway.get("group", "gateway")),
                             str(gateway.get("province", "hn")), str(gateway.get("catalog", "")),
                             str(gateway.get("calendar", "")), _ttl(gateway.get("login_ttl_s", vneid.DEFAULT_TTL_S)),
                             str(broker.get("ca_file", "")), str(broker.get("cert_file", "")),
                             str(broker.get("key_file", "")), str(gateway.get("ca", "")),
                             str(ops.get("cert_file", "")), str(ops.get("key_file", "")),
                             str(gateway.get("instance", "")))
    except (KeyError, ValueError, TypeError) as exc:
        wanted = "[broker] port and [gateway] store" if need_store else "[broker] port"
        raise GatewayConfigError(f"{path}: missing or bad key {exc}; expected {wanted}") from None


def _ttl(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 30 <= value <= 900:
        raise ValueError("login_ttl_s (a whole number of seconds from 30 to 900)")
    return value


def read_catalog(config: GatewayConfig) -> tuple[Catalog, tuple[bytes, list[bytes]]]:
    """The province's catalog, and its message (index, parts) as published: read, checked and packed once
    (raises GatewayConfigError when it cannot be read, is not valid or does not fit the protocol)."""
    try:
        text = Path(config.catalog).read_text(encoding="utf-8") if config.catalog else default_catalog_text()
        return parse_catalog(text, config.catalog or "<catalog>"), catalog_message.pack(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise GatewayConfigError(f"{config.catalog}: cannot read the catalog: {exc}") from None
    except (CatalogError, catalog_message.CatalogMessageError) as exc:
        raise GatewayConfigError(f"{config.catalog or '<catalog>'}: {exc}") from None


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        calendar = load_calendar(config.calendar) if config.calendar else WorkCalendar()
        catalog, self.catalog_message = read_catalog(config)
        try:
            self.store = Store(config.store, config.unit_code, calendar, catalog)  # the ingest's connection
            answering = Store(config.store, config.unit_code, calendar, catalog)  # the answers' own
        except store_db.ERRORS as exc:
            raise GatewayConfigError(f"[gateway] store {config.store!r}: {exc}") from None
        try:
            self.authority = pki.Authority.open(Path(config.ca)) if config.ca else None
            unsealer = unseal.Unsealer.from_ca(Path(config.ca)) if config.ca else None
            tls = client_context(config.ca_file, config.cert_file, config.key_file) if config.ca_file else None
            self.client_id, self._slot = instance.claim(config.group, config.instance)
        except (pki.CaError, TlsError, OSError, ValueError) as exc:
            raise GatewayConfigError(f"[gateway] ca / [broker] ca_file, cert_file, key_file: {exc}") from None
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                  protocol=mqtt.MQTTv5)
        if tls:
            self.client.tls_set_context(tls)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.reconnect_delay_set(min_delay=1, max_delay=RECONNECT_MAX_S)
        self.counts = {"handled": 0, "quarantined": 0, "store_errors": 0, "errors": 0, "requests": 0,
                       "tampered": 0, "enrolments": 0}
        self.ingest = Ingest(self.store, unsealer, self.counts, self._publish_ack, self._store_state)
        self.logins: vneid.LoginAdapter = vneid.ReferenceLogins(answering.db, config.login_ttl_s)
        self.answers = Answers(answering, self.authority, self.logins, self.counts, self._publish_answer)
        self.ready = threading.Event()
        self._subscribing: int | None = None
        self._resumed = False
        self.ingest.start()
        self.answers.start()

    @property
    def handled(self) -> int:
        return self.counts["handled"]

    @property
    def dropped(self) -> int:
        return self.counts["quarantined"]

    @property
    def store_trouble(self) -> str:
        return self.ingest.trouble

    def connect_properties(self) -> Properties:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        return properties

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if bool(getattr(reason, "is_failure", reason != 0)):
            log.warning("the broker at %s:%s refused the gateway: %s", self.config.host, self.config.port, reason)
            return
        topics = [(gateway_subscription(self.config.group), 1),
                  (f"$share/{self.config.group}/motcua/v1/+/+/req/#", 1),
                  ("motcua/v1/+/+/availability", 1), ("motcua/v1/+/+/status", 0)]  # the last two: the report's history
        if self.authority:
            topics.append((f"$share/{self.config.group}/{enrolment.subscription(self.config.province)}", 1))
        self._resumed = bool(getattr(flags, "session_present", False))
        self._subscribing = client.subscribe(topics)[1]
        self._publish_reference(client)
        self._publish_status()

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
        """Connected means subscribed: only once the broker holds the subscriptions do events wait for this
        gateway in its session (killed before this, a new session would hold none)."""
        if mid != self._subscribing:
            return
        refused = [str(reason) for reason in reasons if bool(getattr(reason, "is_failure", False))]
        if refused:
            log.error("the broker refused %d of the gateway's subscriptions (%s): check its ACL", len(refused),
                      ", ".join(refused))
        self.ready.set()
        log.info("gateway connected to %s:%s as %s (%s session)", self.config.host, self.config.port, self.client_id,
                 "resumed" if self._resumed else "new")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if getattr(reason, "value", None) == SESSION_TAKEN_OVER:
            log.error("another gateway connected with this client id (%s): give each process its own "
                      "[gateway] instance, or on TLS its own certificate", self.client_id)
        log.warning("lost the broker at %s:%s (%s); reconnecting within %d s", self.config.host, self.config.port,
                    reason, RECONNECT_MAX_S)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        """Hand the message on and return: paho's thread stores nothing and answers nothing. No exception from
        one message ever leaves here (paho would re-raise it out of the network loop)."""
        try:
            topic = message.topic
            if topic.startswith(enrolment.ENROL_ROOT + "/") or "/req/" in topic:
                self.answers.put(topic, bytes(message.payload), message.properties)
            else:
                self.ingest.put(topic, bytes(message.payload))
        except Exception:
            self.counts["errors"] += 1
            log.exception("a message on %s could not be handled; not acknowledged", message.topic[:200])

    def _publish_ack(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1)

    def _publish_answer(self, topic: str, payload: bytes, properties: Properties | None) -> None:
        self.client.publish(topic, payload, qos=1, properties=properties)

    def _store_state(self, trouble: str) -> None:
        self._publish_status()  # operators see a failing store, or more quarantined messages, now

    def idle(self) -> bool:
        """Nothing received is still waiting to be stored (tests, benchmarks)."""
        return self.ingest.idle()

    def close(self) -> None:
        """Store what was received, then close the store (after the network loop stopped)."""
        self.ingest.stop()
        self.answers.stop()
        self.store.close()
        self.answers.store.close()
        if self._slot:
            self._slot.close()

    def status(self) -> dict[str, Any]:
        return {"state": "running", **self.counts, "store": "ok" if not self.store_trouble else self.store_trouble}

    def _publish_status(self) -> None:
        self.client.publish(f"{ROOT}/{self.config.province}/gateway/{self.config.group}/status",
                            json.dumps(self.status(), ensure_ascii=False), qos=0, retain=True)

    def _publish_reference(self, client: mqtt.Client) -> None:
        """The province's catalog and calendar, retained, versioned: a kiosk that connects gets the current ones."""
        root = f"{ROOT}/{self.config.province}"
        index, parts = self.catalog_message
        for number, part in enumerate(parts):  # the parts first: a reader with the index finds them
            client.publish(f"{root}/catalog/{number}", part, qos=1, retain=True)
        for number in range(len(parts), catalog_message.MAX_PARTS):  # an older, longer catalog's parts go
            client.publish(f"{root}/catalog/{number}", b"", qos=1, retain=True)
        client.publish(f"{root}/catalog", index, qos=1, retain=True)
        calendar = self.store.calendar
        client.publish(f"{root}/calendar", msgpack.packb({
            "source": calendar.source, "days_off": sorted(d.isoformat() for d in calendar.days_off),
            "working_days": sorted(d.isoformat() for d in calendar.working_days)}, use_bin_type=True),
            qos=1, retain=True)

    def start(self) -> threading.Thread | None:
        """Connect in paho's own network thread (firmware/common/mqtt_thread.py: why), waiting for the broker with
        backoff (a broker down at start is a wait, not an error); that thread (None: it has already ended)."""
        self.client.connect_async(self.config.host, self.config.port, keepalive=30, clean_start=False,
                                  properties=self.connect_properties())
        return start_network_thread(self.client)

    def stop(self) -> None:
        """Disconnect, let the network thread end, then store what was received and close the store."""
        self.client.disconnect()
        self.client.loop_stop()
        self.close()

    def run(self) -> None:
        """Serve until SIGTERM or Ctrl-C. If paho's thread ends by itself (an exception in it, printed), exit 1, as
        the process did when that thread was its main thread: a gateway that answers nothing must not look alive."""
        # The handler only ends the main thread's wait: calling paho from a signal handler can deadlock on a lock
        # that the interrupted code holds (seen as a gateway that ignored SIGTERM on a loaded machine).
        signal.signal(signal.SIGTERM, _terminate)
        log.info("gateway starting; waiting for the broker at %s:%s", self.config.host, self.config.port)
        network = self.start()
        try:
            while network is not None and network.is_alive():
                network.join(timeout=1.0)
            log.error("the gateway's network thread ended; exiting so that it is started again")
            raise SystemExit(1)
        except (KeyboardInterrupt, Terminated):
            log.info("gateway stopping")
        finally:
            self.stop()
