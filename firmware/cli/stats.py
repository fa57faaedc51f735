"""`motcua gateway stats [--since DATE] [--until DATE] [--by kiosk|procedure|day|hour|outcome ...] [--json|--csv]`:
the visits the kiosks reported, counted (province/stats.py), as a table on a terminal, JSON Lines or CSV; and
`motcua gateway report --out DIR`, the same with charts (province/report.py)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from typing import Any

from firmware.cli.common import UsageError


def add_options(gateway: argparse.ArgumentParser) -> None:
    gateway.add_argument("--until", default=None, help="stats: the last day counted, YYYY-MM-DD")
    gateway.add_argument("--by", nargs="+", default=[], metavar="GROUP",
                         help="stats: group by kiosk, procedure, day, hour, outcome (also woken_by, ended_by, "
                              "abandoned_at), in that order")
    gateway.add_argument("--csv", action="store_true", help="stats as CSV")
    gateway.add_argument("--out", default=None, help="report: the folder for report.html and its charts (PNG)")


def day(flag: str, value: str | None) -> date | None:
    """A day option (`--since`, `--until`) as YYYY-MM-DD, or a usage error that says so."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise UsageError(f"{flag} {value!r}: a day as YYYY-MM-DD") from None


def period(args: argparse.Namespace) -> tuple[date | None, date | None]:
    since, until = day("--since", args.since), day("--until", args.until)
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    return since, until


def cmd_stats(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    from province.stats import GROUPS, summarize, visits
    from province.store import Store

    if args.params:
        raise UsageError(f"gateway stats takes no arguments, got {' '.join(args.params)!r}")
    unknown = [group for group in args.by if group not in GROUPS]
    if unknown:
        raise UsageError(f"--by {unknown[0]!r}: one of {', '.join(GROUPS)}")
    since, until = period(args)
    store = Store(store_path, unit_code)
    try:
        rows = summarize(visits(store.db, since, until), tuple(args.by))
    finally:
        store.close()
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    elif args.csv:
        write_csv(rows, tuple(args.by))
    else:
        print_table(rows, tuple(args.by))
    return 0


def _stops(row: dict[str, Any]) -> str:
    return ", ".join(f"{screen} {n}" for screen, n in row["abandoned_at"].items()) or "-"


def write_csv(rows: list[dict[str, Any]], by: tuple[str, ...]) -> None:
    from province.stats import COUNTS

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([*by, *COUNTS, "median_visit_s", "abandoned_at"])
    for row in rows:
        writer.writerow([*(row[g] for g in by), *(row[c] for c in COUNTS),
                         "" if row["median_visit_s"] is None else row["median_visit_s"],
                         ";".join(f"{screen}:{n}" for screen, n in row["abandoned_at"].items())])


def print_table(rows: list[dict[str, Any]], by: tuple[str, ...]) -> None:
    from province.stats import COUNTS

    header = [*by, *COUNTS, "median_visit_s", "abandoned_at"]
    cells = [[str(row[g]) for g in by] + [str(row[c]) for c in COUNTS]
             + ["-" if row["median_visit_s"] is None else str(row["median_visit_s"]), _stops(row)] for row in rows]
    if not cells:
        print("motcua gateway: no visits reported in that period")
        return
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    for line in (header, *cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def cmd_report(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    """`motcua gateway report --out DIR [--since DATE] [--until DATE]`: DIR/report.html and the charts as PNG."""
    from pathlib import Path

    from province.report import ReportError, write
    from province.store import Store

    if args.params or not args.out:
        raise UsageError("usage: motcua gateway report --out DIR [--since YYYY-MM-DD] [--until YYYY-MM-DD]")
    since, until = period(args)
    store = Store(store_path, unit_code)
    try:
        target = write(store.db, Path(args.out), since, until, date.today())
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        print(f"motcua gateway: cannot write the report in {args.out}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"motcua gateway: {target} and its charts")
    return 0
