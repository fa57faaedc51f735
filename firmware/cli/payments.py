"""Fees and VNeID at the command line: `motcua vietqr`, and the gateway's `confirm-payment`, `payments` and
`confirm-login` (standing in for the bank's notification and for the VNeID service)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from firmware.cli.common import UsageError
from firmware.common.vietqr import VietQrError, payload


def _whole(text: str | None, flag: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise UsageError(f"{flag} {text!r}: a positive whole number of đồng, e.g. 10000")
    return int(text)


def cmd_vietqr(args: argparse.Namespace) -> int:
    """The payload string and nothing else (exit 2 with a message for input a bank would refuse)."""
    try:
        print(payload(args.bin, args.account, _whole(args.amount, "--amount"), args.purpose))
    except VietQrError as exc:
        raise UsageError(str(exc)) from None
    return 0


def add_vietqr(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    vietqr = sub.add_parser("vietqr", help="the VietQR payload for a transfer to an account (DESIGN.md §6)")
    vietqr.add_argument("--bin", required=True, help="the bank's 6-digit BIN (NAPAS), e.g. 970415")
    vietqr.add_argument("--account", required=True, help="the account number, 6 to 19 digits")
    vietqr.add_argument("--amount", help="VND, a positive whole number (a dynamic QR); none: static")
    vietqr.add_argument("--purpose", default="", help="transfer note: at most 25 of A-Z a-z 0-9 space . -")
    vietqr.set_defaults(func=cmd_vietqr)


def gateway_payment(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    """`confirm-payment CODE [--amount] [--ref]` (1 unknown code, 2 bad input) and `payments [--json]`."""
    from firmware.rules.money import money
    from province.payments import PaymentError
    from province.store import Store

    wanted = 1 if args.action == "confirm-payment" else 0
    if len(args.params) != wanted:
        raise UsageError("usage: motcua gateway confirm-payment CODE [--amount VND] [--ref TEXT] | "
                         "payments [--json]")
    amount = _whole(args.amount, "--amount")
    store = Store(store_path, unit_code)
    try:
        if args.action == "payments":
            for row in store.payments():
                print(json.dumps(row, ensure_ascii=False) if args.json else
                      f"{row['at']}  {row['code']}  {row['amount_vnd']}  {row['status']}  {row['ref']}  "
                      f"{row['procedure']}")
            return 0
        try:
            row = store.confirm_payment(args.params[0], amount, args.ref, datetime.now().astimezone())
        except PaymentError as exc:
            print(f"motcua gateway: {exc}", file=sys.stderr)
            return exc.code
    finally:
        store.close()
    said = {"paid": "paid", "mismatch": f"a mismatch, not paid (the fee is {money(row['fee_vnd'])})",
            "duplicate": "a second payment of a paid dossier (to refund)"}
    print(f"motcua gateway: {row['code']}: {money(row['amount_vnd'])}, ref {row['ref']}: {said[row['status']]}")
    return 0


def gateway_login(args: argparse.Namespace, store_path: str, unit_code: str) -> int:
    """`confirm-login SESSION --cccd PAYLOAD | --refuse` (1 unknown, expired or answered already; 2 bad input)."""
    from province.store import Store
    from province.vneid import LoginError, ReferenceLogins

    if len(args.params) != 1 or (args.cccd is None) == (not args.refuse):
        raise UsageError("usage: motcua gateway confirm-login SESSION (--cccd PAYLOAD | --refuse)")
    if args.cccd is not None:
        from firmware.rules.identity import read_cccd

        card = read_cccd(args.cccd)
        if card is None or not card.valid:
            print("motcua gateway: --cccd: not an identity in the card's QR format "
                  "(12-digit ID|old ID|name|DDMMYYYY|sex|address|DDMMYYYY)", file=sys.stderr)
            return 2
    store = Store(store_path, unit_code)
    try:
        ReferenceLogins(store.db).answer(args.params[0], datetime.now().astimezone(),
                                         None if args.refuse else args.cccd)
    except LoginError as exc:
        print(f"motcua gateway: {exc}", file=sys.stderr)
        return exc.code
    finally:
        store.close()
    print(f"motcua gateway: login {args.params[0][:8]}… {'refused' if args.refuse else 'confirmed'}")
    return 0
