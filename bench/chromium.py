"""What a province would otherwise run: a Chromium kiosk page of the home screen, its memory taken as the kiosk's
is (PSS: shared pages divided among the processes that share them), summed over all of Chromium's processes.

The page is the home screen in HTML (the same words, the same Noto Sans files, 1080x1920). Chromium runs
headless with no GPU process, which is lighter than a kiosk's windowed Chromium: the ratio errs in its favour.
bench/sessions.py calls `peak_pss_mb` after its sessions, so both figures come from one run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

FONTS = Path(__file__).resolve().parent.parent / "screens" / "ui" / "fonts"
TILES = (("Nộp hồ sơ", "Làm thủ tục hành chính"), ("Tra cứu hồ sơ", "Xem hồ sơ đã nộp"),
         ("Nộp phí", "Trả phí, lệ phí bằng mã QR"), ("Đánh giá", "Góp ý về cán bộ"),
         ("Thủ tục", "Tìm hiểu các thủ tục"), ("Trợ giúp", "Hướng dẫn sử dụng"))
SAMPLE_S = 8.0


def home_page() -> str:
    tiles = "".join(f'<button class="tile"><b>{title}</b><span>{line}</span></button>' for title, line in TILES)
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Kiosk dịch vụ công</title>
<style>
@font-face {{ font-family: Noto; src: url("{(FONTS / 'NotoSans-Regular.ttf').as_uri()}"); }}
@font-face {{ font-family: Noto; font-weight: bold; src: url("{(FONTS / 'NotoSans-Bold.ttf').as_uri()}"); }}
body {{ margin: 0; width: 1080px; height: 1920px; font-family: Noto; background: #fff; }}
header {{ display: flex; align-items: center; justify-content: space-between; height: 150px; padding: 0 48px;
          background: #a3151f; color: #fff; font-size: 44px; font-weight: bold; }}
header button {{ font: inherit; font-size: 40px; color: #fff; background: #0d4f9c; border: 2px solid #fff;
                 border-radius: 12px; padding: 20px; }}
h1 {{ margin: 48px; font-size: 58px; }}
main {{ display: grid; grid-template-columns: 1fr 1fr; gap: 28px; margin: 0 48px; }}
.tile {{ height: 374px; border: 0; border-radius: 14px; background: #0d4f9c; color: #fff; font-family: Noto;
         display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 12px; }}
.tile b {{ font-size: 64px; }} .tile span {{ font-size: 32px; }}
footer button {{ position: absolute; bottom: 48px; left: 48px; width: 984px; height: 118px; font: bold 40px Noto;
                 background: #e3eaf4; border: 2px solid #5a6577; border-radius: 14px; }}
</style></head><body>
<header><span>Phường Ba Đình</span><button>Nghe hướng dẫn: Bật</button><span id="clock">09:30</span></header>
<h1>Xin chào! Bạn cần làm gì?</h1><main>{tiles}</main><footer><button>Kết thúc</button></footer>
<script>setInterval(() => {{ const d = new Date(); document.getElementById("clock").textContent =
  String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0"); }}, 1000);</script>
</body></html>"""


def pss_mb(process: psutil.Process) -> float:
    """The process's PSS and its children's (0 for one that has gone)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            total += each.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 2**20


def peak_pss_mb(seconds: float = SAMPLE_S) -> float:
    """Chromium showing the home page: the highest PSS of all its processes, sampled over `seconds`."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("no chromium on this machine (.ci/run installs Debian's)")
    # Chromium's helpers (crashpad) may still write to the profile for a moment after the browser ends.
    with tempfile.TemporaryDirectory(prefix="motcua-chromium-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "home.html"
        page.write_text(home_page(), encoding="utf-8")
        browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    "--disable-extensions", f"--user-data-dir={tmp}/profile",
                                    "--window-size=1080,1920", "--remote-debugging-port=0", page.as_uri()],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "TMPDIR": tmp})  # its scratch directories too
        try:
            root = psutil.Process(browser.pid)
            peak, deadline = 0.0, time.monotonic() + seconds
            while time.monotonic() < deadline and browser.poll() is None:
                peak = max(peak, pss_mb(root))
                time.sleep(0.25)
            if browser.poll() is not None:
                raise RuntimeError(f"chromium ended (exit {browser.returncode}) before it was measured")
            return peak
        finally:
            _stop(browser)


def _stop(browser: subprocess.Popen[bytes]) -> None:
    """The browser and every process it started, ended and waited for."""
    try:
        helpers = psutil.Process(browser.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        helpers = []
    browser.terminate()
    try:
        browser.wait(timeout=10)
    except subprocess.TimeoutExpired:
        browser.kill()
        browser.wait(timeout=10)
    _gone, alive = psutil.wait_procs(helpers, timeout=5)
    for helper in alive:
        helper.kill()
    psutil.wait_procs(alive, timeout=5)


def run() -> dict[str, float]:
    """Alone (python -m bench chromium): Chromium's figure only; the ratio is bench/sessions.py's."""
    return {"chromium_home_page_pss_mb": round(peak_pss_mb(), 1)}


if __name__ == "__main__":
    print(run())
