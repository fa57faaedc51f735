"""paho's own network thread, for the kiosk's link and the gateway alike.

Only with a thread of its own (`loop_start`) does paho queue a message published from another thread for that
thread to write. Without one it writes from the publishing thread at once, while the network thread may be
reading the same SSL socket, which OpenSSL does not allow (mosquitto: "bad record mac", and the connection fell).
"""

from __future__ import annotations

import threading
from typing import Protocol


class PahoClient(Protocol):
    """What of paho's `mqtt.Client` this uses (typed here: paho itself is imported by the link, on the kiosk)."""

    _thread: threading.Thread | None

    def loop_start(self) -> object: ...


def start_network_thread(client: PahoClient) -> threading.Thread | None:
    """Start paho's network thread; the thread, so that its end can be waited for (None: it has already ended).
    It ends when the connection does (with `reconnect_on_failure` off), on `disconnect()`, or by an exception
    in paho or in a callback, which it prints."""
    client.loop_start()
    return client._thread  # paho keeps no other handle on it
