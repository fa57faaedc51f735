"""The outbox as it fills (a kiosk offline for weeks): one commit and one `status()` with 1,000 and with 50,000
events waiting, and the ratio (goal: at most 3x)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from firmware.services.outbox import Outbox, OutboxEvent

SIZES = (1_000, 50_000)
REPEAT = 50


def _filled(path: Path, count: int) -> Outbox:
    box = Outbox(path, max_bytes=2**40, min_free_bytes=0)
    for start in range(0, count, 1000):
        box.commit([OutboxEvent("usage", {"n": n, "screens": ["home", "procedures"]}, "2026-11-24T09:30:00+07:00")
                    for n in range(start, min(count, start + 1000))])
    return box


def _ms(action: object) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _measure(box: Outbox) -> tuple[float, float]:
    page = {"dossier_id": "d", "data": b"\0" * 40_000}
    commit = _ms(lambda: box.commit([OutboxEvent("part", page, "2026-11-24T09:30:00+07:00")]))
    return commit, _ms(lambda: box.status(0))


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-outbox-") as scratch:
        for count in SIZES:
            box = _filled(Path(scratch) / f"outbox-{count}.db", count)
            commit, status = _measure(box)
            box.close()
            figures[f"outbox_commit_ms_{count}"] = round(commit, 3)
            figures[f"outbox_status_ms_{count}"] = round(status, 3)
    for what in ("commit", "status"):
        figures[f"outbox_{what}_ratio_50000_to_1000"] = round(
            figures[f"outbox_{what}_ms_50000"] / figures[f"outbox_{what}_ms_1000"], 2)
    return figures


if __name__ == "__main__":
    print(run())
