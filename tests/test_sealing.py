"""Dossiers sealed to the province: nothing of a citizen lies on the kiosk's disk in clear, before or after the
ack; the gateway opens and checks every page; a tampered sealed part is rejected and reported, never stored."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common.protocol import Envelope, event_topic
from firmware.common.seal import SealError, context_of, open_sealed, public_key_from_text, seal
from firmware.services.outbox import Outbox, OutboxEvent
from province.store import Store
from province.unseal import Unsealer

from .conftest import steps, store_in, wait_until
from .secure_stack import SecureStack
from .test_link import pump
from .test_submission_flow import SUBMIT, to_review

NAME = "Nguyễn Thị Ngọc Ánh"
MARKERS = [NAME.encode(), unicodedata.normalize("NFD", NAME).encode(), b"001303004567", "Yên Phong".encode(),
           unicodedata.normalize("NFD", "Yên Phong").encode(), "Nguyễn Hoàng Bảo Ngọc".encode(), b"123456789"]


def disk_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def traces(folder: Path, page_bytes: list[bytes]) -> list[str]:
    raw = disk_bytes(folder)
    found = [marker.decode() for marker in MARKERS if marker in raw]
    for page in page_bytes:
        for start in range(100, len(page) - 64, max(1, len(page) // 8)):  # slices from the page's middle
            piece = page[start:start + 48]
            if len(set(piece)) >= 24 and piece in raw:  # a distinctive slice, not a run of zeros
                found.append(f"page bytes at {start}")
                break
    return found


def test_the_seal_opens_only_with_the_province_key_and_only_for_its_event(secure: SecureStack) -> None:
    province = Unsealer.from_ca(secure.ca.directory)
    public = public_key_from_text(secure.ca.seal_public())
    sealed = seal(public, b"secret page", context_of("part", "e1"))
    assert open_sealed(province.key, sealed, context_of("part", "e1")) == b"secret page"
    for bad, context in ((sealed, context_of("part", "e2")), (sealed[:-1] + bytes([sealed[-1] ^ 1]),
                                                              context_of("part", "e1")), (sealed[:20], b"")):
        with pytest.raises(SealError):
            open_sealed(province.key, bad, context)


def test_nothing_of_the_citizen_on_disk_before_or_after_the_ack(make_app: Callable[..., App], secure: SecureStack,
                                                                secure_gateway: Path, tmp_path: Path) -> None:
    data = tmp_path / "kiosk-data"
    app = make_app(secure.kiosk_config("kiosk-a"), outbox=data / "outbox.db")
    sim = Simulator(app)
    sim.settle()
    wait_until(lambda: app.kiosk.health["network"] == "up", 30, step=pump(sim))
    sim.run(steps(("network", "down")))
    to_review(sim)
    pages = [page.data for group in app.kiosk.session.pages.values() for page in group]
    assert pages, "the dossier has a page"
    sim.run(steps(*SUBMIT, ("expect_screen", "done")))
    assert app.outbox.backlog() >= 2
    assert traces(data, pages) == [], "the outbox holds a citizen's data in clear"
    sim.run(steps(("network", "up")))
    wait_until(lambda: app.outbox.backlog() == 0, 60, step=pump(sim))
    assert traces(data, pages) == [], "a trace stayed after the ack"
    store = Store(store_in(tmp_path), "x")
    try:
        (dossier,) = store.dossiers()
        assert dossier["kiosk"] == "kiosk-a"
        data_of = store.page_data(dossier["id"])
        assert sorted(data_of) == sorted(hashlib.sha256(p).hexdigest() for p in pages)
        assert all(hashlib.sha256(v).hexdigest() == k for k, v in data_of.items()), "every page checked"
        body = store.db.execute("SELECT body FROM events WHERE id = ?", (dossier["id"],)).fetchone()[0]
        assert NAME.encode() in body, "the province can read what the kiosk could not"
    finally:
        store.close()


def test_a_tampered_or_unsealed_part_is_rejected_and_reported(secure: SecureStack, secure_gateway: Path,
                                                             tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "scratch.db", seal_to=public_key_from_text(secure.ca.seal_public()))
    page = b"\xff\xd8" + bytes(range(256)) * 40
    outbox.commit([OutboxEvent("part", {"dossier_id": "d1", "sha256": hashlib.sha256(page).hexdigest(),
                                        "bytes": len(page), "data": page}, "2026-12-06T09:00:00+07:00", id="p1")])
    (stored,) = outbox.pending()
    outbox.close()
    sealed = bytearray(stored.body["sealed"])
    sealed[len(sealed) // 2] ^= 0x01
    kiosk = secure.connect("kiosk-a")
    assert kiosk.client
    for event_id, body in (("p1", {"sealed": bytes(sealed)}), ("p2", {"dossier_id": "d1", "sha256": "0" * 64,
                                                                      "data": b"clear"})):
        kiosk.client.publish(event_topic("hn", "kiosk-a", "part"),
                             Envelope(event_id, 1, "2026-12-06T09:00:00+07:00", "part", body).pack(), qos=1)
    store_path = tmp_path / "province.db"

    def quarantined() -> list[dict[str, object]]:
        store = Store(store_path, "x")
        try:
            return store.quarantined()
        finally:
            store.close()

    wait_until(lambda: len(quarantined()) == 2, 20)
    reasons = {row["event_id"]: str(row["reason"]) for row in quarantined()}
    assert reasons["p1"].startswith("tampered"), reasons
    assert "unsealed" in reasons["p2"], reasons
    store = Store(store_path, "x")
    try:
        assert store.page_data("d1") == {}, "nothing of a tampered part is stored"
    finally:
        store.close()
    assert "REJECTED a sealed event from kiosk kiosk-a" in (tmp_path / "gateway.log").read_text()
