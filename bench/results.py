"""Collecting figures: one flat JSON object per `make bench`, with the goals they are compared with."""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).parent / "out" / "results.json"

# key -> the goal the figure must stay under (issue 19's targets, and issue 20's for the fleet); never loosened
TARGETS: dict[str, float] = {
    "frame_ms_p95_1080x1920": 3.0,
    "frame_ms_p95_800x480": 3.0,
    "idle_cpu_percent": 1.0,
    "first_frame_s": 0.5,
    "rss_mb_after_1000_sessions": 60.0,
    "qr_decode_ms_zxing": 2.0,
    "keypress_to_frame_ms": 30.0,
    "search_keypress_2000_over_shipped": 2.0,
    "page_kb_text": 100.0,
    "page_kb_id_copy": 100.0,
    "page_kb_stamp_signature": 100.0,
    "qr_to_event_ms": 150.0,
    "qr_to_identity_ms_p95": 150.0,
    "rss_growth_mb_after_warmup": 5.0,
    "taps_birth_shortest": 24.0,
    "outbox_commit_ratio_50000_to_1000": 3.0,
    "outbox_status_ratio_50000_to_1000": 3.0,
    "fleet_3321_g1_restart_drain_s": 60.0,
    "fleet_3321_g2_restart_drain_s": 60.0,
    "fleet_3321_g1_ack_p99_s": 30.0,
    "fleet_3321_g2_ack_p99_s": 30.0,
}

# key -> the goal the figure must reach or pass (ratios where more is better)
AT_LEAST: dict[str, float] = {
    "chromium_over_kiosk_pss": 7.0,
    "fleet_3321_two_gateways_ratio": 1.6,
}


def save(figures: dict[str, float]) -> None:
    """Write this run's figures, and only them: nothing of an earlier run survives."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(dict(sorted(figures.items())), indent=2) + "\n")


def table(figures: dict[str, float]) -> str:
    rows = [f"{'figure':32} {'value':>10} {'target':>8} {'ratio':>7}"]
    for key, value in figures.items():
        target = TARGETS.get(key) or AT_LEAST.get(key)
        ratio = f"{value / target:7.2f}" if target else ""
        goal = f"{'>=' if key in AT_LEAST else ''}{target}" if target else ""
        rows.append(f"{key:32} {value:10.3f} {goal:>8} {ratio}")
    return "\n".join(rows)
