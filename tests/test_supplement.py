"""A citizen's dossiers by the ID card, and papers brought later (bổ sung), through a real mosquitto and the
reference gateway: the card lists the citizen's dossiers; need_more offers `Bổ sung giấy tờ`, which needs the card
that filed the dossier; the pages arrive at the gateway with the dossier, once, even across a kill -9."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import msgpack
import pytest
from PIL import Image, ImageDraw

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.rules.pages import page_from_image
from firmware.runtime.events import MqttMessage, Response
from firmware.services.outbox import Outbox, OutboxEvent
from province.broker import Broker
from province.db import Db, connect

from .conftest import REPO, steps, wait_until
from .test_link import kiosk, kiosk_config, pump
from .test_submission_flow import CARD, PAGE, SUBMIT, to_review

OTHER_CARD = "079090001234|987654321|Trần Văn Cường|01011990|Nam|12 Lê Lợi, Huế|01012022"
ASKED = "Giấy chứng sinh bản chính"


def province(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "firmware", "gateway", *args, "--config", str(config)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def store_of(config: Path) -> closing[Db]:
    """The gateway's store, SQLite or PostgreSQL, closed after the `with`."""
    return closing(connect(tomllib.loads(config.read_text(encoding="utf-8"))["gateway"]["store"]))


def submitted(make_app: Callable[..., App], broker: Broker) -> tuple[Simulator, str]:
    """A kiosk on the broker, a birth registration filed with CARD and acknowledged: its official code."""
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    to_review(sim)
    sim.run(steps(*SUBMIT, ("tap", "Kết thúc")))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    return sim, sim.app.kiosk.submissions.last.record["official_code"]  # type: ignore[union-attr]


def until(sim: Simulator, screen: str, text: str = "") -> None:
    """Wait for a screen, and for an answer from the province drawn on it."""
    wait_until(lambda: sim.app.stack.top_name == screen, step=pump(sim))
    sim.settle(2)
    if text:
        wait_until(lambda: any(text in drawn for drawn in sim.app.loop.canvas.drawn), step=pump(sim))


def test_the_card_lists_the_citizens_dossiers_and_opens_one(make_app: Callable[..., App], broker: Broker,
                                                             gateway: Path) -> None:
    sim, code = submitted(make_app, broker)
    province(gateway, "set-status", code, "processing")
    sim.run(steps(("presence", False), ("presence", True), ("tap", "Tra cứu hồ sơ"), ("tap", "Dùng thẻ căn cước"),
                  ("expect_screen", "login"), ("present_qr", CARD)))
    until(sim, "dossiers", "Đang xử lý")
    sim.run(steps(("tap", "Đăng ký khai sinh")))
    until(sim, "status")
    sim.run(steps(("expect_text", code), ("expect_text", "Đang xử lý"), ("expect_text", "Đã tiếp nhận"),
                  ("tap", "Kết thúc"), ("expect_screen", "attract")))

    sim.run(steps(("presence", False), ("presence", True), ("tap", "Tra cứu hồ sơ"), ("tap", "Dùng thẻ căn cước"),
                  ("present_qr", OTHER_CARD)))  # someone who filed nothing
    until(sim, "dossiers", "Chưa có hồ sơ nào")


def another_page(tmp_path: Path) -> str:
    """The demo certificate with a mark on it: a page the dossier does not hold yet."""
    path = tmp_path / "ban_chinh.png"
    with Image.open(PAGE) as image:
        marked = image.convert("RGB")
    ImageDraw.Draw(marked).rectangle((40, 40, 400, 160), fill=(0, 0, 0))
    marked.save(path)
    return str(path)


