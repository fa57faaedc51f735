"""`motcua`: one console script with subcommands. Exit 0 success, 1 check failed, 2 bad input or usage."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import sys
import tempfile
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from datetime import time as dtime
from importlib import resources
from pathlib import Path
from typing import Any

from firmware.cli.common import UsageError, config_from, headless
from firmware.cli.payments import add_vietqr
from firmware.cli.security import add_security
from firmware.cli.stats import add_options as add_stats_options
from firmware.cli.tools import cmd_doctor, cmd_gateway, cmd_ops, cmd_out_of_service, cmd_provision
from firmware.runtime.config import Config, ConfigError

DEMO_SCRIPT = "demo/demo.yaml"
DEFAULT_DEMO_SHOTS = Path("out/demo")


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


def _with_province(config: Config) -> tuple[Config, Any]:
    """`make run`: a local broker and gateway beside the kiosk when mosquitto is installed; offline otherwise."""
    from province import runstack

    stack = runstack.start(kiosk_id=config.kiosk.id)
    if stack is None:
        print("motcua: mosquitto is not installed: the kiosk runs offline, keeping dossiers in its outbox "
              "(the screen says the network is down)")
        mqtt = dataclasses.replace(config.mqtt, enabled=True, host="127.0.0.1", port=9, backoff_max_s=5.0)
        return dataclasses.replace(config, mqtt=mqtt), stack  # port 9: nothing there, the banner says offline
    print(f"motcua: broker on 127.0.0.1:{stack.broker.port} (TLS, the run stack's own CA) and a gateway are "
          f"running; `motcua gateway dossiers` and `motcua ops` read {stack.config}")
    identity = stack.kiosk
    mqtt = dataclasses.replace(config.mqtt, enabled=True, host="127.0.0.1", port=stack.broker.port,
                               backoff_max_s=5.0, ca_file=identity.ca_file, cert_file=identity.cert_file,
                               key_file=identity.key_file)
    security = dataclasses.replace(config.security, province_key=identity.province_key,
                                   operator_key=identity.operator_key)
    return dataclasses.replace(config, mqtt=mqtt, security=security), stack


RESTART_EXIT = 75  # EX_TEMPFAIL: systemd's Restart=on-failure starts the kiosk again


def cmd_run(args: argparse.Namespace) -> int:
    from firmware.app.display import has_desktop_display

    config = config_from(args.config)
    driver = config.display.driver
    if driver == "auto":
        driver = "window" if has_desktop_display() else "headless"
    stack = None
    if driver in ("window", "headless") and args.config and not config.mqtt.enabled:
        config, stack = _with_province(config)
    try:
        if driver == "headless":
            print("motcua: no display (DISPLAY/WAYLAND_DISPLAY unset): playing the built-in demo headless")
            demo = resources.files("firmware").joinpath("demo")
            with resources.as_file(demo) as folder:
                return _simulate(folder / "demo.yaml", config, Path(args.shots), shot_every_step=True,
                                 scratch_outbox=True, drain=stack is not None)
        if driver == "offscreen":
            headless()
        from firmware.app.compose import build, open_display
        from firmware.runtime.logs import setup_logging

        setup_logging()
        app = build(config, start=False)
        open_display(app, driver)
        app.loop.step([])  # the first frame, then the devices and the link: the citizen sees the kiosk first
        if args.first_frame_file:
            _report_first_frame(Path(args.first_frame_file))
        app.start()
        try:
            app.loop.run()
        except KeyboardInterrupt:
            pass
        finally:
            app.close()
        return RESTART_EXIT if app.loop.restart_requested else 0
    finally:
        if stack:
            stack.stop()


def _report_first_frame(path: Path) -> None:
    """Benchmark hook: write the time the first frame was shown."""
    import time

    path.write_text(f"{time.time():.6f}\n")


def _simulate(script: Path, config: Config, shots: Path | None, shot_every_step: bool = False,
              scratch_outbox: bool = False, drain: bool = False) -> int:
    headless()
    from firmware.app.compose import build
    from firmware.app.sim import ScriptError, Simulator, StepFailed, load_script
    from firmware.runtime.clock import VirtualClock

    try:
        steps = load_script(script)
    except ScriptError as exc:
        raise UsageError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="motcua-sim-") as scratch:
        # Without a config file (and for the demo) the simulated kiosk keeps its outbox in a scratch directory.
        outbox = str(Path(scratch) / "outbox.db") if scratch_outbox or config.source == "<defaults>" else None
        app = build(config, clock=VirtualClock(), headless=True, outbox_path=outbox)
        simulator = Simulator(app, shots, shot_every_step)
        simulator.script_dir = script.parent
        try:
            simulator.run(steps)
            if drain:
                _drain(simulator)
        except StepFailed as exc:
            print(f"motcua sim: {exc}", file=sys.stderr)
            return 1
        finally:
            app.close()
    where = f"; {len(simulator.shots_written)} PNG files in {shots}/" if shots else ""
    print(f"motcua sim: {len(steps)} steps passed, {simulator.taps} taps ({simulator.key_taps} keys, "
          f"{simulator.navigation_taps} navigation){where}")
    return 0


def _drain(simulator: Any) -> None:
    """The demo's dossier reaches the gateway before the province stops (bounded; offline is no failure)."""
    import time

    app = simulator.app
    deadline = time.monotonic() + 15
    while app.outbox.backlog() and time.monotonic() < deadline:
        simulator.clock.advance(0.1)
        app.loop.step([])
        app.inbox.wait(0.02)
    left = app.outbox.backlog()
    print(f"motcua: {'every event reached the gateway' if not left else f'{left} events stay in the outbox'}")


