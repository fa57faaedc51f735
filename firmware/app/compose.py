"""Composition root: the only module that knows every concrete class. Builds the kiosk from its config."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import pygame.freetype
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from firmware.app.devices import Devices, build_devices
from firmware.app.display import Display
from firmware.app.loop import Loop
from firmware.app.operator import wire_commands
from firmware.app.technician import wire_technician
from firmware.common.catalog import Catalog, CatalogError, default_catalog, load_catalog
from firmware.common.due_date import CalendarError, WorkCalendar, load_calendar
from firmware.common.seal import public_key_from_text
from firmware.devices.printing import PrintWorker
from firmware.devices.scanning import ScanWorker
from firmware.link.mqtt import MqttLink, link_settings
from firmware.link.requests import Requests
from firmware.link.sender import OutboxSender
from firmware.link.telemetry import HA_STATUS, StatusPublisher
from firmware.rules import i18n
from firmware.runtime.clock import Clock, SystemClock
from firmware.runtime.config import Config, ConfigError
from firmware.runtime.events import (
    ButtonPressed,
    CameraState,
    CardPresence,
    CardReaderState,
    DeviceFault,
    LinkState,
    Presence,
    PrinterState,
    PrintResult,
    PublishFailed,
    ScannerState,
)
from firmware.runtime.inbox import Inbox
from firmware.runtime.memory import tune_malloc
from firmware.runtime.router import Router
from firmware.runtime.timers import Timers
from firmware.runtime.watchdog import Watchdog
from firmware.services.backlight import BacklightManager
from firmware.services.cards import CardService
from firmware.services.health import Health
from firmware.services.kiosk import Kiosk
from firmware.services.lookup import LookupService
from firmware.services.outbox import Outbox
from firmware.services.payment import PaymentService
from firmware.services.rating import RatingService
from firmware.services.search import ProcedureIndex
from firmware.services.session import Session
from firmware.services.staff import StaffCall
from firmware.services.storage import StorageWatch
from firmware.services.submission import SubmissionService
from firmware.services.supplement import SupplementService
from firmware.services.usage import UsageRecorder
from firmware.services.vneid import VneidService
from firmware.services.voice import Voice
from screens import REGISTRY
from screens.inactivity import InactivityGuard
from screens.stack import ScreenStack
from screens.ui.canvas import Canvas
from screens.ui.theme import make_theme

log = logging.getLogger("motcua.compose")


@dataclass
class App:
    config: Config
    clock: Clock
    display: Display
    inbox: Inbox
    timers: Timers
    kiosk: Kiosk
    stack: ScreenStack
    loop: Loop
    guard: InactivityGuard
    devices: Devices
    outbox: Outbox
    printing: PrintWorker
    scanning: ScanWorker
    router: Router
    link: MqttLink | None = None
    sender: OutboxSender | None = None
    telemetry: StatusPublisher | None = None
    requests: Requests | None = None

    def status(self, now: float) -> dict[str, Any]:
        return {"loop": self.loop.status(now), "session": self.kiosk.session.status(now),
                "devices": self.devices.status(now), "timers": self.timers.status(now),
                "outbox": self.outbox.status(now), "submissions": self.kiosk.submissions.status(now),
                "scanning": self.scanning.status(now), "health": self.kiosk.health.status(now),
                "router": self.router.status(now),
                "link": self.link.status(now) if self.link else {"state": "disabled"},
                "sender": self.sender.status(now) if self.sender else {}}

    def start(self) -> None:
        """The device threads and the link (`motcua run` starts them after the first frame is shown)."""
        self.devices.start()
        self.printing.start()
        self.scanning.start()
        if self.link:
            self.link.start()

    def close(self) -> None:
        if self.kiosk.technician:
            logging.getLogger("motcua").removeHandler(self.kiosk.technician.errors)
        if self.link:
            self.link.stop()
        self.scanning.stop()
        self.printing.stop()
        self.devices.close()
        self.outbox.close()
        self.display.close()


# Every screen but `attract` (the kiosk does not talk to an empty hall) says its prompt when it appears.
SPOKEN_ON_ARRIVAL = frozenset(name for name in REGISTRY if name != "attract")


def build(config: Config, clock: Clock | None = None, size: tuple[int, int] | None = None,
          first_screen: str = "attract", headless: bool = False, outbox_path: str | None = None,
          start: bool = True) -> App:
    """Everything wired, on the attract screen, drawing to an off-screen surface until `display.open()`; the
    devices and the link started unless `start` is False (then `App.start()` does it)."""
    tune_malloc()
    pygame.freetype.init()
    i18n.set_language(config.kiosk.language)
    clock = clock or SystemClock(trust_wall_clock=config.kiosk.clock_check == "trust")
    width, height = size or (config.display.width, config.display.height)
    # Headless (simulator, screenshots): logical coordinates end to end, no rotation or window scaling.
    if headless:
        display = Display(width, height)
    else:
        display = Display(width, height, config.display.rotate, config.display.window_scale)
    theme = make_theme(width, height, config.display.px_per_mm)
    inbox = Inbox()
    timers = Timers()
    router = Router()
    stack = ScreenStack(REGISTRY, theme)
    health = Health(clock.now, stack.health_changed, link=config.mqtt.enabled)
    catalog = _catalog(config)
    devices = build_devices(config, inbox.post)
    outbox = _open_outbox(outbox_path or config.outbox.path, config)
    calendar = _calendar(config)
    printing = PrintWorker(devices.printer, inbox.post, hold_until_released=True)
    scanning = ScanWorker(devices.scanner, inbox.post)
    wait_official_s = config.mqtt.official_code_wait_s if config.mqtt.enabled else 0.0
    submissions = SubmissionService(config, outbox, calendar, clock, printing, catalog.version, wait_official_s)
    kiosk = Kiosk(config=config, clock=clock, nav=stack, session=Session(), post=inbox.post, catalog=catalog,
                  index=ProcedureIndex(catalog), submissions=submissions, scanning=scanning, health=health,
                  voice=Voice(devices.speaker, config.voice, clock.wall), lookup=LookupService(outbox, None),
                  ratings=RatingService(outbox, clock, catalog.rating),
                  supplements=SupplementService(config, outbox, clock, printing),
                  payments=PaymentService(config, clock, printing), vneid=VneidService(config),
                  cards=CardService(devices.card_reader, health),
                  staff=StaffCall(config.help, calendar.is_working_day))
    stack.kiosk = kiosk
    usage = UsageRecorder(outbox, clock, lambda: {"submitted": submissions.dossiers, "paid": kiosk.payments.receipts,
                                                  "rated": kiosk.ratings.given, "staff_called": kiosk.staff.calls},
                          lambda: stack.top_name, lambda: kiosk.session.woken_by)

    def visit_ended(session: Session, reason: str) -> None:
        usage.on_end(session, reason)
        kiosk.staff.clear("the visit ended")
        loop.forget_events()
        canvas.forget()

    def arrived(before: str | None, after: str | None) -> None:
        usage.on_screen(after)
        top = stack.top
        devices.decoder_worker.want(top.qr_every if top is not None else 0)
        if after in SPOKEN_ON_ARRIVAL and top is not None and not top.spoken:
            kiosk.voice.say(f"screen.{after}")  # unless the screen already said something of its own

    stack.on_change = arrived
    guard = InactivityGuard(kiosk, stack)
    timers.add("inactivity", guard.tick, clock.now())
    backlight = BacklightManager(devices.backlight, kiosk, config.backlight.dim_after_s, config.backlight.dim_level)
    timers.add("backlight", backlight.tick, clock.now())
    timers.add("slips", submissions.tick, clock.now())
    storage = StorageWatch(outbox, health, stack)
    submissions.storage_trouble = storage.failed
    timers.add("storage", storage.tick, clock.now())
    canvas = Canvas(display.surface, theme)
    loop = Loop(kiosk, stack, canvas, display, inbox, timers, clock, Watchdog(), router)
    kiosk.session.on_end = visit_ended
    # A slip is begun once the screen that says it is printing is shown (not while the loop is going to it).
    loop.after_step.append(lambda: None if stack.has_pending else printing.release())

    # The routing table: every kind's handlers, in the order they run. Screens see every event last.
    router.on(Presence, health.on_presence)
    router.on(CardPresence, kiosk.cards.on_presence)
    router.on(ButtonPressed, health.on_button)
    for state_kind in (LinkState, PrinterState, CameraState, ScannerState, CardReaderState):
        router.on(state_kind, health.on_device_state)
    router.on(DeviceFault, health.on_device_fault)
    router.on(PrintResult, health.on_print_result)  # 1. a failed slip: banner and status learn it at once
    router.on(PrintResult, submissions.on_print_result)  # 2. the stub is marked printed, or the failure kept
    router.on(PrintResult, devices.poller.on_print_result)  # 3. after a failure, the printer is asked again
    link = sender = telemetry = requests = None
    if config.mqtt.enabled:
        link = MqttLink(link_settings(config), inbox.post)
        sender = OutboxSender(outbox, link, health, submissions.official, config.mqtt.window,
                              config.mqtt.ack_timeout_s, clock_now=time.monotonic)  # round trip in real time
        requests = Requests(link, health, inbox.post)
        kiosk.lookup.send = kiosk.payments.send = kiosk.vneid.send = requests.send

        commands = wire_commands(config, kiosk, outbox, link, router, timers, clock, _catalog, _calendar)

        def collect(now: float) -> dict[str, object]:
            wall = clock.wall()
            return {"health": health, "outbox": outbox.status(now), "at": wall.isoformat(timespec="seconds"),
                    "today": outbox.day_counts(wall.date().isoformat()), "staff_called": kiosk.staff.called,
                    "clock_synced": clock.synced(), "round_trip_ms": sender.status(now)["round_trip_ms"],
                    "commands": commands.status(now),
                    "technician": kiosk.technician.status() if kiosk.technician else {}}

        telemetry = StatusPublisher(link, health, collect, outbox.path.parent, config.kiosk.commune_name)
        router.on_topic("ack", sender.on_ack)
        router.on(PublishFailed, sender.on_publish_failed)
        router.on_topic("res", requests.on_response)
        router.on_topic(HA_STATUS, telemetry.on_home_assistant)
        timers.add("outbox-sender", sender.tick, clock.now())
        outbox.on_commit = lambda: timers.wake("outbox-sender")  # sent at once, not at the next look
        timers.add("requests", requests.tick, clock.now())
        timers.add("status", telemetry.tick, clock.now())
    kiosk.technician = wire_technician(config, kiosk, outbox, clock, printing, scanning, link, _catalog,
                                       loop.request_restart)
    router.then(stack.handle)  # 4. the top screen (done shows the slip's result)

    stack.reset(first_screen)
    stack.apply_pending()
    app = App(config, clock, display, inbox, timers, kiosk, stack, loop, guard, devices, outbox, printing,
              scanning, router, link, sender, telemetry, requests)
    if start:
        app.start()
    return app


def _open_outbox(path: str, config: Config) -> Outbox:
    try:
        return Outbox(path, config.outbox.max_mb * 2**20, config.outbox.min_free_mb * 2**20,
                      seal_to=_province_key(config))
    except (sqlite3.Error, OSError) as exc:
        raise ConfigError(f"[outbox] path = {path!r}: cannot open the outbox there ({exc}); it must name a file in "
                          "a writable directory (on a kiosk /var/lib/motcua/outbox.db)") from None


def _province_key(config: Config) -> X25519PublicKey | None:
    if not config.security.province_key:
        log.warning("no [security] province_key: dossiers are stored unsealed (a developer's desk only; a "
                    "provisioned kiosk has the province's key from its site file)")
        return None
    try:
        return public_key_from_text(config.security.province_key)
    except ValueError as exc:
        raise ConfigError(f"[security] province_key: {exc}; give the key `motcua ca init` printed") from None


def _catalog(config: Config) -> Catalog:
    if not config.submission.catalog:
        return default_catalog()
    try:
        return load_catalog(config.submission.catalog)
    except CatalogError as exc:
        raise ConfigError(f"[submission] catalog: {exc}; give the province's catalog file, or leave the key out "
                          "for the shipped one") from None


def _calendar(config: Config) -> WorkCalendar:
    if not config.submission.calendar:
        return WorkCalendar()
    try:
        return load_calendar(config.submission.calendar)
    except CalendarError as exc:
        raise ConfigError(f"[submission] calendar: {exc}; give the province's calendar file, or leave the key out "
                          "for the national holidays only") from None


def open_display(app: App, driver: str) -> None:
    app.display.open(driver)
    app.loop.canvas.surface = app.display.surface
    app.stack.top.dirty = True  # type: ignore[union-attr]
