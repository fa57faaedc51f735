"""Technician mode wired into a kiosk: its access (card, PIN), its panel's actions, its record."""

from __future__ import annotations

import logging
from collections.abc import Callable

from firmware.app.operator import live_report, reloader
from firmware.common.catalog import Catalog
from firmware.devices.printing import PrintJob, PrintWorker
from firmware.devices.scanning import ScanWorker
from firmware.link.mqtt import MqttLink
from firmware.render.slip import SlipData
from firmware.rules.i18n import _
from firmware.runtime.clock import Clock
from firmware.runtime.config import Config
from firmware.services.commands import operator_key
from firmware.services.dossier import slip_from_stub
from firmware.services.kiosk import Kiosk
from firmware.services.outbox import Outbox
from firmware.services.technician import TechnicianService

SCAN_DOCUMENT = "technician-test"


def wire_technician(config: Config, kiosk: Kiosk, outbox: Outbox, clock: Clock, printing: PrintWorker,
                    scanning: ScanWorker, link: MqttLink | None, load_catalog: Callable[[Config], Catalog],
                    restart: Callable[[], None]) -> TechnicianService:
    site, width = config.kiosk, config.submission.slip_width

    def test_print() -> str:
        code = "TEST-" + clock.wall().strftime("%H%M%S")
        printing.submit(PrintJob(code, SlipData(site.commune_name, site.id, code, _("In thử"), clock.wall(), None,
                                                _("Máy in hoạt động.")), width))
        return _("Đã gửi trang in thử ({code}).").format(code=code)

    def test_scan() -> str:
        scanning.want(SCAN_DOCUMENT, _("Quét thử"), 1)
        return _("Đặt một trang bất kỳ vào máy quét.")

    def reprint() -> str:
        stub = outbox.last_stub()
        if stub is None:
            return _("Chưa có phiếu nào để in lại.")
        printing.submit(PrintJob(stub.receipt_code, slip_from_stub(stub, site.commune_name, site.id), width))
        return _("Đã gửi lệnh in lại phiếu {code}.").format(code=stub.official_code or stub.receipt_code)

    reload = reloader(config, kiosk, load_catalog)

    def reload_catalog() -> str:
        return _("Đã tải lại danh mục thủ tục (phiên bản {version}).").format(version=reload())

    def restart_kiosk() -> str:
        restart()
        return _("Kiosk đang khởi động lại.")

    service = TechnicianService(outbox, clock, operator_key(config), site.province_code,
                                config.security.technician_pin_hash, lambda: live_report(config, kiosk, link),
                                actions={"test_print": test_print, "test_scan": test_scan, "reprint": reprint,
                                         "reload_catalog": reload_catalog, "restart": restart_kiosk},
                                cancel_scan=scanning.cancel)
    logging.getLogger("motcua").addHandler(service.errors)
    return service
