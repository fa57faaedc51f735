"""The shipped Node-RED flow, Telegraf config and Grafana dashboard read topics and fields a real kiosk
publishes (its status taken from the running telemetry, not from a list kept by hand)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware.app.compose import App
from province.broker import Broker

from .conftest import REPO, wait_until
from .test_link import kiosk, pump

EXAMPLES = REPO / "docs" / "examples"
STATUS_TOPIC = "motcua/v1/+/+/status"


def status_keys(make_app: Callable[..., App], broker: Broker) -> set[str]:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.telemetry is not None and sim.app.telemetry.published > 0, step=pump(sim))
    assert sim.app.telemetry is not None
    return set(sim.app.telemetry.snapshot(0))


def test_every_file_reads_what_a_kiosk_publishes(make_app: Callable[..., App], broker: Broker) -> None:
    keys = status_keys(make_app, broker)
    flow: list[dict[str, Any]] = json.loads((EXAMPLES / "node-red-motcua.json").read_text(encoding="utf-8"))
    ids = {node["id"] for node in flow}
    topics = {node["topic"] for node in flow if node["type"] == "mqtt in"}
    assert topics == {STATUS_TOPIC, "motcua/v1/+/+/availability"}
    for node in flow:
        assert all(target in ids for wire in node.get("wires", []) for target in wire), node["id"]
        if node["type"] == "switch" and node["property"].startswith("payload."):
            assert node["property"].removeprefix("payload.") in keys
        for rule in node.get("rules", []):
            for field in re.findall(r"payload\.(\w+)", str(rule.get("to", ""))):
                assert field in keys, field
    telegraf = tomllib.loads((EXAMPLES / "telegraf-motcua.conf").read_text(encoding="utf-8"))
    (consumer,) = telegraf["inputs"]["mqtt_consumer"]
    assert consumer["topics"] == [STATUS_TOPIC] and consumer["data_format"] == "json_v2"
    (parser,) = consumer["json_v2"]
    fields = {f["path"] for f in parser["field"]} | {t["path"] for t in parser["tag"]}
    assert fields <= keys, fields - keys
    dashboard = json.loads((EXAMPLES / "grafana-motcua.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 36
    queried = {m for panel in dashboard["panels"] for target in panel["targets"]
               for m in re.findall(r'r\._field == "(\w+)"', target["query"])}
    assert queried and queried <= fields, "the dashboard reads only what Telegraf stores"
    assert all({"x", "y", "w", "h"} <= set(panel["gridPos"]) for panel in dashboard["panels"])


def test_the_documented_files_exist() -> None:
    text = (REPO / "docs" / "dashboards.md").read_text(encoding="utf-8")
    for name in re.findall(r"docs/examples/([\w.-]+)", text):
        assert (EXAMPLES / name).is_file(), name
    assert Path(EXAMPLES / "node-red-motcua.json").stat().st_size > 0
