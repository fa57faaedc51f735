"""Benchmarks keep their outboxes in a scratch directory, removed at exit."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

_DIR = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
atexit.register(shutil.rmtree, _DIR, True)
_count = 0


def scratch_outbox() -> str:
    global _count
    _count += 1
    return str(_DIR / f"outbox-{_count}.db")


def scratch_dir() -> Path:
    return _DIR
