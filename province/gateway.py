"""The reference provincial gateway: consumes kiosk events through a shared subscription, stores them once,
gives dossiers their official code, and acknowledges. Two or more processes in one group split the load.

Every message is checked against its kind's schema (firmware/common/protocol.py) before the store sees it; a bad
one is logged, counted, quarantined for an official and acknowledged, and the process keeps running.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import threading
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import msgpack
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.catalog import CatalogError, default_catalog_text, parse_catalog
from firmware.common.due_date import WorkCalendar, load_calendar
from firmware.common.protocol import (
    ROOT,
    BadMessage,
    event_id_of,
    gateway_subscription,
    kiosk_topic,
    pack_ack,
    parse_kiosk_topic,
    unpack_envelope,
    unpack_request,
)
from firmware.common.seal import SealError
from firmware.common.tls import TlsError, client_context
from province import citizens, enrolment, fleet_history, lookup, payments, pki, unseal, vneid
from province.store import Store

log = logging.getLogger("motcua.gateway")
VIETNAM_OFFSET = "+07:00"
RUN_CONFIG = Path("out/run/motcua.toml")
RECONNECT_MAX_S = 30


class Terminated(BaseException):
    """Raised by the SIGTERM handler to leave paho's loop from wherever it was (a BaseException: paho's loop
    swallows every Exception raised inside its select, as it lets KeyboardInterrupt through)."""


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
                             str(ops.get("cert_file", "")), str(ops.get("key_file", "")))
    except (KeyError, ValueError, TypeError) as exc:
        wanted = "[broker] port and [gateway] store" if need_store else "[broker] port"
        raise GatewayConfigError(f"{path}: missing or bad key {exc}; expected {wanted}") from None


def _ttl(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 30 <= value <= 900:
        raise ValueError("login_ttl_s (a whole number of seconds from 30 to 900)")
    return value


def catalog_text(config: GatewayConfig) -> str:
    """The province's catalog as JSON text (raises GatewayConfigError when it cannot be read or is not valid)."""
    try:
        text = Path(config.catalog).read_text(encoding="utf-8") if config.catalog else default_catalog_text()
        parse_catalog(text, config.catalog or "<catalog>")
    except (OSError, UnicodeDecodeError) as exc:
        raise GatewayConfigError(f"{config.catalog}: cannot read the catalog: {exc}") from None
    except CatalogError as exc:
        raise GatewayConfigError(str(exc)) from None
    return text


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        calendar = load_calendar(config.calendar) if config.calendar else WorkCalendar()
        self.catalog_text = catalog_text(config)
        self.store = Store(config.store, config.unit_code, calendar, parse_catalog(self.catalog_text))
        self.logins: vneid.LoginAdapter = vneid.ReferenceLogins(self.store.db, config.login_ttl_s)
        try:
            self.authority = pki.Authority.open(Path(config.ca)) if config.ca else None
            self.unsealer = unseal.Unsealer.from_ca(Path(config.ca)) if config.ca else None
            tls = client_context(config.ca_file, config.cert_file, config.key_file) if config.ca_file else None
        except (pki.CaError, TlsError, OSError, ValueError) as exc:
            raise GatewayConfigError(f"[gateway] ca / [broker] ca_file, cert_file, key_file: {exc}") from None
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                                  client_id=f"gateway-{os.getpid()}", protocol=mqtt.MQTTv5)
        if tls:
            self.client.tls_set_context(tls)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=RECONNECT_MAX_S)
        self.counts = {"handled": 0, "quarantined": 0, "store_errors": 0, "errors": 0, "requests": 0,
                       "tampered": 0, "enrolments": 0}
        self.store_trouble = ""  # why the store last failed; empty once it works again
        self.ready = threading.Event()

    @property
    def handled(self) -> int:
        return self.counts["handled"]

    @property
    def dropped(self) -> int:
        return self.counts["quarantined"]

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if bool(getattr(reason, "is_failure", reason != 0)):
            log.warning("the broker at %s:%s refused the gateway: %s", self.config.host, self.config.port, reason)
            return
        client.subscribe(gateway_subscription(self.config.group), qos=1)
        client.subscribe(f"$share/{self.config.group}/motcua/v1/+/+/req/#", qos=1)
        client.subscribe([("motcua/v1/+/+/availability", 1), ("motcua/v1/+/+/status", 0)])  # the report's history
        if self.authority:
            client.subscribe(f"$share/{self.config.group}/{enrolment.subscription(self.config.province)}", qos=1)
        self._publish_reference(client)
        self._publish_status()
        self.ready.set()
        log.info("gateway connected to %s:%s", self.config.host, self.config.port)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        log.warning("lost the broker at %s:%s (%s); reconnecting with backoff", self.config.host, self.config.port,
                    reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        """No exception from one message ever leaves here: paho would re-raise it out of the network loop."""
        try:
            if message.topic.startswith(enrolment.ENROL_ROOT + "/"):
                self._enrol(client, message.topic, bytes(message.payload))
            elif "/req/" in message.topic:
                self._answer(client, message)
            elif message.topic.endswith(("/availability", "/status")):
                self._fleet(message.topic, bytes(message.payload))
            else:
                self._event(client, message.topic, bytes(message.payload))
        except Exception:
            self.counts["errors"] += 1
            log.exception("a message on %s could not be handled; not acknowledged", message.topic[:200])

    def _event(self, client: mqtt.Client, topic: str, payload: bytes) -> None:
        now = datetime.now().astimezone()
        try:
            province, kiosk, _leaf = parse_kiosk_topic(topic)
        except BadMessage as exc:
            self.counts["quarantined"] += 1
            log.warning("ignored a message on %s: %s", topic[:200], exc)
            return
        try:
            envelope = unseal.opened(self.unsealer, unpack_envelope(payload), kiosk)
        except SealError as exc:
            self.counts["tampered"] += 1
            log.error("REJECTED a sealed event from kiosk %s: %s", kiosk[:64], exc)
            self._quarantine(client, now, topic, province, kiosk, f"tampered: {exc}", payload)
            return
        except BadMessage as exc:
            self._quarantine(client, now, topic, province, kiosk, str(exc), payload)
            return
        try:
            outcome = self.store.handle(province, kiosk, envelope, now)
        except (sqlite3.Error, OSError) as exc:
            # Disk full, I/O error, a locked database: keep the kiosk's copy (no ack) and try again on resend.
            self.counts["store_errors"] += 1
            if not self.store_trouble:
                log.error("the store failed (%s): not acknowledging until it works again", exc)
                self.store_trouble = str(exc)
                self._publish_status()  # operators see it now, not at the next quarantine
            return
        if self.store_trouble:
            log.info("the store works again (it failed with: %s)", self.store_trouble)
            self.store_trouble = ""
            self._publish_status()
        self.counts["handled"] += 1
        if outcome.problem:
            log.warning("not acknowledged %s %s from %s: %s", envelope.kind, envelope.id, kiosk, outcome.problem)
            return
        client.publish(kiosk_topic(province, kiosk, "ack"), pack_ack(outcome.ack, outcome.official), qos=1)

    def _fleet(self, topic: str, payload: bytes) -> None:
        """A kiosk's availability or status: remembered for the report (fleet_history.py), never acknowledged."""
        try:
            province, kiosk, leaf = parse_kiosk_topic(topic)
        except BadMessage:
            return
        now = datetime.now().astimezone()
        try:
            record = fleet_history.record_availability if leaf == "availability" else fleet_history.record_status
            record(self.store.db, province, kiosk, payload, now)
        except (sqlite3.Error, OSError) as exc:
            log.warning("the fleet's history was not recorded: %s", exc)

    def _enrol(self, client: mqtt.Client, topic: str, payload: bytes) -> None:
        try:
            province, kiosk = enrolment.parse_topic(topic)
        except BadMessage as exc:
            log.warning("ignored %s", exc)
            return
        answer = enrolment.enrol(self.authority, kiosk, payload)
        self.counts["enrolments"] += int(bool(answer.get("ok")))
        client.publish(enrolment.answer_topic(province, kiosk), enrolment.pack(answer), qos=1)

    def _quarantine(self, client: mqtt.Client, now: datetime, topic: str, province: str, kiosk: str, reason: str,
                    payload: bytes) -> None:
        """Kept for an official, counted, and acknowledged when it has an id, so it is not redelivered forever."""
        event_id = event_id_of(payload)
        self.counts["quarantined"] += 1
        log.warning("quarantined a message on %s from kiosk %s (event %s): %s", topic[:200], kiosk[:64],
                    event_id or "without an id", reason)
        try:
            self.store.quarantine(now, topic, kiosk, event_id, reason, payload)
        except (sqlite3.Error, OSError) as exc:
            self.counts["store_errors"] += 1
            log.error("the store failed (%s): the bad message is not acknowledged", exc)
            return
        if event_id:
            client.publish(kiosk_topic(province, kiosk, "ack"), pack_ack([event_id]), qos=1)
        self._publish_status()

    def status(self) -> dict[str, Any]:
        return {"state": "running", **self.counts, "store": "ok" if not self.store_trouble else self.store_trouble}

    def _publish_status(self) -> None:
        self.client.publish(f"{ROOT}/{self.config.province}/gateway/{self.config.group}/status",
                            json.dumps(self.status(), ensure_ascii=False), qos=0, retain=True)

    def _publish_reference(self, client: mqtt.Client) -> None:
        """The province's catalog and calendar, retained, versioned: a kiosk that connects gets the current ones."""
        catalog = json.loads(self.catalog_text)
        root = f"{ROOT}/{self.config.province}"
        client.publish(f"{root}/catalog", msgpack.packb({"version": catalog.get("version"), "catalog": catalog},
                                                         use_bin_type=True), qos=1, retain=True)
        calendar = self.store.calendar
        client.publish(f"{root}/calendar", msgpack.packb({
            "source": calendar.source, "days_off": sorted(d.isoformat() for d in calendar.days_off),
            "working_days": sorted(d.isoformat() for d in calendar.working_days)}, use_bin_type=True),
            qos=1, retain=True)

    def _answer(self, client: mqtt.Client, message: mqtt.MQTTMessage) -> None:
        """Requests (docs/protocol.md): `lookup`, `dossiers`, `payment`, `login`, `login_status`. The answer goes
        only to the asking kiosk's own `res` topic."""
        self.counts["requests"] += 1
        properties = message.properties
        response_topic = getattr(properties, "ResponseTopic", None) if properties else None
        correlation = getattr(properties, "CorrelationData", None) if properties else None
        try:
            province, kiosk, leaf = parse_kiosk_topic(message.topic)
            if response_topic != kiosk_topic(province, kiosk, "res"):
                raise BadMessage(f"response topic {str(response_topic)[:200]!r} is not the kiosk's own res topic")
            body = unpack_request(leaf.removeprefix("req/"), bytes(message.payload))
        except BadMessage as exc:
            self.counts["quarantined"] += 1
            log.warning("dropped a request on %s: %s", message.topic[:200], exc)
            return
        answer = self._reply(kiosk, leaf.removeprefix("req/"), body)
        reply = Properties(PacketTypes.PUBLISH)
        if correlation:
            reply.CorrelationData = correlation
        client.publish(response_topic, msgpack.packb(answer, use_bin_type=True), qos=1, properties=reply)

    def _reply(self, kiosk: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        db, unit, now = self.store.db, self.config.unit_code, datetime.now().astimezone()
        if kind == "lookup":
            found = lookup.answer(db, body["code"], unit, now.date(), body.get("citizen"))
            dossier_id = lookup.find(db, body["code"].strip(), unit) if found.get("found") else None
            if dossier_id:
                owed = payments.state(db, dossier_id)
                found.update(fee_vnd=owed["fee_vnd"], paid=owed["paid"])
            return found
        if kind == "dossiers":
            return {"dossiers": citizens.dossiers_of(db, body["citizen"])}
        if kind == "payment":
            return self.store.payment(body["code"])
        if kind == "renew":
            return enrolment.renew(self.authority, kiosk, body)
        if kind == "login":
            started = self.logins.begin(kiosk, now)
            return {"session": started.session, "qr": started.qr, "expires_in_s": started.expires_in_s}
        state = self.logins.poll(kiosk, body["session"], now)
        return {"session": body["session"], "state": state.state, **({"cccd": state.cccd} if state.cccd else {})}

    def run(self) -> None:
        """Wait for the broker with backoff (a broker down at start is a wait, not an exit), then serve."""
        # The handler only unwinds the loop: calling paho from a signal handler can deadlock on a lock that the
        # interrupted loop holds (seen as a gateway that ignored SIGTERM on a loaded machine).
        signal.signal(signal.SIGTERM, _terminate)
        log.info("gateway starting; waiting for the broker at %s:%s", self.config.host, self.config.port)
        self.client.connect_async(self.config.host, self.config.port, keepalive=30)
        try:
            self.client.loop_forever(retry_first_connection=True)
        except (KeyboardInterrupt, Terminated):
            log.info("gateway stopping")
            self.client.disconnect()
        finally:
            self.store.close()