def cmd_sim(args: argparse.Namespace) -> int:
    return _simulate(Path(args.script), config_from(args.config), Path(args.shots) if args.shots else None)


def cmd_screens(args: argparse.Namespace) -> int:
    headless()
    import pygame

    from firmware.app.compose import build
    from firmware.runtime.clock import VirtualClock
    from screens import REGISTRY

    size = _size(args.size) or (1080, 1920)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = config_from(args.config)
    scratch = tempfile.mkdtemp(prefix="motcua-screens-")
    for name, screen in REGISTRY.items():
        app = build(config, clock=VirtualClock(), size=size, headless=True, outbox_path=f"{scratch}/outbox.db")
        app.stack.reset(name, **screen.sample_params(app.kiosk))
        app.stack.apply_pending()
        app.loop.step([])
        pygame.image.save(app.display.surface, str(out / f"{name}.png"))
        app.close()
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"motcua screens: {len(REGISTRY)} screens at {size[0]}x{size[1]} in {out}/")
    return 0


def decode_payload(text: str) -> dict[str, object]:
    """One decoded QR code as the JSON object `motcua decode` prints."""
    from datetime import datetime

    from firmware.rules.identity import read_cccd
    from firmware.runtime.clock import VIETNAM

    card = read_cccd(text, today=datetime.now(VIETNAM).date())
    return card.to_json() if card else {"kind": "text", "text": unicodedata.normalize("NFC", text)}


MAX_DECODE_PIXELS = 50_000_000  # a 50-megapixel photo; PIL's own limit warns at 89 M and stops at 179 M


