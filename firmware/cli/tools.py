"""The fleet and workshop commands of `motcua`: gateway, ops, provision, doctor, out-of-service."""

from __future__ import annotations

import argparse
import dataclasses
import json
import ssl
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from firmware.cli.common import UsageError, config_from, headless
from firmware.cli.payments import gateway_login, gateway_payment


def _gateway_line(action: str, row: dict[str, Any]) -> str:
    if action == "dossiers":
        return (f"{row['code']}  {row['receipt_code']}  {row['kiosk']}  {row['procedure'].get('name', '')}  "
                f"{row['received_at']}  {len(row['pages'])} trang")
    return f"{row['at']}  {row['kiosk']}  {row['event_id'] or '-'}  {row['topic']}  {row['reason']}"


def cmd_gateway(args: argparse.Namespace) -> int:
    from firmware.runtime.logs import setup_logging
    from province.gateway import Gateway, GatewayConfigError, load_gateway_config
    from province.store import Store

    try:
        config = load_gateway_config(args.config)
    except GatewayConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.action in ("history", "set-status"):
        return _dossier_step(args, config.store, config.unit_code)
    if args.action == "ratings":
        return _ratings(args, config.store, config.unit_code)
    if args.action in ("stats", "report"):
        from firmware.cli.stats import cmd_report, cmd_stats

        return (cmd_stats if args.action == "stats" else cmd_report)(args, config.store, config.unit_code)
    if args.action in ("confirm-payment", "payments"):
        return gateway_payment(args, config.store, config.unit_code)
    if args.action == "confirm-login":
        return gateway_login(args, config.store, config.unit_code)
    if args.params:
        raise UsageError(f"gateway {args.action} takes no arguments, got {' '.join(args.params)!r}")
    if args.action in ("dossiers", "quarantine"):
        store = Store(config.store, config.unit_code)
        rows = store.dossiers() if args.action == "dossiers" else store.quarantined()
        store.close()
        for row in rows:
            print(json.dumps(row, ensure_ascii=False) if args.json else _gateway_line(args.action, row))
        return 0 if rows else 1
    setup_logging()
    if args.instance:
        config = dataclasses.replace(config, instance=args.instance)
    try:
        gateway = Gateway(config)
    except GatewayConfigError as exc:
        raise UsageError(str(exc)) from None
    gateway.run()
    return 0


def _ratings(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    """Counts by unit, official, procedure and level; none yet is an answer too (nothing printed, exit 0)."""
    from firmware.cli.stats import day
    from province.store import Store

    if args.params:
        raise UsageError(f"gateway ratings takes no arguments, got {' '.join(args.params)!r}")
    since = day("--since", args.since)
    store = Store(store_path, unit_code)
    try:
        rows = store.ratings(since)
    finally:
        store.close()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False) if args.json else
              f"{row['unit']}  {row['official'] or '-'}  {row['procedure']}  {row['level']}  {row['count']}")
    return 0


