"""Rating at the kiosk: offered at the end of a visit, from `home` by the slip's code, and from a returned dossier;
3 levels by default, 5 levels and criteria from the province's catalog; one rating per dossier; the rating goes
through the outbox with nothing of the citizen, and the gateway counts it by official (`ratings --json`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest

from firmware.app.compose import App
from firmware.app.sim import Simulator
from firmware.common.catalog import default_catalog_text
from firmware.runtime.config import ConfigError
from firmware.runtime.events import MqttMessage
from firmware.services.rating import Rated
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .test_link import kiosk, pump
from .test_submission_flow import SUBMIT, to_review

FIVE = ["Rất hài lòng", "Hài lòng", "Bình thường", "Chưa hài lòng", "Rất không hài lòng"]


def ratings_in(sim: Simulator) -> list[dict]:  # type: ignore[type-arg]
    return [e.body for e in sim.app.outbox.pending() if e.kind == "rating"]


def catalog_with(tmp_path: Path, rating: object) -> str:
    data = json.loads(default_catalog_text())
    data["rating"] = rating
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return f'[submission]\ncatalog = "{path}"\n'


def test_three_levels_by_default_offered_at_the_end_of_a_visit(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(*SUBMIT, ("expect_screen", "done"), ("tap", "Đánh giá"), ("expect_screen", "rate"),
                  ("expect_text", "Rất hài lòng"), ("expect_text", "Hài lòng"), ("expect_text", "Không hài lòng"),
                  ("tap", "Rất hài lòng"), ("expect_text", "Bạn có muốn cho biết lý do không?"),
                  ("tap", "Giải quyết nhanh"), ("expect_text", "Cảm ơn bạn đã đánh giá")))
    (body,) = ratings_in(sim)
    record = next(e.body for e in sim.app.outbox.pending() if e.kind == "dossier")
    assert body["dossier"] == record["receipt_code"] and body["scale"] == 3 and body["level_index"] == 0
    assert body["reason"] == "Giải quyết nhanh" and body["procedure"] == "Đăng ký khai sinh"
    text = json.dumps(body, ensure_ascii=False)
    for personal in ("Nguyễn", "001303004567", "Ánh"):
        assert personal not in text, "a rating carries nothing of the citizen"
    sim.run(steps(("tap", "Kết thúc"), ("expect_screen", "attract")))
    assert sim.app.kiosk.session.identity is None


def test_a_dossier_is_rated_once_the_second_time_says_when(sim: Simulator) -> None:
    to_review(sim)
    sim.run(steps(*SUBMIT, ("tap", "Đánh giá"), ("tap", "Hài lòng"), ("tap", "Bỏ qua"),
                  ("expect_text", "Cảm ơn"), ("tap", "Kết thúc")))
    code = ratings_in(sim)[0]["dossier"]
    sim.run(steps(("presence", False), ("presence", True), ("tap", "Đánh giá"), ("expect_screen", "lookup"),
                  ("present_qr", code),
                  ("expect_screen", "rate"), ("expect_text", "đã được đánh giá ngày 24/11/2026"),
                  ("expect_no_text", "Rất hài lòng")))
    assert len(ratings_in(sim)) == 1


def test_five_levels_and_criteria_from_the_catalog(make_app: Callable[..., App], tmp_path: Path) -> None:
    config = catalog_with(tmp_path, {"levels": FIVE, "criteria": [
        {"key": "thai_do", "question": "Thái độ của cán bộ?"},
        {"key": "thoi_gian", "question": "Thời gian giải quyết?"}], "reasons": ["Chờ lâu", "Khác"]})
    sim = Simulator(make_app(config))
    sim.settle()
    to_review(sim)
    sim.run(steps(*SUBMIT, ("tap", "Đánh giá"), *[("expect_text", level) for level in FIVE],
                  ("tap", "Bình thường"), ("expect_text", "Thái độ của cán bộ?"), ("tap", "Rất hài lòng"),
                  ("expect_text", "Thời gian giải quyết?"), ("tap", "Quay lại"),
                  ("expect_text", "Thái độ của cán bộ?"), ("tap", "Chưa hài lòng"), ("tap", "Rất không hài lòng"),
                  ("tap", "Chờ lâu"), ("expect_text", "Cảm ơn bạn đã đánh giá")))
    (body,) = ratings_in(sim)
    assert (body["scale"], body["level"], body["level_index"]) == (5, "Bình thường", 2)
    assert body["criteria"] == {"thai_do": "Chưa hài lòng", "thoi_gian": "Rất không hài lòng"}
    assert body["reason"] == "Chờ lâu"


@pytest.mark.parametrize("rating", [{"levels": ["Tốt"]}, {"levels": ["A", "B", "C", "D", "E", "F"]},
                                    {"levels": ["A", "A"]}, {"levels": "A, B"},
                                    {"levels": ["A", "B"], "criteria": [{"key": "thái độ", "question": "?"}]}])
def test_a_bad_rating_scale_in_the_catalog_is_named(make_app: Callable[..., App], tmp_path: Path,
                                                    rating: object) -> None:
    with pytest.raises(ConfigError, match=r"\[submission\] catalog: .*rating"):
        make_app(catalog_with(tmp_path, rating))


def test_a_returned_dossier_is_rated_and_counted_by_its_official(make_app: Callable[..., App], broker: Broker,
                                                                 gateway: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    to_review(sim)
    sim.run(steps(*SUBMIT, ("tap", "Kết thúc")))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    code = sim.app.kiosk.submissions.last.record["official_code"]  # type: ignore[union-attr]
    province = [sys.executable, "-m", "firmware", "gateway", "--config", str(gateway)]
    done = subprocess.run([*province, "set-status", code, "returned", "--official", "Trần Văn Bình"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    sim.run(steps(("presence", False), ("presence", True), ("tap", "Tra cứu hồ sơ"), ("present_qr", code)))
    wait_until(lambda: sim.app.stack.top_name == "status", step=pump(sim))
    sim.run(steps(("expect_text", "Đã trả kết quả"), ("expect_no_text", "Bổ sung giấy tờ"), ("tap", "Đánh giá"),
                  ("tap", "Không hài lòng"), ("tap", "Phải chờ lâu"), ("expect_text", "Cảm ơn")))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    counted = subprocess.run([*province, "ratings", "--json"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert [json.loads(line) for line in counted.stdout.splitlines()] == [
        {"unit": "000.00.20.H26", "official": "Trần Văn Bình", "procedure": "Đăng ký khai sinh",
         "level": "Không hài lòng", "level_index": 2, "scale": 3, "count": 1}]

    other = kiosk(make_app, broker, "kiosk-sim-02")  # another kiosk, which took no rating itself: the province knows
    wait_until(lambda: other.app.kiosk.health["network"] == "up", step=pump(other))
    other.run(steps(("presence", True), ("tap", "Đánh giá"), ("present_qr", code)))
    wait_until(lambda: other.app.stack.top_name == "rate", step=pump(other))
    other.run(steps(("expect_text", "đã được đánh giá ngày"), ("expect_no_text", "Rất hài lòng")))
    assert not ratings_in(other)


@pytest.mark.parametrize("payload", [b"\xc1 not msgpack", msgpack.packb({"ids": 5}), msgpack.packb(["x"] * 3),
                                     msgpack.packb({"ids": [{"a": 1}], "official": "nope"})])
def test_a_malformed_ack_of_a_rating_is_dropped_and_the_rating_kept(make_app: Callable[..., App], broker: Broker,
                                                                    payload: bytes) -> None:
    sim = kiosk(make_app, broker)
    assert sim.app.kiosk.ratings.rate(Rated("000.00.20.H26-261124-0001"), 0, {}, "")
    sender = sim.app.sender
    assert sender is not None
    sim.app.inbox.post(MqttMessage(f"motcua/v1/hn/{sim.app.config.kiosk.id}/ack", payload, "ack"))
    sim.settle(3)
    assert sim.app.loop.running and len(ratings_in(sim)) == 1
    assert sender.dropped_messages == 1, "logged and dropped"
