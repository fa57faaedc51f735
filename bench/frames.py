"""Frame time: what the real loop paints while a citizen uses each screen, at every size.

Every screen is opened with its sample state, then every button on it is pressed and let go (dragged off, so
nothing fires), the clock turns a minute (the inactivity question opens over the screen), and a list is dragged;
three more cases: a typed search over a 2,000-procedure catalog, a modal over a form, and review with every row
answered. A frame is `stack.draw` as the loop calls it (with what changed since the last frame), counted for the
screen it draws. A frame that changes the whole screen (a screen opening, a modal opening or closing: the whole
frame is painted, or copied and dimmed) is reported apart. One App per size goes through every case once
unmeasured first (FreeType loads a glyph the first time it meets it at a size, which a kiosk does in its first
visits). A bare pygame-ce program drawing 30 lines of text whole each frame is timed in the same run."""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pygame

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from bench.catalogs import big_catalog  # noqa: E402
from bench.scratch import scratch_outbox  # noqa: E402
from firmware.app.compose import App, build  # noqa: E402
from firmware.runtime.clock import VirtualClock  # noqa: E402
from firmware.runtime.config import Config  # noqa: E402
from screens import REGISTRY  # noqa: E402
from screens.base import Screen  # noqa: E402
from screens.ui.canvas import REGULAR  # noqa: E402

SIZES = ((1080, 1920), (720, 1280), (800, 480))
MAX_BUTTONS = 16
SEARCH_KEYS = "dang ky tam tru"
Timed = dict[str, list[float]]  # case -> frame times (ms)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Session:
    """One App, its loop's draws timed: into `whole` for a frame that changes the whole screen, else into
    `timed`, under `case` (or the name of the screen drawn)."""

    def __init__(self, size: tuple[int, int], config: Config | None = None) -> None:
        self.app: App = build(config or Config(), clock=VirtualClock(), size=size, headless=True,
                              outbox_path=scratch_outbox())
        self.timed: Timed = {}
        self.case: str | None = None
        self.whole: list[float] = []
        self._last: tuple[Screen | None, object] = (None, None)
        draw = self.app.stack.draw

        def timed(canvas: object) -> None:
            top = self.app.stack.top
            showing = (top, getattr(top, "modal", None))
            whole = showing != self._last  # a screen, or a modal over it, came or went
            self._last = showing
            started = time.perf_counter()
            draw(canvas)  # type: ignore[arg-type]
            ms = (time.perf_counter() - started) * 1000
            if whole:
                self.whole.append(ms)
            elif top is not None:
                self.timed.setdefault(self.case or top.name, []).append(ms)

        self.app.stack.draw = timed  # type: ignore[method-assign]
        self._settle()

    def _settle(self) -> None:
        """Until every device has said how it is (a device that reports later moves the banner: a new layout)."""
        deadline = time.monotonic() + 5
        while "camera" not in self.app.kiosk.health and time.monotonic() < deadline:
            self.app.loop.step([])
            time.sleep(0.01)

    @property
    def screen(self) -> Screen:
        top = self.app.stack.top
        assert top is not None
        return top

    def open(self, name: str, prepare: Callable[[App], dict[str, object]] | None = None) -> None:
        params = prepare(self.app) if prepare else REGISTRY[name].sample_params(self.app.kiosk)
        self.app.stack.reset(name, **params)
        self.app.loop.step([])

    def mouse(self, kind: int, pos: tuple[int, int]) -> None:
        self.app.loop.step([pygame.event.Event(kind, pos=pos, button=1, touch=False)])

    def press_and_slide_off(self, pos: tuple[int, int]) -> None:
        """A finger down on a button (it shows pressed), then slid off and lifted (nothing fires)."""
        off = (self.app.display.size[0] - 2, self.app.display.size[1] - 2)
        self.mouse(pygame.MOUSEBUTTONDOWN, pos)
        self.app.loop.step([pygame.event.Event(pygame.MOUSEMOTION, pos=off, rel=(0, 0), buttons=(1, 0, 0),
                                               touch=False)])
        self.mouse(pygame.MOUSEBUTTONUP, off)

    def tap(self, label: str) -> None:
        (pos, *_) = self.screen.locate(label)
        self.mouse(pygame.MOUSEBUTTONDOWN, pos)
        self.mouse(pygame.MOUSEBUTTONUP, pos)
        self.app.clock.advance(0.05)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.app.close()


