"""Login with the VNeID app: the province's side, behind one adapter.

A kiosk asks for a session (`req/login`); the adapter gives it a random single-use id and a QR text for the app
(`VNEID-LOGIN:<id>`), valid `ttl_s` seconds. The kiosk polls (`req/login_status`) until the session is confirmed
(the citizen approved in the app: the adapter returns the identity in the card's QR format, so the kiosk reads it
exactly as it reads a card), refused, or expired. A session belongs to the kiosk that asked for it: another
kiosk asking about it hears `unknown`. Once the kiosk has read a confirmed identity the session is spent.

A province puts the real VNeID integration behind `LoginAdapter`; `ReferenceLogins` keeps sessions in the
gateway's SQLite store and is confirmed by `motcua gateway confirm-login` (standing in for the VNeID service).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from province.db import Db, create

SCHEMA = """
CREATE TABLE IF NOT EXISTS logins (session TEXT PRIMARY KEY, kiosk TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, state TEXT NOT NULL, cccd TEXT NOT NULL DEFAULT '', done_at TEXT);
CREATE INDEX IF NOT EXISTS logins_by_expiry ON logins (expires_at);
"""
QR_PREFIX = "VNEID-LOGIN:"
SESSION_BYTES = 16  # 128 bits
DEFAULT_TTL_S = 120
PENDING_PER_KIOSK = 3
log = logging.getLogger("motcua.gateway")


_CARD = re.compile(r"\d{12}\|(\d{9}|\d{12})?\|[^|]{1,100}\|\d{8}\|[^|]{1,10}\|[^|]{1,300}\|\d{8}")


def _looks_like_card(cccd: str) -> bool:
    """The shape of the card's QR; the kiosk reads the identity fully, exactly as it reads a card, and the
    command line (`confirm-login`) checks it the same way before it gets here."""
    return isinstance(cccd, str) and _CARD.fullmatch(cccd) is not None


class LoginError(Exception):
    """`code` 1: no such session, or it expired or was answered already; 2: a bad identity payload."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LoginSession:
    session: str
    qr: str
    expires_in_s: int


@dataclass(frozen=True)
class LoginState:
    """`pending`, `confirmed` (with `cccd`, the identity in the card's QR format), `refused`, `expired`, or
    `unknown` (never issued, another kiosk's, or spent)."""

    state: str
    cccd: str = ""


class LoginAdapter(Protocol):
    def begin(self, kiosk: str, now: datetime) -> LoginSession: ...
    def poll(self, kiosk: str, session: str, now: datetime) -> LoginState: ...


class ReferenceLogins:
    def __init__(self, db: Db, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.db = db
        self.ttl_s = ttl_s
        create(db, (SCHEMA,))

    def begin(self, kiosk: str, now: datetime) -> LoginSession:
        session = secrets.token_hex(SESSION_BYTES)
        self.db.execute("DELETE FROM logins WHERE expires_at < ?", (now.timestamp() - 86400,))
        self.db.execute("INSERT INTO logins (session, kiosk, created_at, expires_at, state) VALUES (?, ?, ?, ?, ?)",
                        (session, kiosk, now.timestamp(), now.timestamp() + self.ttl_s, "pending"))
        # A kiosk shows one QR at a time: older pending sessions of the same kiosk go (a flood stays small).
        self.db.execute("DELETE FROM logins WHERE kiosk = ? AND state = 'pending' AND session NOT IN "
                        "(SELECT session FROM logins WHERE kiosk = ? AND state = 'pending' "
                        "ORDER BY created_at DESC LIMIT ?)", (kiosk, kiosk, PENDING_PER_KIOSK))
        log.info("VNeID login session started for kiosk %s (%s s)", kiosk, self.ttl_s)
        return LoginSession(session, QR_PREFIX + session, self.ttl_s)

    def poll(self, kiosk: str, session: str, now: datetime) -> LoginState:
        row = self.db.execute("SELECT kiosk, expires_at, state, cccd FROM logins WHERE session = ?",
                              (session,)).fetchone()
        if row is None or row[0] != kiosk or row[2] == "spent":
            return LoginState("unknown")
        if row[2] == "pending" and now.timestamp() > row[1]:
            return LoginState("expired")
        if row[2] == "confirmed":  # read once: the identity leaves the province one time only
            self.db.execute("UPDATE logins SET state = 'spent', cccd = '' WHERE session = ?", (session,))
            return LoginState("confirmed", row[3])
        return LoginState(row[2])

    def answer(self, session: str, now: datetime, cccd: str | None) -> None:
        """The app's answer: an identity (confirmed) or None (refused). Raises LoginError."""
        if cccd is not None:
            if not _looks_like_card(cccd):
                raise LoginError("--cccd: not an identity in the card's QR format "
                                 "(12-digit ID|old ID|name|DDMMYYYY|sex|address|DDMMYYYY)", 2)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT expires_at, state FROM logins WHERE session = ?", (session,)).fetchone()
            if row is None:
                problem = "no such login session"
            elif row[1] != "pending":
                problem = "this login session was answered already (a replay?)"
            elif now.timestamp() > row[0]:
                problem = "this login session has expired"
            else:
                problem = ""
                self.db.execute("UPDATE logins SET state = ?, cccd = ?, done_at = ? WHERE session = ?",
                                ("confirmed" if cccd else "refused", cccd or "", now.isoformat(), session))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if problem:
            log.warning("refused a VNeID answer for session %s…: %s", session[:8], problem)
            raise LoginError(f"{problem} ({session[:8]}…)", 1)
        log.info("VNeID login session %s… %s", session[:8], "confirmed" if cccd else "refused in the app")
