"""`technician`: what a technician at the kiosk needs to find out why, and the few things they may do.

Shows doctor's findings (run on a worker thread), the outbox backlog, device, network and broker states and the
last warnings of the journal; actions: test print, test scan, reprint the last slip (from its stub: no personal
data), reload the catalog, restart the kiosk, exit. Each action is logged and sent as a `technician` event.
It times out like a citizen's visit.
"""

from __future__ import annotations

from typing import Any

import pygame

from firmware.rules.i18n import N_, _
from firmware.runtime.events import KioskEvent, PrintResult, ScanResult
from firmware.services.technician import TechnicianService
from screens.base import Screen
from screens.ui.canvas import Canvas, line_height, wrap
from screens.ui.widgets import Button, Widget

ACTIONS = ((N_("In thử"), "test_print"), (N_("Quét thử"), "test_scan"), (N_("In lại phiếu gần nhất"), "reprint"),
           (N_("Tải lại danh mục"), "reload_catalog"), (N_("Khởi động lại kiosk"), "restart"), (N_("Thoát"), "exit"))
RESULT_WORDS = {"ok": "ok", "warn": N_("chú ý"), "fail": N_("LỖI"), "off": N_("không có")}


class TechnicianScreen(Screen):
    name = "technician"
    title = N_("Chế độ kỹ thuật")
    show_voice = False

    @property
    def service(self) -> TechnicianService:
        assert self.kiosk.technician is not None, "technician mode is opened only where it is wired"
        return self.kiosk.technician

    def enter(self, **params: Any) -> None:
        self.outcome = ""
        super().enter(**params)
        self.service.run_report()

    def build(self, area: pygame.Rect) -> list[Widget]:
        t = self.theme
        columns = 2 if t.portrait else 3
        rows = -(-len(ACTIONS) // columns)
        button_h = t.footer_button_height
        grid_h = rows * button_h + (rows - 1) * t.gap
        self._text = pygame.Rect(area.left, area.top, area.width, area.height - grid_h - t.gap)
        width = (area.width - (columns - 1) * t.gap) // columns
        widgets: list[Widget] = []
        for index, (label, action) in enumerate(ACTIONS):
            row, col = divmod(index, columns)
            rect = pygame.Rect(area.left + col * (width + t.gap), self._text.bottom + t.gap + row * (button_h + t.gap),
                               width, button_h)
            widgets.append(Button(_(label), action, rect, "danger" if action == "restart" else
                                  "secondary" if action == "exit" else "primary"))
        return widgets

    def lines(self) -> list[tuple[str, str]]:
        """(text, colour) lines, most useful first: they are cut at the bottom on a small panel."""
        service, kiosk = self.service, self.kiosk
        health = dict(kiosk.health)
        name = str(self.params.get("technician", "")) or _("(mở bằng thao tác ẩn)")
        lines = [(_("Kỹ thuật viên: {name}. Kiosk {kiosk}").format(name=name, kiosk=kiosk.config.kiosk.id), "text")]
        if self.outcome:
            lines.append((self.outcome, "primary"))
        backlog = service.outbox.backlog()
        lines.append((_("Chờ gửi về tỉnh: {count} sự kiện").format(count=backlog), "text"))
        lines.append((" · ".join(f"{part} {state}" for part, state in health.items()), "text"))
        findings = service.findings
        if findings is None:
            lines.append((_("Đang kiểm tra (motcua doctor)…"), "muted"))
        else:
            for finding in sorted(findings, key=lambda f: f.get("result") != "fail"):
                word = _(RESULT_WORDS.get(str(finding.get("result")), str(finding.get("result"))))
                colour = "danger" if finding.get("result") == "fail" else "text"
                lines.append((f"{word} · {finding.get('check')}: {finding.get('detail', '')}", colour))
        for error in reversed(service.errors.lines):
            lines.append((error, "muted"))
        return lines

    def draw_content(self, canvas: Canvas) -> None:
        t = self.theme
        height = line_height(t.small)
        top = self._text.top
        for text, colour in self.lines():
            if top + height > self._text.bottom:
                break
            first = wrap(text, t.small, self._text.width)[:1] or [""]
            shown = first[0] if first[0] == text else first[0].rstrip() + "…"
            canvas.text(shown, pygame.Rect(self._text.left, top, self._text.width, height), t.small,
                        getattr(t.palette, colour), align="left", valign="top")
            top += height

    def update(self, now: float) -> None:
        super().update(now)
        ready = self.service.findings is not None
        if ready != getattr(self, "_ready", None):
            self._ready = ready
            self.dirty = True

    def on_action(self, action: str) -> None:
        service = self.service
        name = str(self.params.get("technician", ""))
        self.outcome = service.act(action, name)
        if action == "exit":
            self.kiosk.nav.reset("attract")
            return
        self.relayout()

    def on_event(self, event: KioskEvent) -> bool:
        if isinstance(event, PrintResult) and event.code.startswith("TEST"):
            self.outcome = _("In thử: xong.") if event.ok else _("In thử: lỗi ({state}).").format(
                state=event.state or "offline")
            self.relayout()
            return True
        if isinstance(event, ScanResult) and event.document == "technician-test":
            self.outcome = _("Quét thử: nhận được một trang.") if event.ok else _("Quét thử: lỗi ({fault}).").format(
                fault=event.fault or event.problem or "?")
            self.service.scan_done()
            self.relayout()
            return True
        return super().on_event(event)
