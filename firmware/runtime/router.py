"""The event router: each event kind, and each MQTT leaf, goes to the handlers registered for it, in the order
they were registered (Klipper's `register_event_handler`, Home Assistant's subscription matching). Then every
event goes to the screens. No handler filters events by string; no exception from one handler stops the rest.

The composition root (`firmware/app/compose.py`) registers every handler in one place, so the order in which
an event reaches its handlers is written down there; `table()` prints it for `docs/architecture.md`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from firmware.runtime.events import KioskEvent, MqttMessage

log = logging.getLogger("motcua.router")
E = TypeVar("E", bound=KioskEvent)
Handler = Callable[[Any], Any]


def _name(handler: Handler) -> str:
    owner = getattr(handler, "__self__", None)
    name = getattr(handler, "__name__", repr(handler))
    return f"{type(owner).__name__}.{name}" if owner is not None else name


class Router:
    def __init__(self) -> None:
        self._by_kind: dict[type[KioskEvent], list[Handler]] = {}
        self._by_leaf: dict[str, list[Handler]] = {}
        self._last: list[Handler] = []
        self.failures = 0

    def on(self, kind: type[E], handler: Callable[[E], Any]) -> None:
        """`handler(event)` for every event of exactly this kind."""
        self._by_kind.setdefault(kind, []).append(handler)

    def on_topic(self, leaf: str, handler: Callable[[MqttMessage], Any]) -> None:
        """`handler(message)` for MQTT messages on this leaf of the kiosk's topics (or this whole topic)."""
        self._by_leaf.setdefault(leaf, []).append(handler)

    def then(self, handler: Callable[[KioskEvent], Any]) -> None:
        """`handler(event)` for every event, after its own handlers (the screens)."""
        self._last.append(handler)

    def handlers_for(self, event: KioskEvent) -> list[Handler]:
        handlers = list(self._by_kind.get(type(event), ()))
        if isinstance(event, MqttMessage):
            handlers += self._by_leaf.get(event.leaf, [])
        return handlers + self._last

    def dispatch(self, event: KioskEvent) -> None:
        for handler in self.handlers_for(event):
            try:
                handler(event)
            except Exception:  # one faulty handler must not starve the others, nor stop the loop
                self.failures += 1
                log.exception("%s failed on a %s event", _name(handler), event.kind)

    def table(self) -> list[tuple[str, list[str]]]:
        """(kind or topic, handler names in order), for the docs and for tests."""
        rows = [(kind.kind, [_name(h) for h in handlers]) for kind, handlers in self._by_kind.items()]
        rows += [(f"mqtt {leaf}", [_name(h) for h in handlers]) for leaf, handlers in self._by_leaf.items()]
        rows.append(("(every event, last)", [_name(h) for h in self._last]))
        return rows

    def status(self, now: float) -> dict[str, Any]:
        return {"failures": self.failures}
