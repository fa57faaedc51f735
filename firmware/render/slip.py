"""The appointment slip ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") as a 1-bit raster image.

ESC/POS text mode cannot print precomposed Vietnamese, so the slip is drawn with the UI font (Noto Sans) and
sent as an image: 576 dots wide for 80 mm paper, 384 for 58 mm. A slip can be drawn from the whole dossier
record, or from its stub alone (no name, no documents) when it must be reprinted after the personal data has
left the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from firmware.render.qr import qr_image
from firmware.rules.i18n import N_, _
from firmware.rules.money import in_words, money
from firmware.rules.text import wrap_words

WIDTHS = (576, 384)
LOOKUP_HINT = N_("Tra cứu: chạm «Tra cứu hồ sơ» trên kiosk, hoặc vào dichvucong.gov.vn và nhập mã hồ sơ.")


@dataclass(frozen=True)
class SlipData:
    commune_name: str
    kiosk_id: str
    code: str
    procedure_name: str
    received_at: datetime
    due_date: date | None
    result: str = ""
    full_name: str | None = None
    documents: list[tuple[str, int]] = field(default_factory=list)  # (document name, pages)
    kind: str = "appointment"  # "supplement": papers brought later; "payment": the receipt for a fee paid
    amount_vnd: int = 0
    ref: str = ""  # the bank's transaction reference
    unit: str = ""  # the unit that collected the fee


def slip_from_record(record: dict[str, Any]) -> SlipData:
    counts: dict[str, int] = {}
    for page in record["pages"]:
        counts[page["document_name"]] = counts.get(page["document_name"], 0) + 1
    due = record.get("due_date")
    return SlipData(
        commune_name=record["kiosk"]["commune_name"], kiosk_id=record["kiosk"]["id"],
        code=record.get("official_code") or record["receipt_code"], procedure_name=record["procedure"]["name"],
        received_at=datetime.fromisoformat(record["received_at"]), due_date=date.fromisoformat(due) if due else None,
        result=record["procedure"].get("result", ""), full_name=record["identity"]["full_name"],
        documents=list(counts.items()))


@lru_cache(maxsize=16)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    """Laid out by FreeType alone, as the screens are: Vietnamese needs no shaping (every letter is one glyph once
    NFC), and Pillow would otherwise shape with libraqm where it finds it and not where it does not, so one slip
    would wrap differently from one kiosk to the next. HarfBuzz's code stays out of memory too (0.9 MB)."""
    name = "NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"
    with resources.as_file(resources.files("screens.ui").joinpath("fonts", name)) as path:
        return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


