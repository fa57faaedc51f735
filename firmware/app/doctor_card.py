"""`motcua doctor`'s card reader check: the reader seen through PC/SC (or the simulator's virtual one), and the
CSCA certificates passive authentication trusts. No CSCA is a warning, not a failure: cards are still read, but the
citizen is told their data is not verified."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from firmware.app.doctor_reasons import Finding, explain
from firmware.rules.i18n import _
from firmware.runtime.config import Config


def card_reader(config: Config) -> Finding:
    from firmware.chip.csca import read_csca_dir

    settings = config.cardreader
    if settings.backend == "none":
        return Finding("card reader", "off", _("kiosk này không có (cấu hình cardreader.backend)"))
    try:
        names = reader_names(settings.backend)
    except Exception as exc:  # pyscard missing, pcscd not running: each said as the thing to fix
        return Finding("card reader", "fail", explain(getattr(exc, "reason", "") or str(exc) or type(exc).__name__))
    if not names:
        return Finding("card reader", "fail", _("không thấy đầu đọc thẻ nào: cắm lại cáp USB của đầu đọc "
                                                "(pcsc_scan cho biết đầu đọc nào được thấy)"))
    cscas, unreadable = read_csca_dir(settings.csca_dir)
    now = datetime.now(UTC)
    expired = [c for c in cscas if c.not_valid_after_utc < now]
    status: dict[str, Any] = {"readers": names, "csca": len(cscas), "csca_dir": settings.csca_dir}
    where = ", ".join(names)
    problems = []
    if not cscas:
        problems.append(_("chưa có chứng chỉ CSCA trong {folder}: thẻ vẫn đọc được nhưng dữ liệu không được "
                          "xác thực; chép chứng chỉ CSCA của Bộ Công an vào đó").format(folder=settings.csca_dir))
    if unreadable:
        problems.append(_("tệp không phải chứng chỉ trong {folder}: {files}").format(
            folder=settings.csca_dir, files=", ".join(unreadable)))
    if expired:
        problems.append(_("{count} chứng chỉ CSCA đã hết hạn").format(count=len(expired)))
    if problems:
        return Finding("card reader", "warn", f"{where}; " + "; ".join(problems), status)
    return Finding("card reader", "ok", _("{readers}; {count} chứng chỉ CSCA").format(readers=where,
                                                                                      count=len(cscas)), status)


def reader_names(backend: str) -> list[str]:
    if backend == "sim":
        from firmware.chip.virtual_card import VirtualReaders

        return [str(reader) for reader in VirtualReaders()()]
    from hw.cardreader import pcsc_readers

    return [str(reader) for reader in pcsc_readers()()]