def test_need_more_then_supplement_with_the_right_card(make_app: Callable[..., App], broker: Broker,
                                                       gateway: Path, tmp_path: Path) -> None:
    sim, code = submitted(make_app, broker)
    province(gateway, "set-status", code, "need_more", "--documents", ASKED, "--note", "Bản chụp bị mờ")
    short = code.split("-", 1)[1].replace("-", "")
    sim.run(steps(("presence", False), ("presence", True), ("tap", "Tra cứu hồ sơ"), ("tap", "Nhập mã hồ sơ"),
                  ("type", short), ("tap", "Tra cứu")))
    until(sim, "status")
    sim.run(steps(("expect_text", "Cần bổ sung giấy tờ"), ("expect_no_text", "Đánh giá"),
                  ("tap", "Bổ sung giấy tờ"), ("expect_screen", "login"), ("present_qr", OTHER_CARD)))
    until(sim, "lookup", "không được nộp bằng thẻ căn cước")
    assert not [e for e in sim.app.outbox.pending() if e.kind == "supplement"]

    sim.run(steps(("tap", "Quay lại"), ("expect_screen", "status"), ("tap", "Bổ sung giấy tờ"),
                  ("expect_screen", "login"), ("present_qr", CARD)))  # the right card: a new visit, same errand
    until(sim, "documents", ASKED)
    sim.run(steps(("insert_document", another_page(tmp_path)), ("expect_text", "Đã quét 1 trang"),
                  ("tap", "Tiếp tục"), ("expect_screen", "status"), ("expect_text", "Đã nhận giấy tờ bổ sung"),
                  ("expect_text", "Đã bổ sung"), ("expect_no_text", "Bổ sung giấy tờ")))
    printer = sim.app.kiosk.supplements.printer
    wait_until(lambda: str(printer.last_slip_code).startswith("supplement:"), step=pump(sim))  # the short slip
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    history = province(gateway, "history", code, "--json").stdout
    assert "supplemented" in history and ASKED in history
    with store_of(gateway) as db:
        (dossier_id,) = db.execute("SELECT id FROM dossiers WHERE code = ?", (code,)).fetchone()
        pages = db.execute("SELECT COUNT(*) FROM parts WHERE dossier_id = ?", (dossier_id,)).fetchone()[0]
    assert pages == 2, "the first page, then the one brought later"
    assert not any(key.startswith("bo_sung_") for key in sim.app.kiosk.session.pages), "sent: no copy kept"


def test_a_malformed_dossiers_answer_is_no_answer(make_app: Callable[..., App], broker: Broker) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.run(steps(("presence", True), ("tap", "Tra cứu hồ sơ"), ("tap", "Dùng thẻ căn cước"), ("present_qr", CARD),
                  ("expect_screen", "dossiers"), ("expect_text", "Đang tra cứu")))
    requests = sim.app.requests
    assert requests is not None
    (correlation,) = requests.pending  # no gateway: nobody answers but us
    bad = {"dossiers": [{"code": 7, "received_at": "yesterday"}]}
    requests.on_response(MqttMessage("res", msgpack.packb(bad), "res", correlation))
    sim.settle(3)
    handled = [e for e in sim.app.loop.handled_events if isinstance(e, Response)]
    assert handled[-1].outcome == "malformed"
    sim.run(steps(("expect_text", "Không kết nối được với hệ thống"), ("expect_screen", "dossiers")))
    assert sim.app.loop.running


def test_offline_the_card_list_says_so_at_once(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Tra cứu hồ sơ"), ("tap", "Dùng thẻ căn cước"), ("present_qr", CARD),
                  ("expect_screen", "dossiers"), ("expect_text", "Không kết nối được với hệ thống"),
                  ("expect_no_text", "Đang tra cứu")))


def supplement_events(dossier_code: str) -> list[OutboxEvent]:
    with Image.open(PAGE) as image:
        page = page_from_image(image, "bo_sung_0", ASKED, 0)
    supplement_id = uuid.uuid4().hex
    created = "2026-11-28T09:00:00+07:00"
    return [OutboxEvent("part", {"dossier_id": supplement_id, **page.manifest(), "data": page.data}, created),
            OutboxEvent("supplement", {"dossier": dossier_code, "receipt_code": "", "received_at": created,
                                       "documents": [ASKED], "pages": [page.manifest()]}, created, id=supplement_id)]


@pytest.mark.parametrize("manifest_first", [False, True])
def test_a_supplement_killed_between_commit_and_ack_arrives_once(make_app: Callable[..., App], broker: Broker,
                                                                  gateway: Path, tmp_path: Path,
                                                                  manifest_first: bool) -> None:
    sim, code = submitted(make_app, broker)
    province(gateway, "set-status", code, "need_more", "--documents", ASKED)
    config = kiosk_config(tmp_path, broker)
    outbox = Outbox(tomllib.loads(config.read_text(encoding="utf-8"))["outbox"]["path"])
    events = supplement_events(code)
    outbox.commit(events[::-1] if manifest_first else events)
    outbox.close()
    first = subprocess.run([sys.executable, "-m", "tests.kiosk_proc", str(config), "0", "1"], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == -9, first.stderr  # killed after the part's ack, before the supplement's
    if manifest_first:  # the gateway kept the early manifest and acknowledged it with its page, in one ack
        left = Outbox(tomllib.loads(config.read_text(encoding="utf-8"))["outbox"]["path"])
        assert [e.kind for e in left.pending()] == []
        left.close()
    second = subprocess.run([sys.executable, "-m", "tests.kiosk_proc", str(config), "0", "0"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    history = [line for line in province(gateway, "history", code, "--json").stdout.splitlines()
               if "supplemented" in line]
    assert len(history) == 1
    with store_of(gateway) as db:
        kinds = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'supplement'").fetchone()[0]
    assert kinds == 1
