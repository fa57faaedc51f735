"""The outbox on real SQLite: order, atomic commits, a SIGKILL, the size cap and the disk floor."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from firmware.services.outbox import Outbox, OutboxEvent, OutboxFull, SlipStub

from .conftest import REPO


def event(kind: str, n: int, size: int = 10) -> OutboxEvent:
    return OutboxEvent(kind, {"n": n, "pad": "x" * size, "name": "Nguyễn Văn Ả"}, "2026-11-24T09:30:00+07:00")


def test_events_keep_their_order_ids_and_bodies(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    first = box.commit([event("usage", 1), event("usage", 2)])
    second = box.commit([event("rating", 3)])
    assert first[1] > first[0] and second[0] > first[1]
    pending = box.pending()
    assert [e.body["n"] for e in pending] == [1, 2, 3]
    assert len({e.id for e in pending}) == 3 and pending[0].body["name"] == "Nguyễn Văn Ả"
    assert box.delete([pending[1].id]) == 1
    assert [e.body["n"] for e in box.pending()] == [1, 3]


def test_store_settings(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    db = box._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_a_commit_is_all_or_nothing(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    duplicate = event("dossier", 2)
    box.commit([duplicate])
    with pytest.raises(sqlite3.IntegrityError):
        box.commit([event("part", 1), duplicate])  # the second row clashes: the first must not stay
    assert [e.body["n"] for e in box.pending()] == [2]


def test_stub_is_committed_with_the_dossier_and_kept_after_it(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    dossier = event("dossier", 1)
    stub = SlipStub("kiosk-01-261124-0001", dossier.id, "1.001193", "Đăng ký khai sinh",
                    "2026-11-24T09:30:00+07:00", "2026-11-25")
    box.commit([dossier], stub)
    assert [s.receipt_code for s in box.unprinted_stubs()] == ["kiosk-01-261124-0001"]
    box.delete([dossier.id])
    box.mark_printed(stub.receipt_code)
    kept = box.stub(stub.receipt_code)
    assert kept is not None and kept.printed and kept.procedure_name == "Đăng ký khai sinh"
    assert box.unprinted_stubs() == []


def test_receipt_codes_never_repeat(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path)
    day = date(2026, 11, 24)
    codes = [box.reserve_receipt_code("kiosk-01", day) for _ in range(3)]
    assert all(re.fullmatch(r"kiosk-01-261124-\d{4}", code) for code in codes) and len(set(codes)) == 3
    box.reserve_receipt_code("kiosk-01", date(2026, 11, 25))
    box.close()
    again = Outbox(path)  # restarted, and the clock jumped back a day
    assert again.reserve_receipt_code("kiosk-01", day) not in codes


def test_receipt_codes_are_not_guessable_from_one_another(tmp_path: Path) -> None:
    """The day's counter through a keyed permutation: every code differs, none follows from the one before,
    and another kiosk (another key) has another order."""
    day = date(2026, 11, 24)
    first, second = Outbox(tmp_path / "a.db"), Outbox(tmp_path / "b.db")
    numbers = [int(first.reserve_receipt_code("kiosk-01", day)[-4:]) for _ in range(300)]
    others = [int(second.reserve_receipt_code("kiosk-01", day)[-4:]) for _ in range(300)]
    assert len(set(numbers)) == 300 and all(1 <= n <= 9999 for n in numbers)
    steps = [b - a for a, b in zip(numbers, numbers[1:], strict=False)]
    assert sum(1 for step in steps if abs(step) <= 10) < 10, "codes must not run in sequence"
    assert sum(a == b for a, b in zip(numbers, others, strict=True)) < 5, "each kiosk has its own key"


def test_size_cap_refuses_dossiers_and_says_why(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_bytes=3000, min_free_bytes=0)
    box.commit([event("dossier", 1, size=2000)])
    with pytest.raises(OutboxFull, match=r"outbox full: \d+ bytes waiting, cap 3000"):
        box.commit([event("dossier", 2, size=2000)])
    box.commit([event("usage", 3)])  # small telemetry still goes in
    assert box.status(0)["accepting"] is True
    assert [e.body["n"] for e in box.pending()] == [1, 3]


def test_disk_floor_refuses_dossiers(tmp_path: Path) -> None:
    free = {"bytes": 10**9}
    box = Outbox(tmp_path / "outbox.db", min_free_bytes=50 * 2**20, free_bytes=lambda _: free["bytes"])
    box.commit([event("dossier", 1)])
    free["bytes"] = 10 * 2**20
    assert box.refusal() == f"disk almost full: {10 * 2**20} bytes free, floor {50 * 2**20}"
    with pytest.raises(OutboxFull, match="disk almost full"):
        box.commit([event("dossier", 2)])
    assert box.status(0)["accepting"] is False


WRITER = textwrap.dedent("""
    import sys
    from firmware.services.outbox import Outbox, OutboxEvent
    box = Outbox(sys.argv[1])
    n = 0
    while True:
        n += 1
        pair = [OutboxEvent("part", {"n": n, "half": 1, "pad": "x" * 4000}, "t"),
                OutboxEvent("dossier", {"n": n, "half": 2}, "t")]
        box.commit(pair)
        print(n, flush=True)
