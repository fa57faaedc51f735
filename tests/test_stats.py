"""`motcua gateway stats`: visits reported by kiosks through the real broker and gateway, counted and grouped;
a table, JSON Lines and CSV; bad options said plainly."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from firmware.app.compose import App
from firmware.common.protocol import Envelope
from province.broker import Broker
from province.store import Store

from .conftest import REPO, steps, wait_until
from .test_link import CARD, kiosk, pump


def stats(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "gateway", "stats", "--config", str(config), *extra],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def test_visits_reach_the_province_and_are_counted(make_app: Callable[..., App], broker: Broker,
                                                    gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
                  ("tap", "Bắt đầu"), ("expect_screen", "form"), ("presence", False), ("wait", 200),
                  ("expect_screen", "attract")))
    sim.run(steps(("presence", True), ("tap", "Tra cứu hồ sơ"), ("wait", 200),
                  ("expect_screen", "attract")))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    (total,) = [json.loads(line) for line in stats(gateway, "--json").stdout.splitlines()]
    assert (total["visits"], total["submissions"], total["abandoned"]) == (2, 0, 2)
    assert total["abandoned_at"] == {"form": 1, "lookup": 1}
    by = [json.loads(line) for line in stats(gateway, "--by", "kiosk", "ended_by", "--json").stdout.splitlines()]
    assert [(r["kiosk"], r["ended_by"], r["visits"]) for r in by] == [
        ("kiosk-sim-01", "timeout", 1), ("kiosk-sim-01", "walked_away", 1)]


def visit(started: str, procedure: str | None, outcomes: list[str], duration: int,
          abandoned_at: str | None = None) -> dict[str, object]:
    return {"started": started, "duration_s": duration, "woken_by": "presence", "ended_by": "finished",
            "screens": ["home"], "furthest": "home", "abandoned_at": abandoned_at, "services": [],
            "procedure": procedure, "login": "qr", "outcome": outcomes[0] if outcomes else "nothing",
            "outcomes": outcomes}


def seeded(tmp_path: Path, broker: Broker) -> Path:
    from .conftest import gateway_config, store_in

    config = gateway_config(tmp_path, broker)
    store = Store(store_in(tmp_path), "000.00.20.H26")
    rows = [("kiosk-a", visit("2026-12-01T08:10:00+07:00", "1.001193", ["submitted", "rated"], 300)),
            ("kiosk-a", visit("2026-12-01T09:20:00+07:00", None, ["looked_up", "paid"], 120)),
            ("kiosk-b", visit("2026-12-02T08:05:00+07:00", "1.001193", [], 60, "review")),
            ("kiosk-b", visit("2026-12-03T14:00:00+07:00", "1.004222", ["submitted"], 500))]
    for n, (who, body) in enumerate(rows):
        store.handle("hn", who, Envelope(f"u{n}", n, body["started"], "usage", body), datetime.now())  # type: ignore[arg-type]
    store.close()
    return config


def test_grouped_counts_medians_and_the_period(tmp_path: Path, broker: Broker) -> None:
    config = seeded(tmp_path, broker)
    rows = [json.loads(line) for line in stats(config, "--by", "procedure", "--json").stdout.splitlines()]
    assert [(r["procedure"], r["visits"], r["submissions"], r["median_visit_s"]) for r in rows] == [
        ("-", 1, 0, 120), ("1.001193", 2, 1, 180), ("1.004222", 1, 1, 500)]
    (total,) = [json.loads(line) for line in stats(config, "--json").stdout.splitlines()]
    assert {k: total[k] for k in ("visits", "submissions", "lookups", "payments", "ratings", "abandoned")} == {
        "visits": 4, "submissions": 2, "lookups": 1, "payments": 1, "ratings": 1, "abandoned": 1}
    days = [json.loads(line) for line in stats(config, "--since", "2026-12-02", "--until", "2026-12-02", "--by",
                                               "day", "hour", "--json").stdout.splitlines()]
    assert days == [{"day": "2026-12-02", "hour": "08", "visits": 1, "submissions": 0, "lookups": 0, "payments": 0,
                     "ratings": 0, "abandoned": 1, "median_visit_s": 60, "abandoned_at": {"review": 1}}]
    table = stats(config, "--by", "kiosk").stdout.splitlines()
    assert table[0].split() == ["kiosk", "visits", "submissions", "lookups", "payments", "ratings", "abandoned",
                                "median_visit_s", "abandoned_at"]
    assert table[2].split() == ["kiosk-b", "2", "1", "0", "0", "0", "1", "280", "review", "1"]
    parsed = list(csv.reader(io.StringIO(stats(config, "--by", "outcome", "--csv").stdout)))
    assert parsed[0][0] == "outcome" and ["nothing", "1", "0", "0", "0", "0", "1", "60", "review:1"] in parsed


def test_bad_options_are_usage_errors(tmp_path: Path, broker: Broker) -> None:
    config = seeded(tmp_path, broker)
    for extra, said in ((("--by", "weather"), "--by 'weather': one of kiosk"), (("--since", "yesterday"),
                        "--since 'yesterday': a day as YYYY-MM-DD"),
                        (("--since", "2026-12-05", "--until", "2026-12-01"), "is after --until")):
        result = stats(config, *extra)
        assert result.returncode == 2 and said in result.stderr, result.stderr
    empty = stats(config, "--since", "2030-01-01")
    assert empty.returncode == 0 and "no visits reported" in empty.stdout
