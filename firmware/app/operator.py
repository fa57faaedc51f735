"""Wiring the operator's signed commands (firmware/services/commands.py) into a kiosk with a link."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from firmware.common.catalog import Catalog
from firmware.common.due_date import WorkCalendar
from firmware.link.mqtt import MqttLink
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.runtime.router import Router
from firmware.runtime.timers import Timers
from firmware.services.commands import CommandService, operator_key
from firmware.services.kiosk import Kiosk
from firmware.services.outbox import Outbox
from firmware.services.search import ProcedureIndex

# What a running kiosk holds: its devices, its client id, and its fonts (FreeType is not thread-safe, and the
# report runs on a worker thread while the loop draws: checking the glyphs there crashed the process).
HELD = ("broker", "camera", "qr_serial", "printer", "scanner", "gpio", "backlight", "display", "font")


def live_report(config: Config, kiosk: Kiosk, link: MqttLink | None) -> list[dict[str, Any]]:
    """Doctor's findings from a running kiosk. It holds its devices and its client id: probing them would take
    them from it, so the devices and the link are reported as the kiosk sees them, and doctor runs the rest."""
    from firmware.app.doctor import examine

    findings = [dataclasses.asdict(finding) for finding in examine(config, skip=HELD)]
    states, faults = dict(kiosk.health), dict(kiosk.health.faults)
    live = [{"check": part, "result": "ok" if state in ("ok", "up") else "fail",
             "detail": f"{state}{': ' + faults[part] if part in faults else ''}"} for part, state in states.items()]
    if link is None:
        return [*findings, *live, {"check": "broker", "result": "off", "detail": "MQTT off (config mqtt.enabled)"}]
    return [*findings, *live, {"check": "broker", "result": "ok" if link.state == "up" else "fail",
                               "detail": f"link {link.state}", "status": link.status(0.0)}]


def reloader(config: Config, kiosk: Kiosk, load_catalog: Callable[[Config], Catalog]) -> Callable[[], str]:
    def reload_catalog() -> str:
        catalog = load_catalog(config)
        kiosk.catalog, kiosk.index = catalog, ProcedureIndex(catalog)
        kiosk.submissions.catalog_version = catalog.version
        return catalog.version
    return reload_catalog


def wire_commands(config: Config, kiosk: Kiosk, outbox: Outbox, link: MqttLink, router: Router, timers: Timers,
                  clock: Clock, load_catalog: Callable[[Config], Catalog],
                  load_calendar: Callable[[Config], WorkCalendar]) -> CommandService:
    reload_catalog = reloader(config, kiosk, load_catalog)

    def reload_calendar() -> str:
        calendar = load_calendar(config)
        kiosk.submissions.calendar = calendar
        return calendar.source

    def report() -> list[dict[str, Any]]:
        return live_report(config, kiosk, link)

    def publish(leaf: str, payload: bytes | str, qos: int, retain: bool) -> int:
        return link.publish(leaf, payload, qos, retain)

    commands = CommandService(config, operator_key(config), outbox, kiosk, clock.wall, publish, reload_catalog,
                              reload_calendar, report)
    router.on_topic("cmd", commands.on_cmd)
    timers.add("commands", commands.tick, clock.now())
    return commands