""")


def test_sigkill_between_commits_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    assert writer.stdout is not None
    confirmed = 0
    for line in writer.stdout:
        confirmed = int(line)
        if confirmed >= 40:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    box = Outbox(path)
    events = box.pending(limit=100000)
    numbers = [e.body["n"] for e in events]
    assert len(numbers) % 2 == 0, "a commit was half stored"
    assert numbers[::2] == numbers[1::2] == list(range(1, len(numbers) // 2 + 1))
    assert len(numbers) // 2 >= confirmed, "a confirmed commit was lost"
    assert [e.body["half"] for e in events[:2]] == [1, 2]


def test_running_totals_follow_every_commit_and_delete_and_are_rebuilt_for_an_older_outbox(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    events = [event("usage", n, size=n * 7) for n in range(30)]
    box.commit(events[:20])
    box.commit(events[20:])
    box.delete([e.id for e in events[::3]])
    truth = sqlite3.connect(tmp_path / "outbox.db").execute("SELECT COUNT(*), SUM(size) FROM events").fetchone()
    assert (box.backlog(), box.stored_bytes()) == truth == (20, truth[1])
    box.close()
    older = sqlite3.connect(tmp_path / "outbox.db")  # an outbox written before the totals existed
    older.executescript("DROP TRIGGER totals_in; DROP TRIGGER totals_out; DROP TABLE totals;")
    older.close()
    again = Outbox(tmp_path / "outbox.db")
    assert (again.backlog(), again.stored_bytes()) == truth


def test_printed_stubs_expire_after_sixty_days_and_unprinted_ones_stay(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db")
    def stub(n: int, day: str) -> tuple[OutboxEvent, SlipStub]:
        dossier = event("dossier", n)
        return dossier, SlipStub(f"k-{n:04d}", dossier.id, "1.001193", "Đăng ký khai sinh", f"{day}T09:30:00+07:00",
                                 None)
    for n, day in ((1, "2026-08-01"), (2, "2026-08-02"), (3, "2026-11-01")):
        dossier, slip = stub(n, day)
        box.commit([dossier], slip)
    box.mark_printed("k-0001")
    box.mark_printed("k-0003")
    dossier, slip = stub(4, "2026-12-01")  # sixty days after 2026-10-02
    box.commit([dossier], slip)
    assert box.stub("k-0001") is None  # printed and old: gone
    assert box.stub("k-0002") is not None  # old but never printed: kept until it is
    assert box.stub("k-0003") is not None and box.stub("k-0004") is not None


def test_a_commit_wakes_the_sender_at_once(tmp_path: Path) -> None:
    """An idle sender looks at the outbox only every few seconds; a commit wakes it for the loop's next turn."""
    from firmware.runtime.timers import Timers

    timers, looked = Timers(), []

    def sender(now: float) -> float:
        looked.append(now)
        return now + 5.0

    timers.add("outbox-sender", sender, 0.0)
    box = Outbox(tmp_path / "outbox.db")
    box.on_commit = lambda: timers.wake("outbox-sender")
    timers.run(0.0)
    timers.run(1.0)
    assert looked == [0.0]  # idle: not looked at again before 5 s
    box.commit([OutboxEvent("rating", {"x": 1}, "2026-12-07T09:00:00+07:00")])
    timers.run(1.1)
    assert looked == [0.0, 1.1]
    box.commit([])  # nothing stored: nothing to send
    timers.run(1.2)
    assert looked == [0.0, 1.1]