def use_screen(session: Session) -> None:
    """Press every button (up to MAX_BUTTONS, spread over the screen), turn the clock, drag the lists."""
    buttons = session.screen.buttons()
    step = max(1, len(buttons) // MAX_BUTTONS)
    for button in buttons[::step]:
        if button.enabled and session.app.stack.top is not None:
            session.press_and_slide_off(button.rect.center)
    session.app.clock.advance(60)  # type: ignore[attr-defined]
    session.app.loop.step([])
    for widget in session.screen.widgets:
        if getattr(widget, "max_offset", 0):
            x, y = widget.rect.center
            session.mouse(pygame.MOUSEBUTTONDOWN, (x, y))
            for dy in range(40, 400, 40):
                session.app.loop.step([pygame.event.Event(pygame.MOUSEMOTION, pos=(x, y - dy), rel=(0, -40),
                                                          buttons=(1, 0, 0), touch=False)])
            session.mouse(pygame.MOUSEBUTTONUP, (x, y - 400))


@contextmanager
def session_at(size: tuple[int, int], config: Config | None = None) -> Iterator[Session]:
    session = Session(size, config)
    try:
        yield session
    finally:
        session.close()  # no device threads of one App left running under the next figure


def province_config() -> Config:
    """A province with 2,000 procedures: every screen runs with it, the search types over it."""
    base = Config()
    return dataclasses.replace(base, submission=dataclasses.replace(base.submission, catalog=str(big_catalog(2000))))


def every_screen(session: Session) -> None:
    session.case = None
    for name in REGISTRY:
        session.open(name)
        use_screen(session)


def typed_search(session: Session) -> None:
    session.case = "procedures+search 2000"
    session.open("procedures", lambda app: {})
    session.tap("Tìm thủ tục")
    for key in SEARCH_KEYS:
        session.tap("Dấu cách" if key == " " else key)


def modal_over_form(session: Session) -> None:
    session.case = "form+modal"
    session.open("form")
    session.screen.coming_soon()
    session.app.loop.step([])
    use_screen(session)


def review_every_row(session: Session) -> None:
    def prepare(app: App) -> dict[str, object]:
        params = REGISTRY["review"].sample_params(app.kiosk)
        procedure = app.kiosk.catalog.by_code(app.kiosk.session.procedure_code or "")
        assert procedure is not None
        for item in procedure.form:
            if item.key not in app.kiosk.session.answers:
                app.kiosk.session.answers[item.key] = item.choices[0] if item.choices else "Nguyễn Văn An"
        return params

    session.case = "review every row"
    session.open("review", prepare)
    use_screen(session)


CASES = (every_screen, typed_search, modal_over_form, review_every_row)


def bare_pygame(size: tuple[int, int]) -> list[float]:
    """A program with none of ours: fill, then 30 lines of Vietnamese text, every frame."""
    import pygame.freetype

    pygame.freetype.init()
    surface = pygame.Surface(size)
    face = pygame.freetype.Font(str(REGULAR), 32)
    times = []
    for frame in range(130):
        started = time.perf_counter()
        surface.fill((255, 255, 255))
        for line in range(30):
            face.render_to(surface, (20, 20 + line * 40), f"Dòng {line}: Đăng ký khai sinh — thủ tục {frame}",
                           fgcolor=(26, 26, 26))
        times.append((time.perf_counter() - started) * 1000)
    return times[10:]


def measure(size: tuple[int, int]) -> tuple[str, list[float], list[float]]:
    """One kiosk (one App, as on the device) through every case twice: the first time unmeasured, so glyphs
    and text layouts are cached, as on a kiosk after its first visits. The heaviest screen or case by p95,
    its frames, and every whole-screen frame."""
    with session_at(size, province_config()) as session:
        assert len(session.app.kiosk.catalog.procedures) == 2000
        for case in CASES:
            case(session)
        session.timed, session.whole = {}, []
        for case in CASES:
            case(session)
        timed = session.timed
        worst = max((k for k in timed if timed[k]), key=lambda k: percentile(timed[k], 0.95))
        return worst, timed[worst], session.whole


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    for width, height in SIZES:
        name, frames, whole = measure((width, height))
        tag = f"{width}x{height}"
        print(f"heaviest at {tag}: {name} (p95 {percentile(frames, 0.95):.2f} ms over {len(frames)} frames); "
              f"whole-screen frames (a screen or a modal opening or closing) p95 {percentile(whole, 0.95):.2f} ms, "
              f"max {max(whole):.2f} ms over {len(whole)}")
        figures[f"frame_ms_p95_{tag}"] = round(percentile(frames, 0.95), 3)
        figures[f"frame_ms_whole_screen_p95_{tag}"] = round(percentile(whole, 0.95), 3)
        if tag == "1080x1920":
            figures["frame_ms_p50_1080x1920"] = round(statistics.median(frames), 3)
            bare = percentile(bare_pygame((width, height)), 0.95)
            figures["frame_ms_p95_bare_pygame_30_lines"] = round(bare, 3)
            figures["frame_p95_over_bare_pygame"] = round(percentile(frames, 0.95) / bare, 2)
    return figures
