"""Collecting figures: one flat JSON object, merged so each benchmark module adds its own keys."""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).parent / "out" / "results.json"

# key -> (target, "lt" the figure must stay under it)
TARGETS: dict[str, float] = {
    "frame_ms_p95_1080x1920": 8.0,
    "frame_ms_p95_800x480": 8.0,
    "idle_cpu_percent": 2.0,
    "first_frame_s": 1.0,
    "rss_mb": 80.0,
    "qr_decode_ms_zxing": 3.0,
    "keypress_to_frame_ms": 30.0,
    "qr_to_event_ms": 33.0,
    "taps_birth_shortest": 24.0,
    # issue 20: the province under a fleet (bench/fleet.py); lost and duplicated must be 0
    "fleet_3321_g1_restart_drain_s": 60.0,
    "fleet_3321_g2_restart_drain_s": 60.0,
    "fleet_3321_g1_ack_p99_s": 30.0,
    "fleet_3321_g2_ack_p99_s": 30.0,
}


def save(figures: dict[str, float]) -> dict[str, float]:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    merged: dict[str, float] = json.loads(OUT.read_text()) if OUT.exists() else {}
    merged.update(figures)
    OUT.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")
    return merged


def table(figures: dict[str, float]) -> str:
    rows = [f"{'figure':32} {'value':>10} {'target':>8} {'ratio':>7}"]
    for key, value in figures.items():
        target = TARGETS.get(key)
        ratio = f"{value / target:7.2f}" if target else ""
        rows.append(f"{key:32} {value:10.3f} {target if target else '':>8} {ratio}")
    return "\n".join(rows)
