"""`motcua ca init|issue|revoke|token|list|technician-card` and `motcua broker-config` (docs/security.md).

Exit 0 done, 1 nothing to act on (revoking a name with no live certificate), 2 bad input or a CA that cannot be
used, with the reason on stderr."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from firmware.cli.common import UsageError

DEFAULT_CA = "out/run/ca"  # the run stack's own CA: `make run` makes it


def cmd_ca(args: argparse.Namespace) -> int:
    from province.pki import Authority, CaError

    try:
        if args.action == "init":
            authority = Authority.init(Path(args.dir), args.province)
            print(f"motcua ca: a CA for province {args.province} in {args.dir}\n"
                  f"province_key = \"{authority.seal_public()}\"  # every site file: dossiers are sealed to it\n"
                  f"operator_key = \"{authority.operator_public()}\"  # every site file: commands signed with it")
            return 0
        authority = Authority.open(Path(args.ca))
        if args.action == "issue":
            return _issue(authority, args)
        if args.action == "revoke":
            count = authority.revoke(args.name)
            print(f"motcua ca: {args.name}: {count} certificate(s) revoked; crl.pem re-signed: run `motcua "
                  "broker-config` again and reload mosquitto")
            return 0
        if args.action == "token":
            print(authority.new_token(args.name))
            return 0
        if args.action == "technician-card":
            return _technician_card(authority, args)
        for entry in authority.registry["certs"]:
            print(json.dumps(entry, ensure_ascii=False) if args.json else
                  f"{entry['name']:<24} {entry['role']:<9} {entry['not_after'][:10]}  "
                  f"{'revoked ' + entry['revoked_at'][:10] if entry['revoked_at'] else 'valid'}")
        return 0
    except CaError as exc:
        print(f"motcua ca: {exc}", file=sys.stderr)
        return exc.code


def _technician_card(authority: object, args: argparse.Namespace) -> int:
    """A technician's card: the QR's text on stdout, and the QR as a PNG to print with --out."""
    from datetime import datetime

    import segno

    from firmware.common.technician import make_card
    from province.pki import Authority

    assert isinstance(authority, Authority)
    name = " ".join(args.name.split())
    if not 2 <= len(name) <= 60:
        raise UsageError(f"technician name {args.name!r}: 2 to 60 characters")
    if not 1 <= args.days <= 366:
        raise UsageError(f"--days {args.days}: from 1 to 366 (a card lives at most a year)")
    card = make_card(authority.operator_key(), authority.province, name, datetime.now().astimezone(), args.days)
    if args.out:
        segno.make(card, error="m", micro=False).save(args.out, scale=8, border=4)
    print(card)
    return 0


def _issue(authority: object, args: argparse.Namespace) -> int:
    from province.pki import Authority, CaError

    assert isinstance(authority, Authority)
    days = args.days
    if days is not None and not 1 <= days <= 3650:
        raise UsageError(f"--days {days}: from 1 to 3650")
    if args.csr:
        try:
            csr_pem = Path(args.csr).read_bytes()
        except OSError as exc:
            raise UsageError(f"--csr {args.csr}: cannot read it ({exc.strerror})") from None
        if args.role != "kiosk":
            raise CaError("--csr is for a kiosk's own key (--role kiosk)")
        cert = authority.sign_csr(csr_pem, args.name)
        target = Path(args.out or ".") / f"{args.name}.crt"
        target.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        cert = authority.issue(args.name, args.role, days=days, hosts=tuple(args.host or ()))
        target = authority.directory / "issued" / f"{args.name}.crt"
    print(f"motcua ca: {args.role} {args.name}: {target} (serial {cert.serial_number:x}, until "
          f"{cert.not_valid_after_utc:%Y-%m-%d})")
    return 0


def cmd_broker_config(args: argparse.Namespace) -> int:
    from province.broker_config import BrokerLayout, write
    from province.pki import Authority, CaError

    for flag, port in (("--port", args.port), ("--bootstrap-port", args.bootstrap_port)):
        if not 1 <= port <= 65535:
            raise UsageError(f"{flag} {port}: from 1 to 65535")
    if args.port == args.bootstrap_port:
        raise UsageError("--port and --bootstrap-port must differ")
    try:
        authority = Authority.open(Path(args.ca))
        for flag, value in [("--bind", args.bind)] * bool(args.bind) + [("--host", h) for h in args.host or ()]:
            if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", value):
                raise UsageError(f"{flag} {value!r}: a host name or an address")
        if args.user and not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", args.user):
            raise UsageError(f"--user {args.user!r}: a system user name, e.g. mosquitto")
        conf = write(authority, Path(args.out), BrokerLayout(args.port, args.bootstrap_port, args.bind,
                                                             tuple(args.host or ("localhost", "127.0.0.1")),
                                                             user=args.user))
    except CaError as exc:
        print(f"motcua broker-config: {exc}", file=sys.stderr)
        return exc.code
    print(f"motcua broker-config: {conf} (TLS {args.port} with client certificates, enrolment {args.bootstrap_port});"
          f" run: mosquitto -c {conf}")
    return 0


def add_security(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ca = sub.add_parser("ca", help="the province's CA: kiosk, gateway and operator certificates, CRL, tokens")
    actions = ca.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="make a CA (and the key dossiers are sealed to) in DIR")
    init.add_argument("dir")
    init.add_argument("--province", default="hn", help="the province code of the topics (default hn)")
    issue = actions.add_parser("issue", help="a certificate: a kiosk's from its CSR, or a service's with its key")
    issue.add_argument("name", help="the identity: a kiosk id, or gateway, ops, a dashboard's name")
    issue.add_argument("--role", default="kiosk", choices=("kiosk", "gateway", "ops", "dashboard", "broker"))
    issue.add_argument("--csr", help="a kiosk's certificate request (PEM): its key stays on the kiosk")
    issue.add_argument("--out", help="with --csr: the directory for NAME.crt (default .)")
    issue.add_argument("--days", type=int, help="validity (default: kiosk 365, services 730)")
    issue.add_argument("--host", action="append", help="--role broker: a name or address it answers on")
    revoke = actions.add_parser("revoke", help="revoke a kiosk's (or any identity's) certificates; CRL re-signed")
    revoke.add_argument("name")
    token = actions.add_parser("token", help="a one-time enrolment token for a kiosk (for its site file)")
    token.add_argument("name")
    listing = actions.add_parser("list", help="every certificate issued")
    listing.add_argument("--json", action="store_true")
    card = actions.add_parser("technician-card", help="a technician's card (a QR signed with the operator key)")
    card.add_argument("name", help="the technician's name, shown at the kiosk and in its record")
    card.add_argument("--days", type=int, default=90, help="validity in days (default 90, at most 366)")
    card.add_argument("--out", help="write the QR as a PNG here (to print and laminate)")
    for action in (issue, revoke, token, listing, card):
        action.add_argument("--ca", default=DEFAULT_CA, help=f"the CA directory (default {DEFAULT_CA})")
    ca.set_defaults(func=cmd_ca)

    broker = sub.add_parser("broker-config", help="the mosquitto configuration the province runs")
    broker.add_argument("--ca", required=True, help="the CA directory (`motcua ca init`)")
    broker.add_argument("--out", required=True, help="the directory to write mosquitto.conf and its files to")
    broker.add_argument("--port", type=int, default=8883, help="TLS with client certificates (default 8883)")
    broker.add_argument("--bootstrap-port", type=int, default=8884, help="enrolment only (default 8884)")
    broker.add_argument("--bind", default="", help="the address to listen on (default: every interface)")
    broker.add_argument("--host", action="append", help="a name or address the broker answers on (repeatable)")
    broker.add_argument("--user", default="", help="the user mosquitto runs as (it must read the files written)")
    broker.set_defaults(func=cmd_broker_config)

