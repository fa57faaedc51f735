"""What every `motcua` subcommand shares: the usage error (exit 2), loading the config, headless SDL."""

from __future__ import annotations

import os

from firmware.runtime.config import Config, load


class UsageError(Exception):
    """Bad input: exit 2 with the message."""


def config_from(path: str | None) -> Config:
    return load(path) if path else Config()


def headless() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
