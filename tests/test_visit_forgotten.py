"""Nothing of a visit stays in the kiosk's memory once it ends (Session: values are dropped, not kept in a copy),
but the few records a script may still read by `{code}` and the last slip's image: no kept event, widget drawing
or text layout holds the citizen's name, typed or read from the card."""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Iterator

from firmware.app.sim import Simulator
from screens.ui import canvas

from .conftest import REPO, steps

CARD = "001303004567|123456789|Nguyễn Thị Ngọc Ánh|05032003|Nữ|Thôn 3, xã Yên Phong, Bắc Ninh|10062021"
PAGE = str(REPO / "firmware" / "demo" / "giay_chung_sinh.png")
TYPED = "Nguyeenx Hoangf Baro Ngocj"  # the child's name in Telex: the keyboard makes "Nguyễn Hoàng Bảo Ngọc"
NAMES = ("Bảo Ngọc", "BẢO NGỌC", "Ngọc Ánh", "NGỌC ÁNH")


def _within(records: list[object]) -> set[int]:
    """The containers inside these records (dicts, lists and tuples only: the walk stays in the records)."""
    seen: set[int] = set()
    pending = list(records)
    while pending:
        item = pending.pop()
        if id(item) not in seen and isinstance(item, dict | list | tuple):
            seen.add(id(item))
            pending.extend(item.values() if isinstance(item, dict) else item)
    return seen


def _kiosk(root: object) -> set[int]:
    """What the kiosk holds: everything reachable from it but through modules and classes (other tests' leftovers
    in this process are not the kiosk's)."""
    modules = {id(vars(module)) for module in list(sys.modules.values()) if module is not None}
    seen: set[int] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if id(item) in seen or id(item) in modules or isinstance(item, type | types.ModuleType):
            continue
        seen.add(id(item))
        pending.extend(gc.get_referents(item))
    return seen


def _holders() -> Iterator[object]:
    """Every object that refers to a string holding one of the names (but modules: this one names them)."""
    modules = {id(vars(module)) for module in list(sys.modules.values()) if module is not None}
    for holder in gc.get_objects():
        if id(holder) in modules:
            continue
        for item in gc.get_referents(holder):
            if isinstance(item, str) and any(name in item for name in NAMES):
                yield holder
                break


def test_the_visit_leaves_nothing_of_the_citizen_behind(sim: Simulator) -> None:
    sim.run(steps(("presence", True), ("tap", "Nộp hồ sơ"), ("present_qr", CARD), ("tap", "Đăng ký khai sinh"),
                  ("tap", "Bắt đầu"), ("type", TYPED), ("tap", "Tiếp tục"), ("type", "05112026"),
                  ("tap", "Tiếp tục"), ("tap", "Nữ"), ("tap", "Mẹ"), ("insert_document", PAGE),
                  ("expect_screen", "review"), ("tap", "Tôi đồng ý"), ("tap", "Nộp hồ sơ"),
                  ("expect_screen", "done")))
    sim.wait_for(lambda: sim.app.printing.printed == 1, "the slip")
    assert any(True for _ in _holders())  # during the visit (the check can see them)
    assert canvas.scaled.cache_info().currsize > 0  # the page's thumbnail, the dossier's QR code
    sim.run(steps(("tap", "Kết thúc"), ("expect_screen", "attract")))
    sim.frame()
    gc.collect()
    assert canvas.scaled.cache_info().currsize == 0, "the visit's scaled images are kept after it"
    allowed = _within([done.record for done in sim.app.kiosk.submissions.submitted.values()])
    kiosk = _kiosk(sim.app)
    left = [type(holder).__name__ for holder in _holders() if id(holder) in kiosk and id(holder) not in allowed]
    assert not left, f"held after the visit by: {left}"
