"""`motcua sim`: drive the real loop headless on the virtual clock with a scripted citizen (DESIGN.md §10)."""

from __future__ import annotations

import builtins
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygame
from PIL import Image

from firmware.app import sim_card, sim_link
from firmware.app.compose import App
from firmware.common.marks import without_marks
from firmware.rules.i18n import _
from firmware.runtime.clock import VirtualClock
from hw.camera import SimCamera
from hw.printer import STATES as PRINTER_STATES
from hw.printer import SimPrinter
from hw.scanner import STATES as SCANNER_STATES
from hw.scanner import SimScanner
from screens.ui.keyboard import SHIFT, SPACE

FRAME_S = 1 / 30
EXPECT_TIMEOUT_S = 15.0
DEVICE_WAIT_S = 5.0  # real seconds a device thread may take to answer (it answers in milliseconds)
MAX_REAL_WAIT_S = 30.0


def slug(value: Any) -> str:
    """ASCII file-name part for a step argument: 'Trợ giúp' -> 'tro-giup'."""
    text = without_marks(str(value)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40]


class ScriptError(Exception):
    """The script itself is malformed (exit 2)."""


class StepFailed(Exception):
    """A step did not pass (exit 1)."""


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    arg: Any

    def __str__(self) -> str:
        return f"step {self.number} ({self.name}: {self.arg!r})"


def load_script(path: Path) -> list[Step]:
    import yaml  # here: a simulator driven by code (the benchmarks) reads no YAML
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read the script ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: not a valid YAML script: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ScriptError(f"{path}: a script is a non-empty YAML list of steps, like '- tap: \"Trợ giúp\"'")
    steps = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or len(item) != 1:
            raise ScriptError(f"{path}: step {number} must be one 'name: value' pair, got {item!r}")
        ((name, arg),) = item.items()
        steps.append(Step(number, str(name), arg))
    return steps


