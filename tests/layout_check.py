"""Every screen, in the states a citizen sees, at every supported size: what breaks the layout rule.

The rule (issue 14): no text below the theme's `min_text`, no text that does not fit its box, no widget or text
outside the screen's side margins (the header and banner bars themselves span the width; their text does not).
`python -m tests.layout_check` prints the problems; the test asserts there are none.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from firmware.app.compose import App, build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from screens import REGISTRY  # noqa: E402
from screens.ui.widgets import ScrollList  # noqa: E402

SIZES = [(1080, 1920), (720, 1280), (800, 480)]
IDENTITY = {"full_name": "Nguyễn Thị Ngọc Ánh", "id_number": "001303004567"}


def _states() -> dict[str, Callable[[App], None]]:
    """Extra states beyond each screen's sample: keyboards open, messages shown, a long result list."""

    def search(app: App) -> None:
        app.stack.reset("procedures")
        app.stack.apply_pending()
        app.stack.top.on_action("search")  # type: ignore[union-attr]
        for key in "dang ky":
            app.stack.top.on_action(f"char:{key}")  # type: ignore[union-attr]

    def form(index: int, message: str = "") -> Callable[[App], None]:
        def show(app: App) -> None:
            app.kiosk.session.procedure_code = "1.001193"
            app.kiosk.session.identity = dict(IDENTITY)
            app.stack.reset("form", index=index, message=message)
        return show

    def done_with_due_date(app: App) -> None:
        from firmware.services.submission import Submitted

        code = "kiosk-sim-01-261124-0001"
        record = {"id": "d", "receipt_code": code, "due_date": "2026-11-27",
                  "procedure": {"result": "Tại bộ phận một cửa UBND xã"}}
        app.kiosk.submissions.submitted[code] = Submitted(record, "printed")
        app.stack.reset("done", code=code)

    def documents(event: dict[str, Any]) -> Callable[[App], None]:
        def show(app: App) -> None:
            from PIL import Image

            from firmware.rules.pages import page_from_image
            from firmware.runtime.events import ScanResult

            app.kiosk.session.procedure_code = "1.001193"
            app.kiosk.session.answers["quan_he"] = "Bà"  # the mandate is asked for: two documents
            app.stack.reset("documents", index=1)
            app.stack.apply_pending()
            fields = dict(event)
            if fields.get("ok"):
                image = Image.new("L", (600, 800), 255)
                fields.update(document="van_ban_uy_quyen", thumb=image.resize((150, 200)),
                              page=page_from_image(image, "van_ban_uy_quyen", "Văn bản ủy quyền", 1))
            app.stack.top.on_event(ScanResult(**fields))  # type: ignore[union-attr]
        return show

    def login_refused(app: App) -> None:
        app.stack.reset("login")
        app.stack.apply_pending()
        app.stack.top._read("001303004567|x")  # type: ignore[union-attr]

    def idle_warning(app: App) -> None:
        _open(app, name="review")
        app.stack.apply_pending()
        app.guard.tick(app.clock.now() + app.config.session.warn_after_s + 1)

    def not_printed(app: App) -> None:
        done_with_due_date(app)
        app.kiosk.health.set("printer", "paper_out")

    def lookup_typing(app: App) -> None:
        app.stack.reset("lookup", typing=True)
        app.stack.apply_pending()
        for key in "2611240002":
            app.stack.top.on_action(f"char:{key}")  # type: ignore[union-attr]

    def lookup_message(app: App) -> None:
        app.stack.reset("lookup")
        app.stack.apply_pending()
        app.stack.top._ask("261124-0404")  # type: ignore[union-attr]  # no link here: "cannot reach"

    def sending(app: App) -> None:
        app.stack.reset("status", local={"receipt_code": "kiosk-sim-01-261124-0001", "procedure": "Đăng ký khai sinh",
                                         "received_at": "2026-11-24T10:00:00+07:00", "due_date": "2026-11-27"})

    def long_status(app: App) -> None:
        steps = [{"status": "need_more", "label": "Cần bổ sung giấy tờ", "at": "2026-11-25T09:00:00+07:00",
                  "note": "Bản chụp giấy chứng sinh bị mờ, không đọc được số", "documents":
                  ["Giấy chứng sinh bản chính", "Văn bản ủy quyền có chứng thực", "Sổ hộ khẩu"]}] * 3
        app.stack.reset("status", answer={"found": True, "code": "000.00.20.H26-261124-0002", "late": True,
                                          "procedure": "Đăng ký khai sinh", "due_date": "2026-11-27",
                                          "history": steps})

    return {"lookup+typing": lookup_typing, "status+long": long_status, "lookup+offline": lookup_message,
            "status+sending": sending,
            "documents+page": documents({"ok": True}), "documents+jam": documents({"ok": False, "fault": "jam"}),
            "documents+blank": documents({"ok": False, "problem": "blank"}), "login+refused": login_refused,
            "review+idle": idle_warning, "done+not_printed": not_printed, "procedures+search": search,
            "form+text": form(0), "form+date": form(1, "Ngày này ở sau hôm nay."),
            "form+choice": form(3), "form+place": form(4), "form+date-hint": form(1),
            "form+phone": form(8), "done+due": done_with_due_date}


