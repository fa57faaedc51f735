"""Composition root: the only module that knows every concrete class. Builds the kiosk from its config."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pygame.freetype

from firmware.app.devices import Devices, build_devices
from firmware.app.display import Display
from firmware.app.loop import Loop
from firmware.common.catalog import default_catalog
from firmware.common.due_date import WorkCalendar, load_calendar
from firmware.devices.printing import PrintWorker
from firmware.devices.scanning import ScanWorker
from firmware.link.mqtt import MqttLink, link_settings
from firmware.link.requests import Requests
from firmware.link.sender import OutboxSender
from firmware.link.telemetry import StatusPublisher
from firmware.rules import i18n
from firmware.runtime.clock import Clock, SystemClock
from firmware.runtime.config import Config
from firmware.runtime.events import Inbox
from firmware.runtime.timers import Timers
from firmware.runtime.watchdog import Watchdog
from firmware.services.backlight import BacklightManager
from firmware.services.kiosk import Kiosk
from firmware.services.outbox import Outbox
from firmware.services.search import ProcedureIndex
from firmware.services.session import Session
from firmware.services.submission import SubmissionService
from screens import REGISTRY
from screens.inactivity import InactivityGuard
from screens.stack import ScreenStack
from screens.ui.canvas import Canvas
from screens.ui.theme import make_theme


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
    link: MqttLink | None = None
    sender: OutboxSender | None = None
    telemetry: StatusPublisher | None = None
    requests: Requests | None = None

    def status(self, now: float) -> dict[str, object]:
        return {"loop": self.loop.status(now), "session": self.kiosk.session.status(now),
                "devices": self.devices.status(now), "timers": self.timers.status(now),
                "outbox": self.outbox.status(now), "submissions": self.kiosk.submissions.status(now),
                "scanning": self.scanning.status(now),
                "link": self.link.status(now) if self.link else {"state": "disabled"},
                "sender": self.sender.status(now) if self.sender else {}}

    def close(self) -> None:
        if self.link:
            self.link.stop()
        self.scanning.stop()
        self.printing.stop()
        self.devices.close()
        self.outbox.close()
        self.display.close()


def build(config: Config, clock: Clock | None = None, size: tuple[int, int] | None = None,
          first_screen: str = "attract", headless: bool = False, outbox_path: str | None = None) -> App:
    """Everything wired, on the attract screen, drawing to an off-screen surface until `display.open()`."""
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
    stack = ScreenStack(REGISTRY, theme)
    catalog = default_catalog()
    devices = build_devices(config, inbox.post)
    outbox = Outbox(outbox_path or config.outbox.path, config.outbox.max_mb * 2**20,
                    config.outbox.min_free_mb * 2**20)
    calendar = load_calendar(config.submission.calendar) if config.submission.calendar else WorkCalendar()
    printing = PrintWorker(devices.printer, inbox.post)
    scanning = ScanWorker(devices.scanner, inbox.post)
    submissions = SubmissionService(config, outbox, calendar, clock, printing, catalog.version)
    kiosk = Kiosk(config=config, clock=clock, nav=stack, session=Session(), post=inbox.post, catalog=catalog,
                  index=ProcedureIndex(catalog), submissions=submissions, scanning=scanning)
    stack.kiosk = kiosk
    guard = InactivityGuard(kiosk, stack)
    timers.add("inactivity", guard.tick, clock.now())
    backlight = BacklightManager(devices.backlight, kiosk, config.backlight.dim_after_s, config.backlight.dim_level)
    timers.add("backlight", backlight.tick, clock.now())
    canvas = Canvas(display.surface, theme)
    loop = Loop(kiosk, stack, canvas, display, inbox, timers, clock, Watchdog())
    loop.listeners.append(submissions.on_event)
    timers.add("slips", submissions.tick, clock.now())
    link, sender = _link(config, inbox, outbox)
    telemetry = requests = None
    if link and sender:
        kiosk.health["network"] = "down"  # until the broker answers
        loop.listeners.append(sender.on_event)
        timers.add("outbox-sender", sender.tick, clock.now())
        sender.on_official = submissions.official
        submissions.wait_official_s = config.mqtt.official_code_wait_s

        def collect(now: float) -> dict[str, object]:
            return {"health": kiosk.health, "outbox": outbox.status(now), "date": clock.wall().date().isoformat(),
                    "dossiers_total": submissions.dossiers, "sessions_total": kiosk.session.visits,
                    "clock_synced": clock.synced(), "round_trip_ms": sender.status(now)["round_trip_ms"]}

        requests = Requests(link, inbox.post)
        loop.listeners.append(requests.on_event)
        timers.add("requests", requests.tick, clock.now())
        telemetry = StatusPublisher(link, collect, outbox.path.parent)
        loop.listeners.append(telemetry.on_event)
        timers.add("status", telemetry.tick, clock.now())
    stack.reset(first_screen)
    stack.apply_pending()
    devices.start()
    printing.start()
    scanning.start()
    if link:
        link.start()
    return App(config, clock, display, inbox, timers, kiosk, stack, loop, guard, devices, outbox, printing,
               scanning, link, sender, telemetry, requests)


def _link(config: Config, inbox: Inbox, outbox: Outbox) -> tuple[MqttLink | None, OutboxSender | None]:
    settings = config.mqtt
    if not settings.enabled:
        return None, None
    link = MqttLink(link_settings(config), inbox.post)
    sender = OutboxSender(outbox, link, settings.window, settings.ack_timeout_s)
    sender.clock_now = time.monotonic  # round trip in real time, whatever clock the loop runs on
    return link, sender


def open_display(app: App, driver: str) -> None:
    app.display.open(driver)
    app.loop.canvas.surface = app.display.surface
    app.stack.top.dirty = True  # type: ignore[union-attr]