class Simulator:
    failure: type[Exception] = StepFailed  # what a step raises (sim_link's steps raise it too)

    def __init__(self, app: App, shots: Path | None = None, shot_every_step: bool = False) -> None:
        if not isinstance(app.clock, VirtualClock):
            raise TypeError("the simulator needs an app built on a VirtualClock")
        self.app = app
        self.clock: VirtualClock = app.clock
        self.shots = shots
        self.shot_every_step = shot_every_step
        self.shots_written: list[Path] = []
        self.taps = 0
        self.key_taps = 0  # of `taps`, those on keyboard keys (`type`)
        self._written: str | None = None
        self._shot_count = 0
        self.handlers: dict[str, Callable[[Any], None]] = {
            "expect_screen": self.expect_screen, "tap": self.tap, "tap_at": self.tap_at, "hold_at": self.hold_at,
            "wait": self.wait, "expect_text": self.expect_text, "expect_no_text": self.expect_no_text,
            "wait_real": self.wait_real, "shot": self.shot, "presence": self.presence, "present_qr": self.present_qr,
            "present_image": self.present_image, "insert_document": self.insert_document, "press": self.press,
            "printer": self.printer, "scanner": self.scanner, "camera": self.camera, "type": self.type,
        }
        self.handlers.update({**sim_link.handlers(self), **sim_card.handlers(self)})
        self.script_dir = Path(".")
        if shots:
            shots.mkdir(parents=True, exist_ok=True)

    # -- running --------------------------------------------------------------------------------------
    def run_file(self, script: Path) -> None:
        """Run a script file; image paths in it may be relative to the script."""
        self.script_dir = script.parent
        self.run(load_script(script))

    def run(self, steps: list[Step]) -> None:
        self.settle()
        for step in steps:
            handler = self.handlers.get(step.name)
            if handler is None:
                raise StepFailed(f"{step} failed: unsupported step: {step.name}")
            try:
                handler(step.arg)
            except StepFailed as exc:
                raise StepFailed(f"{step} failed: {exc}\n{self.describe()}") from None
            if self.shot_every_step and step.name != "shot":
                self._save(f"{step.name}-{slug(step.arg)}" if slug(step.arg) else step.name)
            self._write_submission()

    def _write_submission(self) -> None:
        """After a submission, `--shots DIR` also holds `dossier.json` and `slip.png`."""
        last = self.app.kiosk.submissions.last
        if not self.shots or last is None or last.record["receipt_code"] == self._written:
            return
        code = last.record["receipt_code"]
        printing = self.app.printing
        self.wait_for(lambda: printing.last_slip_code == code, "the slip was not rendered")
        (self.shots / "dossier.json").write_text(json.dumps(last.record, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        if printing.last_slip is not None:
            printing.last_slip.save(self.shots / "slip.png")
        self._written = code

    def frame(self, raw: list[pygame.event.Event] | None = None) -> None:
        self.clock.advance(FRAME_S)
        self.app.loop.step(raw or [])

    def settle(self, frames: int = 3) -> None:
        for _frame in range(frames):
            self.frame()

    def describe(self) -> str:
        screen = self.app.stack.top
        texts = " | ".join(t.replace("\n", " / ") for t in self.app.loop.canvas.drawn)
        modal = f" (modal: {screen.modal.name})" if screen and screen.modal else ""
        return f"on screen: {self.app.stack.top_name}{modal}; text: {texts}"

    # -- steps ----------------------------------------------------------------------------------------
    def expect_screen(self, name: Any) -> None:
        if not isinstance(name, str) or name not in self.app.stack.registry:
            known = ", ".join(sorted(self.app.stack.registry))
            raise StepFailed(f"unknown screen {name!r}; screens: {known}")
        waited = 0.0
        while self.app.stack.top_name != name:
            if waited >= EXPECT_TIMEOUT_S:
                raise StepFailed(f"screen {name!r} did not appear within {EXPECT_TIMEOUT_S:g} s")
            self.frame()
            waited += FRAME_S
        self.settle(1)

    def tap(self, label: Any) -> None:
        screen = self.app.stack.top
        if screen is None:
            raise StepFailed("no screen")
        matches = screen.locate(str(label))
        if not matches:
            shown = ", ".join(repr(b.label) for b in screen.buttons())
            raise StepFailed(f"no button labelled {label!r}; buttons: {shown}")
        if len(matches) > 1:
            raise StepFailed(f"{len(matches)} buttons are labelled {label!r}; a label must be unique")
        if not any(b.enabled for b in screen.buttons() if b.label == str(label)):
            raise StepFailed(f"button {label!r} is disabled")
        self._click(matches[0])

    def type(self, keys: Any) -> None:
        """Press on-screen keys in order: each character is a key's label (space: the space bar)."""
        if not isinstance(keys, str | int) or str(keys) == "":
            raise StepFailed(f"type takes the keys to press, got {keys!r}")
        before = self.taps
        try:
            for char in str(keys):
                self._press_key(char)
        finally:
            self.key_taps += self.taps - before

    @property
    def navigation_taps(self) -> int:
        return self.taps - self.key_taps

    def _press_key(self, char: str) -> None:
        screen = self.app.stack.top
        if screen is None:
            raise StepFailed("no screen")
        label = _(SPACE) if char == " " else char
        if not screen.locate(label) and char.swapcase() != char and screen.locate(_(SHIFT)):
            self.tap(_(SHIFT))  # the keyboard shows the other case: change it first
        if not screen.locate(label):
            raise StepFailed(f"no key {char!r} on the keyboard")
        self.tap(label)

    def tap_at(self, arg: Any) -> None:
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(v, int) for v in arg)):
            raise StepFailed(f"tap_at takes [x, y] in pixels, got {arg!r}")
        self._click((arg[0], arg[1]))

    def hold_at(self, arg: Any) -> None:
        """[x, y, seconds]: a finger held down that long, then lifted (technician mode's hidden gesture)."""
        if not (isinstance(arg, list) and len(arg) == 3 and all(isinstance(v, int | float) for v in arg)
                and 0 < arg[2] <= 60):
            raise StepFailed(f"hold_at takes [x, y, seconds] (seconds up to 60), got {arg!r}")
        self._click((int(arg[0]), int(arg[1])), float(arg[2]))

    def _click(self, pos: tuple[int, int], held_s: float = 0.0) -> None:
        self.taps += 1
        self.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
        if held_s:
            self.clock.advance(held_s)
        self.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)])
        self.settle(2)

    def wait(self, seconds: Any) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 86400:
            raise StepFailed(f"wait takes seconds from 0 to 86400, got {seconds!r}")
        end = self.clock.now() + float(seconds)
        while self.clock.now() < end:
            self.clock.advance(min(0.1, end - self.clock.now()))
            self.app.loop.step([])
        self.settle(1)

    def expect_text(self, text: Any) -> None:
        self.settle(1)
        wanted = str(text)
        if not any(wanted in drawn for drawn in self.app.loop.canvas.drawn):
            raise StepFailed(f"text {wanted!r} is not on screen")

    def expect_no_text(self, text: Any) -> None:
        """Passes when TEXT is drawn nowhere on the screen, its banner or its modal."""
        self.settle(1)
        unwanted = str(text)
        if not unwanted:
            raise StepFailed("expect_no_text takes the text that must not be shown")
        found = [drawn for drawn in self.app.loop.canvas.drawn if unwanted in drawn]
        if found:
            raise StepFailed(f"text {unwanted!r} is on screen: {found[0][:120]!r}")

    def wait_real(self, seconds: Any) -> None:
        """Real time (bounded, at most 30 s) for device and network threads; the loop runs and the virtual clock
        follows the real one meanwhile, as on a kiosk."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_REAL_WAIT_S:
            raise StepFailed(f"wait_real takes seconds from 0 to {MAX_REAL_WAIT_S:g}, got {seconds!r}")
        self._follow_real(lambda: False, time.monotonic() + float(seconds), lambda: None)
        self.settle(1)

    def shot(self, name: Any) -> None:
        if not isinstance(name, str) or not re.fullmatch(r"[\w.-]{1,64}", name):
            raise StepFailed(f"shot takes a file-name-safe NAME, got {name!r}")
        self._save(name)

    # -- hardware steps: they drive the simulated devices, whose threads post events like real ones ------
    def _sim(self, attribute: str, kind: builtins.type) -> Any:
        device = getattr(self.app.devices, attribute)
        if not isinstance(device, kind):
            raise StepFailed(f"the {attribute} is not simulated (backend {type(device).__name__})")
        return device

    def wait_for(self, condition: Callable[[], bool], what: str, meanwhile: Callable[[], None] = lambda: None) -> None:
        """Wait, bounded in real time, for a device or network thread (`meanwhile`: e.g. wake a napping worker)."""
        if not self._follow_real(condition, time.monotonic() + DEVICE_WAIT_S, meanwhile):
            raise StepFailed(f"{what} within {DEVICE_WAIT_S:g} s")
        self.settle(2)

    def _follow_real(self, done: Callable[[], bool], until: float, meanwhile: Callable[[], None]) -> bool:
        """Run the loop until `done` or the real time `until` (whether done); the virtual clock follows the real
        one, so timers (sending, slip deadlines) behave as on a kiosk."""
        last = time.monotonic()
        while not done():
            if time.monotonic() >= until:
                return False
            meanwhile()
            self.app.inbox.wait(0.01)
            self.clock.advance(max(0.0, time.monotonic() - last))
            last = time.monotonic()
            self.app.loop.step([])
        return True

    def _sensors(self) -> Any:  # the SimSensorDriver
        if self.app.devices.sensor_driver is None:
            raise StepFailed("the sensors are not simulated (gpio factory is not mock)")
        return self.app.devices.sensor_driver

    def presence(self, present: Any) -> None:
        if not isinstance(present, bool):
            raise StepFailed(f"presence takes true or false, got {present!r}")
        posted = self.app.inbox.posted
        if not self._sensors().set_presence(present):
            raise StepFailed("the presence sensor did not change")
        self.wait_for(lambda: self.app.inbox.posted > posted, "the presence sensor posted nothing")

    def press(self, name: Any) -> None:
        driver = self._sensors()
        if name not in ("help", "tamper"):
            raise StepFailed(f"press takes help or tamper, got {name!r}")
        posted = self.app.inbox.posted
        driver.press(name)
        self.wait_for(lambda: self.app.inbox.posted > posted, f"the {name} button posted nothing")

    def _show(self, show: Callable[[SimCamera], None], expect_code: bool, what: str) -> None:
        camera = self._sim("camera", SimCamera)
        worker = self.app.devices.decoder_worker
        if worker.state == "absent":
            show(camera)
            self.settle(1)
            return
        # The citizen takes the last card away first, so the same code shown again counts as a new scan (woken
        # for each frame: where one frame in 15 is decoded, that would take 5 s).
        camera.show_nothing()
        self.wait_for(lambda: worker.empty_streak >= worker.forget_after_frames, "no clear view", worker.poke)
        posted, frames, decoded = worker.posted, worker.frames, worker.decoded
        show(camera)
        if expect_code and worker.every:  # a screen that takes no code decodes none: the citizen is ignored
            self.wait_for(lambda: worker.posted > posted, f"{what} was not decoded")
        else:  # at least two frames of it seen (decoded, where this screen decodes every n-th frame)
            seen = (lambda: worker.decoded >= decoded + 2) if worker.every else (lambda: worker.frames >= frames + 2)
            self.wait_for(seen, "the camera delivered no frame", worker.poke)

    def present_qr(self, payload: Any) -> None:
        if not isinstance(payload, str) or not payload:
            raise StepFailed(f"present_qr takes the QR code's text, got {payload!r}")
        self._show(lambda camera: camera.show_qr(payload), True, "the QR code shown to the camera")

    def present_image(self, file: Any) -> None:
        image = self._image(file)
        self._show(lambda camera: camera.show_image(image, str(file)), False, str(file))

    def insert_document(self, file: Any) -> None:
        image = Image.new("L", (1654, 2339), 255) if file == "blank" else self._image(file)
        scanner = self._sim("scanner", SimScanner)
        worker = self.app.scanning
        results = worker.results
        scanner.insert_document(image)
        worker.poke()
        if worker.status(0)["waiting"] and scanner.status(0)["state"] == "ok":
            self.wait_for(lambda: worker.results > results, "the scanner did not take the page")
        else:
            self.settle(2)

    def path_of(self, file: Any) -> Path:
        """A file a step names: relative to where we run, else to the script."""
        path = Path(str(file))
        return self.script_dir / path if not path.is_absolute() and not path.exists() else path

    def _image(self, file: Any) -> Image.Image:
        path = self.path_of(file)
        try:
            with Image.open(path) as image:
                image.load()
                return image.copy()
        except (OSError, ValueError) as exc:
            raise StepFailed(f"cannot read image {str(path)!r}: {exc}") from None

    def _device_state(self, attribute: str, kind: builtins.type, state: Any, states: tuple[str, ...]) -> None:
        if state not in states:
            raise StepFailed(f"{attribute} takes one of {', '.join(states)}, got {state!r}")
        self._sim(attribute, kind).set_state(state)
        poller = self.app.devices.poller
        polls = poller.polls
        poller.poke()
        self.wait_for(lambda: poller.polls > polls, f"the {attribute} state was not polled")

    def printer(self, state: Any) -> None:
        self._device_state("printer", SimPrinter, state, PRINTER_STATES)

    def scanner(self, state: Any) -> None:
        worker = self.app.scanning
        results = worker.results
        self._device_state("scanner", SimScanner, state, SCANNER_STATES)
        if state != "ok" and worker.status(0)["waiting"]:  # a screen is waiting for a page: it hears of it
            self.wait_for(lambda: worker.results > results, f"the scanner's {state} was not reported")

    def camera(self, state: Any) -> None:
        if state not in ("ok", "absent"):
            raise StepFailed(f"camera takes ok or absent, got {state!r}")
        camera = self._sim("camera", SimCamera)
        worker = self.app.devices.decoder_worker
        camera.set_absent(state == "absent")
        self.wait_for(lambda: worker.state == state, f"the camera did not become {state}")

    def _save(self, name: str) -> None:
        if not self.shots:
            return
        self.settle(1)
        self._shot_count += 1
        path = self.shots / f"{self._shot_count:02d}-{name}.png"
        pygame.image.save(self.app.display.surface, str(path))
        self.shots_written.append(path)
