"""`motcua gateway report --out DIR`: how the kiosks served people in a period, as one self-contained Vietnamese
HTML page (`DIR/report.html`, its charts inlined, it opens offline) and the same charts as PNG files.

Charts by matplotlib (the optional `province` extra): visits and submissions per day and per kiosk, submissions
by field and procedure, where visits stop (a funnel by screen), satisfaction by unit and official, dossiers late
against their due date, hours online per kiosk (from availability changes), and the outbox backlog."""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from firmware.common.catalog import default_catalog
from province import fleet_history, history, ratings, stats
from province.db import Db
from province.lookup import LATE_UNLESS

FONT = Path(__file__).resolve().parent.parent / "screens" / "ui" / "fonts" / "NotoSans-Regular.ttf"
FUNNEL_WORDS = {"home": "Trang chính", "login": "Đăng nhập", "procedures": "Chọn thủ tục", "procedure": "Thủ tục",
                "form": "Điền thông tin", "documents": "Quét giấy tờ", "review": "Kiểm tra", "submitting": "Đang nộp",
                "done": "Nhận phiếu hẹn"}


class ReportError(Exception):
    """The report cannot be made; the message says what to install or fix."""


@dataclass(frozen=True)
class Chart:
    name: str  # the PNG's file name, without .png
    title: str
    png: bytes


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ReportError("the report's charts need matplotlib: pip install 'motcua[province]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    if FONT.exists():  # the kiosk's own Noto Sans: every Vietnamese letter
        font_manager.fontManager.addfont(str(FONT))
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(FONT)).get_name()
    return plt


def _bars(plt: Any, labels: list[str], series: dict[str, list[float]], horizontal: bool = False) -> bytes:
    figure, axes = plt.subplots(figsize=(9, max(3.0, 0.45 * len(labels) + 1.5) if horizontal else 4.2), dpi=100)
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        positions = [n + i * width for n in range(len(labels))]
        (axes.barh if horizontal else axes.bar)(positions, values, width, label=name)
    ticks = [n + width * (len(series) - 1) / 2 for n in range(len(labels))]
    if horizontal:
        axes.set_yticks(ticks, labels)
        axes.invert_yaxis()
    else:
        tilted = len(labels) > 6
        axes.set_xticks(ticks, labels, rotation=30 if tilted else 0, ha="right" if tilted else "center")
    if len(series) > 1:
        axes.legend()
    if not labels:
        axes.text(0.5, 0.5, "Chưa có số liệu", ha="center", va="center", transform=axes.transAxes)
    axes.grid(axis="x" if horizontal else "y", alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))  # counts are whole
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()


def _period(since: date | None, until: date | None) -> tuple[date, date]:
    end = until or date.today()
    return since or end - timedelta(days=29), end


def _dossiers(db: Db, start: date, end: date) -> list[dict[str, Any]]:
    rows = db.execute("SELECT id, procedure, received_at, due_date FROM dossiers WHERE substr(received_at, 1, 10) "
                      "BETWEEN ? AND ?", (start.isoformat(), end.isoformat())).fetchall()
    found = []
    for dossier_id, procedure, received, due in rows:
        steps = history.timeline(db, dossier_id)
        found.append({"procedure": json.loads(procedure) if procedure else {}, "received_at": received,
                      "due_date": due, "status": steps[-1]["status"] if steps else "received"})
    return found


def figures(db: Db, since: date | None, until: date | None, today: date) -> dict[str, Any]:
    """Every number the report shows, for the charts, the tables and tests."""
    start, end = _period(since, until)
    visits = stats.visits(db, start, end)
    per_day = stats.summarize(visits, ("day",))
    per_kiosk = stats.summarize(visits, ("kiosk",))
    (total,) = stats.summarize(visits) or [{"submissions": 0, "abandoned_at": {}}]
    catalog = default_catalog()
    dossiers = _dossiers(db, start, end)
    by_procedure: Counter[str] = Counter(str(d["procedure"].get("name") or "?") for d in dossiers)
    by_field: Counter[str] = Counter()
    for d in dossiers:
        known = catalog.by_code(str(d["procedure"].get("code") or ""))
        by_field[known.field if known else "Khác"] += 1
    reached: Counter[str] = Counter(str(v.body.get("furthest")) for v in visits)
    order = list(FUNNEL_WORDS)
    funnel = {screen: sum(n for s, n in reached.items() if s in order and order.index(s) >= i)
              for i, screen in enumerate(order)}
    late = Counter("late" if d["due_date"] and d["status"] not in LATE_UNLESS and today > date.fromisoformat(
        d["due_date"]) else ("done" if d["status"] in LATE_UNLESS else "on_time") for d in dossiers)
    satisfaction: dict[str, Counter[str]] = {}
    for row in ratings.summary(db, start):
        who = f"{row['unit'] or '?'} · {row['official'] or '—'}"
        satisfaction.setdefault(who, Counter())[row["level"]] += row["count"]
    window = (datetime.combine(start, time.min).astimezone(),
              datetime.combine(end + timedelta(days=1), time.min).astimezone())
    return {"start": start.isoformat(), "end": end.isoformat(), "visits": len(visits),
            "submissions": total["submissions"], "per_day": per_day, "per_kiosk": per_kiosk,
            "by_procedure": dict(by_procedure.most_common()), "by_field": dict(by_field.most_common()),
            "funnel": funnel, "late": dict(late), "satisfaction": {k: dict(v) for k, v in satisfaction.items()},
            "hours_online": fleet_history.hours_online(db, *window), "backlog": fleet_history.backlog(db, *window),
            "abandoned_at": total["abandoned_at"]}


