"""`documents`: each document into the scanner slot; the kiosk keeps a copy and gives the original back.

The scanner worker scans whatever is put in the slot while this screen waits for a page; a blank or unreadable
page is refused with the reason. Optional documents can be skipped (`Bỏ qua`); when the scanner is out of order,
required ones can be handed in at the counter instead (and no slot is drawn). Documents an answer makes
unnecessary (a parent needs no mandate) are not asked for. A one-page document goes on by itself once its page
is accepted; its row on `review` (or `Quay lại`) brings back `Quét lại`.

With `supplement` (a lookup answer asking for more papers), the documents are the ones the province asked for,
and the last one sends them as a supplement (`firmware.services.supplement`) and shows the dossier again.
"""

from __future__ import annotations

import io
from typing import Any

import pygame
from PIL import Image

from firmware.common.catalog import Document, Procedure
from firmware.common.dossier_status import STATUSES
from firmware.rules.i18n import N_, _
from firmware.rules.pages import reason, thumbnail
from firmware.runtime.events import KioskEvent, ScanResult
from firmware.services.outbox import OutboxFull
from firmware.services.supplement import document_key
from screens.base import Screen
from screens.ui.canvas import Canvas, line_height, scaled
from screens.ui.widgets import Button, Label, Widget

FAULTS = {
    "jam": N_("Giấy bị kẹt trong máy quét. Xin mời bạn kéo nhẹ tờ giấy ra rồi chạm «Quét lại», "
              "hoặc nhờ cán bộ hỗ trợ."),
    "absent": N_("Máy quét đang tạm ngừng. Bạn có thể nộp bản giấy tại quầy một cửa: chạm «Bỏ qua» để tiếp tục."),
    "error": N_("Máy quét gặp lỗi. Xin mời chạm «Quét lại», hoặc nhờ cán bộ hỗ trợ."),
}


def pil_to_surface(image: Any) -> pygame.Surface:
    rgb = image.convert("RGB")
    return pygame.image.frombytes(rgb.tobytes(), rgb.size, "RGB")


