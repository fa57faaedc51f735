"""Fleet status: a retained JSON `status` every minute and when something a dashboard shows changes, collected
from every component's `status(now)`; and Home Assistant MQTT discovery, so a kiosk shows up on an ordinary
dashboard with its sensors and availability and no custom code. No personal data ever goes here.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware.common import discovery
from firmware.link.mqtt import MqttLink
from firmware.runtime.events import MqttMessage
from firmware.runtime.packages import pending_packages
from firmware.services.health import Health

VERSION = "0.1.0"
PERIOD_S = 60.0
HA_STATUS = "homeassistant/status"
ATTENTION_BACKLOG_S = 3600  # an event waiting longer than this: the link or the province needs a look


@functools.cache
def software_version() -> str:
    """The installed package's version (what `pip` installed), else the source tree's."""
    try:
        from importlib.metadata import version

        return version("motcua")
    except Exception:  # PackageNotFoundError: run from a source tree
        return VERSION


def attention(status: dict[str, Any]) -> list[str]:
    """Why a member of staff should look at this kiosk: each part not as it should be, in its status words."""
    found = [f"{part} {status[part]}" for part, good in (("link", "up"), ("printer", "ok"), ("scanner", "ok"),
                                                         ("camera", "ok"), ("storage", "ok"))
             if status.get(part) not in (None, good)]
    if status.get("tamper"):
        found.append("tamper opened")
    if (status.get("outbox_oldest_age_s") or 0) > ATTENTION_BACKLOG_S:
        found.append("outbox waiting over an hour")
    if status.get("unprinted_slips"):
        found.append("unprinted slips")
    return found


def cpu_temperature() -> float | None:
    try:
        return int(Path("/sys/class/thermal/thermal_zone0/temp").read_text().strip()) / 1000
    except (OSError, ValueError):
        return None


def memory_available_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def age_s(stamp: Any) -> int | None:
    """Seconds since an ISO 8601 time with its offset (the outbox's oldest event), or None."""
    if not isinstance(stamp, str):
        return None
    try:
        return max(0, round((datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()))
    except (ValueError, TypeError):
        return None


class StatusPublisher:
    def __init__(self, link: MqttLink, health: Health, collect: Callable[[float], dict[str, Any]],
                 data_dir: Path, area: str = "") -> None:
        self.link = link
        self.area = area  # the commune: Home Assistant's suggested area
        self.health = health
        self.collect = collect
        self.data_dir = data_dir
        self.started = time.monotonic()
        self.published = 0
        self._last: dict[str, Any] = {}
        self._published_at = float("-inf")
        self._announced = False

    def snapshot(self, now: float) -> dict[str, Any]:
        parts = self.collect(now)
        health = parts.get("health", {})
        outbox = parts.get("outbox", {})
        today = parts.get("today", {})  # the outbox's tally of the day: it survives restarts and acks
        status = {
            "state": "running", "at": parts.get("at"), "version": software_version(),
            "uptime_s": round(time.monotonic() - self.started),
            "cpu_temp_c": cpu_temperature(), "load": round(os.getloadavg()[0], 2),
            "mem_available_mb": memory_available_mb(),
            "disk_free_mb": round(shutil.disk_usage(self.data_dir).free / 2**20),
            "outbox_backlog": outbox.get("backlog"), "outbox_oldest": outbox.get("oldest"),
            "outbox_oldest_age_s": age_s(outbox.get("oldest")),
            "link": self.health.get("network"), "round_trip_ms": parts.get("round_trip_ms"),
            "printer": health.get("printer"), "scanner": health.get("scanner"),
            "camera": health.get("camera"), "storage": health.get("storage"),
            "tamper": health.get("tamper") == "opened", "staff_called": bool(parts.get("staff_called")),
            "unprinted_slips": outbox.get("unprinted_slips"),
            "dossiers_today": today.get("dossier", 0), "sessions_today": today.get("usage", 0),
            "clock_synced": parts.get("clock_synced"), "packages_pending": pending_packages(self.data_dir),
        }
        status["attention"] = attention(status)
        status["needs_attention"] = bool(status["attention"])
        return status

    def tick(self, now: float) -> float:
        """Timer: publish when the shown values change, and at least every minute."""
        if not self.health.link_up:
            self._announced = False
            return now + 1.0
        if not self._announced:
            self.announce()
        status = self.snapshot(now)
        shown = {k: v for k, v in status.items() if k not in ("at", "uptime_s", "load", "mem_available_mb",
                                                               "disk_free_mb", "cpu_temp_c", "round_trip_ms",
                                                               "outbox_oldest_age_s")}
        if shown != self._last or now - self._published_at >= PERIOD_S:
            self.link.publish("status", json.dumps(status, ensure_ascii=False), qos=0, retain=True)
            self.link.goodbye = json.dumps({**status, "state": "stopped"}, ensure_ascii=False)  # the last states
            self._last = shown
            self._published_at = now
            self.published += 1
        return now + 1.0

    def announce(self) -> None:
        """Home Assistant discovery (retained): every entity of firmware/common/discovery.py."""
        kiosk = self.link.settings.kiosk
        device: dict[str, Any] = {"identifiers": [f"motcua-{kiosk}"], "name": f"Kiosk {kiosk}",
                                  "manufacturer": "motcua", "model": "Kiosk dịch vụ công",
                                  "sw_version": software_version()}
        if self.area:
            device["suggested_area"] = self.area
        origin = {"name": "motcua", "sw_version": software_version()}
        for entity in discovery.ENTITIES:
            payload = discovery.config(entity, kiosk, self.link.topic, device, origin)
            self.link.publish_to(discovery.topic(kiosk, entity), json.dumps(payload, ensure_ascii=False), qos=1,
                                 retain=True)
        self._announced = True

    def on_home_assistant(self, message: MqttMessage) -> None:
        """Home Assistant came back (`homeassistant/status` = online): announce again."""
        if message.payload == b"online":
            self._announced = False
