"""`motcua`: one console script with subcommands. Exit 0 success, 1 check failed, 2 bad input or usage."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from firmware.config import Config, ConfigError, load

DEMO_SCRIPT = "demo.yaml"
DEFAULT_DEMO_SHOTS = Path("out/demo")


class UsageError(Exception):
    """Bad input: exit 2 with the message."""


def _config(path: str | None) -> Config:
    return load(path) if path else Config()


def _size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"(\d{3,4})x(\d{3,4})", text)
    if not match:
        raise UsageError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 1080x1920")
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 4096 and 320 <= height <= 4096):
        raise UsageError(f"--size {text}: each side must be from 320 to 4096 pixels")
    return width, height


def _headless() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def cmd_run(args: argparse.Namespace) -> int:
    from firmware.display import has_desktop_display

    config = _config(args.config)
    driver = config.display.driver
    if driver == "auto":
        driver = "window" if has_desktop_display() else "headless"
    if driver == "headless":
        print("motcua: no display (DISPLAY/WAYLAND_DISPLAY unset): playing the built-in demo headless")
        demo = resources.files("firmware").joinpath(DEMO_SCRIPT)
        with resources.as_file(demo) as script:
            return _simulate(script, args.config, Path(args.shots), shot_every_step=True)
    if driver == "offscreen":
        _headless()
    from firmware.app import build, open_display

    app = build(config)
    open_display(app, driver)
    if args.first_frame_file:
        _report_first_frame(app, Path(args.first_frame_file))
    try:
        app.loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def _report_first_frame(app: object, path: Path) -> None:
    """Benchmark hook: write the time of the first frame shown."""
    import time

    app.loop.step([])  # type: ignore[attr-defined]
    path.write_text(f"{time.time():.6f}\n")


def _simulate(script: Path, config_path: str | None, shots: Path | None, shot_every_step: bool = False) -> int:
    _headless()
    from firmware.app import build
    from firmware.clock import VirtualClock
    from firmware.sim import ScriptError, Simulator, StepFailed, load_script

    try:
        steps = load_script(script)
    except ScriptError as exc:
        raise UsageError(str(exc)) from None
    app = build(_config(config_path), clock=VirtualClock(), headless=True)
    simulator = Simulator(app, shots, shot_every_step)
    simulator.script_dir = script.parent
    try:
        simulator.run(steps)
    except StepFailed as exc:
        print(f"motcua sim: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()
    where = f"; {len(simulator.shots_written)} PNG files in {shots}/" if shots else ""
    print(f"motcua sim: {len(steps)} steps passed{where}")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    return _simulate(Path(args.script), args.config, Path(args.shots) if args.shots else None)


def cmd_screens(args: argparse.Namespace) -> int:
    _headless()
    import pygame

    from firmware.app import build
    from firmware.clock import VirtualClock
    from screens import REGISTRY

    size = _size(args.size) or (1080, 1920)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = _config(args.config)
    for name, screen in REGISTRY.items():
        app = build(config, clock=VirtualClock(), size=size, headless=True)
        app.stack.reset(name, **screen.sample_params(app.kiosk))
        app.stack.apply_pending()
        app.loop.step([])
        pygame.image.save(app.display.surface, str(out / f"{name}.png"))
        app.close()
    print(f"motcua screens: {len(REGISTRY)} screens at {size[0]}x{size[1]} in {out}/")
    return 0


def decode_payload(text: str) -> dict[str, object]:
    """One decoded QR code as the JSON object `motcua decode` prints."""
    from datetime import datetime

    from firmware.clock import VIETNAM
    from firmware.identity import read_cccd

    card = read_cccd(text, today=datetime.now(VIETNAM).date())
    return card.to_json() if card else {"kind": "text", "text": unicodedata.normalize("NFC", text)}


def cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from hw.qr import make_decoder

    try:
        with Image.open(args.image) as image:
            gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise UsageError(f"cannot read image {args.image}: {exc}") from None
    codes = make_decoder(args.decoder).decode(gray)
    for code in codes:
        print(json.dumps(decode_payload(code.text), ensure_ascii=False))
    return 0 if codes else 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="motcua", description="Kiosk dịch vụ công: firmware and tools")
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the kiosk (a window on a desktop, headless demo without a display)")
    run.add_argument("--config", help="TOML configuration file (default: built-in defaults)")
    run.add_argument("--shots", default=str(DEFAULT_DEMO_SHOTS), help="where the headless demo writes PNGs")
    run.add_argument("--first-frame-file", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)

    sim = sub.add_parser("sim", help="drive the kiosk headless with a scripted citizen")
    sim.add_argument("--script", required=True, help="YAML list of steps (DESIGN.md §10)")
    sim.add_argument("--config", help="TOML configuration file")
    sim.add_argument("--shots", help="directory for screenshots (shot: NAME -> DIR/NN-NAME.png)")
    sim.set_defaults(func=cmd_sim)

    screens = sub.add_parser("screens", help="render every screen to DIR/<name>.png")
    screens.add_argument("--out", required=True, help="output directory")
    screens.add_argument("--size", help="WIDTHxHEIGHT (default 1080x1920)")
    screens.add_argument("--config", help="TOML configuration file")
    screens.set_defaults(func=cmd_screens)

    decode = sub.add_parser("decode", help="every QR code in an image, one JSON object per line")
    decode.add_argument("image", help="image file (PNG, JPEG, ...)")
    decode.add_argument("--decoder", choices=("zxing", "pyzbar"), default="zxing")
    decode.set_defaults(func=cmd_decode)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (ConfigError, UsageError) as exc:
        print(f"motcua: {exc}", file=sys.stderr)
        return 2