class DocumentsScreen(Screen):
    name = "documents"
    title = N_("Giấy tờ")

    @property
    def procedure(self) -> Procedure:
        return self.kiosk.procedure()

    @property
    def supplement(self) -> dict[str, Any] | None:
        return self.params.get("supplement")

    @property
    def documents(self) -> tuple[Document, ...]:
        if self.supplement is not None:
            return tuple(Document(document_key(i), name, True) for i, name in enumerate(asked_for(self.supplement)))
        return self.procedure.documents_for(self.kiosk.session.answers)

    def header_title(self) -> str:
        return _("Giấy tờ bổ sung") if self.supplement is not None else super().header_title()

    @property
    def document(self) -> Document:
        return self.documents[self.index]

    @property
    def pages(self) -> list[Any]:
        return self.kiosk.session.pages.setdefault(self.document.key, [])

    def enter(self, **params: Any) -> None:
        self.params = params
        self.index = int(params.get("index", 0))
        self.from_review = bool(params.get("review", False))
        self.message = ""
        self.fault = ""
        self.thumb: pygame.Surface | None = None
        self.rescan_previous = False
        self.index = min(self.index, max(0, len(self.documents) - 1))
        if not self.documents and self.supplement is not None:
            self.kiosk.nav.replace("status", answer=self.supplement)
        elif not self.documents:
            self.kiosk.nav.replace("review")
        elif self.kiosk.health.get("scanner") == "absent":
            self.fault = "absent"
        super().enter(**params)
        if self.documents:
            self._wait_for_page()
            if params.get("rescan") and self.pages:  # `Quét lại` tapped on review: this page again
                self.on_action("rescan")

    def resume(self) -> None:
        super().resume()
        self._wait_for_page()

    def pause(self) -> None:
        self.kiosk.scanning.cancel()
        super().pause()

    def leave(self) -> None:
        self.kiosk.scanning.cancel()
        super().leave()

    def _wait_for_page(self) -> None:
        if not self.pages:
            self.kiosk.scanning.want(self.document.key, self.document.name, 1)
        elif self.thumb is None:  # back to a document scanned before: show its last page again
            with Image.open(io.BytesIO(self.pages[-1].data)) as image:
                self.thumb = pil_to_surface(thumbnail(image))

    # -- layout ---------------------------------------------------------------------------------------
    def build(self, area: pygame.Rect) -> list[Widget]:
        if not self.documents:
            return []
        t, doc = self.theme, self.document
        count = len(self.documents)
        heading = _("Giấy tờ {number}/{count}: {name}").format(number=self.index + 1, count=count, name=doc.name)
        if not doc.required:
            heading += " " + _("(nếu có)")
        row_h = t.footer_button_height
        heading_h = t.title * 5 // 2 if t.portrait else t.body * 2
        widgets: list[Widget] = [Label(heading, pygame.Rect(area.left, area.top, area.width, heading_h), "title"
                                       if t.portrait else "body", bold=True)]
        if self.pages:
            text = _("Đã quét {count} trang. Xin mời bạn nhận lại bản gốc ở khe trả giấy.").format(
                count=len(self.pages))
        elif self.fault == "absent":
            text = ""
        else:
            text = _("Đặt tờ giấy vào khe máy quét, mặt có chữ úp xuống. Máy sẽ tự quét.")
        if doc.note and not self.pages and self.fault != "absent":
            text += "\n" + doc.note
        text_rect = pygame.Rect(area.left, area.top + heading_h, area.width,
                                t.body * 7 if t.portrait else t.body * 13 // 2)
        widgets.append(Label(text, text_rect, "body"))
        message = self.message or (_(FAULTS[self.fault]) if self.fault else "")
        message_rect = pygame.Rect(area.left, text_rect.bottom, area.width,
                                   t.body * 3 if t.portrait else 2 * line_height(t.body, True))
        widgets.append(Label(message, message_rect, "body", "danger", bold=True))
        again = self.rescan_previous and not self.pages and self.fault != "jam"  # the page just gone on from
        rows = 2 if (self.pages or self.fault == "jam" or again) and t.portrait else 1  # short panel: a row of four
        buttons_top = area.bottom - rows * row_h - (rows - 1) * t.gap
        self._picture = pygame.Rect(area.left, message_rect.bottom, area.width,
                                    buttons_top - message_rect.bottom - t.gap)
        half = (area.width - t.gap) // 2
        left = pygame.Rect(area.left, area.bottom - row_h, half, row_h)
        right = pygame.Rect(area.left + half + t.gap, area.bottom - row_h, half, row_h)
        if not t.portrait:  # Quét lại, Thêm trang, Quay lại, Tiếp tục: four across
            quarter = (area.width - 3 * t.gap) // 4
            left = pygame.Rect(area.left + 2 * (quarter + t.gap), area.bottom - row_h, quarter, row_h)
            right = left.move(quarter + t.gap, 0)
            right.width = area.right - right.left
            half = quarter
        widgets.append(Button(_("Quay lại"), "back", left, "secondary"))
        if self.pages:
            widgets.append(Button(_("Tiếp tục"), "next", right, "primary"))
            upper = pygame.Rect(area.left, buttons_top, half, row_h)
            widgets.append(Button(_("Quét lại"), "rescan", upper, "secondary"))
            widgets.append(Button(_("Thêm trang"), "add_page", upper.move(half + t.gap, 0), "secondary"))
        else:
            if not doc.required or self.fault == "absent":
                widgets.append(Button(_("Bỏ qua"), "skip", right, "secondary"))
            if self.fault == "jam":
                wide = area.width if t.portrait else 2 * half + t.gap
                widgets.append(Button(_("Quét lại"), "retry", pygame.Rect(area.left, buttons_top, wide, row_h),
                                      "primary"))
            elif again:
                widgets.append(Button(_("Quét lại"), "rescan_previous", pygame.Rect(area.left, buttons_top, half,
                                                                                    row_h), "secondary",
                                      detail=self.documents[self.index - 1].name if t.portrait else ""))
        return widgets

    def draw_content(self, canvas: Canvas) -> None:
        t, box = self.theme, getattr(self, "_picture", None)
        if box is None or box.height < t.px(80) or (self.fault == "absent" and self.thumb is None):
            return  # no slot drawn for a scanner that is not there
        if self.thumb is not None:
            scale = min(box.width / self.thumb.get_width(), box.height / self.thumb.get_height(), 1.0)
            size = (round(self.thumb.get_width() * scale), round(self.thumb.get_height() * scale))
            image = scaled(self.thumb, size)
            spot = image.get_rect(center=box.center)
            canvas.blit(image, spot.topleft)
            canvas.outline(t.palette.outline, spot, max(2, t.px(3)))
            return
        slot = pygame.Rect(0, 0, box.width * 3 // 4, max(t.px(24), box.height // 12))
        slot.midbottom = (box.centerx, box.bottom - box.height // 8)
        canvas.fill(t.palette.text, slot, t.px(8))
        paper = pygame.Rect(0, 0, slot.width * 3 // 5, min(box.height * 3 // 5, slot.width * 4 // 5))
        paper.midbottom = (slot.centerx, slot.top + slot.height // 2)
        canvas.fill(t.palette.background, paper)
        canvas.outline(t.palette.outline, paper, max(2, t.px(4)))
        for i in range(1, 6):
            line = pygame.Rect(paper.left + paper.width // 8, paper.top + i * paper.height // 7,
                               paper.width * 3 // 4, max(2, t.px(6)))
            canvas.fill(t.palette.secondary, line)

    # -- events and actions ---------------------------------------------------------------------------
    def on_event(self, event: KioskEvent) -> bool:
        if not isinstance(event, ScanResult):
            return super().on_event(event)
        if event.ok and event.document == self.document.key:
            self.pages.append(event.page)
            self.thumb = pil_to_surface(event.thumb)
            self.message, self.fault = "", ""
            if self.document.pages == 1 and len(self.pages) == 1:
                self._next(scanned=True)  # nothing more to add: go on by itself
                return True
        elif event.problem:
            self.message, self.fault = reason(event.problem), ""
            self.speak(f"page_{event.problem}")
        elif event.fault:
            self.message, self.fault = "", event.fault
            self.speak(f"scanner_{event.fault}")
        self.relayout()
        return True

    def on_action(self, action: str) -> None:
        if action == "rescan" and self.pages:
            self.pages.pop()
            self.thumb = None
            self.kiosk.scanning.want(self.document.key, self.document.name, len(self.pages) + 1)
        elif action == "add_page":
            self.kiosk.scanning.want(self.document.key, self.document.name, len(self.pages) + 1)
            self.message = _("Xin mời đặt trang tiếp theo vào khe máy quét.")
        elif action == "retry":
            self.fault = ""
            self.kiosk.scanning.want(self.document.key, self.document.name, len(self.pages) + 1)
        elif action == "skip":
            at_counter = self.kiosk.session.documents_at_counter
            if self.document.required and self.document.key not in at_counter:
                at_counter.append(self.document.key)
            self._next()
            return
        elif action == "next":
            if self.document.key in self.kiosk.session.documents_at_counter:
                self.kiosk.session.documents_at_counter.remove(self.document.key)
            self._next()
            return
        elif action == "back":
            self._back()
            return
        elif action == "rescan_previous" and self.index > 0:
            self._show(self.index - 1)
            self.on_action("rescan")
            return
        self.relayout()

    def _next(self, scanned: bool = False) -> None:
        self.kiosk.scanning.cancel()
        done = _("Đã quét «{name}». Xin mời bạn nhận lại bản gốc ở khe trả giấy.").format(
            name=self.document.name) if scanned else ""
        if self.from_review:
            self.kiosk.nav.pop()
        elif self.index + 1 < len(self.documents):
            self._show(self.index + 1)
            if done:
                self.params["notice"] = done
                self.rescan_previous = True  # `Quét lại` still offered for the page that went on by itself
                self.relayout()
        elif self.supplement is not None:
            self._send_supplement()
        elif done:
            self.kiosk.nav.push("review", notice=done, rescan=self.index)
        else:
            self.kiosk.nav.push("review")

    def _send_supplement(self) -> None:
        answer = dict(self.supplement or {})
        names = [d.name for d in self.documents]
        pages = self.kiosk.session.pages
        if not any(pages.get(document_key(i)) for i in range(len(names))):
            self.kiosk.nav.replace("status", answer=answer, notice=_("Chưa có giấy tờ nào được quét nên chưa gửi bổ "
                                                                    "sung. Xin mời thử lại hoặc hỏi cán bộ."))
            return
        try:
            self.kiosk.supplements.submit(self.kiosk.session, answer, names)
        except OutboxFull:
            self.message = _("Kiosk chưa lưu được giấy tờ bổ sung. Xin mời bạn đến quầy một cửa để nộp trực tiếp.")
            self.speak("supplement_not_stored")
            self.relayout()
            return
        sent = [n for i, n in enumerate(names) if pages.get(document_key(i))]
        for i in range(len(names)):
            pages.pop(document_key(i), None)  # sent: the visit keeps no copy
        step = {"status": "supplemented", "label": STATUSES["supplemented"],
                "at": self.kiosk.clock.wall().isoformat(timespec="seconds"), "documents": sent}
        answer["history"] = [*answer.get("history", []), step]
        answer["status"] = "supplemented"
        self.kiosk.nav.replace("status", answer=answer, notice=_(
            "Đã nhận giấy tờ bổ sung. Xin mời bạn nhận phiếu xác nhận ở khe máy in và nhận lại bản gốc."),
            notice_prompt="supplement_sent")

    def _back(self) -> None:
        self.kiosk.scanning.cancel()
        if self.index == 0 or self.from_review:
            self.kiosk.nav.pop()
        else:
            self._show(self.index - 1)

    def _show(self, index: int) -> None:
        self.index = index
        self.message = ""
        self.rescan_previous = False
        self.params.pop("notice", None)
        self.fault = "absent" if self.kiosk.health.get("scanner") == "absent" else ""
        self.thumb = None
        self._wait_for_page()
        self.relayout()

    @classmethod
    def sample_params(cls, kiosk: Any) -> dict[str, Any]:
        kiosk.session.procedure_code = "1.001193"
        return {}


def asked_for(answer: dict[str, Any]) -> list[str]:
    """The papers the latest `need_more` step asks for."""
    for step in reversed(answer.get("history") or []):
        if step.get("status") == "need_more":
            return [str(d) for d in step.get("documents") or []][:20]
    return []
