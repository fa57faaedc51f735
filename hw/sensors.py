"""GPIO sensors through gpiozero: presence (PIR), help button, tamper switch, status LED, buzzer.

The pin factory is passed in: lgpio on the Pi, gpiozero's own MockFactory on desktops and in tests. Callbacks
run on gpiozero's thread, so they only hand `(kind, data)` to `notify`, which posts to the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Notify = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Pins:
    presence: int = 17
    help_button: int = 27
    tamper: int = 22
    status_led: int = 23
    buzzer: int = 24


class Sensors:
    def __init__(self, pin_factory: Any, pins: Pins, notify: Notify) -> None:
        from gpiozero import LED, Buzzer, DigitalInputDevice

        self.pins = pins
        self.factory = pin_factory
        self._notify = notify
        # Edge-triggered inputs, no thread of ours: a PIR holds its output high for seconds by itself, and neither
        # button means anything when held. gpiozero's MotionSensor samples its pin on a thread 10 times a second
        # and each Button keeps a hold thread that wakes as often: 0.3 % of a core on an idle kiosk here.
        self.presence = DigitalInputDevice(pins.presence, pull_up=False, pin_factory=pin_factory)
        self.help_button = DigitalInputDevice(pins.help_button, pull_up=True, pin_factory=pin_factory)
        self.tamper = DigitalInputDevice(pins.tamper, pull_up=True, pin_factory=pin_factory)
        self.status_led = LED(pins.status_led, pin_factory=pin_factory)
        self.buzzer = Buzzer(pins.buzzer, pin_factory=pin_factory)
        self.presence.when_activated = lambda: notify("presence", {"present": True})
        self.presence.when_deactivated = lambda: notify("presence", {"present": False})
        self.help_button.when_activated = lambda: notify("button", {"name": "help"})
        self.tamper.when_activated = lambda: notify("button", {"name": "tamper"})

    def status(self, now: float) -> dict[str, Any]:
        return {"present": bool(self.presence.is_active), "tamper": bool(self.tamper.is_active),
                "led": bool(self.status_led.value)}

    def close(self) -> None:
        for device in (self.presence, self.help_button, self.tamper, self.status_led, self.buzzer):
            device.close()


class SimSensorDriver:
    """Drives MockFactory pins the way a person would; the sensors see real pin changes."""

    def __init__(self, sensors: Sensors) -> None:
        self.sensors = sensors
        factory = sensors.factory
        self._pin = {name: factory.pin(getattr(sensors.pins, name)) for name in ("presence", "help_button", "tamper")}
        self._pin["presence"].drive_low()
        for name in ("help_button", "tamper"):
            self._pin[name].drive_high()  # buttons pull up: high is released

    def set_presence(self, present: bool, timeout: float = 2.0) -> bool:
        """Drive the sensor's pin and wait (bounded) until the sensor has seen it."""
        pin = self._pin["presence"]
        if present:
            pin.drive_high()
            return bool(self.sensors.presence.wait_for_active(timeout=timeout))
        pin.drive_low()
        return bool(self.sensors.presence.wait_for_inactive(timeout=timeout))

    def press(self, name: str) -> None:
        key = {"help": "help_button", "tamper": "tamper"}.get(name)
        if key is None:
            raise ValueError(f"no button {name!r}; expected help or tamper")
        self._pin[key].drive_low()
        self._pin[key].drive_high()


def _mock_factory() -> Any:
    from gpiozero.pins.mock import MockFactory

    return MockFactory()


def _lgpio_factory() -> Any:
    from gpiozero.pins.lgpio import LGPIOFactory

    return LGPIOFactory()


# Pin factories by their config name (`[gpio] factory`; "none": no sensors): 'mock' for desktops and tests,
# 'lgpio' on the Pi (apt's python3-lgpio; a missing library is a device fault at start, in the log and status).
BACKENDS: dict[str, Any] = {"mock": _mock_factory, "lgpio": _lgpio_factory, "none": None}


def make_factory(kind: str) -> Any:
    make = BACKENDS.get(kind)
    if make is None:
        raise ValueError(f"unknown pin factory {kind!r}; expected mock or lgpio")
    return make()
