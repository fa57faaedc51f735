"""QR decoding of grayscale frames: zxing-cpp by default, zbar (pyzbar) in binary mode as the alternative.

Both return payloads as text decoded from the code's raw bytes as UTF-8, so Vietnamese comes out right; zbar's
own charset guess turns short payloads such as "Quận 1" into mojibake, hence ZBAR_CFG_BINARY. Codes are
returned in image order: top to bottom, then left to right.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported by the decoders when they first decode (70 ms of imports before the first frame)
    import numpy as np

ROW_TOLERANCE = 0.5  # codes whose tops differ by less than half a code's height are on one row


@dataclass(frozen=True)
class Decoded:
    text: str
    x: int
    y: int
    size: int


class QrDecoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code in a 2-D uint8 array, in image order."""
        ...


def bytes_to_text(raw: bytes, fallback: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return fallback


def image_order(codes: list[Decoded]) -> list[Decoded]:
    ordered = sorted(codes, key=lambda c: (c.y, c.x))
    rows: list[list[Decoded]] = []
    for code in ordered:
        if rows and abs(code.y - rows[-1][0].y) < ROW_TOLERANCE * max(code.size, rows[-1][0].size):
            rows[-1].append(code)
        else:
            rows.append([code])
    return [code for row in rows for code in sorted(row, key=lambda c: c.x)]


INVERT_EVERY = 4
DOWNSCALE_EVERY = 2


class ZxingDecoder:
    name = "zxing"

    def __init__(self) -> None:
        import zxingcpp

        self._zxing = zxingcpp
        self._formats: Any = zxingcpp.BarcodeFormat.QRCode
        self._calls = 0

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """A code is looked for as it is in every frame; what costs more is looked for in some frames only, and
        is still found within a quarter of a second at 15 fps. Light-on-dark (a phone in dark mode), in every
        INVERT_EVERY-th frame: that search doubles a frame's cost (2.8 against 1.2 ms here). Downscaled copies
        of the frame, which find a big, soft code held close to the camera, in every DOWNSCALE_EVERY-th frame
        (1.46 against 1.19 ms)."""
        found = []
        import numpy as np

        self._calls += 1
        invert = self._calls % INVERT_EVERY == 0
        downscale = self._calls % DOWNSCALE_EVERY == 0
        for code in self._zxing.read_barcodes(np.ascontiguousarray(gray), formats=self._formats, try_invert=invert,
                                              try_downscale=downscale):
            if not code.valid:
                continue
            corners = code.position
            xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
            ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
            found.append(Decoded(bytes_to_text(bytes(code.bytes), code.text), min(xs), min(ys),
                                 max(max(xs) - min(xs), max(ys) - min(ys))))
        return image_order(found)


ZBAR_QRCODE = 64
ZBAR_CFG_ENABLE = 0
ZBAR_CFG_BINARY = 4  # zbar >= 0.23.1; pyzbar's enum predates it


class PyzbarDecoder:
    name = "pyzbar"

    def __init__(self, binary: bool = True) -> None:
        from pyzbar import wrapper

        self._z = wrapper
        self._scanner = wrapper.zbar_image_scanner_create()
        wrapper.zbar_image_scanner_set_config(self._scanner, 0, ZBAR_CFG_ENABLE, 0)
        wrapper.zbar_image_scanner_set_config(self._scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        wrapper.zbar_image_scanner_set_config(self._scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, int(binary))

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        z = self._z
        height, width = gray.shape
        import numpy as np

        pixels = np.ascontiguousarray(gray, dtype=np.uint8).tobytes()
        image = z.zbar_image_create()
        try:
            z.zbar_image_set_format(image, int.from_bytes(b"Y800", "little"))
            z.zbar_image_set_size(image, width, height)
            data = ctypes.cast(pixels, ctypes.c_void_p)  # type: ignore[arg-type]  # ctypes takes bytes as char*
            z.zbar_image_set_data(image, data, len(pixels), None)
            z.zbar_scan_image(self._scanner, image)
            found = []
            symbol = z.zbar_image_first_symbol(image)
            while symbol:
                raw = ctypes.string_at(z.zbar_symbol_get_data(symbol), z.zbar_symbol_get_data_length(symbol))
                points = [(z.zbar_symbol_get_loc_x(symbol, i), z.zbar_symbol_get_loc_y(symbol, i))
                          for i in range(z.zbar_symbol_get_loc_size(symbol))]
                xs, ys = [p[0] for p in points] or [0], [p[1] for p in points] or [0]
                found.append(Decoded(bytes_to_text(raw, raw.decode("latin-1")), min(xs), min(ys),
                                     max(max(xs) - min(xs), max(ys) - min(ys))))
                symbol = z.zbar_symbol_next(symbol)
            return image_order(found)
        finally:
            z.zbar_image_destroy(image)

    def __del__(self) -> None:
        if getattr(self, "_scanner", None):
            self._z.zbar_image_scanner_destroy(self._scanner)
            self._scanner = None


DECODERS = {"zxing": ZxingDecoder, "pyzbar": PyzbarDecoder}
BACKENDS = DECODERS  # `[qr] decoder`: config validation, the device builder and doctor read it


def make_decoder(name: str) -> QrDecoder:
    try:
        return DECODERS[name]()
    except KeyError:
        raise ValueError(f"unknown QR decoder {name!r}; expected one of {', '.join(DECODERS)}") from None
