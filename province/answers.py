"""The gateway's answers to kiosks' requests (docs/protocol.md: `lookup`, `dossiers`, `payment`, `login`,
`login_status`, `renew`) and to enrolment: on their own thread and their own connection to the store, so a lookup
never holds up the ingest of events (and reads by index: lookup.py, citizens.py). An answer goes only to the
asking kiosk's own `res` topic.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgpack
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from firmware.common.protocol import BadMessage, kiosk_topic, parse_kiosk_topic, unpack_request
from province import citizens, enrolment, lookup, payments, pki, vneid
from province import db as store_db
from province.store import Store

log = logging.getLogger("motcua.gateway")
QUEUE_MAX = 1000


class Answers:
    def __init__(self, store: Store, authority: pki.Authority | None, logins: vneid.LoginAdapter,
                 counts: dict[str, int], publish: Callable[[str, bytes, Properties | None], None]) -> None:
        self.store = store
        self.authority = authority
        self.logins = logins
        self.counts = counts
        self.publish = publish
        self.queue: queue.Queue[tuple[str, bytes, Any] | None] = queue.Queue(QUEUE_MAX)
        self.thread = threading.Thread(target=self._run, name="gateway-answers", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def put(self, topic: str, payload: bytes, properties: Any) -> None:
        self.queue.put((topic, payload, properties))

    def stop(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(timeout=30)

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            topic, payload, properties = item
            try:
                if topic.startswith(enrolment.ENROL_ROOT + "/"):
                    self._enrol(topic, payload)
                else:
                    self._answer(topic, payload, properties)
            except store_db.ERRORS as exc:  # the kiosk asks again; the ingest reports the store's state
                log.warning("a request on %s was not answered: the store failed (%s)", topic[:200], exc)
            except Exception:
                self.counts["errors"] += 1
                log.exception("a request on %s could not be answered", topic[:200])

    def _enrol(self, topic: str, payload: bytes) -> None:
        try:
            province, kiosk = enrolment.parse_topic(topic)
        except BadMessage as exc:
            log.warning("ignored %s", exc)
            return
        answer = enrolment.enrol(self.authority, kiosk, payload)
        self.counts["enrolments"] += int(bool(answer.get("ok")))
        self.publish(enrolment.answer_topic(province, kiosk), enrolment.pack(answer), None)

    def _answer(self, topic: str, payload: bytes, properties: Any) -> None:
        self.counts["requests"] += 1
        response_topic = getattr(properties, "ResponseTopic", None) if properties else None
        correlation = getattr(properties, "CorrelationData", None) if properties else None
        try:
            province, kiosk, leaf = parse_kiosk_topic(topic)
            if response_topic != kiosk_topic(province, kiosk, "res"):
                raise BadMessage(f"response topic {str(response_topic)[:200]!r} is not the kiosk's own res topic")
            body = unpack_request(leaf.removeprefix("req/"), payload)
        except BadMessage as exc:
            self.counts["quarantined"] += 1
            log.warning("dropped a request on %s: %s", topic[:200], exc)
            return
        answer = self.reply(kiosk, leaf.removeprefix("req/"), body)
        reply = Properties(PacketTypes.PUBLISH)
        if correlation:
            reply.CorrelationData = correlation
        self.publish(response_topic, msgpack.packb(answer, use_bin_type=True), reply)

    def reply(self, kiosk: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        db, unit, now = self.store.db, self.store.unit_code, datetime.now().astimezone()
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
