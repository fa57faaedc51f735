"""Login with the VNeID app, the kiosk's side: ask the province for a session (`req/login`), show its QR, poll
(`req/login_status`) until the citizen approves or refuses in the app or the session expires. A confirmed
identity arrives in the ID card's QR format and is read by the same code as a card (firmware/rules/identity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.runtime.config import Config
from firmware.services.lookup import Send


@dataclass
class VneidService:
    config: Config
    send: Send | None = None  # the link's request sender; None on a kiosk without MQTT
    last_session: str = ""  # the session whose QR was shown last (`{session}` in a sim script); never logged

    @property
    def enabled(self) -> bool:
        return self.config.vneid.enabled

    def start(self, now: float) -> bytes | None:
        """Ask for a new login session; the correlation id, or None when offline."""
        return self.send("login", {}, now) if self.send else None

    def poll(self, session: str, now: float) -> bytes | None:
        return self.send("login_status", {"session": session}, now) if self.send else None