class _Pen:
    """Draws lines of text down a strip of paper, growing it as it goes."""

    def __init__(self, width: int, drawn: list[str]) -> None:
        self.width = width
        self.drawn = drawn
        self.unit = width / 576
        self.margin = round(14 * self.unit)
        self.image = Image.new("L", (width, 4000), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin

    def px(self, size: float) -> int:
        return max(10, round(size * self.unit))

    def text(self, text: str, size: float, bold: bool = False, center: bool = False, fit: bool = False) -> None:
        px = self.px(size)
        room = self.width - 2 * self.margin
        font = _font(px, bold)
        if fit:
            while font.getlength(text) > room and px > 12:
                px -= 1
                font = _font(px, bold)
        self.drawn.append(text)
        for line in wrap_words(text, room, font.getlength):
            x = self.margin + (room - font.getlength(line)) / 2 if center else self.margin
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += round(px * 1.32)

    def gap(self, size: float = 8) -> None:
        self.y += self.px(size)

    def rule(self) -> None:
        self.gap(4)
        self.draw.line((self.margin, self.y, self.width - self.margin, self.y), fill=0, width=max(1, self.px(2)))
        self.gap(8)

    def qr(self, payload: str, side: float) -> None:
        import segno  # here, not at start (34 ms of imports before the first frame)

        modules = segno.make(payload, error="m", micro=False).symbol_size(scale=1, border=2)[0]
        image = qr_image(payload, scale=max(1, int(round(side * self.unit) // modules)), border=2)
        self.image.paste(image, ((self.width - image.width) // 2, self.y))
        self.y += image.height
        self.gap(6)

    def finish(self) -> Image.Image:
        strip = self.image.crop((0, 0, self.width, self.y + self.margin * 2))
        return strip.point(lambda v: 0 if v < 160 else 255, mode="1")


def render_slip(data: SlipData, width: int = 576, drawn: list[str] | None = None) -> Image.Image:
    """The slip as a 1-bit image; `drawn`, if given, receives every text drawn (for tests)."""
    if width not in WIDTHS:
        raise ValueError(f"slip width {width}: expected one of {', '.join(map(str, WIDTHS))} dots")
    pen = _Pen(width, drawn if drawn is not None else [])
    pen.text(f"UBND {data.commune_name}".upper(), 24, bold=True, center=True)
    pen.text(_("BỘ PHẬN MỘT CỬA"), 22, bold=True, center=True)
    pen.rule()
    if data.kind == "supplement":
        return _supplement(pen, data)
    if data.kind == "payment":
        return _payment(pen, data)
    pen.text(_("GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ"), 26, bold=True, center=True)
    pen.gap()
    pen.text(_("Mã hồ sơ"), 20, center=True)
    pen.text(data.code, 34, bold=True, center=True, fit=True)
    pen.qr(data.code, 220)
    if data.full_name:
        pen.text(_("Người nộp: {name}").format(name=data.full_name), 22, bold=True)
    pen.text(_("Thủ tục: {name}").format(name=data.procedure_name), 22)
    if data.documents:
        pen.text(_("Giấy tờ đã nhận:"), 22)
        for name, pages in data.documents:
            pen.text("  – " + _("{name} ({pages} trang)").format(name=name, pages=pages), 20)
    received = data.received_at
    pen.text(_("Nhận lúc: {time} ngày {date}").format(time=f"{received:%H:%M}", date=f"{received:%d/%m/%Y}"), 22)
    pen.rule()
    if data.due_date:
        pen.text(_("Ngày hẹn trả kết quả"), 22, center=True)
        pen.text(f"{data.due_date:%d/%m/%Y}", 40, bold=True, center=True)
    else:
        pen.text(_("Ngày hẹn sẽ được thông báo"), 28, bold=True, center=True)
    if data.result:
        pen.text(_("Nơi nhận kết quả: {place}").format(place=data.result), 20)
    pen.rule()
    pen.text(_(LOOKUP_HINT), 19)
    pen.text(_("Kiosk {kiosk}").format(kiosk=data.kiosk_id), 16, center=True)
    return pen.finish()


def _supplement(pen: _Pen, data: SlipData) -> Image.Image:
    """Papers brought later: the dossier's code, what was received and when; no name, no due date."""
    pen.text(_("GIẤY XÁC NHẬN\nĐÃ NHẬN GIẤY TỜ BỔ SUNG"), 26, bold=True, center=True)
    pen.gap()
    pen.text(_("Mã hồ sơ"), 20, center=True)
    pen.text(data.code, 34, bold=True, center=True, fit=True)
    if data.procedure_name:
        pen.text(_("Thủ tục: {name}").format(name=data.procedure_name), 22)
    pen.text(_("Giấy tờ bổ sung đã nhận:"), 22)
    for name, pages in data.documents:
        pen.text("  – " + _("{name} ({pages} trang)").format(name=name, pages=pages), 20)
    received = data.received_at
    pen.text(_("Nhận lúc: {time} ngày {date}").format(time=f"{received:%H:%M}", date=f"{received:%d/%m/%Y}"), 22)
    pen.rule()
    pen.text(_(LOOKUP_HINT), 19)
    pen.text(_("Kiosk {kiosk}").format(kiosk=data.kiosk_id), 16, center=True)
    return pen.finish()


def _payment(pen: _Pen, data: SlipData) -> Image.Image:
    """The receipt for a fee paid by VietQR: dossier, amount in digits and words, when, the bank's reference."""
    pen.text(_("BIÊN LAI THANH TOÁN\nPHÍ, LỆ PHÍ"), 26, bold=True, center=True)
    pen.gap()
    pen.text(_("Mã hồ sơ"), 20, center=True)
    pen.text(data.code, 34, bold=True, center=True, fit=True)
    if data.procedure_name:
        pen.text(_("Thủ tục: {name}").format(name=data.procedure_name), 22)
    pen.text(_("Số tiền: {amount}").format(amount=money(data.amount_vnd)), 26, bold=True)
    pen.text(_("Bằng chữ: {words}").format(words=in_words(data.amount_vnd)), 20)
    paid = data.received_at
    pen.text(_("Thanh toán lúc: {time} ngày {date}").format(time=f"{paid:%H:%M}", date=f"{paid:%d/%m/%Y}"), 22)
    pen.text(_("Hình thức: chuyển khoản (VietQR)"), 20)
    if data.ref:
        pen.text(_("Mã giao dịch: {ref}").format(ref=data.ref), 22)
    if data.unit:
        pen.text(_("Đơn vị thu: {unit}").format(unit=data.unit), 20)
    pen.rule()
    pen.text(_("Biên lai điện tử do cơ quan thu phát hành theo quy định. Tra cứu: chạm «Tra cứu hồ sơ» trên kiosk."),
             19)
    pen.text(_("Kiosk {kiosk}").format(kiosk=data.kiosk_id), 16, center=True)
    return pen.finish()
