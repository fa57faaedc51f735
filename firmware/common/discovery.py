"""Home Assistant MQTT discovery for a kiosk: every entity of its retained `status` (and its availability), with
what Home Assistant needs to keep history and statistics (`state_class`, units), `entity_category: diagnostic` for
the machine's own figures, `enum` sensors with their state lists, binary sensors for connectivity, tamper and
"needs attention", the device with its commune as `suggested_area`, and `origin`. Shared with the province, whose
`motcua ops forget KIOSK` empties the same topics when a kiosk is decommissioned.

Every value template stays valid on the `stopped` status a clean stop leaves (fields may be missing there):
a missing value renders `None`, which Home Assistant takes as unknown, never a template error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PREFIX = "homeassistant"
LINK_STATES = ("up", "down")
PRINTER_STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline", "absent")  # hw/printer.py STATES
SCANNER_STATES = ("ok", "jam", "absent")  # hw/scanner.py STATES
CAMERA_STATES = ("starting", "ok", "absent")
STORAGE_STATES = ("ok", "full", "failed")


@dataclass(frozen=True)
class Entity:
    component: str  # "sensor" or "binary_sensor"
    key: str  # the status field (or "availability")
    name: str
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    diagnostic: bool = False
    options: tuple[str, ...] = ()  # an enum sensor's states


ENTITIES = (
    Entity("sensor", "link", "Kết nối", device_class="enum", options=LINK_STATES),
    Entity("sensor", "printer", "Máy in", device_class="enum", options=PRINTER_STATES),
    Entity("sensor", "scanner", "Máy quét", device_class="enum", options=SCANNER_STATES),
    Entity("sensor", "camera", "Camera", device_class="enum", options=CAMERA_STATES),
    Entity("sensor", "storage", "Bộ nhớ hồ sơ", device_class="enum", options=STORAGE_STATES),
    Entity("sensor", "outbox_backlog", "Hồ sơ chờ gửi", "sự kiện", state_class="measurement"),
    Entity("sensor", "outbox_oldest_age_s", "Sự kiện chờ lâu nhất", "s", "duration", "measurement"),
    Entity("sensor", "unprinted_slips", "Phiếu hẹn chưa in", "phiếu", state_class="measurement"),
    Entity("sensor", "dossiers_today", "Hồ sơ hôm nay", "hồ sơ", state_class="total_increasing"),
    Entity("sensor", "sessions_today", "Lượt sử dụng hôm nay", "lượt", state_class="total_increasing"),
    Entity("sensor", "cpu_temp_c", "Nhiệt độ CPU", "°C", "temperature", "measurement", diagnostic=True),
    Entity("sensor", "load", "Tải CPU", None, None, "measurement", diagnostic=True),
    Entity("sensor", "mem_available_mb", "Bộ nhớ trống", "MB", "data_size", "measurement", diagnostic=True),
    Entity("sensor", "disk_free_mb", "Dung lượng trống", "MB", "data_size", "measurement", diagnostic=True),
    Entity("sensor", "uptime_s", "Thời gian chạy", "s", "duration", "measurement", diagnostic=True),
    Entity("binary_sensor", "availability", "Trực tuyến", device_class="connectivity"),
    Entity("binary_sensor", "tamper", "Mở vỏ máy", device_class="tamper"),
    Entity("binary_sensor", "needs_attention", "Cần kiểm tra", device_class="problem"),
    Entity("binary_sensor", "staff_called", "Gọi cán bộ", device_class="occupancy"),
)


def topic(kiosk: str, entity: Entity) -> str:
    return f"{PREFIX}/{entity.component}/{kiosk}/{entity.key}/config"


def topics(kiosk: str) -> list[str]:
    """Every discovery topic a kiosk announces (what `motcua ops forget` empties)."""
    return [topic(kiosk, entity) for entity in ENTITIES]


def _template(entity: Entity) -> str:
    key = entity.key
    if entity.component == "binary_sensor":
        return f"{{{{ 'ON' if value_json.get('{key}') else 'OFF' }}}}"
    return f"{{{{ value_json.get('{key}') }}}}"  # None (unknown) where the field is missing


def config(entity: Entity, kiosk: str, topic_of: Callable[[str], str], device: dict[str, Any],
           origin: dict[str, Any]) -> dict[str, Any]:
    """The discovery payload of one entity (`topic_of("status")` is the kiosk's status topic)."""
    body: dict[str, Any] = {"name": entity.name, "unique_id": f"motcua_{kiosk}_{entity.key}".replace("-", "_"),
                            "device": device, "origin": origin}
    if entity.key == "availability":
        body.update(state_topic=topic_of("availability"), payload_on="online", payload_off="offline")
    else:
        body.update(state_topic=topic_of("status"), value_template=_template(entity),
                    availability_topic=topic_of("availability"))
    for name, value in (("unit_of_measurement", entity.unit), ("device_class", entity.device_class),
                        ("state_class", entity.state_class)):
        if value:
            body[name] = value
    if entity.options:
        body["options"] = list(entity.options)
    if entity.diagnostic:
        body["entity_category"] = "diagnostic"
    return body
