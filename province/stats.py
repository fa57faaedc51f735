"""How the kiosks serve people, from the visits they report (`usage` events, firmware/services/usage.py): visits,
submissions, lookups, payments and ratings, where unfinished visits stopped, and the median visit time, grouped
by kiosk, procedure, day, hour or outcome. Read by `motcua gateway stats` and the report."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgpack

from province.db import Db

GROUPS = ("kiosk", "procedure", "day", "hour", "outcome", "woken_by", "ended_by", "abandoned_at")
COUNTS = ("visits", "submissions", "lookups", "payments", "ratings", "abandoned")
OUTCOME_COUNTS = {"submitted": "submissions", "looked_up": "lookups", "paid": "payments", "rated": "ratings"}


@dataclass(frozen=True)
class Visit:
    kiosk: str
    body: dict[str, Any]

    def value(self, group: str) -> str:
        started = str(self.body.get("started") or "")
        if group == "kiosk":
            return self.kiosk
        if group == "day":
            return started[:10] or "?"
        if group == "hour":
            return started[11:13] or "?"
        return str(self.body.get(group) or "-")


def visits(db: Db, since: date | None = None, until: date | None = None) -> list[Visit]:
    """The stored visits whose start falls in [since, until] (days, the kiosk's local time)."""
    found = []
    for kiosk, raw in db.execute("SELECT kiosk, body FROM events WHERE kind = 'usage' ORDER BY stored_at"):
        try:
            body = msgpack.unpackb(raw, raw=False)
        except (ValueError, msgpack.UnpackException):
            continue
        if not isinstance(body, dict):
            continue
        day = str(body.get("started") or "")[:10]
        if (since and day < since.isoformat()) or (until and day > until.isoformat()):
            continue
        found.append(Visit(str(kiosk), body))
    return found


def summarize(rows: Iterable[Visit], by: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One row per group (one in all without `by`), in the groups' order."""
    groups: dict[tuple[str, ...], list[Visit]] = {}
    for visit in rows:
        groups.setdefault(tuple(visit.value(g) for g in by), []).append(visit)
    table = []
    for key in sorted(groups):
        members = groups[key]
        counts = Counter({name: 0 for name in COUNTS})
        stops: Counter[str] = Counter()
        durations = []
        for visit in members:
            counts["visits"] += 1
            outcomes = visit.body.get("outcomes") or []
            for outcome in outcomes if isinstance(outcomes, list) else []:
                if outcome in OUTCOME_COUNTS:
                    counts[OUTCOME_COUNTS[outcome]] += 1
            stop = visit.body.get("abandoned_at")
            if stop:
                counts["abandoned"] += 1
                stops[str(stop)] += 1
            duration = visit.body.get("duration_s")
            if isinstance(duration, int | float) and not isinstance(duration, bool):
                durations.append(float(duration))
        table.append({**dict(zip(by, key, strict=True)), **{name: counts[name] for name in COUNTS},
                      "median_visit_s": round(statistics.median(durations)) if durations else None,
                      "abandoned_at": dict(stops.most_common())})
    return table