def _dossier_step(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    """`history CODE` (exit 1 for an unknown code) and `set-status CODE STATUS` (2 for a bad status or value)."""
    from province.history import HistoryError, Step
    from province.store import Store

    wanted = 1 if args.action == "history" else 2
    if len(args.params) != wanted:
        raise UsageError("usage: motcua gateway history CODE [--json] | set-status CODE STATUS [--note TEXT] "
                         '[--documents "A; B"] [--official NAME] [--unit UNIT]')
    store = Store(store_path, unit_code)
    try:
        if args.action == "history":
            rows = store.history(args.params[0])
            if not rows:
                print(f"motcua gateway: no dossier with the code {args.params[0]!r}", file=sys.stderr)
                return 1
            for row in rows:
                print(json.dumps(row, ensure_ascii=False) if args.json else
                      f"{row['at']}  {row['label']}  {row['note']}  {'; '.join(row['documents'])}".rstrip())
            return 0
        documents = tuple(d.strip() for d in args.documents.split(";") if d.strip())
        step = Step(args.params[1], args.note, documents, args.official, args.unit)
        try:
            store.set_status(args.params[0], step)
        except HistoryError as exc:
            print(f"motcua gateway: {exc}", file=sys.stderr)
            return exc.code
        print(f"motcua gateway: {args.params[0]} is now {args.params[1]}")
        return 0
    finally:
        store.close()


def _ops_tls(config: Any) -> ssl.SSLContext | None:
    """ops' own identity, or the gateway's where the run file gives no other."""
    if not config.ca_file:
        return None
    from firmware.common.tls import TlsError, client_context

    try:
        return client_context(config.ca_file, config.ops_cert_file or config.cert_file,
                              config.ops_key_file or config.key_file)
    except TlsError as exc:
        raise UsageError(f"[broker] ca_file / [ops] cert_file, key_file: {exc}") from None


def cmd_ops(args: argparse.Namespace) -> int:
    from province.gateway import GatewayConfigError, load_gateway_config
    from province.ops import watch

    try:
        config = load_gateway_config(args.config, need_store=False)
    except GatewayConfigError as exc:
        raise UsageError(str(exc)) from None

    def table(rows: list[dict[str, Any]]) -> str:
        lines = [f"{'kiosk':24} {'state':8} {'backlog':>7} {'printer':10} {'unprinted':>9} {'dossiers':>8}  "
                 f"{'last seen':25} attention"]
        lines += [f"{r['kiosk']!s:24} {r['state']!s:8} {r['backlog']!s:>7} {r['printer']!s:10} "
                  f"{r['unprinted_slips']!s:>9} {r['dossiers_today']!s:>8}  {r['last_seen']!s:25} "
                  f"{', '.join([*(['staff called'] if r.get('staff_called') else []), *r['attention']]) or '-'}"
                  for r in rows]
        return "\n".join(lines)

    def show(rows: list[dict[str, Any]]) -> None:
        if args.json:  # live JSON Lines: the whole fleet again whenever something changed
            for row in rows:
                print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print("\x1b[2J\x1b[H" + table(rows), flush=True)

    tls = _ops_tls(config)
    if args.params and args.params[0] == "forget":
        return _ops_forget(args, config, tls)
    if args.params:
        from firmware.cli.commands import cmd_ops_send

        return cmd_ops_send(args, config, tls)
    try:
        fleet = watch(config.host, config.port, args.once, show, tls)
    except (ConnectionError, OSError) as exc:
        print(f"motcua ops: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    rows = fleet.rows()
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(table(rows))
    return 0 if rows else 1


def _ops_forget(args: argparse.Namespace, config: Any, tls: ssl.SSLContext | None) -> int:
    """`motcua ops forget KIOSK`: a decommissioned kiosk's retained discovery, status and availability emptied."""
    from province.ops import forget

    if len(args.params) != 2:
        raise UsageError("usage: motcua ops forget KIOSK")
    try:
        emptied = forget(config.host, config.port, tls, args.params[1])
    except (ConnectionError, OSError) as exc:
        print(f"motcua ops: {exc}", file=sys.stderr)
        return 1
    print(f"motcua ops: {args.params[1]} forgotten: {len(emptied)} retained topics emptied (Home Assistant removes "
          "its entities)")
    return 0


def cmd_out_of_service(args: argparse.Namespace) -> int:
    """A still screen and nothing else: no devices, no network (systemd/motcua-out-of-service.service)."""
    import pygame

    from firmware.app.display import Display, has_desktop_display
    from firmware.runtime.clock import SystemClock
    from screens.out_of_service import OutOfServiceScreen
    from screens.ui.canvas import Canvas
    from screens.ui.theme import make_theme

    config = config_from(args.config)
    driver = config.display.driver
    if driver == "auto":
        driver = "window" if has_desktop_display() else "offscreen"
    if driver == "offscreen":
        headless()
    pygame.freetype.init()
    display = Display(config.display.width, config.display.height, config.display.rotate,
                      config.display.window_scale)
    display.open(driver)
    theme = make_theme(config.display.width, config.display.height, config.display.px_per_mm)
    # The screen reads only the config, the clock and the (empty) health: no services are started.
    kiosk = SimpleNamespace(config=config, clock=SystemClock(), health={})
    screen = OutOfServiceScreen(kiosk, theme)  # type: ignore[arg-type]
    # First boot not finished (provisioning/firstboot): say so to the staff, with where to look.
    unfinished = (Path(config.outbox.path).parent / "firstboot-pending").exists()
    screen.enter(**({"reason": "setup"} if unfinished else {}))
    print(f"motcua out-of-service: shown (reason {'setup' if unfinished else 'crashes'})", file=sys.stderr)
    canvas = Canvas(display.surface, theme)
    try:
        while True:
            screen.update(0.0)
            if screen.dirty:
                screen.draw(canvas)
                screen.dirty = False
                display.present()
            event = pygame.event.wait(1000)
            if event.type == pygame.QUIT or args.once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        display.close()


def cmd_provision(args: argparse.Namespace) -> int:
    from firmware.runtime.config import parse
    from provisioning.image import ProvisionError, provision, provision_batch

    wheelhouse = Path(args.wheelhouse) if args.wheelhouse else None
    try:
        if args.action == "batch":
            written = provision_batch(Path(args.sites), Path(args.base), Path(args.out), wheelhouse, parse,
                                      args.xz, args.url_base)
            print(f"motcua provision: {len(written)} images and os_list.json (Raspberry Pi Imager) in {args.out}/")
            return 0
        kind = provision(Path(args.base), Path(args.site), Path(args.out), wheelhouse, parse, args.xz)
    except ProvisionError as exc:
        raise UsageError(str(exc)) from None
    made = f"{args.out}.xz (and .sha256)" if args.xz else args.out
    print(f"motcua provision: {made} ready ({kind} base image)")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from firmware.app.doctor import examine
    from firmware.app.doctor_reasons import check_name, result_label
    from firmware.rules import i18n
    from firmware.rules.i18n import _

    headless()
    config = config_from(args.config)
    i18n.set_language(args.lang)
    findings = examine(config)
    if args.json:
        for finding in findings:
            print(json.dumps({"check": finding.check, "result": finding.result, "detail": finding.detail,
                              "status": finding.status}, ensure_ascii=False, default=str))
    else:
        print(_("motcua doctor: kiosk {kiosk}, cấu hình {config}").format(
            kiosk=config.kiosk.id, config=args.config or _("(mặc định có sẵn)")))
        for finding in findings:
            print(f"  {result_label(finding.result):<9} {check_name(finding.check):<13} {finding.detail}")
    failed = [f.check for f in findings if f.result == "fail"]
    if not args.json:
        print(_("{count} lỗi: {checks}").format(count=len(failed), checks=", ".join(check_name(c) for c in failed))
              if failed else _("mọi thứ kiosk cần đều trả lời"))
    return 1 if failed else 0
