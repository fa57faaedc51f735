"""`motcua ops send KIOSK COMMAND [ARGS]`: sign an operator command with the province's operator key, send it
on the kiosk's `cmd`, wait for its answer on `reply`. Exit 0 done, 1 refused or no answer, 2 bad input."""

from __future__ import annotations

import argparse
import json
import re
import ssl
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from firmware.cli.common import UsageError
from firmware.common.commands import COMMANDS, MAX_TTL, NOTICE_MAX, sign

TAKES_TEXT = {"notice": "text", "out_of_service": "reason"}


def command_args(command: str, words: list[str]) -> dict[str, Any]:
    if command not in COMMANDS:
        raise UsageError(f"no such command {command!r}; expected one of {', '.join(COMMANDS)}")
    field = TAKES_TEXT.get(command)
    if field is None:
        if words:
            raise UsageError(f"{command} takes no arguments")
        return {}
    text = " ".join(words).strip()
    if command == "notice" and not text:
        raise UsageError("notice needs its text, e.g. motcua ops send KIOSK notice \"Chiều nay nghỉ từ 16:00\"")
    limit = NOTICE_MAX if command == "notice" else 200
    if len(text) > limit:
        raise UsageError(f"{command}: the text is {len(text)} characters, more than {limit}")
    return {field: text} if text else {}


def cmd_ops_send(args: argparse.Namespace, config: Any, tls: ssl.SSLContext | None) -> int:
    from province.ops import send
    from province.pki import Authority, CaError

    if len(args.params) < 3 or args.params[0] != "send":
        raise UsageError("usage: motcua ops send KIOSK COMMAND [ARGS]")
    kiosk, command, words = args.params[1], args.params[2], args.params[3:]
    if not re.fullmatch(r"[a-z0-9-]{3,24}", kiosk):
        raise UsageError(f"kiosk {kiosk!r}: 3 to 24 of a-z, 0-9 and '-'")
    body = command_args(command, words)
    if not 1 <= args.ttl <= MAX_TTL.total_seconds():
        raise UsageError(f"--ttl {args.ttl:g}: from 1 to {MAX_TTL.total_seconds():g} seconds")
    try:
        authority = Authority.open(Path(args.ca or config.ca or "out/run/ca"))
        key = authority.operator_key()
    except CaError as exc:
        raise UsageError(str(exc)) from None
    command_id, payload = sign(key, authority.province, kiosk, command, body, datetime.now().astimezone(),
                               timedelta(seconds=args.ttl))
    try:
        answer = send(config.host, config.port, tls, authority.province, kiosk, command_id, payload, args.wait)
    except (ConnectionError, OSError) as exc:
        print(f"motcua ops: {exc}", file=sys.stderr)
        return 1
    if answer is None:
        print(f"motcua ops: {kiosk} did not answer {command} in {args.wait:g} s (offline? it runs the command "
              "when it comes back, until the command expires)", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False) if args.json else
          f"motcua ops: {kiosk} {command}: {'done' if answer.get('ok') else 'REFUSED ' + str(answer.get('rejected'))}"
          f" ({answer.get('detail', '')})")
    return 0 if answer.get("ok") else 1
