"""Operator commands from `cmd` (firmware/common/commands.py): checked, run on the loop, answered on `reply`.

Unsigned, badly signed, expired, replayed, malformed commands and commands for another kiosk are refused,
logged, counted by kind in `status` and answered `{id, ok: false, rejected: kind}`. A command that takes the
kiosk out of service waits for the citizen in front of it to finish (it applies on `attract`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware.common.commands import REJECTIONS, Rejected, public_key_from_text, verify
from firmware.runtime.config import Config, ConfigError
from firmware.runtime.events import MqttMessage
from firmware.services.kiosk import Kiosk
from firmware.services.outbox import Outbox

log = logging.getLogger("motcua.commands")


def operator_key(config: Config) -> Ed25519PublicKey | None:
    if not config.security.operator_key:
        return None
    try:
        return public_key_from_text(config.security.operator_key)
    except ValueError as exc:
        raise ConfigError(f"[security] operator_key: {exc}; give the key `motcua ca init` printed") from None


@dataclass
class CommandService:
    config: Config
    key: Ed25519PublicKey | None
    outbox: Outbox  # keeps the ids run, until they expire: a replay is refused even after a restart
    kiosk: Kiosk  # its nav, and `notice` (shown on attract)
    wall: Callable[[], datetime]
    publish: Callable[[str, bytes | str, int, bool], int]  # (leaf, payload, qos, retain)
    reload_catalog: Callable[[], str]
    reload_calendar: Callable[[], str]
    report: Callable[[], list[dict[str, Any]]]  # doctor's findings; runs on a worker thread
    out_of_service: str | None = None  # the operator's reason, while the kiosk is taken out of service
    _took_over: bool = False
    done: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REJECTIONS, 0))
    last_rejected: dict[str, str] | None = None

    def __post_init__(self) -> None:
        kept = self.outbox.operator_state()  # a notice or a pause outlives a power cut
        self.kiosk.notice = kept.get("notice", "")
        self.out_of_service = kept.get("out_of_service")
        if self.out_of_service is not None:
            log.info("still out of service by the operator's command")

    def on_cmd(self, message: MqttMessage) -> None:
        now = self.wall()
        try:
            body = verify(self.key, message.payload, self.config.kiosk.province_code, self.config.kiosk.id, now)
            expires = datetime.fromisoformat(body["expires_at"]).timestamp()
            if not self.outbox.remember_command(body["id"], expires, now.timestamp()):
                raise Rejected("replayed", "this command was run already", body["id"])
        except Rejected as refusal:
            self.rejected[refusal.kind] += 1
            self.last_rejected = {"kind": refusal.kind, "at": now.isoformat(timespec="seconds")}
            log.warning("refused an operator command (%s): %s", refusal.kind, refusal.reason)
            self._reply(refusal.command_id, False, refusal.kind, refusal.reason)
            return
        try:
            detail = self._run(body["command"], body["args"])
        except Exception as exc:  # a command that fails is answered, never a dead loop
            log.error("operator command %s failed: %s", body["command"], exc)
            self._reply(body["id"], False, "", f"failed: {exc}"[:300])
            return
        self.done += 1
        log.info("operator command %s (%s) done: %s", body["command"], body["id"][:8], detail)
        self._reply(body["id"], True, "", detail)

    def _run(self, command: str, args: dict[str, Any]) -> str:
        if command == "notice":
            self.kiosk.notice = str(args["text"])
            self.outbox.set_operator_state("notice", self.kiosk.notice)
            self._redraw_attract()
            return "notice shown on the attract screen"
        if command == "clear_notice":
            self.kiosk.notice = ""
            self.outbox.set_operator_state("notice", None)
            self._redraw_attract()
            return "notice cleared"
        if command == "reload_catalog":
            return f"catalog {self.reload_catalog()} loaded"
        if command == "reload_calendar":
            return f"calendar loaded ({self.reload_calendar()})"
        if command == "report":
            threading.Thread(target=self._report, name="doctor-report", daemon=True).start()
            return "doctor runs; its findings follow on the retained `doctor` topic"
        if command == "out_of_service":
            self.out_of_service = str(args.get("reason") or "")
            self.outbox.set_operator_state("out_of_service", self.out_of_service)
            self.tick(0.0)
            return "out of service " + ("now" if self._took_over else "once the citizen at the kiosk has finished")
        self.out_of_service = None
        self.outbox.set_operator_state("out_of_service", None)
        self.tick(0.0)
        return "in service"

    def _redraw_attract(self) -> None:
        if self.kiosk.nav.top_name == "attract":
            self.kiosk.nav.replace("attract")

    def _report(self) -> None:
        try:
            findings = self.report()
        except Exception as exc:  # doctor never crashes, but this thread must not die either way
            log.error("the doctor report failed: %s", exc)
            findings = [{"check": "doctor", "result": "fail", "detail": str(exc)[:300]}]
        text = json.dumps({"at": self.wall().isoformat(timespec="seconds"), "findings": findings},
                          ensure_ascii=False, default=str)
        if not self.publish("doctor", text, 1, True):
            log.warning("the doctor report could not be sent (the link is down)")
        else:
            log.info("doctor report sent: %d finding(s)", len(findings))

    def tick(self, now: float) -> float:
        """Timer: take the kiosk out of service when no citizen is at it, and back when the operator says so."""
        top = self.kiosk.nav.top_name
        if self.out_of_service is not None and not self._took_over and top == "attract":
            self._took_over = True
            self.kiosk.nav.reset("out_of_service", reason="operator")
            log.info("taken out of service by the operator")
        elif self.out_of_service is None and self._took_over:
            self._took_over = False
            if top == "out_of_service":
                self.kiosk.nav.reset("attract")
            log.info("back in service")
        return now + 0.5

    def _reply(self, command_id: str | None, ok: bool, rejected: str, detail: str) -> None:
        self.publish("reply", msgpack.packb({"id": command_id, "ok": ok, "rejected": rejected, "detail": detail},
                                            use_bin_type=True), 1, False)

    def status(self, now: float) -> dict[str, Any]:
        return {"done": self.done, "rejected": {k: v for k, v in self.rejected.items() if v},
                "last_rejected": self.last_rejected, "notice": bool(self.kiosk.notice),
                "out_of_service": self.out_of_service is not None}