def _citizen_states() -> dict[str, Callable[[App], None]]:
    """Rating stages (3 and 5 levels, criteria, reasons, thanks, rated already), the dossier list's states, the
    status actions and the documents screen scanning papers asked for later."""
    from firmware.common.catalog import Criterion, RatingScale

    five = ("Rất hài lòng", "Hài lòng", "Bình thường", "Chưa hài lòng", "Rất không hài lòng")
    dossier = {"code": "000.00.20.H26-261124-0002", "procedure": "Cấp bản sao trích lục hộ tịch, bản sao giấy khai "
               "sinh"}

    def rate(stage: int, levels: tuple[str, ...] = five, outcome: str = "", rated: str | None = None) -> Callable[
            [App], None]:
        def show(app: App) -> None:
            app.kiosk.ratings.scale = RatingScale(levels, (Criterion("thai_do", "Thái độ, tác phong của cán bộ "
                                                                     "tiếp nhận và giải quyết hồ sơ?"),))
            app.stack.reset("rate", dossier={**dossier, "rated_on": rated})
            app.stack.apply_pending()
            screen: Any = app.stack.top
            screen.stage, screen.outcome = stage, outcome
            screen.relayout()
        return show

    def status(state: str) -> Callable[[App], None]:
        def show(app: App) -> None:
            app.stack.reset("status", answer={**dossier, "found": True, "status": state, "history": [
                {"status": state, "label": "Đã trả kết quả", "at": "2026-11-28T09:00:00+07:00"}]})
        return show

    def dossiers(message: bool) -> Callable[[App], None]:
        def show(app: App) -> None:
            app.stack.reset("dossiers", listed=[])
            app.stack.apply_pending()
            if message:
                screen: Any = app.stack.top
                screen.message = "Không kết nối được với hệ thống. Xin thử lại sau hoặc hỏi cán bộ."
                screen.relayout()
        return show

    def supplement(app: App) -> None:
        app.stack.reset("documents", supplement={**dossier, "history": [
            {"status": "need_more", "at": "2026-11-25T09:00:00+07:00",
             "documents": ["Giấy chứng sinh bản chính", "Văn bản ủy quyền có chứng thực"]}]})

    def pay(state: str) -> Callable[[App], None]:
        def show(app: App) -> None:
            app.stack.reset("pay", code=dossier["code"], sample_state=state)
        return show

    def vneid(state: str) -> Callable[[App], None]:
        def show(app: App) -> None:
            app.stack.reset("vneid", next="procedures", sample_state=state)
        return show

    def done_with_fee(app: App) -> None:
        from firmware.services.submission import Submitted

        code = "kiosk-sim-01-261124-0001"
        record = {"id": "d", "receipt_code": code, "due_date": "2026-11-27",
                  "procedure": {"result": "Tại bộ phận một cửa UBND xã", "fee_vnd": 7000}}
        app.kiosk.submissions.submitted[code] = Submitted(record, "printed")
        app.stack.reset("done", code=code)

    paying = {f"pay+{s}": pay(s) for s in ("asking", "sending", "offline", "not_found", "free", "already",
                                           "timeout", "unavailable", "paid")}
    logging_in = {f"vneid+{s}": vneid(s) for s in ("starting", "expired", "refused", "offline", "bad",
                                                   "signing_in")}
    return {**paying, **logging_in, "done+fee": done_with_fee,
            "rate+five": rate(0), "rate+criterion": rate(1), "rate+reasons": rate(2), "rate+thanks":
            rate(0, outcome="thanks"), "rate+not_stored": rate(0, outcome="not_stored"),
            "rate+rated": rate(0, rated="2026-11-28"), "rate+two": rate(0, five[::4]), "status+returned":
            status("returned"), "status+rejected": status("rejected"), "dossiers+none": dossiers(False),
            "dossiers+offline": dossiers(True), "documents+supplement": supplement}


def _open(app: App, *, name: str) -> None:
    app.stack.reset(name, **REGISTRY[name].sample_params(app.kiosk))


def problems() -> Iterator[str]:
    scratch = tempfile.mkdtemp(prefix="motcua-layout-")
    states: dict[str, Callable[[App], Any]] = {name: functools.partial(_open, name=name) for name in REGISTRY}
    states.update(_states())
    states.update(_citizen_states())
    for width, height in SIZES:
        for state, show in states.items():
            app = build(Config(), clock=VirtualClock(), size=(width, height), headless=True,
                        outbox_path=f"{scratch}/{width}-{state}.db")
            try:
                show(app)
                app.stack.apply_pending()
                app.stack.top.dirty = True  # type: ignore[union-attr]
                app.loop.step([])
                yield from _check(app, f"{width}x{height} {state}")
            finally:
                app.close()


def _check(app: App, where: str) -> Iterator[str]:
    theme, canvas, screen = app.stack.theme, app.loop.canvas, app.stack.top
    assert screen is not None
    left, right = theme.margin - 1, theme.width - theme.margin + 1
    for text, size, box in canvas.placed:
        if not text.strip():
            continue
        if size < theme.min_text:
            yield f"{where}: {text[:40]!r} drawn at {size} px, below {theme.min_text} px"
        if box.left < left or box.right > right:
            yield f"{where}: {text[:40]!r} outside the margins ({box.left}..{box.right} of {left}..{right})"
    for text, rect, needed in canvas.overflowed:
        if not text.strip():
            continue
        yield f"{where}: {text[:40]!r} does not fit its box ({rect.size} < {needed.size})"
    in_lists = {id(b) for w in screen.widgets if isinstance(w, ScrollList) for b in w.items}
    for button in screen.buttons():
        rect = button.rect
        if rect.left < left or rect.right > right:
            yield f"{where}: button {button.label!r} outside the margins ({rect.left}..{rect.right})"
        if id(button) not in in_lists and (rect.top < 0 or rect.bottom > theme.height):
            yield f"{where}: button {button.label!r} below or above the screen ({rect.top}..{rect.bottom})"
        if rect.height < theme.min_target - 1 or rect.width < theme.min_target - 1:
            yield f"{where}: button {button.label!r} smaller than 9 mm ({rect.size})"


if __name__ == "__main__":
    found = list(problems())
    print("\n".join(found) or "no layout problems")
    sys.exit(1 if found else 0)