def charts(numbers: dict[str, Any]) -> list[Chart]:
    plt = _pyplot()
    days, kiosks = numbers["per_day"], numbers["per_kiosk"]
    latest: dict[str, int] = {}
    for sample in numbers["backlog"]:
        latest[sample["kiosk"]] = max(latest.get(sample["kiosk"], 0), sample["backlog"])
    levels = sorted({level for counts in numbers["satisfaction"].values() for level in counts})
    made: list[tuple[str, str, Callable[[], bytes]]] = [
        ("theo-ngay", "Lượt sử dụng và hồ sơ nộp theo ngày", lambda: _bars(plt, [_vn(r["day"])[:5] for r in days], {
            "Lượt sử dụng": [r["visits"] for r in days], "Hồ sơ nộp": [r["submissions"] for r in days]})),
        ("theo-kiosk", "Lượt sử dụng và hồ sơ nộp theo kiosk", lambda: _bars(plt, [r["kiosk"] for r in kiosks], {
            "Lượt sử dụng": [r["visits"] for r in kiosks], "Hồ sơ nộp": [r["submissions"] for r in kiosks]})),
        ("theo-linh-vuc", "Hồ sơ theo lĩnh vực", lambda: _bars(plt, list(numbers["by_field"]), {
            "Hồ sơ": list(numbers["by_field"].values())}, horizontal=True)),
        ("theo-thu-tuc", "Hồ sơ theo thủ tục", lambda: _bars(plt, list(numbers["by_procedure"]), {
            "Hồ sơ": list(numbers["by_procedure"].values())}, horizontal=True)),
        ("pheu", "Người dân đi được đến bước nào", lambda: _bars(plt, [FUNNEL_WORDS[s] for s in numbers["funnel"]], {
            "Lượt": list(numbers["funnel"].values())}, horizontal=True)),
        ("hai-long", "Mức độ hài lòng theo đơn vị và cán bộ", lambda: _bars(plt, list(numbers["satisfaction"]), {
            level: [numbers["satisfaction"][who].get(level, 0) for who in numbers["satisfaction"]]
            for level in levels}, horizontal=True)),
        ("dung-han", "Hồ sơ đúng hạn và quá hạn", lambda: _bars(plt, ["Đã có kết quả", "Trong hạn", "Quá hạn"], {
            "Hồ sơ": [numbers["late"].get("done", 0), numbers["late"].get("on_time", 0),
                      numbers["late"].get("late", 0)]})),
        ("truc-tuyen", "Số giờ trực tuyến của mỗi kiosk", lambda: _bars(plt, list(numbers["hours_online"]), {
            "Giờ": list(numbers["hours_online"].values())}, horizontal=True)),
        ("hang-doi", "Sự kiện chờ gửi nhiều nhất của mỗi kiosk", lambda: _bars(plt, list(latest), {
            "Sự kiện": list(latest.values())}, horizontal=True)),
    ]
    return [Chart(name, title, draw()) for name, title, draw in made]


def _vn(day: str) -> str:
    """2026-12-07 as 07/12/2026."""
    return "/".join(reversed(day.split("-")))


def page(numbers: dict[str, Any], made: list[Chart]) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(r['kiosk'])}</td><td>{r['visits']}</td><td>{r['submissions']}</td>"
                   f"<td>{r['lookups']}</td><td>{r['payments']}</td><td>{r['ratings']}</td>"
                   f"<td>{r['median_visit_s'] if r['median_visit_s'] is not None else '—'}</td></tr>"
                   for r in numbers["per_kiosk"])
    stops = "".join(f"<li>{e(FUNNEL_WORDS.get(s, s))}: {n}</li>" for s, n in numbers["abandoned_at"].items())
    figures_html = "".join(f'<figure><img alt="{e(c.title)}" src="data:image/png;base64,'
                           f'{base64.b64encode(c.png).decode()}"><figcaption>{e(c.title)}</figcaption></figure>'
                           for c in made)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo Kiosk dịch vụ công</title>
<style>body{{font-family:"Noto Sans",sans-serif;margin:2em;color:#1b1b1b}}h1{{color:#a5121f}}
table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.3em .7em;text-align:right}}
td:first-child,th:first-child{{text-align:left}}figure{{margin:1.5em 0}}img{{max-width:100%}}</style></head>
<body><h1>Báo cáo Kiosk dịch vụ công</h1>
<p>Từ ngày {_vn(numbers['start'])} đến ngày {_vn(numbers['end'])}: <b>{numbers['visits']}</b> lượt sử dụng,
<b>{numbers['submissions']}</b> hồ sơ nộp tại kiosk.</p>
<h2>Theo kiosk</h2><table><tr><th>Kiosk</th><th>Lượt sử dụng</th><th>Hồ sơ nộp</th><th>Tra cứu</th>
<th>Thanh toán</th><th>Đánh giá</th><th>Thời gian trung vị (giây)</th></tr>{rows}</table>
<h2>Người dân dừng lại ở bước</h2><ul>{stops or '<li>Chưa có lượt nào dừng giữa chừng</li>'}</ul>
<h2>Biểu đồ</h2>{figures_html}
</body></html>
"""


def write(db: Db, out: Path, since: date | None, until: date | None, today: date) -> Path:
    numbers = figures(db, since, until, today)
    made = charts(numbers)
    out.mkdir(parents=True, exist_ok=True)
    for chart in made:
        (out / f"{chart.name}.png").write_bytes(chart.png)
    (out / "report.json").write_text(json.dumps(numbers, ensure_ascii=False, indent=1), encoding="utf-8")
    target = out / "report.html"
    target.write_text(page(numbers, made), encoding="utf-8")
    return target