def cmd_decode(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from hw.qr import make_decoder

    Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(args.image) as image:
                gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UsageError(f"cannot read image {args.image}: over {MAX_DECODE_PIXELS:,} pixels; a photo of a QR code "
                         "needs far fewer (a decompression bomb?)") from None
    except (OSError, UnidentifiedImageError, ValueError, MemoryError) as exc:
        raise UsageError(f"cannot read image {args.image}: {exc}") from None
    codes = make_decoder(args.decoder).decode(gray)
    for code in codes:
        print(json.dumps(decode_payload(code.text), ensure_ascii=False))
    return 0 if codes else 1


def _received(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise UsageError(f"--received {text!r}: expected YYYY-MM-DDTHH:MM, e.g. 2027-02-03T15:30") from None


def _cutoff(text: str) -> dtime:
    try:
        return datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise UsageError(f"--cutoff {text!r}: expected HH:MM, e.g. 16:00") from None


def cmd_due_date(args: argparse.Namespace) -> int:
    from firmware.common.due_date import CalendarError, WorkCalendar, load_calendar

    received = _received(args.received)
    cutoff = _cutoff(args.cutoff)
    if not 0 <= args.working_days <= 365:
        raise UsageError(f"--working-days {args.working_days}: expected a whole number from 0 to 365")
    try:
        calendar = load_calendar(args.calendar) if args.calendar else WorkCalendar()
    except CalendarError as exc:
        raise UsageError(str(exc)) from None
    print(calendar.due_date(received, args.working_days, cutoff).isoformat())
    return 0


def cmd_receipt(args: argparse.Namespace) -> int:
    from firmware.render.slip import render_slip, slip_from_record

    try:
        record = json.loads(Path(args.dossier).read_text(encoding="utf-8"))
        data = slip_from_record(record)
    except OSError as exc:
        raise UsageError(f"cannot read {args.dossier}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{args.dossier}: not valid JSON: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{args.dossier}: not a dossier record (docs/dossier.schema.json): {exc!r}") from None
    image = render_slip(data, args.width)
    try:
        image.save(args.out)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot write {args.out}: {exc}") from None
    print(f"motcua receipt: {image.width}x{image.height} slip in {args.out}")
    return 0


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

    due = sub.add_parser("due-date", help="the date results are due (working days, holidays, cutoff)")
    due.add_argument("--received", required=True, help="local time received, YYYY-MM-DDTHH:MM")
    due.add_argument("--working-days", required=True, type=int, help="processing time in working days")
    due.add_argument("--cutoff", default="16:00", help="received at or after this time counts from the next working "
                     "day (default 16:00)")
    due.add_argument("--calendar", help="province calendar TOML (days_off, working_days)")
    due.set_defaults(func=cmd_due_date)

    receipt = sub.add_parser("receipt", help="render the appointment slip of a dossier record to PNG")
    receipt.add_argument("--dossier", required=True, help="dossier record JSON (docs/dossier.schema.json)")
    receipt.add_argument("--out", required=True, help="PNG file to write")
    receipt.add_argument("--width", type=int, choices=(576, 384), default=576, help="dots: 576 (80 mm), 384 (58 mm)")
    receipt.set_defaults(func=cmd_receipt)

    gateway = sub.add_parser("gateway", help="the reference provincial gateway (run), its stored dossiers, the "
                             "messages it quarantined, a dossier's history, a processing step (back office), the "
                             "satisfaction ratings counted, a payment or a VNeID login confirmed")
    gateway.add_argument("action", nargs="?", choices=("run", "dossiers", "quarantine", "history", "set-status",
                                                       "ratings", "confirm-payment", "payments", "confirm-login",
                                                       "stats", "report"),
                         default="run")
    gateway.add_argument("params", nargs="*", help="history CODE; set-status CODE STATUS; confirm-payment CODE; "
                         "confirm-login SESSION")
    gateway.add_argument("--config", help="TOML with [broker] and [gateway] (default: out/run/motcua.toml)")
    gateway.add_argument("--json", action="store_true", help="dossiers, quarantined messages, history or rating "
                         "counts as JSON Lines")
    gateway.add_argument("--instance", default="", help="run: this process's session name (default: a free slot)")
    gateway.add_argument("--note", default="", help="set-status: the official's note for the citizen")
    gateway.add_argument("--documents", default="", help='set-status need_more: the papers asked for, "A; B"')
    gateway.add_argument("--official", default="", help="set-status: the official who handled it")
    gateway.add_argument("--unit", default="", help="set-status: the unit that handled it")
    gateway.add_argument("--since", default=None, help="ratings, stats: count from this day, YYYY-MM-DD")
    gateway.add_argument("--amount", default=None, help="confirm-payment: the amount paid, VND (default: the fee)")
    gateway.add_argument("--ref", default=None, help="confirm-payment: the bank's transaction reference")
    gateway.add_argument("--cccd", default=None, help="confirm-login: the identity, in the ID card's QR format")
    gateway.add_argument("--refuse", action="store_true", help="confirm-login: the citizen refused in the app")
    add_stats_options(gateway)
    gateway.set_defaults(func=cmd_gateway)

    add_vietqr(sub)
    add_security(sub)

    ops = sub.add_parser("ops", help="the fleet: online, offline or crashed, backlog, printer, counts today")
    ops.add_argument("--once", action="store_true", help="print once and exit (default: live)")
    ops.add_argument("--json", action="store_true", help="JSON Lines (live: the fleet again on every change)")
    ops.add_argument("--config", help="TOML with [broker] (default: out/run/motcua.toml)")
    ops.add_argument("params", nargs="*", metavar="send KIOSK COMMAND [ARGS] | forget KIOSK",
                     help="send: sign a command with the province's operator key, send it, wait for the kiosk's "
                          "answer: notice TEXT, clear_notice, reload_catalog, reload_calendar, report, "
                          "out_of_service [REASON], in_service; forget: empty a decommissioned kiosk's retained "
                          "discovery, status and availability")
    ops.add_argument("--ca", help="send: the CA directory holding operator.key (default: the run file's [gateway] ca)")
    ops.add_argument("--ttl", type=float, default=600.0, help="send: seconds the command stays valid (default 600)")
    ops.add_argument("--wait", type=float, default=30.0, help="send: seconds to wait for the answer (default 30)")
    ops.set_defaults(func=cmd_ops)

    oos = sub.add_parser("out-of-service", help="show only the out-of-service screen (systemd's last resort)")
    oos.add_argument("--config", help="TOML configuration file")
    oos.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    oos.set_defaults(func=cmd_out_of_service)

    doctor = sub.add_parser("doctor", help="self-test: every part of the kiosk, ok, warn, FAIL or off, and why")
    doctor.add_argument("--config", help="TOML configuration file (on a kiosk: /etc/motcua/motcua.toml)")
    doctor.add_argument("--json", action="store_true", help="one JSON object per part (JSON Lines)")
    doctor.add_argument("--lang", choices=("vi", "en"), default="vi", help="the language of the reasons (default vi)")
    doctor.set_defaults(func=cmd_doctor)

    provision = sub.add_parser("provision", help="turn a Raspberry Pi OS Lite image into a site's kiosk image")
    actions = provision.add_subparsers(dest="action", required=True)
    image = actions.add_parser("image", help="write one kiosk image")
    image.add_argument("base", help="Raspberry Pi OS Lite (64-bit) image, Bookworm or Trixie")
    image.add_argument("--site", required=True, help="site TOML (docs/provisioning.md)")
    image.add_argument("--out", required=True, help="the kiosk image to write")
    image.add_argument("--wheelhouse", help="aarch64 wheels for the image's Python")
    image.add_argument("--xz", action="store_true", help="write OUT.xz and OUT.xz.sha256 instead of OUT")
    image.set_defaults(func=cmd_provision)
    batch = actions.add_parser("batch", help="one image per row of a CSV of sites")
    batch.add_argument("sites", help="CSV whose columns are the site keys")
    batch.add_argument("--base", required=True, help="Raspberry Pi OS Lite (64-bit) image")
    batch.add_argument("--out", required=True, help="directory for <kiosk id>.img")
    batch.add_argument("--wheelhouse", help="aarch64 wheels for the image's Python")
    batch.add_argument("--xz", action="store_true", help="each image as .img.xz with its .sha256")
    batch.add_argument("--url-base", default="", help="prefix of each image's url in os_list.json (where it is served)")
    batch.set_defaults(func=cmd_provision)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (ConfigError, UsageError) as exc:
        print(f"motcua: {exc}", file=sys.stderr)
        return 2
