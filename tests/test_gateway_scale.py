"""The gateway's scaling seams: an early manifest completed by its last page, batches whose bad event is undone
alone, stable client ids per process, and a persistent session that keeps what kiosks sent while it was away."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from firmware.common.protocol import Envelope
from province import instance
from province.broker import Broker
from province.store import Store
from tests.conftest import REPO, gateway_config, wait_until
from tests.test_gateway_poison import GOOD_DOSSIER, Probe

UNIT = "000.00.20.H26"
NOW = datetime.fromisoformat("2026-11-24T10:00:05+07:00")
PAGE = b"\xff\xd8 a scanned page \xff\xd9"


def manifest_and_page(dossier_id: str) -> tuple[Envelope, Envelope]:
    sha = hashlib.sha256(PAGE).hexdigest()
    body: dict[str, Any] = {**GOOD_DOSSIER, "pages": [{"sha256": sha, "bytes": len(PAGE), "document": "giay"}]}
    part = Envelope(uuid.uuid4().hex, 1, "2026-11-24T10:00:00+07:00", "part",
                    {"dossier_id": dossier_id, "sha256": sha, "bytes": len(PAGE), "data": PAGE})
    return Envelope(dossier_id, 2, "2026-11-24T10:00:00+07:00", "dossier", body), part


def test_a_manifest_before_its_page_is_kept_and_acknowledged_with_the_page(store_location: str) -> None:
    store = Store(store_location, UNIT)
    try:
        dossier_id = uuid.uuid4().hex
        manifest, part = manifest_and_page(dossier_id)
        early = store.handle("hn", "kiosk-x", manifest, NOW)
        assert early.ack == [] and early.keep and "not received yet" in early.problem
        assert store.handle("hn", "kiosk-x", manifest, NOW).ack == []  # sent again meanwhile: still waiting
        assert store.dossiers() == []
        completed = store.handle("hn", "kiosk-x", part, NOW)
        assert completed.ack == [part.id, dossier_id]
        code = completed.official[dossier_id]["code"]
        assert [d["code"] for d in store.dossiers()] == [code]
        again = store.handle("hn", "kiosk-x", manifest, NOW)  # its ack was lost: the same code again
        assert again.ack == [dossier_id] and again.official[dossier_id]["code"] == code
        assert store.db.execute("SELECT COUNT(*) FROM waiting").fetchone()[0] == 0
    finally:
        store.close()


def test_another_kiosks_page_does_not_complete_a_waiting_manifest(store_location: str) -> None:
    store = Store(store_location, UNIT)
    try:
        dossier_id = uuid.uuid4().hex
        manifest, part = manifest_and_page(dossier_id)
        store.handle("hn", "kiosk-x", manifest, NOW)
        assert store.handle("hn", "kiosk-y", part, NOW).ack == [part.id]
        assert store.dossiers() == []
    finally:
        store.close()


def test_a_batch_undoes_only_its_bad_event(store_location: str) -> None:
    store = Store(store_location, UNIT)
    try:
        good = [Envelope(uuid.uuid4().hex, n, "2026-11-24T10:00:00+07:00", "usage", {"n": n}) for n in range(5)]
        broken = Envelope(uuid.uuid4().hex, 9, "2026-11-24T10:00:00+07:00", "part",
                          {"dossier_id": "d", "sha256": "0" * 64, "data": b"not that"})
        with store.transaction():
            outcomes = [store.handle_in_batch("hn", "kiosk-x", e, NOW) for e in [*good[:2], broken, *good[2:]]]
        assert [o.ack for o in outcomes] == [[good[0].id], [good[1].id], [], *[[e.id] for e in good[2:]]]
        assert "SHA-256" in outcomes[2].problem
        assert store.count("usage") == 5 and store.count("part") == 0
    finally:
        store.close()


def test_each_gateway_process_of_a_machine_has_its_own_stable_client_id(tmp_path: Path) -> None:
    first, held = instance.claim("gateway", lock_dir=tmp_path)
    second, held_too = instance.claim("gateway", lock_dir=tmp_path)
    assert first.endswith("-1") and second.endswith("-2")
    assert held is not None and held_too is not None
    held.close()  # the first process ended: the next one takes its slot, and its session, back
    again, held_again = instance.claim("gateway", lock_dir=tmp_path)
    assert again == first
    named, none = instance.claim("gateway", "east", lock_dir=tmp_path)
    assert named.endswith("-east") and none is None
    for handle in (held_too, held_again):
        assert handle is not None
        handle.close()


def test_events_sent_while_the_gateway_was_down_wait_in_its_session(tmp_path: Path, broker: Broker,
                                                                     store_location: str) -> None:
    config = gateway_config(tmp_path, broker, store_location)
    command = [sys.executable, "-m", "firmware", "gateway", "--config", str(config), "--instance", "solo"]
    probe = Probe(broker.port)
    try:
        gateway = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
        assert gateway.stderr is not None
        while "gateway connected" not in (line := gateway.stderr.readline()):
            assert line, "the gateway ended before it connected"
        gateway.kill()  # no goodbye: the broker keeps its session
        gateway.wait(timeout=10)
        sent = [Envelope(uuid.uuid4().hex, n, "2026-11-24T10:00:00+07:00", "usage", {"n": n}) for n in range(5)]
        for event in sent:
            probe.publish("evt/usage", event.pack())  # once each: this probe never sends again
        gateway = subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL, text=True)
        wait_until(lambda: probe.acked() == len(sent), seconds=30)
    finally:
        probe.close()
        gateway.kill()
        gateway.wait(timeout=10)
    assert sorted(i for ids in probe.acks for i in ids) == sorted(e.id for e in sent)


OPEN_STORE = """
import sys, time
from pathlib import Path
from province.store import Store
location, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:  # every process opens at the same moment
    pass
ingest, answers = Store(location, "000.00.20.H26"), Store(location, "000.00.20.H26")  # as a gateway opens it
ingest.close()
answers.close()
"""


def test_gateways_started_together_on_one_new_sqlite_store_all_open_it(tmp_path: Path) -> None:
    """Gateways of one machine started at the same moment on a store not yet made: one of them used to end with
    'database is locked' (each made the WAL file and the schema at once)."""
    for attempt in range(5):
        location, go = str(tmp_path / f"province-{attempt}.db"), tmp_path / f"go-{attempt}"
        ready = [tmp_path / f"ready-{attempt}-{n}" for n in range(4)]
        starting = [subprocess.Popen([sys.executable, "-c", OPEN_STORE, location, str(flag), str(go)], cwd=REPO,
                                     stderr=subprocess.PIPE, text=True) for flag in ready]
        wait_until(lambda: all(flag.exists() for flag in ready), seconds=30)  # noqa: B023 - used at once
        go.touch()
        said = [(process.wait(timeout=60), process.stderr.read() if process.stderr else "") for process in starting]
        assert [code for code, _ in said] == [0] * 4, [text[-300:] for code, text in said if code]
