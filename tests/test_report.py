"""`motcua gateway report`: a kiosk's real visits through the broker and the gateway, written as one offline
Vietnamese HTML page with its charts, opened in a real headless Chromium, and the charts as PNG files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from firmware.app.compose import App
from province.broker import Broker

from .conftest import REPO, steps, wait_until
from .test_link import CARD, PAGE, kiosk, pump

CHARTS = ("theo-ngay", "theo-kiosk", "theo-linh-vuc", "theo-thu-tuc", "pheu", "hai-long", "dung-han", "truc-tuyen",
          "hang-doi")


def report(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware", "gateway", "report", "--out", str(out), "--config",
                           str(config), *extra], capture_output=True, text=True, cwd=REPO, timeout=120)


def screenshot(page: Path, png: Path) -> np.ndarray:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is installed by .ci/run (packages-debian.txt)"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={png.parent / 'chromium-profile'}", "--window-size=1000,2400",
                    f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert png.exists(), "chromium wrote no screenshot"
    return np.asarray(Image.open(png).convert("L"))


def test_a_report_of_real_visits_opens_offline_in_a_browser(make_app: Callable[..., App], broker: Broker,
                                                             gateway: Path, tmp_path: Path) -> None:
    sim = kiosk(make_app, broker)
    wait_until(lambda: sim.app.kiosk.health["network"] == "up", step=pump(sim))
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
                  ("tap", "Bắt đầu"), ("type", "An"), ("tap", "Tiếp tục"), ("type", "05112026"),
                  ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", PAGE),
                  ("expect_screen", "review"), ("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"),
                  ("expect_screen", "done"), ("tap", "Kết thúc"), ("expect_screen", "attract")))
    sim.run(steps(("presence", False), ("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD),
                  ("tap", "Đăng ký khai sinh"), ("tap", "Bắt đầu"), ("presence", False), ("wait", 200),
                  ("expect_screen", "attract")))
    wait_until(lambda: sim.app.outbox.backlog() == 0, step=pump(sim))
    out = tmp_path / "bao-cao"
    made = report(gateway, out)
    assert made.returncode == 0, made.stderr
    numbers = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (numbers["visits"], numbers["submissions"]) == (2, 1)
    assert numbers["by_field"] == {"Hộ tịch": 1} and numbers["by_procedure"] == {"Đăng ký khai sinh": 1}
    assert numbers["funnel"]["procedure"] == 2 and numbers["funnel"]["done"] == 1
    assert numbers["abandoned_at"] == {"form": 1} and numbers["late"] == {"late": 1}  # due 25/11/2026, not ready
    assert "kiosk-sim-01" in numbers["hours_online"], "the gateway saw the kiosk come online"
    for name in CHARTS:
        chart = Image.open(out / f"{name}.png")
        assert chart.size[0] >= 600 and np.asarray(chart.convert("L")).std() > 5, name
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and "Báo cáo Kiosk dịch vụ công" in page
    assert "http://" not in page and "https://" not in page, "one self-contained file"
    shot = screenshot(out / "report.html", tmp_path / "report.png")
    assert shot.std() > 20 and (shot < 128).mean() > 0.01, "the browser drew the page and its charts"


def test_a_report_says_what_it_needs(tmp_path: Path, broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import gateway_config

    config = gateway_config(tmp_path, broker)
    assert report(config, tmp_path / "x", "--since", "2026-12-05", "--until", "2026-12-01").returncode == 2
    empty = report(config, tmp_path / "empty")
    assert empty.returncode == 0, empty.stderr
    assert json.loads((tmp_path / "empty" / "report.json").read_text())["visits"] == 0
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    from province.report import ReportError, charts, figures

    with pytest.raises(ReportError, match=r"pip install 'motcua\[province\]'"):
        charts({})
    assert figures is not None
