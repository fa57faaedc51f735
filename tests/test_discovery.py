"""Home Assistant discovery: every payload checked against the rules Home Assistant's MQTT integration enforces
(sensor, binary_sensor; device, origin; enum sensors with options and no unit or state class; state classes and
entity categories from their lists; units a device class accepts), and every value template rendered by Jinja2's
sandbox, as Home Assistant renders it, on a running status and on the `stopped` status a clean stop leaves."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

from firmware.common import discovery
from firmware.link.telemetry import attention

KIOSK = "kiosk-sim-01"
STATE_CLASSES = ("measurement", "total", "total_increasing")
SENSOR_UNITS: dict[str, set[str | None]] = {"temperature": {"°C", "°F", "K"}, "duration": {"d", "h", "min", "s", "ms"},
                "data_size": {"B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB"}, "enum": {None}}
BINARY_CLASSES = {"connectivity", "tamper", "problem", "occupancy", "presence", "running", "safety"}
SENSOR_KEYS = {"name", "unique_id", "device", "origin", "state_topic", "value_template", "availability_topic",
               "unit_of_measurement", "device_class", "state_class", "options", "entity_category"}
BINARY_KEYS = SENSOR_KEYS - {"unit_of_measurement", "state_class", "options"} | {"payload_on", "payload_off"}
RUNNING = {"state": "running", "at": "2026-12-07T09:30:00+07:00", "link": "up", "printer": "paper_low",
           "scanner": "ok", "camera": "ok", "storage": "ok", "outbox_backlog": 3, "outbox_oldest_age_s": 12,
           "unprinted_slips": 0, "dossiers_today": 4, "sessions_today": 9, "cpu_temp_c": 51.2, "load": 0.3,
           "mem_available_mb": 210.5, "disk_free_mb": 5120, "uptime_s": 3600, "tamper": False,
           "needs_attention": True, "staff_called": False}


def payloads() -> list[tuple[discovery.Entity, dict[str, Any]]]:
    device = {"identifiers": [f"motcua-{KIOSK}"], "name": f"Kiosk {KIOSK}", "suggested_area": "Xã Yên Phong",
              "sw_version": "0.1.0"}
    origin = {"name": "motcua", "sw_version": "0.1.0"}
    return [(e, discovery.config(e, KIOSK, lambda leaf: f"motcua/v1/hn/{KIOSK}/{leaf}", device, origin))
            for e in discovery.ENTITIES]


def render(template: str, payload: dict[str, Any]) -> str:
    return SandboxedEnvironment().from_string(template).render(value_json=payload)


@pytest.mark.parametrize(("entity", "payload"), payloads(), ids=[e.key for e in discovery.ENTITIES])
def test_each_payload_is_one_home_assistant_accepts(entity: discovery.Entity, payload: dict[str, Any]) -> None:
    json.dumps(payload)
    assert entity.component in ("sensor", "binary_sensor")
    allowed = SENSOR_KEYS if entity.component == "sensor" else BINARY_KEYS
    assert set(payload) <= allowed, set(payload) - allowed
    assert payload["state_topic"] and payload["unique_id"].isidentifier()
    assert payload["origin"]["name"] == "motcua" and payload["device"]["identifiers"]
    assert payload.get("entity_category") in (None, "diagnostic"), "a sensor is never a config entity"
    if entity.component == "sensor":
        kind = payload.get("device_class")
        if kind == "enum":
            assert payload["options"] and "state_class" not in payload and "unit_of_measurement" not in payload
        else:
            assert "options" not in payload
            assert payload.get("state_class") in STATE_CLASSES, "numbers keep history and statistics"
        if kind in SENSOR_UNITS:
            assert payload.get("unit_of_measurement") in SENSOR_UNITS[kind]
    else:
        assert payload.get("device_class") in BINARY_CLASSES


@pytest.mark.parametrize("status", [RUNNING, {"state": "stopped"}, {**RUNNING, "state": "stopped"}])
def test_every_template_renders_a_valid_state_on_running_and_stopped(status: dict[str, Any]) -> None:
    for entity, payload in payloads():
        if "value_template" not in payload:
            continue
        shown = render(payload["value_template"], status)
        if entity.component == "binary_sensor":
            assert shown in ("ON", "OFF"), (entity.key, shown)
        elif entity.options:
            assert shown in (*entity.options, "None"), (entity.key, shown)  # "None": unknown
        else:
            assert shown == "None" or float(shown) >= 0, (entity.key, shown)


def test_the_stopped_status_renders_unknown_not_an_error() -> None:
    by_key = {e.key: p for e, p in payloads()}
    assert render(by_key["printer"]["value_template"], {"state": "stopped"}) == "None"
    assert render(by_key["printer"]["value_template"], RUNNING) == "paper_low"
    assert render(by_key["needs_attention"]["value_template"], RUNNING) == "ON"


def test_discovery_topics_are_one_per_entity_and_attention_names_the_part() -> None:
    topics = discovery.topics(KIOSK)
    assert len(set(topics)) == len(discovery.ENTITIES)
    assert "homeassistant/binary_sensor/kiosk-sim-01/tamper/config" in topics
    assert attention(RUNNING) == ["printer paper_low"]
    assert attention({**RUNNING, "printer": "ok", "tamper": True, "outbox_oldest_age_s": 7200}) == [
        "tamper opened", "outbox waiting over an hour"]
